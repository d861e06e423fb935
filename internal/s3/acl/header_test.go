package acl

import (
	"net/http"
	"testing"
)

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestFromGrantHeaders(t *testing.T) {
	bobG := Grantee{Type: TypeCanonicalUser, ID: bob.ID, DisplayName: "bob"}
	carolG := Grantee{Type: TypeCanonicalUser, ID: carol.ID, DisplayName: "carol"}
	tests := []struct {
		name string
		h    http.Header
		want []Grant
	}{
		{"unquoted id (s3-tests)", headers("x-amz-grant-read", "id="+bob.ID), []Grant{{bobG, Read}}},
		{"quoted id (AWS docs)", headers("x-amz-grant-read", `id="`+bob.ID+`"`), []Grant{{bobG, Read}}},
		{"two grantees", headers("x-amz-grant-read", `id="`+bob.ID+`", id="`+carol.ID+`"`), []Grant{{bobG, Read}, {carolG, Read}}},
		{"white space everywhere", headers("x-amz-grant-write", " \tid = \""+bob.ID+"\" ,\turi= \""+AllUsers+"\" "), []Grant{{bobG, Write}, {Group(AllUsers), Write}}},
		{"no space after comma", headers("x-amz-grant-write", "id="+bob.ID+",id="+carol.ID), []Grant{{bobG, Write}, {carolG, Write}}},
		{"group uri", headers("x-amz-grant-read", `uri="`+AuthenticatedUsers+`"`), []Grant{{Group(AuthenticatedUsers), Read}}},
		{"log delivery", headers("x-amz-grant-write", "uri="+LogDelivery), []Grant{{Group(LogDelivery), Write}}},
		{"key case", headers("x-amz-grant-read", `ID="`+bob.ID+`", URI="`+AllUsers+`"`), []Grant{{bobG, Read}, {Group(AllUsers), Read}}},
		{"email resolves to its canonical user", headers("x-amz-grant-read-acp", `emailAddress="bob@example.com"`), []Grant{{bobG, ReadACP}}},
		{"repeated header lines", headers("x-amz-grant-read", "id="+bob.ID, "x-amz-grant-read", "id="+carol.ID), []Grant{{bobG, Read}, {carolG, Read}}},
		{"all five, in s3-tests' order", headers(
			"x-amz-grant-full-control", "id="+bob.ID,
			"x-amz-grant-write-acp", "id="+bob.ID,
			"x-amz-grant-read-acp", "id="+bob.ID,
			"x-amz-grant-write", "id="+bob.ID,
			"x-amz-grant-read", "id="+bob.ID,
		), []Grant{{bobG, Read}, {bobG, Write}, {bobG, ReadACP}, {bobG, WriteACP}, {bobG, FullControl}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := FromGrantHeadersResolver(tt.h, alice, resolver)
			if err != nil || !ok {
				t.Fatalf("ok %v, err %v", ok, err)
			}
			want := ACL{Owner: alice, Grants: tt.want}
			if !got.Equal(want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestFromGrantHeadersNone(t *testing.T) {
	a, ok, err := FromGrantHeaders(headers("x-amz-acl", "private", "x-amz-grant-other", "id=x"), alice, resolver.ID)
	if ok || err != nil || len(a.Grants) != 0 {
		t.Fatalf("= %+v, %v, %v; want nothing", a, ok, err)
	}
}

func TestFromGrantHeadersErrors(t *testing.T) {
	bad := func(header, value string) [][2]string {
		return [][2]string{{"ArgumentName", header}, {"ArgumentValue", value}}
	}
	tests := []struct {
		name          string
		h             http.Header
		code, message string
		extra         [][2]string
	}{
		{"no key", headers("x-amz-grant-full-control", "fdjklasaj"), "InvalidArgument", "Argument format not recognized", bad("x-amz-grant-full-control", "fdjklasaj")},
		{"empty", headers("x-amz-grant-read", ""), "InvalidArgument", "Argument format not recognized", bad("x-amz-grant-read", "")},
		{"unknown key", headers("x-amz-grant-read", "user=x"), "InvalidArgument", "Argument format not recognized", bad("x-amz-grant-read", "user=x")},
		{"empty value", headers("x-amz-grant-read", "id="), "InvalidArgument", "Argument format not recognized", nil},
		{"empty quoted value", headers("x-amz-grant-read", `id=""`), "InvalidArgument", "Argument format not recognized", nil},
		{"unterminated quote", headers("x-amz-grant-read", `id="`+bob.ID), "InvalidArgument", "Argument format not recognized", nil},
		{"junk after quote", headers("x-amz-grant-read", `id="`+bob.ID+`"x`), "InvalidArgument", "Argument format not recognized", nil},
		{"trailing comma", headers("x-amz-grant-read", "id="+bob.ID+","), "InvalidArgument", "Argument format not recognized", nil},
		{"empty element", headers("x-amz-grant-read", "id="+bob.ID+",,id="+carol.ID), "InvalidArgument", "Argument format not recognized", nil},
		{"stray quote", headers("x-amz-grant-read", `id=a"b`), "InvalidArgument", "Argument format not recognized", nil},
		{"unknown id", headers("x-amz-grant-full-control", "id=0123"), "InvalidArgument", "Invalid id", [][2]string{{"ArgumentName", "id"}, {"ArgumentValue", "0123"}}},
		{"unknown id after a good one", headers("x-amz-grant-read", "id="+bob.ID+", id=_foo"), "InvalidArgument", "Invalid id", [][2]string{{"ArgumentValue", "_foo"}}},
		{"unknown group", headers("x-amz-grant-read", `uri="http://acs.amazonaws.com/groups/global/Authenticated"`), "InvalidArgument", "Invalid group uri", [][2]string{{"ArgumentName", "uri"}}},
		{"unknown email", headers("x-amz-grant-read", `emailAddress="nobody@example.com"`), "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, ok, err := FromGrantHeadersResolver(tt.h, alice, resolver)
			if ok || len(a.Grants) != 0 {
				t.Errorf("returned %+v, %v with the error", a, ok)
			}
			wantAWSError(t, err, 400, tt.code, tt.message, tt.extra...)
		})
	}
}

func TestFromGrantHeadersEmailWithoutResolver(t *testing.T) {
	_, _, err := FromGrantHeaders(headers("x-amz-grant-read", `emailAddress="bob@example.com"`), alice, resolver.ID)
	wantAWSError(t, err, 400, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.")
	_, _, err = FromGrantHeaders(headers("x-amz-grant-read", "id="+bob.ID), alice, nil)
	wantAWSError(t, err, 400, "InvalidArgument", "Invalid id")
}

func TestCheckHeaders(t *testing.T) {
	if err := CheckHeaders(headers("x-amz-acl", "private")); err != nil {
		t.Fatal(err)
	}
	if err := CheckHeaders(headers("x-amz-grant-read", "id=x")); err != nil {
		t.Fatal(err)
	}
	err := CheckHeaders(headers("x-amz-acl", "bucket-owner-full-control", "x-amz-grant-full-control", "id=x"))
	wantAWSError(t, err, 400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
}
