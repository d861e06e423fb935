package acl

import (
	"encoding/xml"
	"strings"
	"testing"
)

const malformed = "The XML you provided was not well-formed or did not validate against our published schema"

func TestXML(t *testing.T) {
	a := ACL{Owner: Owner{"oid", "owner"}, Grants: []Grant{
		{Grantee{Type: TypeCanonicalUser, ID: "oid", DisplayName: "owner"}, FullControl},
		{Group(AllUsers), Read},
		{Grantee{Type: TypeCanonicalUser, ID: "x<&>"}, ReadACP},
	}}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
		`<Owner><ID>oid</ID><DisplayName>owner</DisplayName></Owner>` +
		`<AccessControlList>` +
		`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>oid</ID><DisplayName>owner</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>` +
		`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>` +
		`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x&lt;&amp;&gt;</ID></Grantee><Permission>READ_ACP</Permission></Grant>` +
		`</AccessControlList></AccessControlPolicy>`
	if got := string(a.XML()); got != want {
		t.Fatalf("XML =\n%s\nwant\n%s", got, want)
	}
	empty := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>oid</ID></Owner><AccessControlList></AccessControlList></AccessControlPolicy>`
	if got := string((ACL{Owner: Owner{ID: "oid"}}).XML()); got != empty {
		t.Fatalf("XML of no grants =\n%s\nwant\n%s", got, empty)
	}
}

// TestXMLField checks an ACL marshals as a field of an output struct.
func TestXMLField(t *testing.T) {
	out := struct {
		XMLName xml.Name `xml:"Out"`
		Policy  ACL      `xml:"AccessControlPolicy"`
	}{Policy: Private(Owner{ID: "o"})}
	b, err := xml.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `<Out><AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner>`) {
		t.Fatalf("got %s", b)
	}
}

func TestXMLRoundTrip(t *testing.T) {
	acls := []ACL{{Owner: alice}}
	for _, name := range CannedNames {
		a, _ := Canned(name, bob, alice)
		acls = append(acls, a)
	}
	a, _, _ := FromGrantHeadersResolver(headers("x-amz-grant-read", "id="+bob.ID+", uri="+LogDelivery), alice, resolver)
	acls = append(acls, a, ACL{Owner: alice, Grants: []Grant{{Grantee{Type: TypeEmail, Email: "bob@example.com"}, WriteACP}}})
	for _, a := range acls {
		got, err := ParseXML(a.XML())
		if err != nil {
			t.Fatalf("ParseXML(%s): %v", a.XML(), err)
		}
		if !got.Equal(a) {
			t.Fatalf("round trip =\n%+v\nwant\n%+v", got, a)
		}
	}
}

// policy wraps grants in an AccessControlPolicy owned by alice.
func policy(grants string) string {
	return `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>` + alice.ID + `</ID></Owner><AccessControlList>` + grants + `</AccessControlList></AccessControlPolicy>`
}

func grant(xsiType, inner, perm string) string {
	return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + xsiType + `">` + inner + `</Grantee><Permission>` + perm + `</Permission></Grant>`
}

func TestParseXML(t *testing.T) {
	tests := []struct {
		name string
		body string
		want ACL
	}{
		{"s3-tests CORRECT_ACL",
			`<?xml version="1.0" encoding="UTF-8"?>` + policy(grant("CanonicalUser", "<ID>"+alice.ID+"</ID>", "FULL_CONTROL")),
			Private(Owner{ID: alice.ID})},
		{"display names kept as sent",
			policy(grant("CanonicalUser", "<ID>"+bob.ID+"</ID><DisplayName>who</DisplayName>", "READ")),
			ACL{Owner: Owner{ID: alice.ID}, Grants: []Grant{{Grantee{Type: TypeCanonicalUser, ID: bob.ID, DisplayName: "who"}, Read}}}},
		{"group and email",
			policy(grant("Group", "<URI>"+AllUsers+"</URI>", "READ") + grant("AmazonCustomerByEmail", "<EmailAddress>bob@example.com</EmailAddress>", "WRITE")),
			ACL{Owner: Owner{ID: alice.ID}, Grants: []Grant{{Group(AllUsers), Read}, {Grantee{Type: TypeEmail, Email: "bob@example.com"}, Write}}}},
		{"no namespace, other prefix, white space",
			"\n<AccessControlPolicy>\n <Owner> <ID>" + alice.ID + "</ID> <DisplayName>a</DisplayName> </Owner>\n <AccessControlList>\n" +
				` <Grant><Grantee xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:type="Group"><URI>` + AuthenticatedUsers + `</URI></Grantee><Permission>READ</Permission></Grant>` +
				"\n </AccessControlList>\n</AccessControlPolicy>\n<!-- c -->\n",
			ACL{Owner: Owner{alice.ID, "a"}, Grants: []Grant{{Group(AuthenticatedUsers), Read}}}},
		{"unbound xsi prefix tolerated",
			policy(`<Grant><Grantee xsi:type="Group"><URI>` + AllUsers + `</URI></Grantee><Permission>READ</Permission></Grant>`),
			ACL{Owner: Owner{ID: alice.ID}, Grants: []Grant{{Group(AllUsers), Read}}}},
		{"empty list (s3-tests revoke all)", policy(""), ACL{Owner: Owner{ID: alice.ID}}},
		{"no list", `<AccessControlPolicy><Owner><ID>o</ID></Owner></AccessControlPolicy>`, ACL{Owner: Owner{ID: "o"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseXML([]byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Fatalf("got\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestParseXMLErrors(t *testing.T) {
	ok := grant("CanonicalUser", "<ID>x</ID>", "READ")
	for _, tt := range []struct{ name, body string }{
		{"empty", ""},
		{"not xml", "{}"},
		{"truncated", policy(ok)[:60]},
		{"wrong root", `<Policy><Owner><ID>o</ID></Owner></Policy>`},
		{"wrong namespace", `<AccessControlPolicy xmlns="urn:x"><Owner><ID>o</ID></Owner></AccessControlPolicy>`},
		{"no owner", `<AccessControlPolicy><AccessControlList>` + ok + `</AccessControlList></AccessControlPolicy>`},
		{"owner without id", `<AccessControlPolicy><Owner><DisplayName>a</DisplayName></Owner></AccessControlPolicy>`},
		{"empty owner id", `<AccessControlPolicy><Owner><ID></ID></Owner></AccessControlPolicy>`},
		{"no xsi:type", policy(`<Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"type in another namespace", policy(`<Grant><Grantee xmlns:q="urn:q" q:type="CanonicalUser"><ID>x</ID></Grantee><Permission>READ</Permission></Grant>`)},
		{"unknown type", policy(grant("User", "<ID>x</ID>", "READ"))},
		{"no grantee", policy(`<Grant><Permission>READ</Permission></Grant>`)},
		{"no permission", policy(`<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>x</ID></Grantee></Grant>`)},
		{"unknown permission", policy(grant("CanonicalUser", "<ID>x</ID>", "ALL"))},
		{"lower-case permission", policy(grant("CanonicalUser", "<ID>x</ID>", "read"))},
		{"canonical user without id", policy(grant("CanonicalUser", "<DisplayName>x</DisplayName>", "READ"))},
		{"group without uri", policy(grant("Group", "<ID>x</ID>", "READ"))},
		{"email without address", policy(grant("AmazonCustomerByEmail", "<ID>x</ID>", "READ"))},
		{"two roots", policy(ok) + policy(ok)},
		{"trailing text", policy(ok) + "x"},
		{"mismatched tags", `<AccessControlPolicy><Owner><ID>o</ID></Owner></AccessControlList>`},
		{"entity bomb", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><AccessControlPolicy><Owner><ID>&a;</ID></Owner></AccessControlPolicy>`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseXML([]byte(tt.body))
			wantAWSError(t, err, 400, "MalformedACLError", malformed)
		})
	}
}

func TestParseXMLInvalidGroup(t *testing.T) {
	uri := "http://acs.amazonaws.com/groups/global/Authenticated"
	_, err := ParseXML([]byte(policy(grant("Group", "<URI>"+uri+"</URI>", "READ"))))
	wantAWSError(t, err, 400, "InvalidArgument", "Invalid group uri", [2]string{"ArgumentName", "Group/URI"}, [2]string{"ArgumentValue", uri})
}
