package policy

import "testing"

// evalCase is one Evaluate case: the input built from documents, the
// request, the wanted decision and denial reason tail.
type evalCase struct {
	name string
	in   func(t testing.TB) *Input
	req  Request
	want Decision
	// reason, when set, is the wanted Result.Reason(req.Action).
	reason string
}

// Documents from AWS's examples.
const (
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-bucket-policies.html
	// "Granting read-only permission to a public anonymous user".
	docPublicRead = `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",
		"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	// Same page, "Limiting access to specific IP addresses".
	docIPDeny = `{"Id":"SourceIP","Version":"2012-10-17","Statement":[{"Sid":"SourceIP","Effect":"Deny","Principal":"*","Action":"s3:*",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		"Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}}]}`
	// Same page, "Managing access to an HTTP or HTTPS request" (aws:SecureTransport).
	docTLS = `{"Version":"2012-10-17","Statement":[{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"],
		"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	// Same page, "Restricting access to a specific HTTP referer".
	docReferer = `{"Version":"2012-10-17","Id":"HTTP referer policy example","Statement":[{"Sid":"AllowGetRequestsReferredByWwwExampleComAndExampleCom",
		"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
		"Condition":{"StringLike":{"aws:Referer":["http://www.example.com/*","http://example.com/*"]}}}]}`
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_s3_home-directory-console.html
	// (${aws:username} home folder, s3:prefix with ListBucket).
	docHome = `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowListingOfUserFolder","Action":["s3:ListBucket"],"Effect":"Allow","Resource":["arn:aws:s3:::amzn-s3-demo-bucket"],
		 "Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*","home/${aws:username}"]}}},
		{"Sid":"AllowAllS3ActionsInUserFolder","Effect":"Allow","Action":["s3:*"],"Resource":["arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"]}]}`
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_deny-requested-region.html style
	// Deny NotAction with MFA, from reference_policies_examples_aws_my-sec-creds-self-manage.html.
	docMFA = `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllowAll","Effect":"Allow","Action":"*","Resource":"*"},
		{"Sid":"DenyAllExceptListedIfNoMFA","Effect":"Deny",
		 "NotAction":["iam:CreateVirtualMFADevice","iam:EnableMFADevice","iam:GetUser","iam:ListMFADevices","iam:ListVirtualMFADevices","iam:ResyncMFADevice","sts:GetSessionToken"],
		 "Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}`
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html
	docWindow = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*",
		"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}}]}`
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
	docNotActionIAM = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html
	docNotResource = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*",
		"NotResource":["arn:aws:s3:::HRBucket/Payroll","arn:aws:s3:::HRBucket/Payroll/*"]},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	docS3All     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	docS3Get     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docDenyS3Put = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`
	// Bucket policies naming principals, from
	// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html.
	docGrantAccountB = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:*",
		"Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]}]}`
	docGrantRootA = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docGrantAlice = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice"]},"Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docGrantBob   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docGrantRole  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docGrantSess  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/Reader/app"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docGrantCanon = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	// https://docs.aws.amazon.com/AmazonS3/latest/userguide/private-content-restricting-access-to-s3.html (CloudFront OAC).
	docOAC = `{"Version":"2012-10-17","Statement":{"Sid":"AllowCloudFrontServicePrincipalReadOnly","Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},
		"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*",
		"Condition":{"StringEquals":{"AWS:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}}}`
	// NotPrincipal with Deny, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html.
	docNotPrincipal = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::444455556666:user/bob","arn:aws:iam::444455556666:root"]},
		"Action":"s3:*","Resource":["arn:aws:s3:::amzn-s3-demo-bucket","arn:aws:s3:::amzn-s3-demo-bucket/*"]},
		{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	docNotPrincipalUserOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:user/bob"},
		"Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}]}`
	// Role trust policies, https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user.html.
	docTrustAccountA = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}`
	docTrustAlice    = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"sts:AssumeRole"}}`
	docTrustB        = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}`
	docAssume        = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/*"}}`
)

const roleARN = "arn:aws:iam::111122223333:role/Reader"

// inp builds an Input from parts; nil-able helpers keep the table short.
func inp(identity []string, resource string, opts ...func(testing.TB, *Input)) func(t testing.TB) *Input {
	return func(t testing.TB) *Input {
		in := &Input{}
		if len(identity) > 0 {
			in.Identity = ids(t, identity...)
		}
		if resource != "" {
			in.Resource = src(t, Resource, resource)
		}
		for _, o := range opts {
			o(t, in)
		}
		return in
	}
}

// withBoundary sets the permissions boundary.
func withBoundary(doc string) func(testing.TB, *Input) {
	return func(t testing.TB, in *Input) { in.Boundary = src(t, Boundary, doc) }
}

// withSession adds a session policy.
func withSession(doc string) func(testing.TB, *Input) {
	return func(t testing.TB, in *Input) { in.Session = append(in.Session, *src(t, Session, doc)) }
}

// withOwner sets the account owning the resource.
func withOwner(acct string) func(testing.TB, *Input) {
	return func(_ testing.TB, in *Input) { in.ResourceAccount = acct }
}

// asTrust marks the resource policy as a role trust policy.
func asTrust() func(testing.TB, *Input) {
	return func(_ testing.TB, in *Input) { in.Resource.Kind = Trust }
}

// allowsAll marks the principal as an account root.
func allowsAll() func(testing.TB, *Input) {
	return func(_ testing.TB, in *Input) { in.IdentityAllowsAll = true }
}

// extraAllow records an ACL grant.
func extraAllow() func(testing.TB, *Input) {
	return func(_ testing.TB, in *Input) { in.ExtraAllow = true }
}

// req builds a request with a context from key, value pairs.
func req(p Principal, action, resource string, kv ...string) Request {
	return Request{Principal: p, Action: action, Resource: resource, Context: ctx(kv...)}
}

var evalCases = []evalCase{
	// Basics: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
	{"no-policies-implicit-deny", inp(nil, ""), req(alice, "s3:PutObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:PutObject action"},
	{"identity-allow", inp([]string{docS3All}, ""), req(alice, "s3:PutObject", objectA), Allow, ""},
	{"action-case-insensitive", inp([]string{docS3Get}, ""), req(alice, "S3:getobject", objectA), Allow, ""},
	{"resource-case-sensitive", inp([]string{docS3Get}, ""), req(alice, "s3:GetObject", "arn:aws:s3:::AMZN-S3-DEMO-BUCKET/x"), ImplicitDeny, ""},
	{"explicit-deny-overrides-allow", inp([]string{docS3All, docDenyS3Put}, ""), req(alice, "s3:PutObject", objectA), ExplicitDeny, "with an explicit deny in an identity-based policy"},
	{"deny-other-action-allows", inp([]string{docS3All, docDenyS3Put}, ""), req(alice, "s3:GetObject", objectA), Allow, ""},
	{"root-allows-all-own-account", inp(nil, "", allowsAll()), req(rootA, "s3:DeleteBucket", bucketA), Allow, ""},
	{"root-own-account-bucket-deny", inp(nil, docTLS, allowsAll()), req(rootA, "s3:GetObject", objectA, "aws:SecureTransport", "false"), ExplicitDeny, "with an explicit deny in a resource-based policy"},

	// NotAction / NotResource.
	{"NotAction/allows-s3", inp([]string{docNotActionIAM}, ""), req(alice, "s3:ListBucket", bucketA), Allow, ""},
	{"NotAction/excludes-iam", inp([]string{docNotActionIAM}, ""), req(alice, "iam:CreateUser", "arn:aws:iam::111122223333:user/x"), ImplicitDeny, ""},
	{"NotResource/deny-outside-payroll", inp([]string{docNotResource}, ""), req(alice, "s3:GetObject", "arn:aws:s3:::HRBucket/Other/x"), ExplicitDeny, ""},
	{"NotResource/payroll-allowed", inp([]string{docNotResource}, ""), req(alice, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/x"), Allow, ""},

	// MFA self-manage example (reference_policies_examples_aws_my-sec-creds-self-manage.html).
	{"MFA/no-mfa-denied", inp([]string{docMFA}, ""), req(alice, "s3:ListAllMyBuckets", "*"), ExplicitDeny, ""},
	{"MFA/no-mfa-listed-action", inp([]string{docMFA}, ""), req(alice, "iam:EnableMFADevice", "arn:aws:iam::111122223333:user/alice"), Allow, ""},
	{"MFA/with-mfa", inp([]string{docMFA}, ""), req(alice, "s3:ListAllMyBuckets", "*", "aws:MultiFactorAuthPresent", "true"), Allow, ""},
	{"MFA/explicit-false", inp([]string{docMFA}, ""), req(alice, "ec2:RunInstances", "*", "aws:MultiFactorAuthPresent", "false"), ExplicitDeny, ""},

	// Date window (reference_policies_examples_aws-dates.html).
	{"window/inside", inp([]string{docWindow}, ""), req(alice, "s3:GetObject", objectA, "aws:CurrentTime", "2020-05-01T10:00:00Z"), Allow, ""},
	{"window/before", inp([]string{docWindow}, ""), req(alice, "s3:GetObject", objectA, "aws:CurrentTime", "2020-03-31T10:00:00Z"), ImplicitDeny, ""},
	{"window/after", inp([]string{docWindow}, ""), req(alice, "s3:GetObject", objectA, "aws:CurrentTime", "2020-07-01T00:00:00Z"), ImplicitDeny, ""},

	// Home folder with ${aws:username} (reference_policies_examples_s3_home-directory-console.html).
	{"home/list-own-prefix", inp([]string{docHome}, ""), req(alice, "s3:ListBucket", bucketA, "s3:prefix", "home/alice/"), Allow, ""},
	{"home/list-own-folder-exact", inp([]string{docHome}, ""), req(alice, "s3:ListBucket", bucketA, "s3:prefix", "home/alice"), Allow, ""},
	{"home/list-other-prefix", inp([]string{docHome}, ""), req(alice, "s3:ListBucket", bucketA, "s3:prefix", "home/bob/"), ImplicitDeny, ""},
	{"home/put-own-object", inp([]string{docHome}, ""), req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/a.txt"), Allow, ""},
	{"home/put-other-object", inp([]string{docHome}, ""), req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/a.txt"), ImplicitDeny, ""},
	{"home/role-has-no-username", inp([]string{docHome}, ""), req(sessA, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/app/a.txt"), ImplicitDeny, ""},
	{"home/version-2008-no-variables", inp([]string{`{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}]}`}, ""),
		req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/alice/a.txt"), ImplicitDeny, ""},
	{"home/version-2008-literal", inp([]string{`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*"}]}`}, ""),
		req(alice, "s3:PutObject", "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/a.txt"), Allow, ""},

	// Anonymous and public bucket policies (S3 example-bucket-policies.html).
	{"anon/public-read", inp(nil, docPublicRead), req(anonP, "s3:GetObject", objectA), Allow, ""},
	{"anon/public-read-no-put", inp(nil, docPublicRead), req(anonP, "s3:PutObject", objectA), ImplicitDeny, "because no resource-based policy allows the s3:PutObject action"},
	{"anon/no-policy", inp(nil, ""), req(anonP, "s3:GetObject", objectA), ImplicitDeny, "because no resource-based policy allows the s3:GetObject action"},
	{"anon/acl-grant", inp(nil, "", extraAllow()), req(anonP, "s3:GetObject", objectA), Allow, ""},
	{"anon/ignores-identity", inp([]string{docS3All}, ""), req(anonP, "s3:GetObject", objectA), ImplicitDeny, ""},
	{"anon/not-matched-by-account", inp(nil, docGrantRootA), req(anonP, "s3:GetObject", objectA), ImplicitDeny, ""},
	{"user/public-read-same-account", inp(nil, docPublicRead), req(alice, "s3:GetObject", objectA), Allow, ""},
	{"user/public-read-cross-account-needs-identity", inp(nil, docPublicRead, withOwner(acctA)), req(bob, "s3:GetObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
	{"user/public-read-cross-account-with-identity", inp([]string{docS3All}, docPublicRead, withOwner(acctA)), req(bob, "s3:GetObject", objectA), Allow, ""},
	{"ip/deny-outside", inp([]string{docS3All}, docIPDeny), req(alice, "s3:GetObject", objectA, "aws:SourceIp", "198.51.100.5"), ExplicitDeny, "with an explicit deny in a resource-based policy"},
	{"ip/inside-allowed", inp([]string{docS3All}, docIPDeny), req(alice, "s3:GetObject", objectA, "aws:SourceIp", "203.0.113.99"), Allow, ""},
	{"tls/deny-http", inp([]string{docS3All}, docTLS), req(alice, "s3:GetObject", objectA, "aws:SecureTransport", "false"), ExplicitDeny, ""},
	{"tls/https-allowed", inp([]string{docS3All}, docTLS), req(alice, "s3:GetObject", objectA, "aws:SecureTransport", "true"), Allow, ""},
	{"tls/anon-http-denied", inp(nil, docTLS, extraAllow()), req(anonP, "s3:GetObject", objectA, "aws:SecureTransport", "false"), ExplicitDeny, ""},
	{"referer/match", inp(nil, docReferer), req(anonP, "s3:GetObject", objectA, "aws:Referer", "http://www.example.com/page.html"), Allow, ""},
	{"referer/other", inp(nil, docReferer), req(anonP, "s3:GetObject", objectA, "aws:Referer", "http://evil.example.net/"), ImplicitDeny, ""},
	{"referer/absent", inp(nil, docReferer), req(anonP, "s3:GetObject", objectA), ImplicitDeny, ""},

	// Principal forms in resource policies (reference_policies_elements_principal.html).
	{"principal/account-id-cross", inp([]string{docS3All}, docGrantAccountB, withOwner(acctA)), req(bob, "s3:GetObject", objectA), Allow, ""},
	{"principal/account-id-cross-no-identity", inp(nil, docGrantAccountB, withOwner(acctA)), req(bob, "s3:GetObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
	{"principal/cross-no-resource-grant", inp([]string{docS3All}, docGrantAlice, withOwner(acctA)), req(bob, "s3:GetObject", objectA), ImplicitDeny, "because no resource-based policy allows the s3:GetObject action"},
	{"principal/cross-no-resource-policy", inp([]string{docS3All}, "", withOwner(acctA)), req(bob, "s3:GetObject", objectA), ImplicitDeny, "because no resource-based policy allows the s3:GetObject action"},
	{"principal/cross-user-arn", inp([]string{docS3All}, docGrantBob, withOwner(acctA)), req(bob, "s3:GetObject", objectA), Allow, ""},
	{"principal/cross-acl-grant", inp([]string{docS3All}, "", withOwner(acctA), extraAllow()), req(bob, "s3:GetObject", objectA), Allow, ""},
	// A root's identity side allows everything; across accounts the resource side must allow too
	// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
	{"principal/cross-root-with-resource-grant", inp(nil, docGrantAccountB, withOwner(acctA), allowsAll()), req(rootB, "s3:GetObject", objectA), Allow, ""},
	{"principal/cross-root-without-resource-grant", inp(nil, "", withOwner(acctA), allowsAll()), req(rootB, "s3:GetObject", objectA), ImplicitDeny, "because no resource-based policy allows the s3:GetObject action"},
	{"principal/same-account-root-arn-needs-identity", inp(nil, docGrantRootA), req(alice, "s3:GetObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
	{"principal/same-account-root-arn-with-identity", inp([]string{docS3Get}, docGrantRootA), req(alice, "s3:GetObject", objectA), Allow, ""},
	{"principal/same-account-root-itself", inp(nil, docGrantRootA), req(rootA, "s3:GetObject", objectA), Allow, ""},
	{"principal/user-arn-no-identity", inp(nil, docGrantAlice), req(alice, "s3:PutObject", objectA), Allow, ""},
	{"principal/user-arn-other-user", inp(nil, docGrantAlice), req(Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/carol", Type: TypeUser}, "s3:PutObject", objectA), ImplicitDeny, ""},
	{"principal/role-arn-matches-session", inp(nil, docGrantRole), req(sessA, "s3:GetObject", objectA), Allow, ""},
	{"principal/session-arn", inp(nil, docGrantSess), req(sessA, "s3:GetObject", objectA), Allow, ""},
	{"principal/canonical-user", inp(nil, docGrantCanon), req(canonA, "s3:GetObject", objectA), Allow, ""},
	{"principal/service-oac", inp(nil, docOAC), req(cfSvc, "s3:GetObject", objectA, "aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"), Allow, ""},
	{"principal/service-oac-other-distribution", inp(nil, docOAC), req(cfSvc, "s3:GetObject", objectA, "aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/OTHER"), ImplicitDeny, ""},
	{"principal/service-not-a-user", inp(nil, docOAC), req(alice, "s3:GetObject", objectA, "aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"), ImplicitDeny, ""},

	// NotPrincipal (reference_policies_elements_notprincipal.html).
	{"NotPrincipal/bob-exempt", inp([]string{docS3All}, docNotPrincipal, withOwner(acctA)), req(bob, "s3:GetObject", objectA), Allow, ""},
	{"NotPrincipal/alice-denied", inp([]string{docS3All}, docNotPrincipal), req(alice, "s3:GetObject", objectA), ExplicitDeny, ""},
	{"NotPrincipal/anon-denied", inp(nil, docNotPrincipal), req(anonP, "s3:GetObject", objectA), ExplicitDeny, ""},
	{"NotPrincipal/user-without-account-denied", inp([]string{docS3All}, docNotPrincipalUserOnly, withOwner(acctA)), req(bob, "s3:GetObject", objectA), ExplicitDeny, ""},
	{"NotPrincipal/deny-always-with-boundary", inp([]string{docS3All}, docNotPrincipal, withOwner(acctA), withBoundary(docS3All)), req(bob, "s3:GetObject", objectA), ExplicitDeny, ""},

	// Permissions boundaries (access_policies_boundaries.html).
	{"boundary/both-allow", inp([]string{docS3All}, "", withBoundary(docS3Get)), req(alice, "s3:GetObject", objectA), Allow, ""},
	{"boundary/identity-only", inp([]string{docS3All}, "", withBoundary(docS3Get)), req(alice, "s3:PutObject", objectA), ImplicitDeny, "because no permissions boundary allows the s3:PutObject action"},
	{"boundary/boundary-only", inp([]string{docS3Get}, "", withBoundary(docS3All)), req(alice, "s3:PutObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:PutObject action"},
	{"boundary/explicit-deny", inp([]string{docS3All}, "", withBoundary(docDenyS3Put)), req(alice, "s3:PutObject", objectA), ExplicitDeny, "with an explicit deny in a permissions boundary"},
	{"boundary/user-arn-resource-policy-not-limited", inp(nil, docGrantAlice, withBoundary(docS3Get)), req(alice, "s3:PutObject", objectA), Allow, ""},
	{"boundary/role-arn-resource-policy-limited", inp(nil, docGrantRole, withBoundary(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)), req(sessA, "s3:GetObject", objectA), ImplicitDeny, "because no permissions boundary allows the s3:GetObject action"},
	{"boundary/session-arn-not-limited", inp(nil, docGrantSess, withBoundary(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)), req(sessA, "s3:GetObject", objectA), Allow, ""},
	{"boundary/resource-deny-still-wins", inp(nil, docIPDeny, withBoundary(docS3All)), req(alice, "s3:GetObject", objectA, "aws:SourceIp", "10.0.0.1"), ExplicitDeny, ""},
	{"boundary/cross-account-limited", inp([]string{docS3All}, docGrantBob, withOwner(acctA), withBoundary(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:List*","Resource":"*"}]}`)), req(bob, "s3:GetObject", objectA), ImplicitDeny, "because no permissions boundary allows the s3:GetObject action"},

	// Session policies (access_policies.html#policies_session).
	{"session/intersection-allows", inp([]string{docS3All}, "", withSession(docS3Get)), req(sessA, "s3:GetObject", objectA), Allow, ""},
	{"session/limits-identity", inp([]string{docS3All}, "", withSession(docS3Get)), req(sessA, "s3:PutObject", objectA), ImplicitDeny, "because no session policy allows the s3:PutObject action"},
	{"session/cannot-grant-more", inp([]string{docS3Get}, "", withSession(docS3All)), req(sessA, "s3:PutObject", objectA), ImplicitDeny, "because no identity-based policy allows the s3:PutObject action"},
	{"session/explicit-deny", inp([]string{docS3All}, "", withSession(docDenyS3Put)), req(sessA, "s3:PutObject", objectA), ExplicitDeny, "with an explicit deny in a session policy"},
	{"session/session-arn-not-limited", inp(nil, docGrantSess, withSession(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)), req(sessA, "s3:GetObject", objectA), Allow, ""},
	{"session/role-arn-limited", inp(nil, docGrantRole, withSession(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)), req(sessA, "s3:GetObject", objectA), ImplicitDeny, "because no session policy allows the s3:GetObject action"},
	{"session/multiple-any-allows", inp([]string{docS3All}, "", withSession(docS3Get), withSession(docS3All)), req(sessA, "s3:PutObject", objectA), Allow, ""},
	{"session/empty-list-no-session", inp([]string{docS3All}, ""), req(sessA, "s3:PutObject", objectA), Allow, ""},

	// Role trust policies (id_roles_create_for-user.html, reference_policies_evaluation-logic-cross-account.html).
	{"trust/account-root-needs-identity", inp(nil, docTrustAccountA, asTrust()), req(alice, "sts:AssumeRole", roleARN), ImplicitDeny, "because no identity-based policy allows the sts:AssumeRole action"},
	{"trust/account-root-with-identity", inp([]string{docAssume}, docTrustAccountA, asTrust()), req(alice, "sts:AssumeRole", roleARN), Allow, ""},
	{"trust/user-arn-direct", inp(nil, docTrustAlice, asTrust()), req(alice, "sts:AssumeRole", roleARN), Allow, ""},
	{"trust/identity-alone-not-enough", inp([]string{docAssume}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`, asTrust()), req(alice, "sts:AssumeRole", roleARN), ImplicitDeny, "because no role trust policy allows the sts:AssumeRole action"},
	{"trust/cross-account-mfa", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`}, docTrustB, asTrust(), withOwner(acctA)), req(bob, "sts:AssumeRole", roleARN, "aws:MultiFactorAuthPresent", "true"), Allow, ""},
	{"trust/cross-account-no-mfa", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}}`}, docTrustB, asTrust(), withOwner(acctA)), req(bob, "sts:AssumeRole", roleARN), ImplicitDeny, "because no role trust policy allows the sts:AssumeRole action"},

	// Policy variables and condition keys in resource policies.
	{"var/PrincipalAccount-in-resource", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::shared/${aws:PrincipalAccount}/*"}}`}, ""),
		req(alice, "s3:GetObject", "arn:aws:s3:::shared/111122223333/x"), Allow, ""},
	{"var/userid-in-resource", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:userid}/*"}}`}, ""),
		req(sessA, "s3:GetObject", "arn:aws:s3:::b/AROAEXAMPLEID:app/x"), Allow, ""},
	{"var/missing-key-resource-no-match", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}}`}, ""),
		req(alice, "s3:GetObject", "arn:aws:s3:::b//x"), ImplicitDeny, ""},
	{"var/context-key-in-resource", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}}`}, ""),
		req(alice, "s3:GetObject", "arn:aws:s3:::b/db/x", "aws:PrincipalTag/team", "db"), Allow, ""},
	{"var/not-in-action", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:${aws:username}","Resource":"*"}}`}, ""),
		req(alice, "s3:alice", "*"), ImplicitDeny, ""},
	{"PrincipalOrgID-bucket", inp([]string{docS3All}, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-xxxxxxxxxxx"}}}}`, withOwner(acctA)),
		req(bob, "s3:GetObject", objectA, "aws:PrincipalOrgID", "o-xxxxxxxxxxx"), Allow, ""},
	{"PrincipalAccount-filled-in-bucket", inp(nil, `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111122223333"}}}}`, withOwner(acctA)),
		req(bob, "s3:GetObject", objectA), ExplicitDeny, ""},

	// Federated user sessions and ACL grants (reference_policies_evaluation-logic_policy-eval-denyallow.html).
	{"federated-user-arn-direct", inp(nil, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:federated-user/carol"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"}}`, withSession(docDenyS3Put)),
		req(Principal{Account: acctA, ARN: "arn:aws:sts::111122223333:federated-user/carol", Type: TypeFederatedUser}, "s3:GetObject", objectA), Allow, ""},
	{"acl-grant-limited-by-boundary", inp(nil, "", extraAllow(), withBoundary(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}`)),
		req(alice, "s3:GetObject", objectA), ImplicitDeny, "because no permissions boundary allows the s3:GetObject action"},
	{"acl-grant-same-account", inp(nil, "", extraAllow()), req(alice, "s3:GetObject", objectA), Allow, ""},

	// Wildcards in Resource and Action (reference_policies_elements_resource.html).
	{"wild/resource-star-crosses-slash", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*.jpg"}}`}, ""),
		req(alice, "s3:GetObject", objectA), Allow, ""},
	{"wild/resource-question", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/photos/ca?.jpg"}}`}, ""),
		req(alice, "s3:GetObject", objectA), Allow, ""},
	{"wild/action-prefix", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`}, ""),
		req(alice, "s3:GetObjectAcl", objectA), Allow, ""},
	{"wild/action-other-service", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`}, ""),
		req(alice, "s3x:GetObject", objectA), ImplicitDeny, ""},
	{"wild/action-star", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`}, ""),
		req(alice, "ec2:RunInstances", "*"), Allow, ""},
	{"wild/action-middle", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"*"}}`}, ""),
		req(alice, "iam:UpdateAccessKey", "*"), Allow, ""},
	{"wild/region-account-star", inp([]string{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:*:111122223333:queue*"}}`}, ""),
		req(alice, "sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:queue1"), Allow, ""},
}

func TestEvaluate(t *testing.T) {
	for _, tc := range evalCases {
		t.Run(tc.name, func(t *testing.T) {
			r := Evaluate(tc.in(t), &tc.req)
			if r.Decision != tc.want {
				t.Fatalf("decision = %v (%s), want %v; matched %+v", r.Decision, r.Reason(tc.req.Action), tc.want, r.Matched)
			}
			if tc.reason != "" {
				if got := r.Reason(tc.req.Action); got != tc.reason {
					t.Errorf("reason = %q, want %q", got, tc.reason)
				}
			}
		})
	}
}
