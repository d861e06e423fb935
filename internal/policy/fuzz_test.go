package policy

import (
	"reflect"
	"testing"
)

// FuzzParse checks that no document makes Parse, Validate, Evaluate or
// IsPublic panic, whatever kind it is used as.
func FuzzParse(f *testing.F) {
	for _, d := range []string{docPublicRead, docIPDeny, docTLS, docReferer, docHome, docMFA, docWindow,
		docNotResource, docOAC, docNotPrincipal, docTrustB, okTrust, okBucket} {
		f.Add([]byte(d))
	}
	reqs := []Request{
		req(alice, "s3:GetObject", objectA, "aws:SourceIp", "192.0.2.1", "aws:CurrentTime", "2020-05-01T00:00:00Z", "aws:TagKeys", "a", "aws:TagKeys", "b"),
		req(anonP, "s3:PutObject", objectA),
		req(sessA, "sts:AssumeRole", roleARN),
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := Parse(doc)
		for _, k := range []Kind{Identity, Resource, Trust, Boundary, Session} {
			_, _ = ParseAs(doc, k)
		}
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error %T is not *Error", err)
			}
			return
		}
		for _, k := range []Kind{Identity, Resource, Trust, Boundary, Session} {
			_ = p.Validate(k)
		}
		_ = p.IsPublic()
		s := Source{Kind: Identity, Name: "fuzz", Policy: p}
		in := &Input{Identity: []Source{s}, Resource: &Source{Kind: Resource, Policy: p}, Boundary: &s, Session: []Source{s}}
		// The same policy without its action index: every statement visited.
		q := *p
		q.byAction = nil
		sq := Source{Kind: Identity, Name: "fuzz", Policy: &q}
		scan := &Input{Identity: []Source{sq}, Resource: &Source{Kind: Resource, Policy: &q}, Boundary: &sq, Session: []Source{sq}}
		for i := range reqs {
			r := Evaluate(in, &reqs[i])
			_ = r.Reason(reqs[i].Action)
			if w := Evaluate(scan, &reqs[i]); !reflect.DeepEqual(r, w) {
				t.Fatalf("%s: with the action index %+v, without %+v", reqs[i].Action, r, w)
			}
			in.ResourceAccount = acctB
			_ = Evaluate(in, &reqs[i])
			in.ResourceAccount = ""
		}
	})
}
