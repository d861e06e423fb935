package vpcdns

import (
	"context"
	"encoding/binary"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// seedQueries are well-formed queries for the fuzz corpora.
func seedQueries(t testing.TB) [][]byte {
	var out [][]byte
	for _, q := range []query{
		{id: 1, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA},
		{id: 2, name: "ec2-203-0-113-5.compute-1.amazonaws.com.", typ: dnsmessage.TypeA, edns: 1232},
		{id: 3, name: "ip-10-0-1-6.eu-west-1.compute.internal.", typ: dnsmessage.TypeALL},
		{id: 4, name: "5.1.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR},
		{id: 5, name: "ip-10-0-1-7.ec2.internal.", typ: dnsmessage.TypeA},
		{id: 6, name: "example.com.", typ: dnsmessage.TypeAAAA, edns: 4096, vers: 1},
		{id: 7, name: "ec2.internal.", typ: dnsmessage.TypeMX, class: dnsmessage.ClassCHAOS},
	} {
		out = append(out, q.pack(t))
	}
	return out
}

// FuzzRespond feeds arbitrary messages to the query path (no forwarding):
// it must not panic, and whatever it answers must be a well-formed
// response to the query, within the transport's size.
func FuzzRespond(f *testing.F) {
	for _, q := range seedQueries(f) {
		f.Add(q, false)
		f.Add(q, true)
		f.Add(q[:len(q)-1], false)
	}
	f.Add([]byte{0, 1, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0}, false)
	f.Add([]byte{0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1}, true)
	s := NewServer(fakeRecords{}, testVPC, Options{})
	f.Fuzz(func(t *testing.T, msg []byte, tcp bool) {
		resp := s.respond(context.Background(), msg, tcp)
		var p dnsmessage.Parser
		hdr, err := p.Start(msg)
		if err != nil || hdr.Response {
			if resp != nil {
				t.Fatalf("answered a non-query: %x", resp)
			}
			return
		}
		if resp == nil {
			t.Fatalf("no answer to a query with a header")
		}
		var m dnsmessage.Message
		if err := m.Unpack(resp); err != nil {
			t.Fatalf("unpack answer: %v", err)
		}
		if !m.Header.Response || m.Header.ID != hdr.ID || len(m.Questions) > 1 {
			t.Fatalf("answer header %+v, %d questions", m.Header, len(m.Questions))
		}
		if limit := udpMaxSize; !tcp && len(resp) > limit {
			t.Fatalf("UDP answer of %d bytes", len(resp))
		}
		if !tcp && len(resp) > minUDPSize && !hasOPT(msg) {
			t.Fatalf("UDP answer of %d bytes without EDNS", len(resp))
		}
	})
}

// hasOPT reports whether msg carries an OPT record.
func hasOPT(msg []byte) bool {
	req, rc, ok := parse(msg)
	return ok && req.edns || rc == rcodeBadVers
}

// FuzzUpstreamReply feeds arbitrary upstream replies to the checks and
// the truncation applied to them.
func FuzzUpstreamReply(f *testing.F) {
	for _, q := range seedQueries(f) {
		r := append([]byte(nil), q...)
		r[2] |= 0x80
		f.Add(r)
	}
	f.Add([]byte{0, 1, 0x82, 0})
	q := dnsmessage.Question{Name: dnsmessage.MustNewName("example.com."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}
	req := request{hdr: dnsmessage.Header{ID: 9}, q: q, name: "example.com", limit: minUDPSize}
	f.Fuzz(func(t *testing.T, resp []byte) {
		if len(resp) >= 2 {
			matches(resp, binary.BigEndian.Uint16(resp), q)
		}
		out := fit(resp, req, minUDPSize)
		if len(resp) <= minUDPSize {
			return
		}
		var m dnsmessage.Message
		if err := m.Unpack(out); err != nil || len(out) > minUDPSize || m.Header.ID != 9 || !m.Header.Truncated && m.Header.RCode != dnsmessage.RCodeServerFailure {
			t.Fatalf("fit = %x (%v), %+v", out, err, m.Header)
		}
	})
}

// FuzzParseEC2Name checks that an accepted name spells an IPv4 address
// that the canonical private name spells again.
func FuzzParseEC2Name(f *testing.F) {
	for _, s := range []string{"ip-10-0-1-5.ec2.internal", "EC2-203-0-113-5.compute-1.amazonaws.com.", "ip-1-2-3-4.x.compute.internal", "ip-.."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		ip, public, ok := ParseEC2Name(name)
		if !ok {
			if ip.IsValid() || public {
				t.Fatalf("not ok but %v, %v", ip, public)
			}
			return
		}
		if !ip.Is4() {
			t.Fatalf("%q: %v", name, ip)
		}
		if again, pub, ok := ParseEC2Name(privateName("us-east-1", ip)); !ok || pub || again != ip {
			t.Fatalf("%q: canonical name of %v parses as %v, %v, %v", name, ip, again, pub, ok)
		}
	})
}
