package policy

import (
	"strconv"
	"strings"
)

// Kind is the kind of policy a document is used as; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#access_policy-types.
type Kind int

const (
	// Identity is an identity-based policy: a user, group or role inline or managed policy.
	Identity Kind = iota
	// Resource is a resource-based policy such as an S3 bucket policy.
	Resource
	// Trust is a role trust policy: a resource policy on the role whose actions are sts:*.
	Trust
	// Boundary is a permissions boundary.
	Boundary
	// Session is a session policy passed to AssumeRole or GetFederationToken.
	Session
)

// String returns the kind as AWS names it in access-denied messages.
func (k Kind) String() string {
	switch k {
	case Identity:
		return "identity-based policy"
	case Resource:
		return "resource-based policy"
	case Trust:
		return "role trust policy"
	case Boundary:
		return "permissions boundary"
	case Session:
		return "session policy"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Validate applies the rules of kind k and returns an *Error with the
// wording of the service that owns the kind: IAM for identity, trust,
// boundary and session policies, S3 for resource policies.
func (p *Policy) Validate(k Kind) error {
	switch k {
	case Resource:
		return p.validateBucket()
	case Trust:
		return p.validateTrust()
	default:
		return p.validateIdentity()
	}
}

// validateIdentity checks an identity-based policy, permissions boundary
// or session policy as IAM's CreatePolicy and PutUserPolicy do; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
// ("You cannot use the Principal element in an identity-based policy") and
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html.
func (p *Policy) validateIdentity() error {
	if err := p.validateSids(); err != nil {
		return err
	}
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Principal != nil || s.NotPrincipal != nil {
			return &Error{Reason: reasonNoPrincipalHere}
		}
		if len(s.Resource) == 0 && len(s.NotResource) == 0 {
			return &Error{Reason: reasonNoResources}
		}
		for _, r := range append(s.Resource[:len(s.Resource):len(s.Resource)], s.NotResource...) {
			if !validResource(r) {
				// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
				return &Error{Reason: "Resource " + r + ` must be in ARN format or "*".`}
			}
		}
	}
	return nil
}

// validateSids enforces IAM's Sid rules: alphanumeric and unique within the
// policy; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html.
func (p *Policy) validateSids() error {
	seen := map[string]bool{}
	for i := range p.Statements {
		sid := p.Statements[i].Sid
		for j := 0; j < len(sid); j++ {
			c := sid[j]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return &Error{Reason: reasonSid}
			}
		}
		if sid != "" && seen[sid] {
			return &Error{Reason: reasonSidUnique}
		}
		seen[sid] = true
	}
	return nil
}

// validResource reports whether r is "*" or has the six parts of an ARN.
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	parts := strings.SplitN(r, ":", 6)
	return len(parts) == 6 && parts[0] == "arn" && parts[1] != "" && parts[2] != ""
}

// validateBucket checks an S3 bucket policy as PutBucketPolicy does; see
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
// and https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error.
func (p *Policy) validateBucket() error {
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.Principal == nil && s.NotPrincipal == nil {
			return &Error{Reason: reasonS3Principal}
		}
		for _, a := range append(s.Action[:len(s.Action):len(s.Action)], s.NotAction...) {
			if a == "*" {
				continue
			}
			svc, _, _ := strings.Cut(a, ":")
			if !strings.EqualFold(svc, "s3") {
				return &Error{Reason: reasonS3Action}
			}
		}
		if len(s.Resource) == 0 && len(s.NotResource) == 0 {
			return &Error{Reason: reasonS3NoResource}
		}
		for _, r := range append(s.Resource[:len(s.Resource):len(s.Resource)], s.NotResource...) {
			if r == "*" {
				continue
			}
			if !strings.HasPrefix(r, "arn:") || !validResource(r) {
				return &Error{Reason: reasonS3Resource}
			}
			parts := strings.SplitN(r, ":", 6)
			if parts[2] != "s3" || parts[5] == "" {
				return &Error{Reason: reasonS3Resource}
			}
		}
	}
	return nil
}

// validateTrust checks a role trust policy as CreateRole and
// UpdateAssumeRolePolicy do; see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles.
func (p *Policy) validateTrust() error {
	if err := p.validateSids(); err != nil {
		return err
	}
	for i := range p.Statements {
		s := &p.Statements[i]
		if s.hasResource || s.hasNotResource {
			return &Error{Reason: reasonTrustResource}
		}
		if s.Principal == nil && s.NotPrincipal == nil {
			return &Error{Reason: reasonTrustPrincipal}
		}
		for _, a := range append(s.Action[:len(s.Action):len(s.Action)], s.NotAction...) {
			svc, _, _ := strings.Cut(a, ":")
			if a != "*" && !strings.EqualFold(svc, "sts") {
				return &Error{Reason: reasonTrustAction}
			}
		}
	}
	return nil
}
