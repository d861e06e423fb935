package policy

import "testing"

// publicCase is one IsPublic case.
type publicCase struct {
	name string
	in   string
	want bool
}

// pub builds a one-statement bucket policy granting s3:GetObject to
// principal under an optional condition block.
func pub(principal, cond string) string {
	c := ""
	if cond != "" {
		c = `,"Condition":` + cond
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"` + c + `}]}`
}

// Rules and examples from S3's "The meaning of public",
// https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status.
var publicCases = []publicCase{
	{"star-principal", pub(`"*"`, ""), true},
	{"aws-star-principal", pub(`{"AWS":"*"}`, ""), true},
	{"aws-star-in-list", pub(`{"AWS":["111122223333","*"]}`, ""), true},
	{"fixed-account", pub(`{"AWS":"111122223333"}`, ""), false},
	{"fixed-user", pub(`{"AWS":"arn:aws:iam::111122223333:user/alice"}`, ""), false},
	{"service-principal", pub(`{"Service":"cloudfront.amazonaws.com"}`, ""), false},
	{"canonical-user", pub(`{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`, ""), false},
	{"doc/SourceVpc-wildcard-public", pub(`"*"`, `{"StringLike":{"aws:SourceVpc":"vpc-*"}}`), true},
	{"doc/SourceVpc-fixed", pub(`"*"`, `{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}`), false},
	{"SourceVpce-fixed", pub(`"*"`, `{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}`), false},
	{"SourceIp-narrow", pub(`"*"`, `{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), false},
	{"SourceIp-everything", pub(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/0"}}`), true},
	{"SourceIp-very-wide", pub(`"*"`, `{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}`), true},
	{"NotIpAddress-public", pub(`"*"`, `{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}`), true},
	{"SourceArn-fixed", pub(`"*"`, `{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::111122223333:distribution/EDFDVBD6EXAMPLE"}}`), false},
	{"SourceArn-wildcard", pub(`"*"`, `{"ArnLike":{"aws:SourceArn":"arn:aws:cloudfront::*:distribution/*"}}`), true},
	{"SourceAccount-fixed", pub(`"*"`, `{"StringEquals":{"aws:SourceAccount":"111122223333"}}`), false},
	{"SourceOwner-fixed", pub(`"*"`, `{"StringEquals":{"aws:SourceOwner":"111122223333"}}`), false},
	{"PrincipalOrgID-fixed", pub(`"*"`, `{"StringEquals":{"aws:PrincipalOrgID":"o-xxxxxxxxxxx"}}`), false},
	{"PrincipalAccount-fixed", pub(`"*"`, `{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}`), false},
	{"PrincipalArn-fixed", pub(`"*"`, `{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/R"}}`), false},
	{"userid-fixed", pub(`"*"`, `{"StringEquals":{"aws:userid":"AIDAEXAMPLE"}}`), false},
	{"userid-role-pattern-public", pub(`"*"`, `{"StringLike":{"aws:userid":"AROLEID:*"}}`), true},
	{"DataAccessPointAccount-fixed", pub(`"*"`, `{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}`), false},
	{"variable-not-fixed", pub(`"*"`, `{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}`), true},
	{"IfExists-not-fixed", pub(`"*"`, `{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-91237329"}}`), true},
	{"unrelated-key-public", pub(`"*"`, `{"StringLike":{"aws:Referer":"http://www.example.com/*"}}`), true},
	{"SecureTransport-public", pub(`"*"`, `{"Bool":{"aws:SecureTransport":"true"}}`), true},
	{"deny-star-not-public", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, false},
	{"notprincipal-allow-public", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, true},
	{"doc/public-read-example", docPublicRead, true},
	{"doc/ip-deny-example", docIPDeny, false},
}

func TestIsPublic(t *testing.T) {
	for _, tc := range publicCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.in).IsPublic(); got != tc.want {
				t.Errorf("IsPublic = %v, want %v", got, tc.want)
			}
		})
	}
}
