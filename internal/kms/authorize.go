package kms

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Authorization. Every operation says what it needs (its needs function:
// an action on a key, or on an alias or "*"), and checkOp, the service's
// operation.Service.Check, judges each need before the handler runs.
//
// A key is judged as AWS KMS judges it
// (https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html):
//
//   - The key policy is the primary control. Without an Allow in it that
//     applies to the caller, nothing else can let the caller use the key:
//     not IAM policies, not even the account's root user ("because no
//     resource-based policy allows …").
//   - A key policy statement naming the account (its id or :root ARN)
//     lets the account's IAM policies speak: the caller is then allowed
//     when its identity policies allow too ("because no identity-based
//     policy allows …" otherwise). One naming the caller itself (its user
//     or role ARN, or "*") allows on its own.
//   - A grant lets its grantee principal do the grant's operations, within
//     its constraints, whatever the key policy says.
//   - An explicit Deny in the key policy or an identity policy wins over
//     everything.
//
// policy.Evaluate already implements the account-delegation rule of
// resource policies; what KMS adds is that an identity allow counts only
// when the key policy itself matched (allowedHere), and the grants.
// An alias, or "*" (CreateKey, ListKeys, ListAliases), has no resource
// policy: identity policies alone decide, as for IAM.

// need is one permission a call needs.
type need struct {
	action string
	// key is the key acted on; nil for an action on arn alone.
	key *keyRecord
	arn string
	// grantOp is the grant operation that gives the action ("" none).
	grantOp string
	// encCtx is the request's encryption context, read by the
	// kms:EncryptionContext keys and checked against grant constraints.
	encCtx map[string]string
	// keys are the condition keys of the request's own parameters.
	keys policy.Context
	// grantSubset and grantConstraints, for CreateGrant, are the
	// operations and constraints of the new grant: a grant allowing
	// CreateGrant covers only grants of a subset of its own operations,
	// constrained at least as much as itself.
	grantSubset      []string
	grantConstraints *GrantConstraints
	// retire, for RetireGrant, is the grant to retire, which names who
	// may retire it.
	retire *grantRecord
	// ciphertext marks a key found from a ciphertext (Decrypt, the source
	// of ReEncrypt): a denial by the key's side does not name it.
	ciphertext bool
}

// keyNeed is an action on a key.
func keyNeed(action string, k *keyRecord, grantOp string) need {
	return need{action: action, key: k, grantOp: grantOp, keys: policy.Context{}}
}

// viaKey is the context key of an in-process caller acting for another
// service (S3): the kms:ViaService it gives its calls.
type viaKey struct{}

// withVia marks ctx as a call made through service (e.g.
// "s3.us-east-1.amazonaws.com").
func withVia(ctx context.Context, service string) context.Context {
	return context.WithValue(ctx, viaKey{}, service)
}

func viaService(ctx context.Context) string {
	v, _ := ctx.Value(viaKey{}).(string)
	return v
}

// checkOp is the one authorization point of KMS's operations.
func (s *Service) checkOp(ctx context.Context, op *operation.Operation, in any) error {
	needsFn := s.needs[op.Name]
	if needsFn == nil {
		return nil
	}
	if p := request.From(ctx).Principal; p.IsAnonymous() {
		// KMS takes signed requests only (an anonymous S3 caller asking
		// for SSE-KMS gets here): nothing allows an anonymous caller.
		return denied(p, op.Action, "*", policy.Result{Decision: policy.ImplicitDeny, Missing: policy.Resource})
	}
	needs, err := needsFn(ctx, in)
	if err != nil {
		return err
	}
	for i := range needs {
		if err := s.allow(ctx, &needs[i]); err != nil {
			return err
		}
	}
	return nil
}

// identity is the caller's identity side: IAM's policies, or an
// account root's everything.
func (s *Service) identity(ctx context.Context, p request.Principal) (policy.Input, error) {
	if s.ids != nil {
		in, err := s.ids.Identity(ctx, p)
		if err != nil {
			return policy.Input{}, err
		}
		return *in, nil
	}
	return policy.Input{IdentityAllowsAll: p.Type == request.Root}, nil
}

// allow judges one need as the caller in ctx.
func (s *Service) allow(ctx context.Context, nd *need) error {
	rc := request.From(ctx)
	p := rc.Principal
	in, err := s.identity(ctx, p)
	if err != nil {
		return err
	}
	resource := nd.arn
	if nd.key != nil {
		resource = nd.key.ARN()
		pol, err := s.parsedPolicy(nd.key.Policy)
		if err != nil {
			// A stored key policy always parsed once; one that no longer
			// does allows nothing.
			s.log.Warn("stored key policy does not parse", "key", resource, "err", err)
			pol = &policy.Policy{}
		}
		in.Resource = &policy.Source{Kind: policy.Resource, Name: "key policy of " + resource, Policy: pol}
		in.ResourceAccount = nd.key.Account
	}
	req := &policy.Request{Principal: authz.Principal(p, ""), Action: nd.action, Resource: resource,
		Context: nd.keys, Keys: s.conditionKeys(ctx, rc, nd)}
	res := policy.Evaluate(&in, req)
	authz.Log(ctx, s.log, req, res)
	if res.Decision == policy.ExplicitDeny {
		if nd.ciphertext && res.DenyKind == policy.Resource {
			return deniedCiphertext(p, nd.action)
		}
		return denied(p, nd.action, resource, res)
	}
	if nd.key == nil {
		if res.Allowed() {
			return nil
		}
		return denied(p, nd.action, resource, res)
	}
	here := allowedHere(res)
	if res.Allowed() && here {
		return nil
	}
	if nd.retire != nil && nd.retire.retirableBy(p) {
		return nil
	}
	if ok, err := s.grantAllows(ctx, nd); err != nil || ok {
		return err
	}
	if !here {
		res = policy.Result{Decision: policy.ImplicitDeny, Missing: policy.Resource}
	}
	if nd.ciphertext && res.Missing == policy.Resource {
		return deniedCiphertext(p, nd.action)
	}
	return denied(p, nd.action, resource, res)
}

// allowedHere reports whether an Allow statement of the key policy
// matched: only then do identity policies count.
func allowedHere(res policy.Result) bool {
	for _, m := range res.Matched {
		if m.Kind == policy.Resource && m.Effect == "Allow" {
			return true
		}
	}
	return false
}

// denied is KMS's AccessDeniedException, in AWS's current wording:
//
//	User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
//	kms:Decrypt on resource: arn:aws:kms:us-east-1:111122223333:key/… because
//	no resource-based policy allows the kms:Decrypt action
//
// (KMS answers it with HTTP 400, and does not quote the resource).
func denied(p request.Principal, action, resource string, res policy.Result) *awsproto.Error {
	e := authz.Denied(p, action, resource, res, false)
	return awsproto.New(http.StatusBadRequest, "AccessDeniedException", e.Message)
}

// deniedCiphertext is KMS's denial of a key found from a ciphertext by
// the key's own side (its policy): it names neither the key nor whether
// it exists, as AWS's current wording does not:
//
//	User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
//	kms:Decrypt on the resource associated with this ciphertext because the
//	resource does not exist in this Region, no resource-based policies
//	allow access, or a resource-based policy explicitly denies access
//
// (a denial by the caller's IAM policies names the key as any other).
func deniedCiphertext(p request.Principal, action string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "AccessDeniedException", "User: "+p.ARN+" is not authorized to perform: "+action+
		" on the resource associated with this ciphertext because the resource does not exist in this Region,"+
		" no resource-based policies allow access, or a resource-based policy explicitly denies access")
}

// conditionKeys resolves KMS's condition keys for a need, and the global
// ones, when a policy reads them
// (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html).
func (s *Service) conditionKeys(ctx context.Context, rc *request.Context, nd *need) func(string) ([]string, bool) {
	now := authz.Now(rc)
	return func(key string) ([]string, bool) {
		if v, ok := authz.GlobalKey(rc, now, key); ok {
			return v, true
		}
		one := func(v string) ([]string, bool) { return []string{v}, true }
		switch {
		case key == "kms:calleraccount":
			if rc.Principal.Account != "" {
				return one(rc.Principal.Account)
			}
		case key == "kms:viaservice":
			if v := viaService(ctx); v != "" {
				return one(v)
			}
		case key == "kms:encryptioncontextkeys":
			if len(nd.encCtx) > 0 {
				keys := make([]string, 0, len(nd.encCtx))
				for k := range nd.encCtx {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				return keys, true
			}
		case strings.HasPrefix(key, "kms:encryptioncontext:"):
			// The context key in the condition key is matched without
			// regard to case, as condition key names are.
			want := strings.TrimPrefix(key, "kms:encryptioncontext:")
			for k, v := range nd.encCtx {
				if strings.EqualFold(k, want) {
					return one(v)
				}
			}
		case nd.key != nil && key == "kms:keyspec":
			return one("SYMMETRIC_DEFAULT")
		case nd.key != nil && key == "kms:keyusage":
			return one("ENCRYPT_DECRYPT")
		case nd.key != nil && key == "kms:keyorigin":
			return one("AWS_KMS")
		case nd.key != nil && key == "kms:multiregion":
			return one("false")
		case nd.key != nil && strings.HasPrefix(key, "aws:resourcetag/"):
			want := strings.TrimPrefix(key, "aws:resourcetag/")
			for _, t := range nd.key.Tags {
				if strings.EqualFold(t.TagKey, want) {
					return one(t.TagValue)
				}
			}
		case nd.key != nil && key == "kms:resourcealiases":
			var names []string
			_ = s.store.View(ctx, func(tx store.Tx) error {
				names = aliasesOf(tx, nd.key)
				return nil
			})
			if len(names) > 0 {
				return names, true
			}
		}
		return nil, false
	}
}

// grantAllows reports whether a grant of the need's key lets the caller
// do what it needs.
func (s *Service) grantAllows(ctx context.Context, nd *need) (bool, error) {
	if nd.grantOp == "" {
		return false, nil
	}
	p := request.From(ctx).Principal
	var ok bool
	err := s.store.View(ctx, func(tx store.Tx) error {
		return scanJSON[grantRecord](tx, tGrants, string(nd.key.name())+"/", func(_ string, g *grantRecord) bool {
			if g.grantee(p) && slices.Contains(g.Operations, nd.grantOp) &&
				(!contextOps[nd.grantOp] || g.Constraints.allow(nd.encCtx)) &&
				(nd.grantSubset == nil || (subset(nd.grantSubset, g.Operations) && g.Constraints.narrowedBy(nd.grantConstraints))) {
				ok = true
				return false
			}
			return true
		})
	})
	return ok, err
}

// contextOps are the grant operations that take an encryption context:
// a grant's constraints apply to these only
// (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html).
var contextOps = map[string]bool{
	"Encrypt": true, "Decrypt": true, "GenerateDataKey": true, "GenerateDataKeyWithoutPlaintext": true,
	"ReEncryptFrom": true, "ReEncryptTo": true, "GenerateDataKeyPair": true, "GenerateDataKeyPairWithoutPlaintext": true,
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
