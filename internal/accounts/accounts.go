// Package accounts holds the AWS accounts gureum serves and their root
// users' access keys. Every resource belongs to one account; the root keys
// are how a user first acts in one. IAM users and role sessions (a later
// issue) resolve through the same Credentials interface of the edge.
package accounts

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/sigv4"
)

// DefaultID is the account id gureum uses unless told otherwise.
const DefaultID = "000000000000"

// Account is one account and its root user's keys.
type Account struct {
	ID        string
	AccessKey string
	SecretKey string
}

var accountID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })

// Parse reads an --account value: ID:ACCESS_KEY:SECRET_KEY.
func Parse(s string) (Account, error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 || parts[1] == "" || parts[2] == "" {
		return Account{}, fmt.Errorf("--account %q: want ID:ACCESS_KEY:SECRET_KEY", redact(s))
	}
	if !accountID().MatchString(parts[0]) {
		return Account{}, fmt.Errorf("--account: account id %q is not 12 digits", parts[0])
	}
	return Account{ID: parts[0], AccessKey: parts[1], SecretKey: parts[2]}, nil
}

// redact hides the secret part of an --account value.
func redact(s string) string {
	if i := strings.LastIndex(s, ":"); i >= 0 {
		return s[:i+1] + "…"
	}
	return "…"
}

// Registry is a fixed set of accounts. The first is the default one.
type Registry struct {
	accounts []Account
	byKey    map[string]*Account
}

// NewRegistry checks that ids and access keys are unique.
func NewRegistry(list []Account) (*Registry, error) {
	r := &Registry{accounts: list, byKey: map[string]*Account{}}
	ids := map[string]bool{}
	for i := range list {
		a := &list[i]
		if ids[a.ID] {
			return nil, fmt.Errorf("account %s is given twice", a.ID)
		}
		if _, dup := r.byKey[a.AccessKey]; dup {
			return nil, fmt.Errorf("access key %s is given to two accounts", a.AccessKey)
		}
		ids[a.ID] = true
		r.byKey[a.AccessKey] = a
	}
	if len(list) == 0 {
		return nil, fmt.Errorf("no accounts")
	}
	return r, nil
}

// Accounts returns the accounts, default first.
func (r *Registry) Accounts() []Account { return r.accounts }

// Lookup returns the account whose root owns an access key.
func (r *Registry) Lookup(accessKeyID string) (Account, bool) {
	a, ok := r.byKey[accessKeyID]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// SecretKey implements edge.Credentials.
func (r *Registry) SecretKey(_ context.Context, accessKeyID string) (string, error) {
	if a, ok := r.byKey[accessKeyID]; ok {
		return a.SecretKey, nil
	}
	return "", fmt.Errorf("%w: %s", sigv4.ErrUnknownAccessKey, accessKeyID)
}

// Principal implements edge.Credentials.
func (r *Registry) Principal(_ context.Context, accessKeyID, _ string) (request.Principal, error) {
	a, ok := r.byKey[accessKeyID]
	if !ok {
		return request.Principal{}, fmt.Errorf("%w: %s", sigv4.ErrUnknownAccessKey, accessKeyID)
	}
	return Root(a.ID, accessKeyID), nil
}

// DefaultPrincipal implements edge.Credentials: the default account's root.
func (r *Registry) DefaultPrincipal() request.Principal {
	return Root(r.accounts[0].ID, "")
}

// Root returns the root user principal of an account.
func Root(account, accessKeyID string) request.Principal {
	return request.Principal{Type: request.Root, Account: account, ARN: "arn:aws:iam::" + account + ":root", UserID: account, AccessKeyID: accessKeyID}
}
