package vpcdns

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

var networks = []string{"udp", "tcp"}

func TestLocalNames(t *testing.T) {
	ts := startServer(t, Options{})
	many := []string{"A 10.0.1.7"}
	for i := range 49 {
		many = append(many, fmt.Sprintf("A 10.0.2.%d", i))
	}
	tests := []struct {
		name    string
		in      query
		rcode   dnsmessage.RCode
		want    []string
		udpTC   bool // over UDP the answer is truncated
		wantOPT bool
	}{
		{name: "private A", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}, want: []string{"A 10.0.1.5"}},
		{name: "private mixed case", in: query{name: "IP-10-0-1-5.Ec2.Internal.", typ: dnsmessage.TypeA}, want: []string{"A 10.0.1.5"}},
		{name: "private region form", in: query{name: "ip-10-0-1-5.eu-west-1.compute.internal.", typ: dnsmessage.TypeA}, want: []string{"A 10.0.1.5"}},
		{name: "public is private inside the VPC", in: query{name: "ec2-203-0-113-5.compute-1.amazonaws.com.", typ: dnsmessage.TypeA}, want: []string{"A 10.0.1.5"}},
		{name: "public region form", in: query{name: "EC2-203-0-113-5.us-west-2.compute.amazonaws.com.", typ: dnsmessage.TypeA}, want: []string{"A 10.0.1.5"}},
		{name: "AAAA without IPv6 is NODATA", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeAAAA}},
		{name: "AAAA with IPv6", in: query{name: "ip-10-0-1-6.ec2.internal.", typ: dnsmessage.TypeAAAA}, want: []string{"AAAA 2600:1f18::6"}},
		{name: "ANY", in: query{name: "ip-10-0-1-6.ec2.internal.", typ: dnsmessage.TypeALL}, want: []string{"A 10.0.1.6", "AAAA 2600:1f18::6"}},
		{name: "MX is NODATA", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeMX}},
		{name: "TXT is NODATA", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeTXT}},
		{name: "class ANY", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA, class: dnsmessage.ClassANY}, want: []string{"A 10.0.1.5"}},
		{name: "unknown address", in: query{name: "ip-10-0-1-99.ec2.internal.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeNameError},
		{name: "unknown AAAA", in: query{name: "ip-10-0-1-99.ec2.internal.", typ: dnsmessage.TypeAAAA}, rcode: dnsmessage.RCodeNameError},
		{name: "not an EC2 name in ec2.internal", in: query{name: "db.ec2.internal.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeNameError},
		{name: "not an EC2 name in compute.internal", in: query{name: "x.y.compute.internal.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeNameError},
		{name: "unknown public", in: query{name: "ec2-198-51-100-1.compute-1.amazonaws.com.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeNameError},
		{name: "zone apex", in: query{name: "ec2.internal.", typ: dnsmessage.TypeA}},
		{name: "records failure", in: query{name: "ip-10-0-9-9.ec2.internal.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeServerFailure},
		{name: "reverse", in: query{name: "5.1.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR}, want: []string{"PTR ip-10-0-1-5.ec2.internal."}},
		{name: "reverse A is NODATA", in: query{name: "5.1.0.10.in-addr.arpa.", typ: dnsmessage.TypeA}},
		{name: "reverse unknown private", in: query{name: "99.1.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR}, rcode: dnsmessage.RCodeNameError},
		{name: "reverse failure", in: query{name: "9.9.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR}, rcode: dnsmessage.RCodeServerFailure},
		{name: "reverse public without forwarders", in: query{name: "1.113.0.203.in-addr.arpa.", typ: dnsmessage.TypePTR}, rcode: dnsmessage.RCodeServerFailure},
		{name: "other names without forwarders", in: query{name: "example.com.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeServerFailure},
		{name: "CHAOS class refused", in: query{name: "version.bind.", typ: dnsmessage.TypeTXT, class: dnsmessage.ClassCHAOS}, rcode: dnsmessage.RCodeRefused},
		{name: "EDNS", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA, edns: 4096}, want: []string{"A 10.0.1.5"}, wantOPT: true},
		{name: "EDNS NXDOMAIN", in: query{name: "ip-10-0-1-99.ec2.internal.", typ: dnsmessage.TypeA, edns: 1232}, rcode: dnsmessage.RCodeNameError, wantOPT: true},
		{name: "EDNS version 1", in: query{name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA, edns: 1232, vers: 1}, rcode: rcodeBadVers, wantOPT: true},
		{name: "large answer truncated over UDP", in: query{name: "ip-10-0-1-7.ec2.internal.", typ: dnsmessage.TypeA}, want: many, udpTC: true},
		{name: "large answer fits EDNS", in: query{name: "ip-10-0-1-7.ec2.internal.", typ: dnsmessage.TypeA, edns: 4096}, want: many, wantOPT: true},
		{name: "EDNS below 512 means 512", in: query{name: "ip-10-0-1-7.ec2.internal.", typ: dnsmessage.TypeA, edns: 100}, want: many, udpTC: true, wantOPT: true},
	}
	for _, tt := range tests {
		for i, network := range networks {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				in := tt.in
				in.id = uint16(0xbeef + i)
				resp, err := exchange(network, ts.addr(network), in.pack(t), 2*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				a := parseAnswer(t, resp)
				if !a.hdr.Response || a.hdr.ID != in.id || !a.hdr.RecursionDesired || !a.hdr.RecursionAvailable {
					t.Errorf("header = %+v", a.hdr)
				}
				if a.qname != in.name {
					t.Errorf("question name = %q, want %q", a.qname, in.name)
				}
				if a.rcode != tt.rcode {
					t.Errorf("rcode = %v, want %v", a.rcode, tt.rcode)
				}
				want := tt.want
				if tt.udpTC && network == "udp" {
					want = nil
				}
				if a.hdr.Truncated != (tt.udpTC && network == "udp") {
					t.Errorf("TC = %v", a.hdr.Truncated)
				}
				if !slices.Equal(a.answers, want) {
					t.Errorf("answers = %q, want %q", a.answers, want)
				}
				for _, ttl := range a.ttls {
					if ttl != answerTTL {
						t.Errorf("TTL = %d, want %d", ttl, answerTTL)
					}
				}
				if tt.wantOPT != (a.edns != 0) || tt.wantOPT && a.edns != udpMaxSize {
					t.Errorf("OPT payload = %d, want OPT %v", a.edns, tt.wantOPT)
				}
				if network == "udp" && len(resp) > max(minUDPSize, min(tt.in.edns, udpMaxSize)) {
					t.Errorf("UDP reply of %d bytes", len(resp))
				}
			})
		}
	}
}

func TestRegionReverse(t *testing.T) {
	ts := startServer(t, Options{Region: "eu-west-1"})
	resp, err := exchange("udp", ts.udp, query{id: 7, name: "5.1.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR}.pack(t), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	a := parseAnswer(t, resp)
	if want := []string{"PTR ip-10-0-1-5.eu-west-1.compute.internal."}; !slices.Equal(a.answers, want) {
		t.Fatalf("answers = %q, want %q", a.answers, want)
	}
}

// TestMalformed sends broken messages: those with a readable header get
// an error rcode, the rest (and responses) no reply.
func TestMalformed(t *testing.T) {
	ts := startServer(t, Options{})
	good := query{id: 0x1234, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)
	withOPTs := func(n int) []byte {
		b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 0x1234})
		must(t, b.StartQuestions())
		must(t, b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("ip-10-0-1-5.ec2.internal."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}))
		must(t, b.StartAdditionals())
		for range n {
			var rh dnsmessage.ResourceHeader
			must(t, rh.SetEDNS0(1232, 0, false))
			must(t, b.OPTResource(rh, dnsmessage.OPTResource{}))
		}
		msg, err := b.Finish()
		must(t, err)
		return msg
	}
	set := func(msg []byte, off int, v ...byte) []byte {
		out := append([]byte(nil), msg...)
		copy(out[off:], v)
		return out
	}
	tests := []struct {
		name  string
		in    []byte
		rcode dnsmessage.RCode // meaningful when reply
		reply bool
	}{
		{name: "empty", in: []byte{}},
		{name: "short header", in: good[:11]},
		{name: "a response", in: set(good, 2, good[2]|0x80)},
		{name: "no question", in: set(good, 4, 0, 0)[:12], reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "two questions", in: set(good, 4, 0, 2), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "question cut short", in: good[:len(good)-3], reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "label past the end", in: set(good, 12, 63), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "compression loop", in: append(set(good[:12], 4, 0, 1), 0xc0, 12, 0, 1, 0, 1), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "answer count without answer", in: set(good, 6, 0, 1), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "additional count without record", in: set(good, 10, 0, 1), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "two OPT records", in: withOPTs(2), reply: true, rcode: dnsmessage.RCodeFormatError},
		{name: "NOTIFY opcode", in: set(good, 2, 4<<3), reply: true, rcode: dnsmessage.RCodeNotImplemented},
		{name: "trailing garbage tolerated", in: append(append([]byte(nil), good...), 1, 2, 3), reply: true},
		{name: "one OPT is fine", in: withOPTs(1), reply: true},
	}
	for _, tt := range tests {
		for _, network := range networks {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				if network == "udp" && len(tt.in) == 0 {
					t.Skip("an empty datagram is not sendable meaningfully")
				}
				resp, err := exchange(network, ts.addr(network), tt.in, 300*time.Millisecond)
				if !tt.reply {
					if !errors.Is(err, errNoReply) {
						t.Fatalf("got %x, %v; want no reply", resp, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				a := parseAnswer(t, resp)
				if a.hdr.ID != 0x1234 || !a.hdr.Response || a.rcode != tt.rcode {
					t.Fatalf("reply %+v rcode %v, want ID 0x1234 rcode %v", a.hdr, a.rcode, tt.rcode)
				}
			})
		}
	}
	// The server still answers afterwards.
	for _, network := range networks {
		if _, err := exchange(network, ts.addr(network), good, 2*time.Second); err != nil {
			t.Fatalf("%s after malformed: %v", network, err)
		}
	}
}

// TestTCPFraming sends several queries on one connection, in one write
// and byte by byte, and a dropped message between them.
func TestTCPFraming(t *testing.T) {
	ts := startServer(t, Options{})
	c, err := net.Dial("tcp", ts.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	frame := func(msg []byte) []byte {
		return append([]byte{byte(len(msg) >> 8), byte(len(msg))}, msg...)
	}
	q1 := query{id: 1, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)
	q2 := query{id: 2, name: "ip-10-0-1-6.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)
	resp := append([]byte(nil), q1...)
	resp[2] |= 0x80 // a response: dropped, the connection stays
	var stream []byte
	stream = append(stream, frame(q1)...)
	stream = append(stream, frame(resp)...)
	stream = append(stream, frame(q2)...)
	if _, err := c.Write(stream); err != nil {
		t.Fatal(err)
	}
	for _, want := range []uint16{1, 2} {
		msg, err := readFramed(c)
		if err != nil {
			t.Fatal(err)
		}
		if a := parseAnswer(t, msg); a.hdr.ID != want || len(a.answers) != 1 {
			t.Fatalf("reply %+v %q, want ID %d", a.hdr, a.answers, want)
		}
	}
	for _, b := range frame(query{id: 3, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)) {
		if _, err := c.Write([]byte{b}); err != nil {
			t.Fatal(err)
		}
	}
	msg, err := readFramed(c)
	if err != nil {
		t.Fatal(err)
	}
	if a := parseAnswer(t, msg); a.hdr.ID != 3 {
		t.Fatalf("reply ID %d, want 3", a.hdr.ID)
	}
}

func TestDNSSupportDisabled(t *testing.T) {
	var on atomic.Bool
	ts := startServer(t, Options{EnableDNSSupport: on.Load})
	q := query{id: 9, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)
	for _, network := range networks {
		if resp, err := exchange(network, ts.addr(network), q, 300*time.Millisecond); !errors.Is(err, errNoReply) {
			t.Fatalf("%s while disabled: %x, %v; want no reply", network, resp, err)
		}
	}
	// Connections refused while disabled are not counted against the
	// connection limit.
	for range maxConns + 10 {
		c, err := net.Dial("tcp", ts.tcp)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	time.Sleep(200 * time.Millisecond) // let the server accept them all
	on.Store(true)
	for _, network := range networks {
		if _, err := exchange(network, ts.addr(network), q, 2*time.Second); err != nil {
			t.Fatalf("%s once enabled: %v", network, err)
		}
	}
}

// TestCloseTCP checks that closing the listener ends idle connections.
func TestCloseTCP(t *testing.T) {
	s := NewServer(fakeRecords{}, testVPC, Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeTCP(l) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// One exchange, so the connection is surely being served.
	q := query{id: 1, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t)
	if _, err := c.Write(append([]byte{0, byte(len(q))}, q...)); err != nil {
		t.Fatal(err)
	}
	if _, err := readFramed(c); err != nil {
		t.Fatal(err)
	}
	l.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("ServeTCP = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeTCP did not return")
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(noReply(err), errNoReply) {
		t.Fatalf("read after close = %v, want EOF", err)
	}
}

// TestConcurrent runs many queries at once, for the race detector.
func TestConcurrent(t *testing.T) {
	ts := startServer(t, Options{})
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			network := networks[i%2]
			q := query{id: uint16(i), name: fmt.Sprintf("ip-10-0-1-%d.ec2.internal.", 5+i%3), typ: dnsmessage.TypeA}
			resp, err := exchange(network, ts.addr(network), q.pack(t), 5*time.Second)
			if err != nil {
				t.Error(err)
				return
			}
			if a := parseAnswer(t, resp); a.hdr.ID != uint16(i) || a.rcode != dnsmessage.RCodeSuccess {
				t.Errorf("query %d: %+v", i, a.hdr)
			}
		}()
	}
	wg.Wait()
}

// TestNilRecords checks that a Server without Records knows no EC2 name.
func TestNilRecords(t *testing.T) {
	s := NewServer(nil, testVPC, Options{})
	resp := s.respond(t.Context(), query{id: 1, name: "ip-10-0-1-5.ec2.internal.", typ: dnsmessage.TypeA}.pack(t), false)
	if a := parseAnswer(t, resp); a.rcode != dnsmessage.RCodeNameError {
		t.Fatalf("rcode %v, want NXDOMAIN", a.rcode)
	}
}
