package policy

import (
	"reflect"
	"testing"
)

// reasonCase is one Result.Reason case.
type reasonCase struct {
	name string
	in   Result
	want string
}

// Wording from
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_access-denied-error-messages.html.
var reasonCases = []reasonCase{
	{"allow", Result{Decision: Allow}, ""},
	{"implicit-identity", Result{Missing: Identity}, "because no identity-based policy allows the s3:PutObject action"},
	{"implicit-resource", Result{Missing: Resource}, "because no resource-based policy allows the s3:PutObject action"},
	{"implicit-boundary", Result{Missing: Boundary}, "because no permissions boundary allows the s3:PutObject action"},
	{"implicit-session", Result{Missing: Session}, "because no session policy allows the s3:PutObject action"},
	{"explicit-identity", Result{Decision: ExplicitDeny, DenyKind: Identity}, "with an explicit deny in an identity-based policy"},
	{"explicit-resource", Result{Decision: ExplicitDeny, DenyKind: Resource}, "with an explicit deny in a resource-based policy"},
	{"explicit-boundary", Result{Decision: ExplicitDeny, DenyKind: Boundary}, "with an explicit deny in a permissions boundary"},
	{"explicit-session", Result{Decision: ExplicitDeny, DenyKind: Session}, "with an explicit deny in a session policy"},
}

func TestReason(t *testing.T) {
	for _, tc := range reasonCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.in.Reason("s3:PutObject"); got != tc.want {
				t.Errorf("Reason = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestMatchedListsEveryStatement(t *testing.T) {
	in := &Input{
		Identity: []Source{{Kind: Identity, Name: "user/alice/inline/P", Policy: mustParse(t, `{"Version":"2012-10-17","Statement":[
			{"Sid":"All","Effect":"Allow","Action":"s3:*","Resource":"*"},
			{"Sid":"Other","Effect":"Allow","Action":"ec2:*","Resource":"*"},
			{"Sid":"NoPut","Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}`)}},
		Resource: &Source{Kind: Resource, Name: "bucket policy", Policy: mustParse(t, docPublicRead)},
	}
	r := Evaluate(in, &Request{Principal: alice, Action: "s3:PutObject", Resource: objectA})
	want := []Match{
		{Source: "user/alice/inline/P", Kind: Identity, Sid: "All", Index: 0, Effect: "Allow"},
		{Source: "user/alice/inline/P", Kind: Identity, Sid: "NoPut", Index: 2, Effect: "Deny"},
	}
	if r.Decision != ExplicitDeny || !reflect.DeepEqual(r.Matched, want) {
		t.Fatalf("got %v %+v, want explicit deny %+v", r.Decision, r.Matched, want)
	}
}

func TestEvaluateDoesNotChangeContext(t *testing.T) {
	c := ctx("s3:prefix", "home/")
	Evaluate(&Input{Identity: ids(t, docHome)}, &Request{Principal: alice, Action: "s3:ListBucket", Resource: bucketA, Context: c})
	if len(c) != 1 {
		t.Fatalf("context changed: %v", c)
	}
}

func TestContextKeysCaseInsensitive(t *testing.T) {
	c := Context{}
	c.Set("AWS:SourceIp", "192.0.2.1")
	c.Add("aws:TagKeys", "a")
	c.Add("AWS:TAGKEYS", "b")
	if v, ok := c.Get("aws:sourceip"); !ok || v[0] != "192.0.2.1" {
		t.Errorf("Get sourceip = %v %v", v, ok)
	}
	if v, _ := c.Get("aws:tagkeys"); len(v) != 2 {
		t.Errorf("Get tagkeys = %v", v)
	}
}

func TestParseKeepsElements(t *testing.T) {
	p := mustParse(t, docOAC)
	s := p.Statements[0]
	if p.Version != Version2012 || s.Sid != "AllowCloudFrontServicePrincipalReadOnly" || s.Effect != "Allow" ||
		!reflect.DeepEqual(s.Principal.Service, []string{"cloudfront.amazonaws.com"}) ||
		!reflect.DeepEqual(s.Action, []string{"s3:GetObject"}) || len(s.Condition) != 1 ||
		s.Condition[0].Operator != "StringEquals" || s.Condition[0].Key != "AWS:SourceArn" {
		t.Fatalf("unexpected parse: %+v", s)
	}
}
