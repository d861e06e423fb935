package acl

import (
	"net/http"
	"testing"
)

func TestForRequest(t *testing.T) {
	body := []byte(policy(grant("CanonicalUser", "<ID>"+alice.ID+"</ID><DisplayName>ignored</DisplayName>", "FULL_CONTROL") +
		grant("AmazonCustomerByEmail", "<EmailAddress>bob@example.com</EmailAddress>", "READ")))
	tests := []struct {
		name string
		h    http.Header
		body []byte
		want ACL
	}{
		{"canned", headers("x-amz-acl", "public-read"), nil,
			ACL{Owner: alice, Grants: []Grant{user(alice, FullControl), group(AllUsers, Read)}}},
		{"canned on another's object", headers("x-amz-acl", "bucket-owner-full-control"), nil,
			ACL{Owner: alice, Grants: []Grant{user(alice, FullControl), user(carol, FullControl)}}},
		{"grants", headers("x-amz-grant-read", "id="+bob.ID), nil,
			ACL{Owner: alice, Grants: []Grant{user(bob, Read)}}},
		{"body: names resolved, e-mail made a canonical user", nil, body,
			ACL{Owner: alice, Grants: []Grant{user(alice, FullControl), user(bob, Read)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ForRequest(tt.h, tt.body, alice, carol, resolver)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestForRequestErrors(t *testing.T) {
	good := []byte(policy(grant("CanonicalUser", "<ID>"+alice.ID+"</ID>", "FULL_CONTROL")))
	giveaway := []byte(`<AccessControlPolicy><Owner><ID>` + bob.ID + `</ID></Owner><AccessControlList>` +
		grant("CanonicalUser", "<ID>"+bob.ID+"</ID>", "FULL_CONTROL") + `</AccessControlList></AccessControlPolicy>`)
	tests := []struct {
		name          string
		h             http.Header
		body          []byte
		status        int
		code, message string
		extra         [][2]string
	}{
		{"canned and grants", headers("x-amz-acl", "private", "x-amz-grant-read", "id="+bob.ID), nil, 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", nil},
		{"canned and grants and body", headers("x-amz-acl", "private", "x-amz-grant-read", "id="+bob.ID), good, 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed", nil},
		{"canned and body", headers("x-amz-acl", "private"), good, 400, "UnexpectedContent", "This request does not support content", nil},
		{"grants and body", headers("x-amz-grant-read", "id="+bob.ID), good, 400, "UnexpectedContent", "This request does not support content", nil},
		{"nothing", http.Header{}, nil, 400, "MissingSecurityHeader", "Your request was missing a required header", [][2]string{{"MissingHeaderName", "x-amz-acl"}}},
		{"bad canned", headers("x-amz-acl", "public"), nil, 400, "InvalidArgument", "", [][2]string{{"ArgumentName", "x-amz-acl"}}},
		{"bad grant", headers("x-amz-grant-read", "bob"), nil, 400, "InvalidArgument", "Argument format not recognized", nil},
		{"malformed body", nil, []byte("<AccessControlPolicy>"), 400, "MalformedACLError", malformed, nil},
		{"owner change (s3-tests test_object_giveaway)", nil, giveaway, 403, "AccessDenied", "Access Denied", nil},
		{"unknown id (s3-tests test_bucket_acl_grant_nonexist_user)", nil, []byte(policy(grant("CanonicalUser", "<ID>_foo</ID>", "FULL_CONTROL"))), 400, "InvalidArgument", "Invalid id", [][2]string{{"ArgumentName", "CanonicalUser/ID"}, {"ArgumentValue", "_foo"}}},
		{"unknown email (s3-tests test_bucket_acl_grant_email_not_exist)", nil, []byte(policy(grant("AmazonCustomerByEmail", "<EmailAddress>doesnotexist@dreamhost.com.invalid</EmailAddress>", "FULL_CONTROL"))), 400, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ForRequest(tt.h, tt.body, alice, alice, resolver)
			wantAWSError(t, err, tt.status, tt.code, tt.message, tt.extra...)
		})
	}
}

func TestForCreate(t *testing.T) {
	got, err := ForCreate(http.Header{}, bob, alice, resolver)
	if err != nil || !got.Equal(Private(bob)) {
		t.Fatalf("no headers: %+v, %v", got, err)
	}
	got, err = ForCreate(headers("x-amz-acl", "bucket-owner-read"), bob, alice, resolver)
	if err != nil || !got.Equal(ACL{Owner: bob, Grants: []Grant{user(bob, FullControl), user(alice, Read)}}) {
		t.Fatalf("canned: %+v, %v", got, err)
	}
	// s3-tests test_bucket_policy_put_obj_acl: the writer grants the bucket
	// owner full control and keeps nothing itself.
	got, err = ForCreate(headers("x-amz-grant-full-control", "id="+alice.ID), bob, alice, resolver)
	if err != nil || !got.Equal(ACL{Owner: bob, Grants: []Grant{user(alice, FullControl)}}) {
		t.Fatalf("grants: %+v, %v", got, err)
	}
	_, err = ForCreate(headers("x-amz-acl", "private", "x-amz-grant-read", "id="+bob.ID), bob, alice, resolver)
	wantAWSError(t, err, 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
	_, err = ForCreate(headers("x-amz-grant-read", "id=nobody"), bob, alice, resolver)
	wantAWSError(t, err, 400, "InvalidArgument", "Invalid id")
}
