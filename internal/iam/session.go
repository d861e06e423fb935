package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/store"
)

// What STS needs from IAM: roles to assume and a place to keep the
// temporary credentials it issues (they resolve like any access key).

// RoleInfo is what AssumeRole needs to know about a role.
type RoleInfo struct {
	Account    string
	Name       string
	Path       string
	ID         string
	ARN        string
	MaxSession int32
	Trust      *policy.Policy
}

// LookupRole finds a role by ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME).
// ok is false when there is no such role.
func (s *Service) LookupRole(ctx context.Context, roleARN string) (RoleInfo, bool, error) {
	acct, kind, name, ok := splitIAMArn(roleARN)
	if !ok || kind != "role" {
		return RoleInfo{}, false, nil
	}
	var ri RoleInfo
	found := false
	err := s.view(ctx, func(tx store.Tx) error {
		r, err := getRole(tx, acct, name)
		if err != nil || r.arn(acct) != roleARN {
			return nil
		}
		trust, err := policy.Parse([]byte(r.Trust))
		if err != nil {
			trust = &policy.Policy{}
		}
		ri = RoleInfo{Account: acct, Name: r.Name, Path: r.Path, ID: r.ID, ARN: r.arn(acct), MaxSession: r.MaxSession, Trust: trust}
		found = true
		return nil
	})
	return ri, found, err
}

func splitIAMArn(a string) (acct, kind, name string, ok bool) {
	if len(a) < len("arn:aws:iam::") || a[:len("arn:aws:iam::")] != "arn:aws:iam::" {
		return "", "", "", false
	}
	rest := a[len("arn:aws:iam::"):]
	i := indexByte(rest, ':')
	if i != 12 {
		return "", "", "", false
	}
	acct, rest = rest[:i], rest[i+1:]
	k, n, found := cut(rest, '/')
	if !found {
		return "", "", "", false
	}
	if j := lastIndexByte(n, '/'); j >= 0 {
		n = n[j+1:]
	}
	return acct, k, n, n != ""
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func cut(s string, c byte) (string, string, bool) {
	if i := indexByte(s, c); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// SessionSpec describes temporary credentials to issue.
type SessionSpec struct {
	Account string
	Expires time.Time
	// Role and SessionName for AssumeRole; User ("" = root) for
	// GetSessionToken.
	Role        *RoleInfo
	SessionName string
	Policy      string
	PolicyArns  []string
	User        string
}

// Session is issued temporary credentials.
type Session struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expiration                                 time.Time
}

// CheckPolicyArns verifies that session policy ARNs name managed policies.
func (s *Service) CheckPolicyArns(ctx context.Context, acct string, arns []string) error {
	return s.view(ctx, func(tx store.Tx) error {
		for _, a := range arns {
			if _, err := getManaged(tx, acct, a); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateSession stores new temporary credentials.
func (s *Service) CreateSession(ctx context.Context, spec SessionSpec) (Session, error) {
	tok := make([]byte, 96)
	_, _ = rand.Read(tok)
	rec := &sessionRecord{ID: newID("ASIA", 20), Secret: newSecret(), Token: "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(tok),
		Account: spec.Account, Expires: spec.Expires.UTC(), SessionName: spec.SessionName, Policy: spec.Policy, PolicyArns: spec.PolicyArns, User: spec.User}
	if r := spec.Role; r != nil {
		rec.Role, rec.RoleID, rec.RolePath = r.Name, r.ID, r.Path
	}
	now := s.now().UTC()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if r := spec.Role; r != nil {
			if rr, err := getRole(tx, r.Account, r.Name); err == nil {
				rr.LastUsed = &now
				rr.LastRegion = "us-east-1"
				if err := putRecord(tx, tRoles, entityKey(r.Account, r.Name), rr); err != nil {
					return err
				}
			}
		}
		// Sweep this account's expired sessions as new ones are made, so
		// the table does not grow without end.
		var expired [][]byte
		err := tx.Scan(tSessions, []byte("ASIA"), nil, func(k, v []byte) (bool, error) {
			if len(expired) > 100 {
				return false, nil
			}
			se := &sessionRecord{}
			if err := json.Unmarshal(v, se); err == nil && now.Sub(se.Expires) > 24*time.Hour {
				expired = append(expired, append([]byte(nil), k...))
			}
			return true, nil
		})
		if err != nil {
			return err
		}
		for _, k := range expired {
			if err := tx.Delete(tSessions, k); err != nil {
				return err
			}
		}
		return putRecord(tx, tSessions, []byte(rec.ID), rec)
	})
	if err != nil {
		return Session{}, err
	}
	return Session{rec.ID, rec.Secret, rec.Token, rec.Expires}, nil
}

// AccountOfKey returns the account an access key belongs to.
func (s *Service) AccountOfKey(ctx context.Context, id string) (string, bool) {
	for _, a := range s.accounts.Accounts() {
		if a.AccessKey == id {
			return a.ID, true
		}
	}
	ck, err := s.lookupKey(ctx, id)
	if err != nil {
		return "", false
	}
	if ck.session != nil {
		return ck.session.Account, true
	}
	return ck.key.Account, true
}
