package policy

import "testing"

// condCase is one condition-operator case: the Condition block of an
// identity-policy statement, the request context, and whether it allows.
type condCase struct {
	name string
	in   string  // Condition element JSON
	ctx  Context // request context
	want bool
}

// Operator semantics from
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
// and set qualifiers from
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html.
var condCases = []condCase{
	// String operators (#Conditions_String).
	{"StringEquals/exact", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx("aws:PrincipalTag/job-category", "iamuser-admin"), true},
	{"StringEquals/case-sensitive", `{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}`, ctx("aws:PrincipalTag/job-category", "IAMUser-Admin"), false},
	{"StringEquals/key-name-case-insensitive", `{"StringEquals":{"AWS:PRINCIPALTAG/JOB-CATEGORY":"x"}}`, ctx("aws:principaltag/job-category", "x"), true},
	{"StringEquals/missing-key", `{"StringEquals":{"aws:PrincipalTag/job-category":"x"}}`, ctx(), false},
	{"StringEquals/values-OR", `{"StringEquals":{"ec2:InstanceType":["t2.micro","t2.small"]}}`, ctx("ec2:InstanceType", "t2.small"), true},
	{"StringEquals/keys-AND-one-fails", `{"StringEquals":{"aws:PrincipalTag/dept":"eng","aws:PrincipalTag/team":"db"}}`, ctx("aws:PrincipalTag/dept", "eng", "aws:PrincipalTag/team", "web"), false},
	{"StringEquals/keys-AND-both", `{"StringEquals":{"aws:PrincipalTag/dept":"eng","aws:PrincipalTag/team":"db"}}`, ctx("aws:PrincipalTag/dept", "eng", "aws:PrincipalTag/team", "db"), true},
	{"StringEquals/star-is-literal", `{"StringEquals":{"s3:prefix":"home/*"}}`, ctx("s3:prefix", "home/alice"), false},
	{"StringNotEquals/differs", `{"StringNotEquals":{"aws:PrincipalTag/dept":"sales"}}`, ctx("aws:PrincipalTag/dept", "eng"), true},
	{"StringNotEquals/equal", `{"StringNotEquals":{"aws:PrincipalTag/dept":"sales"}}`, ctx("aws:PrincipalTag/dept", "sales"), false},
	{"StringNotEquals/missing-key-true", `{"StringNotEquals":{"aws:PrincipalTag/dept":"sales"}}`, ctx(), true},
	{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Eng"}}`, ctx("aws:PrincipalTag/dept", "ENG"), true},
	{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Eng"}}`, ctx("aws:PrincipalTag/dept", "eNG"), false},
	{"StringLike/star", `{"StringLike":{"s3:prefix":["home/*"]}}`, ctx("s3:prefix", "home/alice/x"), true},
	{"StringLike/question", `{"StringLike":{"s3:prefix":"a?c"}}`, ctx("s3:prefix", "abc"), true},
	{"StringLike/question-one-char", `{"StringLike":{"s3:prefix":"a?c"}}`, ctx("s3:prefix", "abbc"), false},
	{"StringLike/case-sensitive", `{"StringLike":{"s3:prefix":"Home/*"}}`, ctx("s3:prefix", "home/x"), false},
	{"StringNotLike", `{"StringNotLike":{"s3:prefix":"private/*"}}`, ctx("s3:prefix", "public/x"), true},
	{"StringNotLike/matches", `{"StringNotLike":{"s3:prefix":"private/*"}}`, ctx("s3:prefix", "private/x"), false},
	{"StringLike/empty-prefix-value", `{"StringLike":{"s3:prefix":["","home/"]}}`, ctx("s3:prefix", ""), true},

	// Numeric (#Conditions_Numeric).
	{"NumericLessThanEquals/max-keys", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", "10"), true},
	{"NumericLessThanEquals/over", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", "11"), false},
	{"NumericEquals/float", `{"NumericEquals":{"k:n":"1.5"}}`, ctx("k:n", "1.50"), true},
	{"NumericEquals/json-number", `{"NumericEquals":{"k:n":3}}`, ctx("k:n", "3"), true},
	{"NumericNotEquals", `{"NumericNotEquals":{"k:n":"3"}}`, ctx("k:n", "4"), true},
	{"NumericLessThan", `{"NumericLessThan":{"k:n":"3"}}`, ctx("k:n", "2.9"), true},
	{"NumericGreaterThan", `{"NumericGreaterThan":{"k:n":"3"}}`, ctx("k:n", "3"), false},
	{"NumericGreaterThanEquals", `{"NumericGreaterThanEquals":{"k:n":"3"}}`, ctx("k:n", "3"), true},
	{"Numeric/non-number-request", `{"NumericLessThan":{"k:n":"3"}}`, ctx("k:n", "abc"), false},
	{"NumericLessThan/aws:MultiFactorAuthAge", `{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}`, ctx("aws:MultiFactorAuthAge", "120"), true},

	// Date (#Conditions_Date).
	{"DateGreaterThan/iso", `{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2020-06-30T12:00:00Z"), true},
	{"DateLessThan/iso-false", `{"DateLessThan":{"aws:CurrentTime":"2020-06-30T23:59:59Z"}}`, ctx("aws:CurrentTime", "2020-07-01T00:00:00Z"), false},
	{"DateEquals/epoch-vs-iso", `{"DateEquals":{"aws:CurrentTime":"1577836800"}}`, ctx("aws:CurrentTime", "2020-01-01T00:00:00Z"), true},
	{"DateNotEquals", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}`, ctx("aws:CurrentTime", "2020-01-02T00:00:00Z"), true},
	{"DateLessThanEquals/equal", `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "2020-01-01T00:00:00Z"), true},
	{"DateGreaterThanEquals/offset", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T09:00:00+09:00"}}`, ctx("aws:CurrentTime", "2020-01-01T00:00:00Z"), true},
	{"DateGreaterThan/aws:TokenIssueTime", `{"DateGreaterThan":{"aws:TokenIssueTime":"2024-01-01T00:00:00Z"}}`, ctx("aws:TokenIssueTime", "2023-12-31T23:00:00Z"), false},
	{"Date/unparseable-request", `{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", "soon"), false},

	// Bool (#Conditions_Boolean).
	{"Bool/SecureTransport-true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "true"), true},
	{"Bool/json-bool", `{"Bool":{"aws:SecureTransport":false}}`, ctx("aws:SecureTransport", "false"), true},
	{"Bool/mismatch", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "false"), false},
	{"Bool/case", `{"Bool":{"aws:MultiFactorAuthPresent":"TRUE"}}`, ctx("aws:MultiFactorAuthPresent", "true"), true},
	{"Bool/missing", `{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`, ctx(), false},
	{"BoolIfExists/missing", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctx(), true},
	{"BoolIfExists/present-false", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctx("aws:MultiFactorAuthPresent", "false"), true},
	{"BoolIfExists/present-true", `{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}`, ctx("aws:MultiFactorAuthPresent", "true"), false},

	// Binary (#Conditions_BinaryEquals).
	{"BinaryEquals/base64", `{"BinaryEquals":{"key:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx("key:bin", "BinaryValueInBase64"), true},
	{"BinaryEquals/other", `{"BinaryEquals":{"key:bin":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx("key:bin", "x"), false},

	// IP address (#Conditions_IPAddress).
	{"IpAddress/in-cidr", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
	{"IpAddress/out-cidr", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", "198.51.100.7"), false},
	{"IpAddress/single-ip", `{"IpAddress":{"aws:SourceIp":"203.0.113.7"}}`, ctx("aws:SourceIp", "203.0.113.7"), true},
	{"IpAddress/ipv6", `{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", "2001:db8:1234:5678::1"), true},
	{"IpAddress/ipv6-out", `{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}`, ctx("aws:SourceIp", "2001:db8:1234:5679::1"), false},
	{"NotIpAddress/outside", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx("aws:SourceIp", "198.51.100.1"), true},
	{"NotIpAddress/inside", `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx("aws:SourceIp", "192.0.2.10"), false},
	{"IpAddress/garbage-request", `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx("aws:SourceIp", "not-an-ip"), false},

	// ARN (#Conditions_ARN).
	{"ArnLike/SourceArn", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:TopicA"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-2:123456789012:TopicA"), true},
	{"ArnLike/wildcard-stays-in-segment", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:TopicA"}}`, ctx("aws:SourceArn", "arn:aws:sns:us-east-2:999:123456789012:TopicA"), false},
	{"ArnEquals/exact", `{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}`, ctx("aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"), true},
	{"ArnEquals/other", `{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}`, ctx("aws:SourceArn", "arn:aws:cloudfront::111122223333:distribution/OTHER"), false},
	{"ArnNotEquals/PrincipalArn", `{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/Admin"}}`, ctx(), true},
	{"ArnNotLike/role-path", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin/*"}}`, ctx("aws:PrincipalArn", "arn:aws:iam::111122223333:role/admin/ops"), false},
	{"ArnLike/not-an-arn", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctx("aws:SourceArn", "TopicA"), false},
	{"ArnLike/resource-part-colons", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:*"}}`, ctx("aws:SourceArn", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s"), true},

	// Null (#Conditions_Null).
	{"Null/true-absent", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx(), true},
	{"Null/true-present", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), false},
	{"Null/false-present", `{"Null":{"aws:TokenIssueTime":"false"}}`, ctx("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), true},
	{"Null/false-absent", `{"Null":{"aws:TokenIssueTime":false}}`, ctx(), false},

	// IfExists (#Conditions_IfExists): ec2:InstanceType example.
	{"StringLikeIfExists/absent", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx(), true},
	{"StringLikeIfExists/match", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx("ec2:InstanceType", "t2.micro"), true},
	{"StringLikeIfExists/no-match", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}`, ctx("ec2:InstanceType", "c5.large"), false},
	{"NumericLessThanIfExists/absent", `{"NumericLessThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}`, ctx(), true},
	{"IpAddressIfExists/absent", `{"IpAddressIfExists":{"aws:SourceIp":"192.0.2.0/24"}}`, ctx(), true},
	{"ArnLikeIfExists/present-no", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:s3:::x"}}`, ctx("aws:SourceArn", "arn:aws:s3:::y"), false},
	{"DateLessThanIfExists/absent", `{"DateLessThanIfExists":{"aws:TokenIssueTime":"2020-01-01T00:00:00Z"}}`, ctx(), true},

	// Set qualifiers (reference_policies_condition-single-vs-multi-valued-context-keys.html).
	{"ForAllValues/TagKeys-subset", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx("aws:TagKeys", "environment"), true},
	{"ForAllValues/TagKeys-both", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx("aws:TagKeys", "environment", "aws:TagKeys", "cost-center"), true},
	{"ForAllValues/TagKeys-extra", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}`, ctx("aws:TagKeys", "environment", "aws:TagKeys", "owner"), false},
	{"ForAllValues/missing-key-true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, ctx(), true},
	{"ForAllValues/empty-set-true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["environment"]}}`, Context{"aws:tagkeys": {}}, true},
	{"ForAnyValue/one-matches", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["webserver"]}}`, ctx("aws:TagKeys", "db", "aws:TagKeys", "webserver"), true},
	{"ForAnyValue/none", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["webserver"]}}`, ctx("aws:TagKeys", "db"), false},
	{"ForAnyValue/missing-key-false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["webserver"]}}`, ctx(), false},
	{"ForAnyValue:StringLike", `{"ForAnyValue:StringLike":{"aws:PrincipalOrgPaths":["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]}}`, ctx("aws:PrincipalOrgPaths", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"), true},
	{"ForAllValues:StringNotEquals/none-forbidden", `{"ForAllValues:StringNotEquals":{"aws:TagKeys":["admin"]}}`, ctx("aws:TagKeys", "dept", "aws:TagKeys", "team"), true},
	{"ForAnyValue:StringNotEquals/missing-false", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["admin"]}}`, ctx(), false},
	{"ForAllValues:StringLikeIfExists", `{"ForAllValues:StringLikeIfExists":{"aws:TagKeys":["key*"]}}`, ctx("aws:TagKeys", "key1", "aws:TagKeys", "key2"), true},

	// Multiple operators AND (reference_policies_condition-logic-multiple-context-keys-or-values.html).
	{"operators-AND/both", `{"DateGreaterThan":{"aws:CurrentTime":"2019-07-16T12:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2019-07-16T15:00:00Z"}}`, ctx("aws:CurrentTime", "2019-07-16T13:00:00Z"), true},
	{"operators-AND/after-window", `{"DateGreaterThan":{"aws:CurrentTime":"2019-07-16T12:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2019-07-16T15:00:00Z"}}`, ctx("aws:CurrentTime", "2019-07-16T16:00:00Z"), false},

	// Policy variables in condition values (reference_policies_variables.html).
	{"var/aws:username-in-prefix", `{"StringLike":{"s3:prefix":["${aws:username}/*"]}}`, ctx("s3:prefix", "alice/photos"), true},
	{"var/other-user", `{"StringLike":{"s3:prefix":["${aws:username}/*"]}}`, ctx("s3:prefix", "bob/photos"), false},
	{"var/PrincipalTag", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:PrincipalTag/owner}"}}`, ctx("aws:ResourceTag/owner", "alice", "aws:PrincipalTag/owner", "alice"), true},
	{"var/missing-key-no-match", `{"StringEquals":{"aws:ResourceTag/owner":"${aws:PrincipalTag/owner}"}}`, ctx("aws:ResourceTag/owner", "alice"), false},
	{"var/missing-key-notequals-false", `{"StringNotEquals":{"aws:ResourceTag/owner":"${aws:PrincipalTag/owner}"}}`, ctx("aws:ResourceTag/owner", "alice"), false},
	{"var/default-value", `{"StringEquals":{"s3:prefix":"${aws:PrincipalTag/team, 'company-wide'}"}}`, ctx("s3:prefix", "company-wide"), true},
	{"var/escape-star-literal", `{"StringLike":{"s3:prefix":"a${*}"}}`, ctx("s3:prefix", "a*"), true},
	{"var/escape-star-not-wild", `{"StringLike":{"s3:prefix":"a${*}"}}`, ctx("s3:prefix", "abc"), false},
	{"var/aws:userid", `{"StringEquals":{"s3:prefix":"${aws:userid}"}}`, ctx("s3:prefix", "AIDAJQABLZS4A3QDU576Q"), true},
	{"var/aws:PrincipalAccount", `{"StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"}}`, ctx("aws:ResourceAccount", acctA), true},

	// Principal keys filled from the principal (reference_policies_condition-keys.html).
	{"filled/aws:PrincipalType", `{"StringEquals":{"aws:PrincipalType":"User"}}`, ctx(), true},
	{"filled/aws:PrincipalArn", `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:user/alice"}}`, ctx(), true},
	{"filled/aws:username", `{"StringEquals":{"aws:username":"alice"}}`, ctx(), true},
	{"filled/context-wins", `{"StringEquals":{"aws:username":"alice"}}`, ctx("aws:username", "mallory"), false},
}

func TestConditions(t *testing.T) {
	for _, tc := range condCases {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":` + tc.in + `}}`
			r := Evaluate(&Input{Identity: ids(t, doc)}, &Request{Principal: alice, Action: "s3:GetObject", Resource: objectA, Context: tc.ctx})
			if got := r.Decision == Allow; got != tc.want {
				t.Errorf("allowed = %v, want %v", got, tc.want)
			}
		})
	}
}
