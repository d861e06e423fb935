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
	"strings"
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

// GlobalContext returns the global condition keys every request carries
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
// The principal keys (aws:PrincipalArn …) are filled by policy.Evaluate.
func GlobalContext(rc *request.Context, r *http.Request) policy.Context {
	c := policy.Context{}
	now := rc.Start
	if now.IsZero() {
		now = time.Now()
	}
	c.Set("aws:CurrentTime", now.UTC().Format(time.RFC3339))
	c.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	c.Set("aws:SecureTransport", strconv.FormatBool(rc.Secure))
	if rc.SourceIP.IsValid() {
		c.Set("aws:SourceIp", rc.SourceIP.String())
	}
	if rc.UserAgent != "" {
		c.Set("aws:UserAgent", rc.UserAgent)
	}
	if rc.Region != "" {
		c.Set("aws:RequestedRegion", rc.Region)
	}
	if r != nil {
		if ref := r.Header.Get("Referer"); ref != "" {
			c.Set("aws:Referer", ref)
		}
	}
	if rc.Principal.Type == request.AssumedRole || rc.Principal.Type == request.FederatedUser || strings.HasPrefix(rc.Principal.AccessKeyID, "ASIA") {
		c.Set("aws:TokenIssueTime", rc.Principal.TokenIssued.UTC().Format(time.RFC3339))
	}
	return c
}

// Denied returns AWS's AccessDenied for a decision, worded as AWS's
// current messages are:
//
//	User: arn:aws:iam::123456789012:user/alice is not authorized to perform:
//	s3:PutObject on resource: "arn:aws:s3:::photos/cat.png" because no
//	identity-based policy allows the s3:PutObject action
//
// quote wraps the resource in quotes (S3 does; IAM and STS do not).
func Denied(p request.Principal, action, resource string, res policy.Result, quote bool) *awsproto.Error {
	who := "anonymous"
	if !p.IsAnonymous() {
		who = p.ARN
	}
	if quote {
		resource = strconv.Quote(resource)
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s %s", who, action, resource, res.Reason(action))
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
