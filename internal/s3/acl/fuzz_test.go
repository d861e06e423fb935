package acl

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
)

// FuzzParseXML feeds arbitrary bodies to ParseXML and ForRequest. Each must
// succeed or fail with an *awsproto.Error, never panic; what parses must
// survive XML and storage round trips unchanged.
func FuzzParseXML(f *testing.F) {
	f.Add([]byte(policy(grant("CanonicalUser", "<ID>"+alice.ID+"</ID>", "FULL_CONTROL"))))
	f.Add([]byte(policy(grant("Group", "<URI>"+AllUsers+"</URI>", "READ") + grant("AmazonCustomerByEmail", "<EmailAddress>bob@example.com</EmailAddress>", "WRITE_ACP"))))
	f.Add([]byte(`<AccessControlPolicy><Owner><ID>o</ID></Owner><AccessControlList><Grant><Grantee xsi:type="Group"><URI>x</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`))
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><AccessControlPolicy>&a;</AccessControlPolicy>`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		a, err := ParseXML(body)
		if err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) {
				t.Fatalf("ParseXML error %T %v", err, err)
			}
		} else {
			b, err := ParseXML(a.XML())
			if err != nil {
				t.Fatalf("ParseXML(XML()) of %+v: %v\n%s", a, err, a.XML())
			}
			if !b.Equal(a) {
				t.Fatalf("XML round trip\n%+v\n%+v", a, b)
			}
			c, err := Unmarshal(a.Marshal())
			if err != nil || !c.Equal(a) {
				t.Fatalf("storage round trip: %+v, %v", c, err)
			}
			_, _ = Resolve(a, alice, resolver)
		}
		if _, err := ForRequest(http.Header{}, body, alice, bob, resolver); err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) {
				t.Fatalf("ForRequest error %T %v", err, err)
			}
		}
	})
}

// FuzzGrantHeaders feeds arbitrary header values to the grant-header
// parser, with a resolver that knows every id and address, so that whatever
// parses is checked to render and round trip.
func FuzzGrantHeaders(f *testing.F) {
	f.Add("id="+bob.ID, "")
	f.Add(`id="a", id="b"`, `uri="`+AllUsers+`"`)
	f.Add(` emailAddress = "x@y" ,uri=`+LogDelivery, "id=")
	f.Add(`id="a,b"`, `,`)
	f.Add(`ID=a`, `id="`)
	all := Resolver{
		ID:    func(id string) (string, bool) { return "n" + id, true },
		Email: func(e string) (string, string, bool) { return "id-" + e, "n", true },
	}
	f.Fuzz(func(t *testing.T, read, fullControl string) {
		h := http.Header{}
		h.Set("x-amz-grant-read", read)
		h.Set("x-amz-grant-full-control", fullControl)
		a, ok, err := FromGrantHeadersResolver(h, alice, all)
		if err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if !ok {
			t.Fatal("headers present but ok is false")
		}
		for _, g := range a.Grants {
			if g.Grantee.Type == TypeCanonicalUser && g.Grantee.ID == "" {
				t.Fatalf("grant with empty id from %q, %q", read, fullControl)
			}
		}
		b, err := ParseXML(a.XML())
		if err != nil {
			t.Fatalf("ParseXML(XML()) of %+v: %v", a, err)
		}
		// XML drops nothing but must normalise nothing either, except text
		// XML cannot carry (which ParseXML then reads differently).
		if !b.Equal(a) && validXMLText(a) {
			t.Fatalf("XML round trip\n%+v\n%+v", a, b)
		}
		_, _ = ForRequest(h, nil, alice, bob, all)
		_, _ = ForCreate(h, alice, bob, all)
	})
}

// validXMLText reports whether every string in a is text XML can carry as
// it is: valid UTF-8 of XML characters, with no carriage returns (which XML
// parsers turn into newlines).
func validXMLText(a ACL) bool {
	ok := func(s string) bool {
		for _, r := range s {
			if r == '\r' || r == 0xFFFD || (r < 0x20 && r != '\t' && r != '\n') || (r >= 0xD800 && r <= 0xDFFF) || r == 0xFFFE || r == 0xFFFF {
				return false
			}
		}
		return true
	}
	if !ok(a.Owner.ID) || !ok(a.Owner.DisplayName) {
		return false
	}
	for _, g := range a.Grants {
		if !ok(g.Grantee.ID) || !ok(g.Grantee.DisplayName) || !ok(g.Grantee.URI) || !ok(g.Grantee.Email) {
			return false
		}
	}
	return true
}
