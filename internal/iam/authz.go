package iam

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/sigv4"
	"github.com/gureum/gureum/internal/store"
)

// Credentials: the account roots' keys (from the accounts registry), IAM
// users' access keys and STS sessions, behind edge.Credentials.

type cachedKey struct {
	key     *keyRecord
	session *sessionRecord
	// user is the principal a user's key resolves to, once resolved.
	user atomic.Pointer[request.Principal]
}

// lookupKey finds an access key or session, cached until the next IAM
// write.
func (s *Service) lookupKey(ctx context.Context, id string) (*cachedKey, error) {
	if v, ok := s.keys.Load(id); ok {
		return v.(*cachedKey), nil
	}
	gen := s.gen.Load()
	ck := &cachedKey{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		if strings.HasPrefix(id, "ASIA") {
			r, err := getRecord[sessionRecord](tx, tSessions, []byte(id))
			ck.session = r
			return err
		}
		r, err := getRecord[keyRecord](tx, tKeys, []byte(id))
		ck.key = r
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", sigv4.ErrUnknownAccessKey, id)
	}
	if err != nil {
		return nil, err
	}
	if s.gen.Load() == gen {
		s.keys.Store(id, ck)
	}
	return ck, nil
}

// SecretKey implements edge.Credentials. An inactive key is unknown, as
// AWS answers (InvalidAccessKeyId).
func (s *Service) SecretKey(ctx context.Context, id string) (string, error) {
	if a, ok := s.accounts.Lookup(id); ok {
		return a.SecretKey, nil
	}
	ck, err := s.lookupKey(ctx, id)
	if err != nil {
		return "", err
	}
	if ck.session != nil {
		return ck.session.Secret, nil
	}
	if ck.key.Status != "Active" {
		return "", fmt.Errorf("%w: %s (inactive)", sigv4.ErrUnknownAccessKey, id)
	}
	return ck.key.Secret, nil
}

// ErrExpiredToken and errInvalidToken are S3's wording; the edge rewords
// them for the query services.
func errExpiredToken() error {
	return awsproto.New(http.StatusBadRequest, "ExpiredToken", "The provided token has expired.")
}

func errInvalidToken() error {
	return awsproto.New(http.StatusBadRequest, "InvalidToken", "The provided token is malformed or otherwise invalid.")
}

// Principal implements edge.Credentials.
func (s *Service) Principal(ctx context.Context, id, token string) (request.Principal, error) {
	if a, ok := s.accounts.Lookup(id); ok {
		return accounts.Root(a.ID, id), nil
	}
	ck, err := s.lookupKey(ctx, id)
	if err != nil {
		return request.Principal{}, err
	}
	rc := request.From(ctx)
	if k := ck.key; k != nil {
		if k.Status != "Active" {
			return request.Principal{}, fmt.Errorf("%w: %s (inactive)", sigv4.ErrUnknownAccessKey, id)
		}
		s.touchKey(rc, id)
		if k.User == "" {
			return accounts.Root(k.Account, id), nil
		}
		if p := ck.user.Load(); p != nil {
			return *p, nil
		}
		p, err := s.userPrincipal(ctx, k.Account, k.User, id)
		if err == nil {
			ck.user.Store(&p)
		}
		return p, err
	}
	se := ck.session
	if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(se.Token)) != 1 {
		return request.Principal{}, errInvalidToken()
	}
	if !s.now().Before(se.Expires) {
		return request.Principal{}, errExpiredToken()
	}
	issued := se.Expires.Add(-time.Hour)
	if se.Role != "" {
		return request.Principal{
			Type: request.AssumedRole, Account: se.Account,
			ARN:     "arn:aws:sts::" + se.Account + ":assumed-role/" + se.Role + "/" + se.SessionName,
			RoleARN: RoleARN(se.Account, se.RolePath, se.Role), UserID: se.RoleID + ":" + se.SessionName,
			Name: se.SessionName, AccessKeyID: id, TokenIssued: issued,
		}, nil
	}
	if se.User == "" {
		p := accounts.Root(se.Account, id)
		p.TokenIssued = issued
		return p, nil
	}
	p, err := s.userPrincipal(ctx, se.Account, se.User, id)
	p.TokenIssued = issued
	return p, err
}

func (s *Service) userPrincipal(ctx context.Context, acct, name, keyID string) (request.Principal, error) {
	var u *userRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = getUser(tx, acct, name)
		return err
	})
	if err != nil {
		return request.Principal{}, fmt.Errorf("%w: %s (user gone)", sigv4.ErrUnknownAccessKey, keyID)
	}
	return request.Principal{Type: request.User, Account: acct, ARN: u.arn(acct), UserID: u.ID, Name: u.Name, AccessKeyID: keyID}, nil
}

// DefaultPrincipal implements edge.Credentials.
func (s *Service) DefaultPrincipal() request.Principal { return s.accounts.DefaultPrincipal() }

// Identities.

type cachedIdentity struct {
	in *policy.Input
}

// Identity implements authz.Identities: the identity policies, boundary
// and session policies of a principal, parsed, cached until the next IAM
// write.
func (s *Service) Identity(ctx context.Context, p request.Principal) (*policy.Input, error) {
	if p.IsAnonymous() {
		return &policy.Input{UsedKeys: map[string]bool{}}, nil
	}
	if p.Type == request.Root && !strings.HasPrefix(p.AccessKeyID, "ASIA") {
		return &policy.Input{IdentityAllowsAll: true, UsedKeys: map[string]bool{}}, nil
	}
	// A user's keys share its identity; a session's policies are its own.
	ck := p.ARN
	if p.Type == request.AssumedRole || strings.HasPrefix(p.AccessKeyID, "ASIA") {
		ck = p.AccessKeyID
	}
	if v, ok := s.identities.Load(ck); ok {
		return v.(*cachedIdentity).in, nil
	}
	gen := s.gen.Load()
	in := &policy.Input{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		switch p.Type {
		case request.Root:
			in.IdentityAllowsAll = true
			return nil
		case request.User:
			u, err := getUser(tx, p.Account, p.Name)
			if err != nil {
				return err
			}
			if err := s.addPolicies(tx, in, p.Account, "user/"+u.Name, &u.principalPolicies); err != nil {
				return err
			}
			for _, gn := range u.Groups {
				g, err := getGroup(tx, p.Account, gn)
				if err != nil {
					continue
				}
				if err := s.addPolicies(tx, in, p.Account, "group/"+g.Name, &g.principalPolicies); err != nil {
					return err
				}
			}
			return nil
		case request.AssumedRole:
			se, err := getRecord[sessionRecord](tx, tSessions, []byte(p.AccessKeyID))
			if err != nil {
				return err
			}
			r, err := getRole(tx, p.Account, se.Role)
			if err != nil {
				// A deleted role's sessions keep no permissions.
				return nil
			}
			if err := s.addPolicies(tx, in, p.Account, "role/"+r.Name, &r.principalPolicies); err != nil {
				return err
			}
			return s.addSessionPolicies(tx, in, p.Account, se)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	in.UsedKeys = map[string]bool{}
	for i := range in.Identity {
		policy.KeyFamilies(in.UsedKeys, &in.Identity[i])
	}
	for i := range in.Session {
		policy.KeyFamilies(in.UsedKeys, &in.Session[i])
	}
	policy.KeyFamilies(in.UsedKeys, in.Boundary)
	if s.gen.Load() == gen {
		s.identities.Store(ck, &cachedIdentity{in})
	}
	return in, nil
}

func (s *Service) addPolicies(tx store.Tx, in *policy.Input, acct, holder string, pp *principalPolicies) error {
	for _, name := range sortedKeys(pp.Inline) {
		p, err := policy.Parse([]byte(pp.Inline[name]))
		if err != nil {
			s.log.Warn("stored inline policy does not parse", "holder", holder, "policy", name, "err", err)
			continue
		}
		in.Identity = append(in.Identity, policy.Source{Kind: policy.Identity, Name: holder + "/inline/" + name, Policy: p})
	}
	for _, a := range pp.Attached {
		m, err := getManaged(tx, acct, a)
		if err != nil {
			continue
		}
		p, err := policy.Parse([]byte(m.doc()))
		if err != nil {
			s.log.Warn("managed policy does not parse", "policy", a, "err", err)
			continue
		}
		in.Identity = append(in.Identity, policy.Source{Kind: policy.Identity, Name: a, Policy: p})
	}
	if pp.Boundary != "" {
		m, err := getManaged(tx, acct, pp.Boundary)
		if err == nil {
			if p, err := policy.Parse([]byte(m.doc())); err == nil {
				in.Boundary = &policy.Source{Kind: policy.Boundary, Name: pp.Boundary, Policy: p}
			}
		}
		if in.Boundary == nil {
			// A boundary that cannot be read allows nothing.
			in.Boundary = &policy.Source{Kind: policy.Boundary, Name: pp.Boundary, Policy: &policy.Policy{}}
		}
	}
	return nil
}

func (s *Service) addSessionPolicies(tx store.Tx, in *policy.Input, acct string, se *sessionRecord) error {
	if se.Policy == "" && len(se.PolicyArns) == 0 {
		return nil
	}
	in.Session = []policy.Source{}
	if se.Policy != "" {
		if p, err := policy.Parse([]byte(se.Policy)); err == nil {
			in.Session = append(in.Session, policy.Source{Kind: policy.Session, Name: "session policy", Policy: p})
		}
	}
	for _, a := range se.PolicyArns {
		if m, err := getManaged(tx, acct, a); err == nil {
			if p, err := policy.Parse([]byte(m.doc())); err == nil {
				in.Session = append(in.Session, policy.Source{Kind: policy.Session, Name: a, Policy: p})
			}
		}
	}
	return nil
}

// Authorize evaluates an action on a resource of the caller's own account
// with identity policies only (IAM and STS resources have no resource
// policies, except role trust, which AssumeRole checks itself).
func (s *Service) Authorize(ctx context.Context, action, resource string, extra policy.Context) error {
	rc := request.From(ctx)
	p := rc.Principal
	if p.Type == request.Root && !strings.HasPrefix(p.AccessKeyID, "ASIA") {
		return nil
	}
	in, err := s.Identity(ctx, p)
	if err != nil {
		return err
	}
	keys := authz.GlobalContext(rc, authz.Needs(in))
	for k, v := range extra {
		keys[k] = v
	}
	req := &policy.Request{Principal: authz.Principal(p, ""), Action: action, Resource: resource, Context: keys}
	res := policy.Evaluate(in, req)
	authz.Log(ctx, s.log, req, res)
	if res.Decision != policy.Allow {
		return authz.Denied(p, action, resource, res, false)
	}
	return nil
}

// authorizeAPI authorizes a call of IAM's API. Credentials from
// GetSessionToken cannot call it without MFA (which gureum's sessions
// never carry): IAM answers such a call as it answers an unknown token.
func (s *Service) authorizeAPI(ctx context.Context, action, resource string) error {
	if p := request.From(ctx).Principal; strings.HasPrefix(p.AccessKeyID, "ASIA") && p.Type != request.AssumedRole {
		return awsproto.New(http.StatusForbidden, "InvalidClientTokenId", "The security token included in the request is invalid")
	}
	return s.authorize(ctx, action, resource)
}

func (s *Service) authorize(ctx context.Context, action, resource string) error {
	return s.Authorize(ctx, action, resource, nil)
}
