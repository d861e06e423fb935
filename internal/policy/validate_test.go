package policy

import (
	"errors"
	"testing"
)

// validateCase is one ParseAs case: a document, the kind it is used as,
// and the wanted error reason ("" for valid).
type validateCase struct {
	name string
	in   string
	kind Kind
	want string
}

const (
	okIdentity = `{"Version":"2012-10-17","Statement":[{"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	okBucket   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	okTrust    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
)

// Grammar from https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html;
// IAM wording from https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_policies.html;
// S3 wording from PutBucketPolicy MalformedPolicy responses
// (https://repost.aws/knowledge-center/s3-invalid-principal-in-policy-error).
var validateCases = []validateCase{
	{"identity/valid", okIdentity, Identity, ""},
	{"identity/statement-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, ""},
	{"identity/no-version-ok", `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, ""},
	{"identity/version-2008", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, ""},
	{"identity/bad-json", `{"Version":"2012-10-17",`, Identity, "Syntax errors in policy."},
	{"identity/not-object", `[1,2]`, Identity, "Syntax errors in policy."},
	{"identity/bad-version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, "The policy failed legacy parsing"},
	{"identity/unknown-top-field", `{"Version":"2012-10-17","Foo":1,"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, "Syntax errors in policy."},
	{"identity/unknown-statement-field", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Actions":"x"}}`, Identity, "Syntax errors in policy."},
	{"identity/principal-rejected", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, Identity, "Policy document should not specify a principal."},
	{"identity/notprincipal-rejected", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}`, Identity, "Policy document should not specify a principal."},
	{"identity/no-action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*"}}`, Identity, "Policy statement must contain actions."},
	{"identity/empty-action", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":[],"Resource":"*"}}`, Identity, "Policy statement must contain actions."},
	{"identity/no-resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, Identity, "Policy statement must contain resources."},
	{"identity/no-vendor", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"GetObject","Resource":"*"}}`, Identity, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."},
	{"identity/resource-not-arn", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}}`, Identity, `Resource bucket must be in ARN format or "*".`},
	{"identity/sid-not-alnum", `{"Version":"2012-10-17","Statement":{"Sid":"my sid","Effect":"Allow","Action":"s3:*","Resource":"*"}}`, Identity, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*"},
	{"identity/sid-duplicate", `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, "Statement IDs (SID) in a single policy must be unique."},
	{"identity/bad-effect", `{"Version":"2012-10-17","Statement":{"Effect":"allow","Action":"s3:*","Resource":"*"}}`, Identity, "Syntax errors in policy."},
	{"identity/action-and-notaction", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}}`, Identity, "Syntax errors in policy."},
	{"identity/unknown-operator", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a:b":"c"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/null-ifexists-rejected", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"a:b":"true"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/bad-cidr", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/bad-date", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/bad-number", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/bad-qualifier", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"a:b":"c"}}}}`, Identity, "Syntax errors in policy."},
	{"identity/condition-value-object", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"a:b":{"c":1}}}}}`, Identity, "Syntax errors in policy."},
	{"boundary/principal-rejected", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, Boundary, "Policy document should not specify a principal."},
	{"session/valid", okIdentity, Session, ""},
	{"session/no-resource", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}`, Session, "Policy statement must contain resources."},

	{"bucket/valid", okBucket, Resource, ""},
	{"bucket/missing-principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, Resource, "Missing required field Principal"},
	{"bucket/invalid-principal-group", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/devs"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, Resource, "Invalid principal in policy"},
	{"bucket/invalid-principal-string", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"someone","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, Resource, "Invalid principal in policy"},
	{"bucket/invalid-principal-user", `{"Version":"2012-10-17","Statement":[{"Principal":{"AWS":"user"},"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b"]}]}`, Resource, "Invalid principal in policy"},
	{"bucket/invalid-principal-wild-arn", `{"Version":"2012-10-17","Statement":[{"Principal":{"AWS":"arn:aws:iam::111122223333:user/*"},"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b"]}]}`, Resource, "Invalid principal in policy"},
	{"bucket/invalid-action", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"Allow","Action":"invalid_action","Resource":["arn:aws:s3:::b"]}]}`, Resource, "Policy has invalid action"},
	{"bucket/non-s3-action", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"Allow","Action":"ec2:RunInstances","Resource":["arn:aws:s3:::b"]}]}`, Resource, "Policy has invalid action"},
	{"bucket/invalid-resource", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"Allow","Action":"s3:*","Resource":["b"]}]}`, Resource, "Policy has invalid resource"},
	{"bucket/non-s3-resource", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:sqs:us-east-1:111122223333:q"]}]}`, Resource, "Policy has invalid resource"},
	{"bucket/invalid-effect", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"hello","Action":"s3:*","Resource":["arn:aws:s3:::b"]}]}`, Resource, "Invalid effect: hello"},
	{"bucket/empty-statement", `{"Version":"2012-10-17","Statement":[]}`, Resource, "Could not parse the policy: Statement is empty!"},
	{"bucket/missing-statement", `{"Version":"2012-10-17"}`, Resource, "Missing required field Statement"},
	{"bucket/bad-json", `{"Version":`, Resource, "This policy contains invalid Json"},
	{"bucket/first-byte", `"policy"`, Resource, "Policies must be valid JSON and the first byte must be '{'"},
	{"bucket/sid-with-spaces-ok", `{"Version":"2012-10-17","Id":"HTTP referer policy example","Statement":[{"Sid":"Allow get requests","Principal":"*","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}]}`, Resource, ""},
	{"bucket/account-id-principal", `{"Version":"2012-10-17","Statement":[{"Principal":{"AWS":["111122223333","arn:aws:iam::444455556666:root"]},"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b"]}]}`, Resource, ""},
	{"bucket/canonical-user", `{"Version":"2012-10-17","Statement":[{"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::b/*"]}]}`, Resource, ""},
	{"bucket/missing-resource", `{"Version":"2012-10-17","Statement":[{"Principal":"*","Effect":"Allow","Action":"s3:*"}]}`, Resource, "Missing required field Resource"},

	{"trust/valid", okTrust, Trust, ""},
	{"trust/resource-prohibited", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Resource":"*"}]}`, Trust, "Has prohibited field Resource."},
	{"trust/principal-required", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, Trust, "Missing required field Principal."},
	{"trust/non-sts-action", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject"}]}`, Trust, "AssumeRole policy may only specify STS AssumeRole actions."},
	{"trust/invalid-principal", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:group/g"},"Action":"sts:AssumeRole"}]}`, Trust, `Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:group/g"`},
	{"trust/web-identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-2:12345678-abcd-abcd-abcd-123456"}}}]}`, Trust, ""},
}

func TestValidate(t *testing.T) {
	for _, tc := range validateCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAs([]byte(tc.in), tc.kind)
			got := ""
			if err != nil {
				var pe *Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %T is not *Error", err)
				}
				got = pe.Reason
			}
			if got != tc.want {
				t.Errorf("reason = %q, want %q", got, tc.want)
			}
		})
	}
}
