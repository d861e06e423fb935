// Package iam is gureum's IAM: users, access keys, groups, roles, managed
// and inline policies, instance profiles and the account alias, and the
// identity side of every authorization decision.
//
// IAM is global: its records belong to an account, not a region. The
// service keeps them in the metadata store (tables iam.*), one record per
// entity keyed by account and lower-cased name (IAM names are unique
// without regard to case). Other services never read these tables: they
// ask Service.Identity for the policies that apply to a principal, which
// is cached per principal and dropped on every IAM write, so evaluating a
// request costs no store read.
package iam

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// Namespace is IAM's XML namespace.
const Namespace = "https://iam.amazonaws.com/doc/2010-05-08/"

// Config wires the service.
type Config struct {
	Store    store.Store
	Accounts *accounts.Registry
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service serves IAM and resolves credentials and identities for every
// other service.
type Service struct {
	store    store.Store
	accounts *accounts.Registry
	log      *slog.Logger
	now      func() time.Time
	ops      *operation.Service
	http     *awsproto.Dispatcher

	// gen counts committed IAM writes; caches compare it.
	gen        atomic.Uint64
	identities sync.Map // cache key → *cachedIdentity
	keys       sync.Map // access key id → *cachedKey
	lastUsed   sync.Map // access key id → keyUse
}

// New returns the IAM service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Service{store: cfg.Store, accounts: cfg.Accounts, log: cfg.Logger, now: cfg.Now}
	s.ops = &operation.Service{Ops: s.operations(), Authorize: s.authorizeAPI,
		Unknown: func(name string) error {
			return awsproto.Newf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version 2010-05-08", name)
		}}
	s.http = &awsproto.Dispatcher{Service: s.ops, Protocol: query.Namespaced(Namespace), Log: s.log}
	return s
}

// Operations is IAM's operations, for in-process callers: Invoke
// authorizes a call as the context's principal and runs it, as a request
// over HTTP is.
func (s *Service) Operations() *operation.Service { return s.ops }

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.http.ServeHTTP(w, r) }

// update runs fn in a write transaction and drops every cache after it
// commits.
func (s *Service) update(ctx context.Context, fn func(tx store.Tx) error) error {
	err := s.store.Update(ctx, fn)
	s.invalidate()
	return err
}

func (s *Service) invalidate() {
	s.gen.Add(1)
	s.identities.Clear()
	s.keys.Clear()
}

func (s *Service) view(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.store.View(ctx, fn)
}

// account is the account a request acts in.
func account(ctx context.Context) string { return request.From(ctx).Principal.Account }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// newID returns an IAM unique id: a four-letter prefix (AIDA users, AGPA
// groups, AROA roles, ANPA policies, AIPA instance profiles, AKIA access
// keys, ASIA session keys) and random base-32 letters, n in all.
func newID(prefix string, n int) string {
	b := make([]byte, n-len(prefix))
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + string(b)
}

// newSecret returns a 40-character secret access key.
func newSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, 40)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// encodeDocument renders a policy document as IAM returns it: URL-encoded
// (botocore and the CLI decode it back).
func encodeDocument(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}

// arn builds an IAM ARN.
func arn(acct, kind, path, name string) string {
	return "arn:aws:iam::" + acct + ":" + kind + path + name
}

func lower(s string) string { return strings.ToLower(s) }
