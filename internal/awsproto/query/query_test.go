package query

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

type tag struct {
	Key   string
	Value string
}

type input struct {
	UserName string `query:",required"`
	Path     *string
	Max      *int32 `query:"MaxItems"`
	Flag     *bool
	Tags     []tag
	Names    []string
	Nested   *struct {
		Arn string `query:"arn"`
	}
}

func TestDecode(t *testing.T) {
	v, _ := url.ParseQuery("UserName=bob&Path=%2Fa%2F&MaxItems=7&Flag=true&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2&Names.member.1=x&Names.member.2=y&Nested.arn=arn:aws:iam::aws:policy/X")
	var in input
	if err := Decode(v, &in); err != nil {
		t.Fatal(err)
	}
	if in.UserName != "bob" || *in.Path != "/a/" || *in.Max != 7 || !*in.Flag || len(in.Tags) != 2 || in.Tags[1].Key != "k2" ||
		strings.Join(in.Names, ",") != "x,y" || in.Nested.Arn != "arn:aws:iam::aws:policy/X" {
		t.Fatalf("%+v", in)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{"", "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"UserName=a&MaxItems=x", "1 validation error detected: Value 'x' at 'maxItems' failed to satisfy constraint: Member must be a number"},
		{"MaxItems=99999999999", "2 validation errors detected: Value null at 'userName' failed to satisfy constraint: Member must not be null; Value '99999999999' at 'maxItems' failed to satisfy constraint: Member must be a number"},
		{"UserName=a&Flag=maybe", "1 validation error detected: Value 'maybe' at 'flag' failed to satisfy constraint: Member must be a boolean"},
	} {
		v, _ := url.ParseQuery(tc.q)
		var in input
		err := Decode(v, &in)
		if err == nil || err.Error() != "ValidationError: "+tc.want {
			t.Errorf("%q: %v\nwant %s", tc.q, err, tc.want)
		}
	}
}

func TestDecodeEC2(t *testing.T) {
	v, _ := url.ParseQuery("UserName=bob&Names.1=x&Names.2=y&Tags.1.Key=k1&Tags.1.Value=v1")
	var in input
	if err := DecodeEC2(v, &in); err != nil {
		t.Fatal(err)
	}
	if strings.Join(in.Names, ",") != "x,y" || len(in.Tags) != 1 || in.Tags[0].Value != "v1" {
		t.Fatalf("%+v", in)
	}
}

func TestWrite(t *testing.T) {
	w := httptest.NewRecorder()
	type out struct {
		Names []string `xml:"Names>member"`
	}
	if err := Write(w, "ListThings", "https://iam.amazonaws.com/doc/2010-05-08/", "REQ1", &out{Names: []string{"a<b"}}); err != nil {
		t.Fatal(err)
	}
	want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListThingsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListThingsResult><Names><member>a&lt;b</member></Names></ListThingsResult><ResponseMetadata><RequestId>REQ1</RequestId></ResponseMetadata></ListThingsResponse>`
	if w.Body.String() != want {
		t.Fatalf("got  %s\nwant %s", w.Body.String(), want)
	}
	w = httptest.NewRecorder()
	var none *out
	_ = Write(w, "DeleteThing", "ns", "R", none)
	if strings.Contains(w.Body.String(), "DeleteThingResult") {
		t.Fatal(w.Body.String())
	}
}

// FuzzDecode: any form decodes or fails with a ValidationError, never a
// panic.
func FuzzDecode(f *testing.F) {
	f.Add("UserName=bob&Tags.member.1.Key=k&MaxItems=3")
	f.Add("Names.member.1=a&Names.member.3=c&Nested.arn=")
	f.Add("Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Value=c")
	f.Add("UserName=x&Names.1=a&Names.2=b&Tags.1.Key=k&Tags.1.Value=v")
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in input
		if err := Decode(v, &in); err != nil && !strings.HasPrefix(err.Error(), "ValidationError: ") {
			t.Fatalf("unexpected error %v", err)
		}
		var in2 input
		if err := DecodeEC2(v, &in2); err != nil && !strings.HasPrefix(err.Error(), "ValidationError: ") {
			t.Fatalf("unexpected error (ec2) %v", err)
		}
	})
}
