package vpcdns

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestForward(t *testing.T) {
	up := startUpstream(t, 0)
	ts := startServer(t, Options{Forward: []string{up.addr}, Timeout: 300 * time.Millisecond})
	var big []string
	for i := range 40 {
		big = append(big, "A 192.0.2."+strconv.Itoa(i))
	}
	tests := []struct {
		name    string
		in      query
		rcode   dnsmessage.RCode
		want    []string
		udpTC   bool
		wantTCP bool // the upstream is asked over TCP
	}{
		{name: "A", in: query{name: "example.com.", typ: dnsmessage.TypeA}, want: []string{"A 93.184.216.34"}},
		{name: "NODATA", in: query{name: "example.com.", typ: dnsmessage.TypeAAAA}},
		{name: "NXDOMAIN", in: query{name: "nosuch.example.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeNameError},
		{name: "public reverse", in: query{name: "1.113.0.203.in-addr.arpa.", typ: dnsmessage.TypePTR}, want: []string{"PTR host.example."}},
		{name: "bogus replies ignored", in: query{name: "spoof.example.", typ: dnsmessage.TypeA}, want: []string{"A 192.0.2.53"}},
		{name: "truncated upstream, retried over TCP", in: query{name: "big.example.", typ: dnsmessage.TypeA}, want: big, udpTC: true, wantTCP: true},
		{name: "truncated upstream, fits client EDNS", in: query{name: "big.example.", typ: dnsmessage.TypeA, edns: 1232}, want: big, wantTCP: true},
		{name: "no answer in time", in: query{name: "slow.example.", typ: dnsmessage.TypeA}, rcode: dnsmessage.RCodeServerFailure},
	}
	for _, tt := range tests {
		for i, network := range networks {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				tcpBefore := up.tcp.Load()
				in := tt.in
				in.id = uint16(0xabc0 + i)
				resp, err := exchange(network, ts.addr(network), in.pack(t), 3*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				a := parseAnswer(t, resp)
				if a.hdr.ID != in.id || !a.hdr.Response || a.qname != in.name {
					t.Errorf("reply %+v for %q, want ID %#x", a.hdr, a.qname, in.id)
				}
				if a.rcode != tt.rcode {
					t.Errorf("rcode = %v, want %v", a.rcode, tt.rcode)
				}
				want := tt.want
				tc := tt.udpTC && network == "udp"
				if tc {
					want = nil
				}
				if a.hdr.Truncated != tc {
					t.Errorf("TC = %v, want %v", a.hdr.Truncated, tc)
				}
				if !slices.Equal(a.answers, want) {
					t.Errorf("answers = %q, want %q", a.answers, want)
				}
				if gotTCP := up.tcp.Load() > tcpBefore; gotTCP != tt.wantTCP {
					t.Errorf("upstream asked over TCP: %v, want %v", gotTCP, tt.wantTCP)
				}
				if network == "udp" && len(resp) > max(minUDPSize, min(tt.in.edns, udpMaxSize)) {
					t.Errorf("UDP reply of %d bytes", len(resp))
				}
			})
		}
	}
	// The upstream never sees the clients' IDs (they differ per query by
	// at most one, the upstream's are random).
	same := 0
	for _, id := range up.seenIDs() {
		if id&0xfffe == 0xabc0 {
			same++
		}
	}
	if n := len(up.seenIDs()); n < 10 || same == n {
		t.Errorf("upstream saw %d queries, %d with the client's ID", n, same)
	}
}

// TestOwnedNotForwarded checks that EC2 names and private reverse names
// never leave gureum.
func TestOwnedNotForwarded(t *testing.T) {
	up := startUpstream(t, 0)
	ts := startServer(t, Options{Forward: []string{up.addr}})
	for _, q := range []query{
		{name: "ip-10-0-1-99.ec2.internal.", typ: dnsmessage.TypeA},
		{name: "ec2-198-51-100-1.compute-1.amazonaws.com.", typ: dnsmessage.TypeA},
		{name: "99.1.0.10.in-addr.arpa.", typ: dnsmessage.TypePTR},
	} {
		resp, err := exchange("udp", ts.udp, q.pack(t), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if a := parseAnswer(t, resp); a.rcode != dnsmessage.RCodeNameError {
			t.Errorf("%s: rcode %v, want NXDOMAIN", q.name, a.rcode)
		}
	}
	if n := up.udp.Load() + up.tcp.Load(); n != 0 {
		t.Fatalf("upstream asked %d times", n)
	}
}

// TestUpstreams checks failover between the forward resolvers.
func TestUpstreams(t *testing.T) {
	good := startUpstream(t, 0)
	failing := startUpstream(t, dnsmessage.RCodeServerFailure)
	refusing := startUpstream(t, dnsmessage.RCodeRefused)
	tests := []struct {
		name    string
		forward []string
		rcode   dnsmessage.RCode
		answers int
		within  time.Duration
	}{
		{name: "down", forward: []string{deadAddr(t)}, rcode: dnsmessage.RCodeServerFailure, within: time.Second},
		{name: "silent", forward: []string{blackhole(t)}, rcode: dnsmessage.RCodeServerFailure, within: 2 * time.Second},
		{name: "down then good", forward: []string{deadAddr(t), good.addr}, answers: 1, within: time.Second},
		{name: "silent then good", forward: []string{blackhole(t), good.addr}, answers: 1, within: 2 * time.Second},
		{name: "SERVFAIL then good", forward: []string{failing.addr, good.addr}, answers: 1, within: time.Second},
		{name: "REFUSED then good", forward: []string{refusing.addr, good.addr}, answers: 1, within: time.Second},
		{name: "all failing", forward: []string{failing.addr, refusing.addr}, rcode: dnsmessage.RCodeRefused, within: time.Second},
		{name: "bad address", forward: []string{"not an address"}, rcode: dnsmessage.RCodeServerFailure, within: time.Second},
	}
	for _, tt := range tests {
		for _, network := range networks {
			t.Run(tt.name+"/"+network, func(t *testing.T) {
				ts := startServer(t, Options{Forward: tt.forward, Timeout: 300 * time.Millisecond})
				start := time.Now()
				resp, err := exchange(network, ts.addr(network), query{id: 5, name: "example.com.", typ: dnsmessage.TypeA}.pack(t), 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				if d := time.Since(start); d > tt.within {
					t.Errorf("took %v, want under %v", d, tt.within)
				}
				a := parseAnswer(t, resp)
				if a.hdr.ID != 5 || a.rcode != tt.rcode || len(a.answers) != tt.answers {
					t.Errorf("reply %+v rcode %v answers %q; want rcode %v, %d answers", a.hdr, a.rcode, a.answers, tt.rcode, tt.answers)
				}
			})
		}
	}
}
