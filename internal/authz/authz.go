// Package authz turns one request into the terms of the policy engine and
// back: the principal and global condition keys a request carries, the
// identity policies that apply to its principal (from IAM, behind the
// Identities interface), and AWS's wording of a denial.
//
// Every service authorizes through it, so an S3 GET, an IAM call and an
// STS call are judged by the same rules and explained the same way.
package authz

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
)

// Identities returns the identity side of a principal's permissions:
// identity policies, permissions boundary and session policies (IAM keeps
// them). Input's resource fields are left for the caller.
type Identities interface {
	Identity(ctx context.Context, p request.Principal) (*policy.Input, error)
}

// Principal converts a request principal to the policy engine's.
func Principal(p request.Principal, canonicalID string) policy.Principal {
	return policy.Principal{
		Anonymous:   p.IsAnonymous(),
		Account:     p.Account,
		ARN:         p.ARN,
		RoleARN:     p.RoleARN,
		Type:        p.Type.String(),
		UserID:      p.UserID,
		Username:    p.Name,
		CanonicalID: canonicalID,
	}
}

// Needs returns a test of whether any policy of in reads a condition-key
// family (lower-cased, as policy.Policy.UsesKey names them); nil when the
// input does not say, meaning every key is gathered. Extra policies (a
// bucket policy) may be added.
func Needs(in *policy.Input, extra ...*policy.Policy) func(family string) bool {
	if in.UsedKeys == nil {
		return nil
	}
	if (in.Resource == nil || in.Resource.Policy == nil) && (len(extra) == 0 || (len(extra) == 1 && extra[0] == nil)) {
		used := in.UsedKeys
		return func(f string) bool { return used[f] } // the common case: identity policies only
	}
	return func(f string) bool {
		if in.UsedKeys[f] {
			return true
		}
		for _, p := range extra {
			if p != nil && p.UsesKey(f) {
				return true
			}
		}
		if in.Resource != nil && in.Resource.Policy != nil && in.Resource.Policy.UsesKey(f) {
			return true
		}
		return false
	}
}

// globalKeys are the global condition keys a request carries
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html),
// lower-cased. The principal keys (aws:PrincipalArn …) are filled by
// policy.Evaluate.
var globalKeys = []string{"aws:currenttime", "aws:epochtime", "aws:securetransport", "aws:sourceip",
	"aws:useragent", "aws:requestedregion", "aws:referer", "aws:tokenissuetime"}

// GlobalContext returns the global condition keys a request carries that
// need reports some policy reads (need nil: all of them).
func GlobalContext(rc *request.Context, need func(string) bool) policy.Context {
	c := make(policy.Context, 4)
	now := Now(rc)
	for _, k := range globalKeys {
		if need == nil || need(k) {
			if v, ok := GlobalKey(rc, now, k); ok {
				c[k] = v
			}
		}
	}
	return c
}

// Now is the time a request's time keys report: when it started.
func Now(rc *request.Context) time.Time {
	if rc.Start.IsZero() {
		return time.Now()
	}
	return rc.Start
}

// GlobalKey returns one global condition key (lower-cased) of a request,
// and whether the request carries it; now is Now(rc), read once per
// request so aws:CurrentTime and aws:EpochTime agree.
func GlobalKey(rc *request.Context, now time.Time, key string) ([]string, bool) {
	one := func(v string) ([]string, bool) { return []string{v}, true }
	switch key {
	case "aws:currenttime":
		return one(now.UTC().Format(time.RFC3339))
	case "aws:epochtime":
		return one(strconv.FormatInt(now.Unix(), 10))
	case "aws:securetransport":
		return one(strconv.FormatBool(rc.Secure))
	case "aws:sourceip":
		if rc.SourceIP.IsValid() {
			return one(rc.SourceIP.String())
		}
	case "aws:useragent":
		if rc.UserAgent != "" {
			return one(rc.UserAgent)
		}
	case "aws:requestedregion":
		if rc.Region != "" {
			return one(rc.Region)
		}
	case "aws:referer":
		if rc.Referer != "" {
			return one(rc.Referer)
		}
	case "aws:tokenissuetime":
		if !rc.Principal.TokenIssued.IsZero() {
			return one(rc.Principal.TokenIssued.UTC().Format(time.RFC3339))
		}
	}
	return nil, false
}

// Denied returns AWS's AccessDenied for a decision, worded as AWS's
// current messages are:
//
//	User: arn:aws:iam::123456789012:user/alice is not authorized to perform:
//	s3:PutObject on resource: "arn:aws:s3:::photos/cat.png" because no
//	identity-based policy allows the s3:PutObject action
//
// An action on every resource ("*") names none, as AWS's do.
//
// quote wraps the resource in quotes (S3 does; IAM and STS do not).
func Denied(p request.Principal, action, resource string, res policy.Result, quote bool) *awsproto.Error {
	who := "anonymous"
	if !p.IsAnonymous() {
		who = p.ARN
	}
	// An action on no particular resource (s3:ListAllMyBuckets,
	// ec2:Describe*) names none: "is not authorized to perform:
	// s3:ListAllMyBuckets because no identity-based policy allows…".
	on := ""
	if resource != "*" {
		if quote {
			resource = strconv.Quote(resource)
		}
		on = " on resource: " + resource
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s%s %s", who, action, on, res.Reason(action))
	return awsproto.New(http.StatusForbidden, "AccessDenied", msg)
}

// Log writes a decision at debug level, naming the statements that
// matched, so a user can see why a request was allowed or denied.
func Log(ctx context.Context, log *slog.Logger, req *policy.Request, res policy.Result) {
	if !log.Enabled(ctx, slog.LevelDebug) {
		return
	}
	var matched []string
	for _, m := range res.Matched {
		sid := m.Sid
		if sid == "" {
			sid = "#" + strconv.Itoa(m.Index)
		}
		matched = append(matched, fmt.Sprintf("%s %s %s statement %s", m.Effect, m.Kind, m.Source, sid))
	}
	log.LogAttrs(ctx, slog.LevelDebug, "authorization",
		slog.String("request_id", request.From(ctx).ID),
		slog.String("principal", req.Principal.ARN),
		slog.String("action", req.Action), slog.String("resource", req.Resource),
		slog.String("decision", res.Decision.String()),
		slog.String("reason", res.Reason(req.Action)),
		slog.Any("matched", matched))
}
