// Package request carries what gureum knows about one AWS request through
// the layers: its id, the account and region it acts in, and the principal
// that signed it. It is one typed value rather than loose context keys so
// every layer reads the same facts the same way.
package request

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"time"
)

// PrincipalType says what kind of identity made a request.
type PrincipalType int

// The principal types, as the policy language knows them (aws:PrincipalType).
const (
	Anonymous PrincipalType = iota
	Root
	User
	AssumedRole
	FederatedUser
)

// String returns the aws:PrincipalType value for t.
func (t PrincipalType) String() string {
	switch t {
	case Root:
		return "Account"
	case User:
		return "User"
	case AssumedRole:
		return "AssumedRole"
	case FederatedUser:
		return "FederatedUser"
	}
	return "Anonymous"
}

// Principal is the identity a request acts as.
type Principal struct {
	Type        PrincipalType
	Account     string // 12-digit account id; empty for Anonymous
	ARN         string // arn:aws:iam::123456789012:root, …:user/alice, …
	UserID      string // aws:userid
	Name        string // aws:username for users
	AccessKeyID string
	// RoleARN is the role an assumed-role session acts as
	// (arn:aws:iam::123456789012:role/R); a resource policy naming it
	// applies to all its sessions.
	RoleARN string
	// TokenIssued is when temporary credentials were issued.
	TokenIssued time.Time
}

// IsAnonymous reports whether the request was not signed.
func (p Principal) IsAnonymous() bool { return p.Type == Anonymous }

// Context is the per-request state shared by the edge, protocols and
// services.
type Context struct {
	ID        string // x-amz-request-id
	HostID    string // x-amz-id-2 (S3)
	Start     time.Time
	Region    string // from the SigV4 scope, or the server's default
	Service   string // s3, iam, sts, ec2 …
	Operation string // set by the service once routed, for logs and metrics
	Principal Principal
	SourceIP  netip.Addr
	Secure    bool // aws:SecureTransport
	UserAgent string
	// Referer is the Referer header (aws:Referer).
	Referer   string
	Presigned bool
	// SignatureVersion is s3:signatureversion ("AWS4-HMAC-SHA256" or
	// "AWS"); AuthType is s3:authType (REST-HEADER, REST-QUERY-STRING or
	// POST). Both are empty for anonymous requests.
	SignatureVersion string
	AuthType         string
	// Sources are where request-specific condition keys come from
	// (s3:x-amz-acl, s3:prefix …): the protocol layer collects them, so
	// authorization never reads an http.Request.
	Sources Sources
	// Trailer holds an aws-chunked body's trailing headers (checksums);
	// it is filled once the body has been read to its end.
	Trailer http.Header
}

// Sources are the parts of a request that condition keys are read from.
type Sources struct {
	Header http.Header
	Query  url.Values
}

// SourcesOf collects r's headers and query.
func SourcesOf(r *http.Request) Sources { return Sources{Header: r.Header, Query: r.URL.Query()} }

// Account returns the account the request acts in: the principal's. An
// anonymous request acts in no account.
func (c *Context) Account() string { return c.Principal.Account }

type ctxKey struct{}

// With returns ctx carrying rc.
func With(ctx context.Context, rc *Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, rc)
}

// From returns the request context in ctx, or a zero one (anonymous, no id)
// when there is none, so callers never need a nil check.
func From(ctx context.Context) *Context {
	if rc, ok := ctx.Value(ctxKey{}).(*Context); ok {
		return rc
	}
	return &Context{}
}
