// Package sts is gureum's STS: who am I (GetCallerIdentity), temporary
// credentials (AssumeRole, GetSessionToken) and GetAccessKeyInfo.
//
// The credentials it issues live in IAM's store and resolve through the
// same edge.Credentials as long-term keys, so they work on every service;
// a role session's permissions are the role's, narrowed by the session
// policies passed to AssumeRole.
package sts

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/gureum/gureum/internal/authz"
	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/iam"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
)

// Namespace is STS's XML namespace.
const Namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

// Service serves STS.
type Service struct {
	iam  *iam.Service
	log  *slog.Logger
	now  func() time.Time
	ops  *operation.Service
	http *awsproto.Dispatcher
}

// New returns the STS service over IAM's roles and credentials.
func New(i *iam.Service, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Service{iam: i, log: log, now: now}
	// GetCallerIdentity needs no permission, AssumeRole judges the trust
	// policy itself, GetSessionToken is every identity's own: only
	// GetAccessKeyInfo is authorized as an action.
	s.ops = &operation.Service{
		Ops: map[string]*operation.Operation{
			"GetCallerIdentity": operation.New("GetCallerIdentity", "", s.getCallerIdentity),
			"AssumeRole":        operation.New("AssumeRole", "", s.assumeRole),
			"GetSessionToken":   operation.New("GetSessionToken", "", s.getSessionToken),
			"GetAccessKeyInfo":  operation.New("GetAccessKeyInfo", "sts:GetAccessKeyInfo", s.getAccessKeyInfo),
		},
		Authorize: func(ctx context.Context, action, resource string) error {
			return i.Authorize(ctx, action, resource, nil)
		},
		Unknown: func(name string) error {
			return awsproto.Newf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version 2011-06-15", name)
		},
	}
	s.http = &awsproto.Dispatcher{Service: s.ops, Protocol: query.Namespaced(Namespace), Log: log}
	return s
}

// Operations is STS's operations, for in-process callers.
func (s *Service) Operations() *operation.Service { return s.ops }

// ServeHTTP implements http.Handler.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.http.ServeHTTP(w, r) }

type callerIdentityOutput struct {
	UserID  string `xml:"UserId"`
	Account string `xml:"Account"`
	Arn     string `xml:"Arn"`
}

// getCallerIdentity needs no permission: AWS answers it even when a
// policy denies sts:GetCallerIdentity.
func (s *Service) getCallerIdentity(ctx context.Context, _ *struct{}) (*callerIdentityOutput, error) {
	p := request.From(ctx).Principal
	return &callerIdentityOutput{UserID: p.UserID, Account: p.Account, Arn: p.ARN}, nil
}

// Credentials is STS's Credentials shape.
type Credentials struct {
	AccessKeyID     string     `xml:"AccessKeyId"`
	SecretAccessKey string     `xml:"SecretAccessKey"`
	SessionToken    string     `xml:"SessionToken"`
	Expiration      query.Time `xml:"Expiration"`
}

type assumedRoleUser struct {
	AssumedRoleID string `xml:"AssumedRoleId"`
	Arn           string `xml:"Arn"`
}

type policyArn struct {
	Arn string `query:"arn"`
}

type assumeRoleInput struct {
	RoleArn         string `query:",required"`
	RoleSessionName string `query:",required"`
	Policy          *string
	PolicyArns      []policyArn
	DurationSeconds *int32
	ExternalID      *string `query:"ExternalId"`
	SourceIdentity  *string
}

type assumeRoleOutput struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  assumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize *int            `xml:"PackedPolicySize,omitempty"`
	SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
}

var sessionNameRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]*$`) })

func validation(format string, args ...any) error {
	return awsproto.Newf(http.StatusBadRequest, "ValidationError", format, args...)
}

func accessDenied(p request.Principal, action, resource string) error {
	return awsproto.Newf(http.StatusForbidden, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s", p.ARN, action, resource)
}

func (s *Service) assumeRole(ctx context.Context, in *assumeRoleInput) (*assumeRoleOutput, error) {
	if n := len(in.RoleSessionName); n < 2 || n > 64 || !sessionNameRe().MatchString(in.RoleSessionName) {
		return nil, validation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", in.RoleSessionName)
	}
	if len(in.RoleArn) < 20 {
		return nil, validation("1 validation error detected: Value '%s' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20", in.RoleArn)
	}
	rc := request.From(ctx)
	p := rc.Principal
	if p.Type == request.Root {
		return nil, awsproto.New(http.StatusForbidden, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	role, found, err := s.iam.LookupRole(ctx, in.RoleArn)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, accessDenied(p, "sts:AssumeRole", in.RoleArn)
	}
	dur := int32(3600)
	if in.DurationSeconds != nil {
		dur = *in.DurationSeconds
		if dur < 900 {
			return nil, validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", dur)
		}
		if dur > role.MaxSession {
			return nil, validation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
		}
	}
	// Session policies: validated as identity policies.
	var sessionPolicy string
	if in.Policy != nil {
		if len(*in.Policy) > 2048 {
			return nil, validation("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048")
		}
		if _, err := policy.ParseAs([]byte(*in.Policy), policy.Session); err != nil {
			return nil, awsproto.New(http.StatusBadRequest, "MalformedPolicyDocument", reason(err))
		}
		sessionPolicy = *in.Policy
	}
	var arns []string
	for _, pa := range in.PolicyArns {
		arns = append(arns, pa.Arn)
	}
	if len(arns) > 10 {
		return nil, validation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	if err := s.iam.CheckPolicyArns(ctx, role.Account, arns); err != nil {
		return nil, err
	}
	// The trust policy is the role's resource policy: within one account
	// it alone may allow; across accounts the caller's identity policies
	// must allow sts:AssumeRole too.
	idIn, err := s.iam.Identity(ctx, p)
	if err != nil {
		return nil, err
	}
	pin := *idIn
	pin.Resource = &policy.Source{Kind: policy.Trust, Name: "trust policy of " + role.ARN, Policy: role.Trust}
	pin.ResourceAccount = role.Account
	keys := authz.GlobalContext(rc, nil)
	if in.ExternalID != nil {
		keys.Set("sts:ExternalId", *in.ExternalID)
	}
	keys.Set("sts:RoleSessionName", in.RoleSessionName)
	if in.SourceIdentity != nil {
		keys.Set("sts:SourceIdentity", *in.SourceIdentity)
	}
	req := &policy.Request{Principal: authz.Principal(p, ""), Action: "sts:AssumeRole", Resource: role.ARN, Context: keys}
	res := policy.Evaluate(&pin, req)
	authz.Log(ctx, s.log, req, res)
	if res.Decision != policy.Allow {
		return nil, accessDenied(p, "sts:AssumeRole", role.ARN)
	}
	exp := s.now().Add(time.Duration(dur) * time.Second)
	sess, err := s.iam.CreateSession(ctx, iam.SessionSpec{Account: role.Account, Expires: exp, Role: &role, SessionName: in.RoleSessionName,
		Policy: sessionPolicy, PolicyArns: arns})
	if err != nil {
		return nil, err
	}
	out := &assumeRoleOutput{
		Credentials:     Credentials{sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, query.Time(sess.Expiration)},
		AssumedRoleUser: assumedRoleUser{role.ID + ":" + in.RoleSessionName, "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName},
	}
	if sessionPolicy != "" || len(arns) > 0 {
		size := packedSize(sessionPolicy, len(arns))
		out.PackedPolicySize = &size
	}
	if in.SourceIdentity != nil {
		out.SourceIdentity = *in.SourceIdentity
	}
	return out, nil
}

// packedSize approximates AWS's PackedPolicySize: the percentage of the
// packed-policy quota the session policies use.
func packedSize(doc string, arns int) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return (n*100)/2048 + arns*5
}

func reason(err error) string {
	var pe *policy.Error
	if errors.As(err, &pe) {
		return pe.Reason
	}
	return "Syntax errors in policy."
}

type getSessionTokenInput struct {
	DurationSeconds *int32
	SerialNumber    *string
	TokenCode       *string
}

type getSessionTokenOutput struct {
	Credentials Credentials `xml:"Credentials"`
}

func (s *Service) getSessionToken(ctx context.Context, in *getSessionTokenInput) (*getSessionTokenOutput, error) {
	p := request.From(ctx).Principal
	if strings.HasPrefix(p.AccessKeyID, "ASIA") {
		return nil, awsproto.New(http.StatusForbidden, "AccessDenied", "Cannot call GetSessionToken with session credentials")
	}
	dur := int32(43200)
	if p.Type == request.Root {
		dur = 3600
	}
	if in.DurationSeconds != nil {
		dur = *in.DurationSeconds
		max := int32(129600)
		if p.Type == request.Root {
			max = 3600
		}
		if dur < 900 || dur > max {
			return nil, validation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600", dur)
		}
	}
	spec := iam.SessionSpec{Account: p.Account, Expires: s.now().Add(time.Duration(dur) * time.Second)}
	if p.Type == request.User {
		spec.User = p.Name
	}
	sess, err := s.iam.CreateSession(ctx, spec)
	if err != nil {
		return nil, err
	}
	return &getSessionTokenOutput{Credentials{sess.AccessKeyID, sess.SecretAccessKey, sess.SessionToken, query.Time(sess.Expiration)}}, nil
}

type getAccessKeyInfoInput struct {
	AccessKeyID string `query:"AccessKeyId,required"`
}

type getAccessKeyInfoOutput struct {
	Account string `xml:"Account"`
}

func (s *Service) getAccessKeyInfo(ctx context.Context, in *getAccessKeyInfoInput) (*getAccessKeyInfoOutput, error) {
	if len(in.AccessKeyID) < 16 || len(in.AccessKeyID) > 128 {
		return nil, validation("1 validation error detected: Value '%s' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16", in.AccessKeyID)
	}
	acct, ok := s.iam.AccountOfKey(ctx, in.AccessKeyID)
	if !ok {
		return nil, awsproto.Newf(http.StatusBadRequest, "InvalidParameterValue", "The access key ID %s is not valid.", in.AccessKeyID)
	}
	return &getAccessKeyInfoOutput{acct}, nil
}
