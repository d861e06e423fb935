package kms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto/awsjson"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant and
// RevokeGrant. A grant lets its grantee principal do its operations with
// its key, within its constraints, whatever the key policy says (see
// authorize.go). gureum's grants take effect at once, so grant tokens are
// never needed to use one; they are accepted, and RetireGrant takes one.

// GrantConstraints is KMS's GrantConstraints shape: the encryption
// context a grant's cryptographic operations must have.
type GrantConstraints struct {
	EncryptionContextSubset map[string]string `json:"EncryptionContextSubset,omitempty"`
	EncryptionContextEquals map[string]string `json:"EncryptionContextEquals,omitempty"`
}

// allow reports whether an encryption context meets the constraints.
func (c *GrantConstraints) allow(encCtx map[string]string) bool {
	if c == nil {
		return true
	}
	if c.EncryptionContextEquals != nil && !maps.Equal(c.EncryptionContextEquals, encCtx) {
		return false
	}
	for k, v := range c.EncryptionContextSubset {
		if got, ok := encCtx[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// narrowedBy reports whether a new grant's constraints are at least as
// strict as c (a grant passed on by its grantee may not loosen them).
func (c *GrantConstraints) narrowedBy(child *GrantConstraints) bool {
	if c == nil {
		return true
	}
	if child == nil {
		return false
	}
	if c.EncryptionContextEquals != nil && !maps.Equal(c.EncryptionContextEquals, child.EncryptionContextEquals) {
		return false
	}
	for k, v := range c.EncryptionContextSubset {
		in := child.EncryptionContextSubset
		if child.EncryptionContextEquals != nil {
			in = child.EncryptionContextEquals
		}
		if got, ok := in[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// grantRecord is a grant as stored, under its key's name and its id.
type grantRecord struct {
	KeyArn      string            `json:"keyArn"`
	GrantID     string            `json:"grantId"`
	Name        string            `json:"name,omitempty"`
	Created     time.Time         `json:"created"`
	Grantee     string            `json:"grantee"`
	Retiring    string            `json:"retiring,omitempty"`
	Issuing     string            `json:"issuing"`
	Operations  []string          `json:"operations"`
	Constraints *GrantConstraints `json:"constraints,omitempty"`
	// Tokens are the SHA-256 of the grant's tokens (one per CreateGrant
	// that returned it).
	Tokens []string `json:"tokens"`
}

// grantee reports whether p is the grant's grantee principal: itself, or
// a session of the role named.
func (g *grantRecord) grantee(p request.Principal) bool {
	return g.Grantee == p.ARN || (p.RoleARN != "" && g.Grantee == p.RoleARN)
}

// retirableBy applies the grant's own rule of who may retire it: its
// retiring principal, its grantee when RetireGrant is one of its
// operations, and the account that made it
// (https://docs.aws.amazon.com/kms/latest/developerguide/grant-manage.html#grant-delete).
func (g *grantRecord) retirableBy(p request.Principal) bool {
	switch {
	case g.Retiring != "" && (g.Retiring == p.ARN || (p.RoleARN != "" && g.Retiring == p.RoleARN)):
		return true
	case g.grantee(p) && slices.Contains(g.Operations, "RetireGrant"):
		return true
	}
	return p.Type == request.Root && g.Issuing == p.ARN
}

func (g *grantRecord) entry() GrantListEntry {
	return GrantListEntry{KeyID: g.KeyArn, GrantID: g.GrantID, Name: g.Name, CreationDate: awsjson.NewTime(g.Created),
		GranteePrincipal: g.Grantee, RetiringPrincipal: g.Retiring, IssuingAccount: g.Issuing, Operations: g.Operations,
		Constraints: g.Constraints}
}

// GrantListEntry is KMS's GrantListEntry shape.
type GrantListEntry struct {
	KeyID             string            `json:"KeyId"`
	GrantID           string            `json:"GrantId"`
	Name              string            `json:"Name,omitempty"`
	CreationDate      *awsjson.Time     `json:"CreationDate"`
	GranteePrincipal  string            `json:"GranteePrincipal"`
	RetiringPrincipal string            `json:"RetiringPrincipal,omitempty"`
	IssuingAccount    string            `json:"IssuingAccount"`
	Operations        []string          `json:"Operations"`
	Constraints       *GrantConstraints `json:"Constraints,omitempty"`
}

type createGrantInput struct {
	KeyID             string            `json:"KeyId" aws:"required,min=1,max=2048"`
	GranteePrincipal  string            `json:"GranteePrincipal" aws:"required,min=1,max=256"`
	RetiringPrincipal *string           `json:"RetiringPrincipal" aws:"min=1,max=256"`
	Operations        []string          `json:"Operations" aws:"required,enum=Decrypt|Encrypt|GenerateDataKey|GenerateDataKeyWithoutPlaintext|ReEncryptFrom|ReEncryptTo|Sign|Verify|GetPublicKey|CreateGrant|RetireGrant|DescribeKey|GenerateDataKeyPair|GenerateDataKeyPairWithoutPlaintext|GenerateMac|VerifyMac|DeriveSharedSecret"`
	Constraints       *GrantConstraints `json:"Constraints"`
	GrantTokens       []string          `json:"GrantTokens" aws:"max=10"`
	Name              *string           `json:"Name" aws:"min=1,max=256"`
	DryRun            *bool             `json:"DryRun"`
}

type createGrantOutput struct {
	GrantToken string `json:"GrantToken"`
	GrantID    string `json:"GrantId"`
}

type listGrantsInput struct {
	Limit            *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker           *string `json:"Marker" aws:"min=1,max=1024"`
	KeyID            string  `json:"KeyId" aws:"required,min=1,max=2048"`
	GrantID          *string `json:"GrantId" aws:"min=1,max=128"`
	GranteePrincipal *string `json:"GranteePrincipal" aws:"min=1,max=256"`
}

type listGrantsOutput struct {
	Grants     []GrantListEntry `json:"Grants"`
	NextMarker *string          `json:"NextMarker,omitempty"`
	Truncated  bool             `json:"Truncated"`
}

type listRetirableGrantsInput struct {
	Limit             *int32  `json:"Limit" aws:"min=1,max=1000"`
	Marker            *string `json:"Marker" aws:"min=1,max=1024"`
	RetiringPrincipal string  `json:"RetiringPrincipal" aws:"required,min=1,max=256"`
}

type retireGrantInput struct {
	GrantToken *string `json:"GrantToken" aws:"min=1,max=8192"`
	KeyID      *string `json:"KeyId" aws:"min=1,max=2048"`
	GrantID    *string `json:"GrantId" aws:"min=1,max=128"`
	DryRun     *bool   `json:"DryRun"`
}

type revokeGrantInput struct {
	KeyID   string `json:"KeyId" aws:"required,min=1,max=2048"`
	GrantID string `json:"GrantId" aws:"required,min=1,max=128"`
	DryRun  *bool  `json:"DryRun"`
}

func (s *Service) registerGrants() {
	add(s, "CreateGrant", "kms:CreateGrant", s.createGrantNeeds, s.createGrant)
	add(s, "ListGrants", "kms:ListGrants", func(ctx context.Context, in *listGrantsInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, true, "kms:ListGrants", "")
	}, s.listGrants)
	add(s, "ListRetirableGrants", "kms:ListRetirableGrants", func(_ context.Context, in *listRetirableGrantsInput) ([]need, error) {
		if err := checkPrincipal("retiringPrincipal", in.RetiringPrincipal); err != nil {
			return nil, err
		}
		return []need{{action: "kms:ListRetirableGrants", arn: "*", keys: policy.Context{}}}, nil
	}, s.listRetirableGrants)
	add(s, "RetireGrant", "kms:RetireGrant", s.retireGrantNeeds, s.retireGrant)
	add(s, "RevokeGrant", "kms:RevokeGrant", func(ctx context.Context, in *revokeGrantInput) ([]need, error) {
		return s.onKey(ctx, in.KeyID, true, "kms:RevokeGrant", "")
	}, s.revokeGrant)
}

var principalRE = regexp.MustCompile(`^[\w+=,.@:/-]+$`)

// checkPrincipal applies the model's pattern of a principal parameter.
func checkPrincipal(path, p string) error {
	if !principalRE.MatchString(p) {
		return errValidation("1 validation error detected: Value '" + p + "' at '" + path + "' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$")
	}
	return nil
}

var grantNameRE = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

func (s *Service) createGrantNeeds(ctx context.Context, in *createGrantInput) ([]need, error) {
	if err := checkPrincipal("granteePrincipal", in.GranteePrincipal); err != nil {
		return nil, err
	}
	if in.RetiringPrincipal != nil {
		if err := checkPrincipal("retiringPrincipal", *in.RetiringPrincipal); err != nil {
			return nil, err
		}
	}
	if in.Name != nil && !grantNameRE.MatchString(*in.Name) {
		return nil, errValidation("1 validation error detected: Value '" + *in.Name + "' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$")
	}
	if len(in.Operations) == 0 {
		return nil, errValidation("1 validation error detected: Value '[]' at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	nds, err := s.onKey(ctx, in.KeyID, true, "kms:CreateGrant", "CreateGrant")
	if err != nil {
		return nil, err
	}
	nd := &nds[0]
	nd.grantSubset, nd.grantConstraints = in.Operations, in.Constraints
	nd.keys.Set("kms:GrantOperations", in.Operations...)
	nd.keys.Set("kms:GranteePrincipal", in.GranteePrincipal)
	if in.RetiringPrincipal != nil {
		nd.keys.Set("kms:RetiringPrincipal", *in.RetiringPrincipal)
	}
	nd.keys.Set("kms:GrantIsForAWSResource", boolString(viaService(ctx) != ""))
	if c := in.Constraints; c != nil {
		if c.EncryptionContextEquals != nil {
			nd.keys.Add("kms:GrantConstraintType", "EncryptionContextEquals")
		}
		if c.EncryptionContextSubset != nil {
			nd.keys.Add("kms:GrantConstraintType", "EncryptionContextSubset")
		}
	}
	return nds, nil
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// createGrant records a grant. A grant with the same Name on the key and
// the same terms is the same grant (CreateGrant is idempotent by name):
// its id comes back with a new token.
func (s *Service) createGrant(ctx context.Context, in *createGrantInput) (*createGrantOutput, error) {
	k, _, err := s.key(ctx, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	if err := k.usable(); err != nil {
		return nil, err
	}
	token, hash := newGrantToken()
	out := &createGrantOutput{GrantToken: token}
	caller := request.From(ctx).Principal
	g := &grantRecord{KeyArn: k.ARN(), GrantID: newGrantID(), Name: deref(in.Name, ""), Created: s.now().UTC(),
		Grantee: in.GranteePrincipal, Retiring: deref(in.RetiringPrincipal, ""), Issuing: "arn:aws:iam::" + caller.Account + ":root",
		Operations: slices.Compact(slices.Clone(in.Operations)), Constraints: in.Constraints, Tokens: []string{hash}}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if g.Name != "" {
			var same *grantRecord
			if err := scanJSON[grantRecord](tx, tGrants, string(k.name())+"/", func(_ string, o *grantRecord) bool {
				if o.Name == g.Name && o.sameTerms(g) {
					same = o
					return false
				}
				return true
			}); err != nil {
				return err
			}
			if same != nil {
				same.Tokens = append(same.Tokens, hash)
				out.GrantID = same.GrantID
				if err := putJSON(tx, tGrants, string(k.name())+"/"+same.GrantID, same); err != nil {
					return err
				}
				return tx.Put(tGrantTokens, []byte(hash), []byte(string(k.name())+"/"+same.GrantID))
			}
		}
		out.GrantID = g.GrantID
		if err := putJSON(tx, tGrants, string(k.name())+"/"+g.GrantID, g); err != nil {
			return err
		}
		return tx.Put(tGrantTokens, []byte(hash), []byte(string(k.name())+"/"+g.GrantID))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (g *grantRecord) sameTerms(o *grantRecord) bool {
	a, b := slices.Clone(g.Operations), slices.Clone(o.Operations)
	slices.Sort(a)
	slices.Sort(b)
	var ca, cb GrantConstraints
	if g.Constraints != nil {
		ca = *g.Constraints
	}
	if o.Constraints != nil {
		cb = *o.Constraints
	}
	return g.Grantee == o.Grantee && g.Retiring == o.Retiring && slices.Equal(a, b) &&
		maps.Equal(ca.EncryptionContextEquals, cb.EncryptionContextEquals) && maps.Equal(ca.EncryptionContextSubset, cb.EncryptionContextSubset)
}

// newGrantID is a grant id: 64 hex digits, as AWS's are.
func newGrantID() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// newGrantToken returns a grant token and the hash it is stored under.
func newGrantToken() (token, hash string) {
	var b [64]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, tokenHash(token)
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// listGrants lists a key's grants, by id, optionally one grant or one
// grantee's.
func (s *Service) listGrants(ctx context.Context, in *listGrantsInput) (*listGrantsOutput, error) {
	k, _, err := s.key(ctx, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	prefix := string(k.name()) + "/"
	start, err := decodeMarker(in.Marker, prefix)
	if err != nil {
		return nil, err
	}
	if in.GrantID != nil {
		start = prefix + *in.GrantID
	}
	n := limit(in.Limit, 50, 100)
	out := &listGrantsOutput{Grants: []GrantListEntry{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		if in.GrantID != nil {
			g, err := getJSON[grantRecord](tx, tGrants, prefix+*in.GrantID)
			if errors.Is(err, store.ErrNotFound) {
				return errInvalidGrantID()
			}
			if err == nil && (in.GranteePrincipal == nil || g.Grantee == *in.GranteePrincipal) {
				out.Grants = append(out.Grants, g.entry())
			}
			return err
		}
		return pageGrants(tx, prefix, start, n, out, func(g *grantRecord) bool {
			return in.GranteePrincipal == nil || g.Grantee == *in.GranteePrincipal
		})
	})
	return out, err
}

// pageGrants adds to out the grants under prefix from start that keep
// selects, at most n, with the marker of the next page.
func pageGrants(tx store.Tx, prefix, start string, n int, out *listGrantsOutput, keep func(*grantRecord) bool) error {
	return scanJSONFrom(tx, tGrants, prefix, start, func(name string, g *grantRecord) bool {
		if !keep(g) {
			return true
		}
		if len(out.Grants) == n {
			m := encodeMarker(name)
			out.NextMarker, out.Truncated = &m, true
			return false
		}
		out.Grants = append(out.Grants, g.entry())
		return true
	})
}

// listRetirableGrants lists the grants of the caller's account (in the
// region) that a principal may retire as their retiring principal.
func (s *Service) listRetirableGrants(ctx context.Context, in *listRetirableGrantsInput) (*listGrantsOutput, error) {
	prefix := callerScope(ctx).prefix()
	start, err := decodeMarker(in.Marker, prefix)
	if err != nil {
		return nil, err
	}
	n := limit(in.Limit, 50, 100)
	out := &listGrantsOutput{Grants: []GrantListEntry{}}
	err = s.store.View(ctx, func(tx store.Tx) error {
		return pageGrants(tx, prefix, start, n, out, func(g *grantRecord) bool { return g.Retiring == in.RetiringPrincipal })
	})
	return out, err
}

// grantFor finds the grant a RetireGrant names: by token, or by key and
// grant id.
func (s *Service) grantFor(ctx context.Context, in *retireGrantInput) (*keyRecord, *grantRecord, error) {
	var name string
	switch {
	case in.GrantToken != nil:
		err := s.store.View(ctx, func(tx store.Tx) error {
			b, err := tx.Get(tGrantTokens, []byte(tokenHash(*in.GrantToken)))
			if err != nil {
				return errInvalidGrantToken()
			}
			name = string(b)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	case in.KeyID != nil && in.GrantID != nil:
		k, _, err := s.key(ctx, *in.KeyID, true)
		if err != nil {
			return nil, nil, err
		}
		name = string(k.name()) + "/" + *in.GrantID
	default:
		return nil, nil, errValidation("Grant token OR (grant ID, key ID) must be specified")
	}
	i := strings.LastIndexByte(name, '/')
	var k *keyRecord
	var g *grantRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if g, err = getJSON[grantRecord](tx, tGrants, name); errors.Is(err, store.ErrNotFound) {
			return errInvalidGrantID()
		} else if err != nil {
			return err
		}
		if k, err = getJSON[keyRecord](tx, tKeys, name[:i]); errors.Is(err, store.ErrNotFound) {
			return errInvalidGrantID()
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if in.KeyID != nil && in.GrantToken != nil {
		named, _, err := s.key(ctx, *in.KeyID, true)
		if err != nil {
			return nil, nil, err
		}
		if named.ARN() != k.ARN() {
			return nil, nil, errValidation("Invalid KeyId=" + *in.KeyID + " specified for grant " + g.GrantID)
		}
	}
	return k, g, nil
}

func (s *Service) retireGrantNeeds(ctx context.Context, in *retireGrantInput) ([]need, error) {
	k, g, err := s.grantFor(ctx, in)
	if err != nil {
		return nil, err
	}
	nd := keyNeed("kms:RetireGrant", k, "")
	nd.retire = g
	return []need{nd}, nil
}

func (s *Service) retireGrant(ctx context.Context, in *retireGrantInput) (*struct{}, error) {
	k, g, err := s.grantFor(ctx, in)
	if err != nil {
		return nil, err
	}
	return nil, s.deleteGrantNamed(ctx, k, g.GrantID)
}

func (s *Service) revokeGrant(ctx context.Context, in *revokeGrantInput) (*struct{}, error) {
	k, _, err := s.key(ctx, in.KeyID, true)
	if err != nil {
		return nil, err
	}
	return nil, s.deleteGrantNamed(ctx, k, in.GrantID)
}

// deleteGrantNamed deletes k's grant id as it is in the transaction (a
// token added since it was last read goes with it).
func (s *Service) deleteGrantNamed(ctx context.Context, k *keyRecord, id string) error {
	return s.store.Update(ctx, func(tx store.Tx) error {
		g, err := getJSON[grantRecord](tx, tGrants, string(k.name())+"/"+id)
		if errors.Is(err, store.ErrNotFound) {
			return errInvalidGrantID()
		}
		if err != nil {
			return err
		}
		return deleteGrant(tx, k, g)
	})
}

// deleteGrant removes a grant and its tokens.
func deleteGrant(tx store.Tx, k *keyRecord, g *grantRecord) error {
	for _, h := range g.Tokens {
		if err := tx.Delete(tGrantTokens, []byte(h)); err != nil {
			return err
		}
	}
	return tx.Delete(tGrants, []byte(string(k.name())+"/"+g.GrantID))
}
