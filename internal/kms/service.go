// Package kms is gureum's AWS Key Management Service: symmetric
// encryption keys whose material never leaves it, aliases (AWS managed
// ones such as alias/aws/s3 included, made on first use), Encrypt, Decrypt,
// data keys and ReEncrypt under an encryption context, key policies and
// grants.
//
// It is a real KMS rather than a pass-through because other services
// (S3's SSE-KMS) build on it: who may use a key is decided the way AWS
// decides it, by the key policy first, the caller's IAM policies only
// where the key policy lets the account's IAM speak, and grants, all
// evaluated by gureum's one policy engine (authorize.go). Key material is
// 256 random bits per key, kept in the store apart from the key's record
// and used only here; ciphertexts are AES-256-GCM sealed with the
// encryption context as additional data (crypto.go).
//
// The wire protocol is AWS JSON 1.1 (awsjson); S3 and other in-process
// callers use GenerateDataKeyFor and DecryptFor, which authorize as their
// caller through the same operations.
package kms

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/awsjson"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Store tables.
const (
	// tKeys holds key records: account/region/key-id → keyRecord.
	tKeys = "kms.keys"
	// tMaterial holds each key's 32 bytes of key material under the same
	// name, apart from the record, so that nothing that reads or lists
	// keys ever holds material it has no use for.
	tMaterial = "kms.material"
	// tAliases holds aliases: account/region/alias-name → aliasRecord.
	tAliases = "kms.aliases"
	// tGrants holds grants: account/region/key-id/grant-id → grantRecord.
	tGrants = "kms.grants"
	// tGrantTokens maps the SHA-256 of a grant token to its grant's name
	// in tGrants (RetireGrant takes a token; the token itself is not kept).
	tGrantTokens = "kms.grant-tokens"
)

// deletionKind is the reconciler's work of deleting a key at the end of
// its waiting period.
const deletionKind = "kms.key-deletion"

// Config wires the service.
type Config struct {
	Store store.Store
	// Identities gives the callers' IAM policies; nil treats every
	// caller as having none (account roots still have theirs).
	Identities authz.Identities
	// Reconciler deletes keys when their waiting period ends; nil leaves
	// them pending deletion (they stop being found once it has passed).
	Reconciler *reconcile.Engine
	Logger     *slog.Logger
	Now        func() time.Time
}

// Service is KMS.
type Service struct {
	store    store.Store
	ids      authz.Identities
	rec      *reconcile.Engine
	log      *slog.Logger
	now      func() time.Time
	ops      *operation.Service
	needs    map[string]func(ctx context.Context, in any) ([]need, error)
	http     *awsproto.Dispatcher
	policies sync.Map // policy document → *policy.Policy
	nPolicy  int
	mu       sync.Mutex
}

// New returns the KMS service.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Service{store: cfg.Store, ids: cfg.Identities, rec: cfg.Reconciler, log: cfg.Logger, now: cfg.Now,
		needs: map[string]func(context.Context, any) ([]need, error){}}
	s.ops = &operation.Service{
		Ops:    map[string]*operation.Operation{},
		Check:  s.checkOp,
		Before: dryRun,
		Unknown: func(name string) error {
			if awsOperations[name] {
				return errNotImplemented("The KMS operation " + name + " is not implemented by gureum yet.")
			}
			return awsjson.UnknownOperationException()
		},
	}
	s.registerKeys()
	s.registerAliases()
	s.registerCrypto()
	s.registerPolicies()
	s.registerGrants()
	s.registerTags()
	s.http = &awsproto.Dispatcher{Service: s.ops, Protocol: &awsjson.Protocol{TargetPrefix: "TrentService", Version: "1.1"}, Log: cfg.Logger}
	if s.rec != nil {
		s.rec.Register(reconcile.Kind{Name: deletionKind, Handle: s.deleteDue})
	}
	return s
}

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.http.ServeHTTP(w, r) }

// Operations is KMS's operations, for in-process callers.
func (s *Service) Operations() *operation.Service { return s.ops }

// add registers an operation and what it needs to be allowed.
func add[I, O any](s *Service, name, action string, needs func(context.Context, *I) ([]need, error), fn func(context.Context, *I) (*O, error)) {
	s.ops.Ops[name] = operation.New(name, action, fn)
	s.needs[name] = func(ctx context.Context, in any) ([]need, error) { return needs(ctx, in.(*I)) }
}

// dryRun answers a request with DryRun set once it is authorized.
func dryRun(_ context.Context, _ *operation.Operation, in any) error {
	v := reflect.ValueOf(in)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("DryRun"); f.IsValid() && f.Kind() == reflect.Pointer && !f.IsNil() && f.Elem().Kind() == reflect.Bool && f.Elem().Bool() {
			return errDryRun()
		}
	}
	return nil
}

// Key states; see https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html.
const (
	stateEnabled         = "Enabled"
	stateDisabled        = "Disabled"
	statePendingDeletion = "PendingDeletion"
)

// scope is the account and region a key, alias or grant lives in.
type scope struct{ account, region string }

func (sc scope) prefix() string { return sc.account + "/" + sc.region + "/" }

// keyARN is the ARN of key id in sc.
func (sc scope) keyARN(id string) string {
	return "arn:aws:kms:" + sc.region + ":" + sc.account + ":key/" + id
}

// aliasARN is the ARN of an alias name ("alias/x") in sc.
func (sc scope) aliasARN(name string) string {
	return "arn:aws:kms:" + sc.region + ":" + sc.account + ":" + name
}

// callerScope is the caller's account in the request's region.
func callerScope(ctx context.Context) scope {
	rc := request.From(ctx)
	return scope{rc.Principal.Account, rc.Region}
}

// uuidRE is the form of a KMS key id.
var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ref is a parsed key reference: a key id or key ARN, an alias name or
// alias ARN, as KMS's KeyId parameters take them.
type ref struct {
	scope
	keyID string // set for a key id or key ARN
	alias string // set for an alias name or alias ARN ("alias/x")
	arn   bool   // the reference was an ARN
	own   bool   // in the caller's own account
	text  string
}

// parseRef parses a key reference in the caller's scope. Only an ARN can
// name another account; cross says whether the operation accepts one
// (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-modifying-external-accounts.html).
func parseRef(ctx context.Context, text string, cross bool) (ref, error) {
	sc := callerScope(ctx)
	r := ref{scope: sc, text: text}
	switch {
	case strings.HasPrefix(text, "arn:"):
		parts := strings.SplitN(text, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" {
			return r, errInvalidKeyID(text)
		}
		r.arn = true
		r.scope = scope{parts[4], parts[3]}
		switch {
		case strings.HasPrefix(parts[5], "key/"):
			r.keyID = strings.TrimPrefix(parts[5], "key/")
		case strings.HasPrefix(parts[5], "alias/"):
			r.alias = parts[5]
		default:
			return r, errInvalidKeyID(text)
		}
		if r.region != sc.region {
			return r, errNotFound("Invalid arn " + r.region)
		}
		if r.account != sc.account && !cross {
			if r.alias != "" {
				return r, errAliasNotFound(text)
			}
			return r, errKeyNotFound(text)
		}
	case strings.HasPrefix(text, "alias/"):
		r.alias = text
	default:
		r.keyID = text
	}
	if r.keyID != "" && !uuidRE.MatchString(r.keyID) {
		return r, errInvalidKeyID(text)
	}
	r.own = r.account != "" && r.account == sc.account
	return r, nil
}

// keyRecord is a KMS key as stored (its material is in tMaterial).
type keyRecord struct {
	Account      string    `json:"account"`
	Region       string    `json:"region"`
	ID           string    `json:"id"`
	Created      time.Time `json:"created"`
	Description  string    `json:"description"`
	State        string    `json:"state"`
	DeletionDate time.Time `json:"deletionDate,omitzero"`
	// Manager is CUSTOMER, or AWS for the keys behind alias/aws/*.
	Manager string `json:"manager"`
	Policy  string `json:"policy"`
	Tags    []Tag  `json:"tags,omitempty"`
}

func (k *keyRecord) scope() scope { return scope{k.Account, k.Region} }

// ARN is the key's ARN.
func (k *keyRecord) ARN() string { return k.scope().keyARN(k.ID) }

func (k *keyRecord) name() []byte { return []byte(k.scope().prefix() + k.ID) }

// gone reports whether the key's waiting period has ended: it is deleted
// (the reconciler removes what is left of it).
func (k *keyRecord) gone(now time.Time) bool {
	return k.State == statePendingDeletion && !now.Before(k.DeletionDate)
}

// usable is the key-state rule of the cryptographic operations (and
// CreateGrant): an enabled key only.
func (k *keyRecord) usable() error {
	switch k.State {
	case stateDisabled:
		return errDisabled(k.ARN())
	case statePendingDeletion:
		return errPendingDeletion(k.ARN())
	}
	return nil
}

// notPending is the key-state rule of the operations that work on a
// disabled key but not on one pending deletion.
func (k *keyRecord) notPending() error {
	if k.State == statePendingDeletion {
		return errPendingDeletion(k.ARN())
	}
	return nil
}

// aliasRecord is an alias as stored.
type aliasRecord struct {
	KeyID   string    `json:"keyId"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// resolve finds the key a reference names, in tx. A predefined AWS
// managed alias that has no key yet is reported by errManagedMissing, so
// the caller can make the key (ensureManaged) and look again.
func (s *Service) resolve(tx store.Tx, r ref) (*keyRecord, error) {
	id := r.keyID
	if r.alias != "" {
		a, err := getJSON[aliasRecord](tx, tAliases, r.prefix()+r.alias)
		if errors.Is(err, store.ErrNotFound) {
			if r.own && managedAliases[r.alias] != "" {
				return nil, errManagedMissing{r}
			}
			return nil, errAliasNotFound(r.aliasARN(r.alias))
		}
		if err != nil {
			return nil, err
		}
		id = a.KeyID
	}
	k, err := getJSON[keyRecord](tx, tKeys, r.prefix()+id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && k.gone(s.now())) {
		return nil, errKeyNotFound(r.keyARN(id))
	}
	return k, err
}

// errManagedMissing says an AWS managed alias has no key yet.
type errManagedMissing struct{ r ref }

func (e errManagedMissing) Error() string {
	return "kms: AWS managed key " + e.r.alias + " not made yet"
}

// key resolves a reference outside any transaction, making the key of an
// AWS managed alias on first use as AWS does.
func (s *Service) key(ctx context.Context, text string, cross bool) (*keyRecord, ref, error) {
	r, err := parseRef(ctx, text, cross)
	if err != nil {
		return nil, r, err
	}
	var k *keyRecord
	for attempt := 0; ; attempt++ {
		err = s.store.View(ctx, func(tx store.Tx) error {
			var err error
			k, err = s.resolve(tx, r)
			return err
		})
		var m errManagedMissing
		if !errors.As(err, &m) || attempt > 0 {
			break
		}
		if err := s.ensureManaged(ctx, m.r.scope, m.r.alias); err != nil {
			return nil, r, err
		}
	}
	return k, r, err
}

// updateKey runs fn on the key a reference names in one write
// transaction, storing the record fn leaves.
func (s *Service) updateKey(ctx context.Context, text string, cross bool, fn func(tx store.Tx, k *keyRecord) error) (*keyRecord, error) {
	if _, _, err := s.key(ctx, text, cross); err != nil {
		return nil, err
	}
	r, _ := parseRef(ctx, text, cross)
	var k *keyRecord
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if k, err = s.resolve(tx, r); err != nil {
			return err
		}
		if err := fn(tx, k); err != nil {
			return err
		}
		return putJSON(tx, tKeys, string(k.name()), k)
	})
	return k, err
}

// parsedPolicy returns a key policy compiled, cached by its text.
func (s *Service) parsedPolicy(doc string) (*policy.Policy, error) {
	if p, ok := s.policies.Load(doc); ok {
		return p.(*policy.Policy), nil
	}
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.nPolicy >= 4096 {
		s.policies.Clear()
		s.nPolicy = 0
	}
	s.nPolicy++
	s.mu.Unlock()
	s.policies.Store(doc, p)
	return p, nil
}

// awsOperations are the operations of AWS KMS (botocore's model,
// 2014-11-01); those gureum does not serve answer NotImplemented rather
// than UnknownOperationException.
var awsOperations = map[string]bool{
	"CancelKeyDeletion": true, "ConnectCustomKeyStore": true, "CreateAlias": true, "CreateCustomKeyStore": true,
	"CreateGrant": true, "CreateKey": true, "Decrypt": true, "DeleteAlias": true, "DeleteCustomKeyStore": true,
	"DeleteImportedKeyMaterial": true, "DeriveSharedSecret": true, "DescribeCustomKeyStores": true, "DescribeKey": true,
	"DisableKey": true, "DisableKeyRotation": true, "DisconnectCustomKeyStore": true, "EnableKey": true,
	"EnableKeyRotation": true, "Encrypt": true, "GenerateDataKey": true, "GenerateDataKeyPair": true,
	"GenerateDataKeyPairWithoutPlaintext": true, "GenerateDataKeyWithoutPlaintext": true, "GenerateMac": true,
	"GenerateRandom": true, "GetKeyLastUsage": true, "GetKeyPolicy": true, "GetKeyRotationStatus": true,
	"GetParametersForImport": true, "GetPublicKey": true, "ImportKeyMaterial": true, "ListAliases": true,
	"ListGrants": true, "ListKeyPolicies": true, "ListKeyRotations": true, "ListKeys": true, "ListResourceTags": true,
	"ListRetirableGrants": true, "PutKeyPolicy": true, "ReEncrypt": true, "ReplicateKey": true, "RetireGrant": true,
	"RevokeGrant": true, "RotateKeyOnDemand": true, "ScheduleKeyDeletion": true, "Sign": true, "TagResource": true,
	"UntagResource": true, "UpdateAlias": true, "UpdateCustomKeyStore": true, "UpdateKeyDescription": true,
	"UpdatePrimaryRegion": true, "Verify": true, "VerifyMac": true,
}

var _ http.Handler = (*Service)(nil)
