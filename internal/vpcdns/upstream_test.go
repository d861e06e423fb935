package vpcdns

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// fakeUpstream is a resolver on 127.0.0.1, udp and tcp on one port,
// standing in for the resolvers gureum forwards to. It knows:
// example.com (A 93.184.216.34, TTL 300), big.example (40 A records,
// truncated over UDP), spoof.example (over UDP, two bogus replies before
// the real one), slow.example (never answered), 1.113.0.203.in-addr.arpa
// (PTR host.example); other names are NXDOMAIN. With rcode set it
// answers everything with that rcode.
type fakeUpstream struct {
	addr  string
	rcode dnsmessage.RCode

	udp, tcp atomic.Int32
	mu       sync.Mutex
	ids      []uint16
}

func startUpstream(t *testing.T, rcode dnsmessage.RCode) *fakeUpstream {
	t.Helper()
	u := &fakeUpstream{rcode: rcode}
	var (
		pc  net.PacketConn
		l   net.Listener
		err error
	)
	for range 20 { // the same port free for udp and tcp
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	u.addr = pc.LocalAddr().String()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			u.udp.Add(1)
			for _, r := range u.reply(t, buf[:n], false) {
				_, _ = pc.WriteTo(r, from)
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u.tcp.Add(1)
			var prefix [2]byte
			if _, err := io.ReadFull(c, prefix[:]); err == nil {
				msg := make([]byte, binary.BigEndian.Uint16(prefix[:]))
				if _, err := io.ReadFull(c, msg); err == nil {
					for _, r := range u.reply(t, msg, true) {
						_, _ = c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(r))), r...))
					}
				}
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		l.Close()
		wg.Wait()
	})
	return u
}

// seenIDs returns the IDs of the queries received so far.
func (u *fakeUpstream) seenIDs() []uint16 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]uint16(nil), u.ids...)
}

// reply returns the messages to send back to msg, in order.
func (u *fakeUpstream) reply(t *testing.T, msg []byte, tcp bool) [][]byte {
	var m dnsmessage.Message
	if err := m.Unpack(msg); err != nil || len(m.Questions) != 1 {
		t.Errorf("upstream got a bad query: %v", err)
		return nil
	}
	u.mu.Lock()
	u.ids = append(u.ids, m.Header.ID)
	u.mu.Unlock()
	q := m.Questions[0]
	resp := dnsmessage.Message{
		Header:    dnsmessage.Header{ID: m.Header.ID, Response: true, RecursionDesired: m.Header.RecursionDesired, RecursionAvailable: true},
		Questions: m.Questions,
	}
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 300}
	var bogus [][]byte
	switch name := q.Name.String(); {
	case u.rcode != 0:
		resp.Header.RCode = u.rcode
	case name == "slow.example.":
		return nil
	case name == "example.com." && q.Type == dnsmessage.TypeA:
		resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: rh, Body: &dnsmessage.AResource{A: [4]byte{93, 184, 216, 34}}})
	case name == "big.example." && q.Type == dnsmessage.TypeA:
		for i := range 40 {
			resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: rh, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, byte(i)}}})
		}
	case name == "spoof.example.":
		resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: rh, Body: &dnsmessage.AResource{A: [4]byte{192, 0, 2, 53}}})
		if !tcp {
			wrongID := resp
			wrongID.Header.ID ^= 0xffff
			wrongQ := resp
			wrongQ.Questions = []dnsmessage.Question{{Name: dnsmessage.MustNewName("evil.example."), Type: q.Type, Class: q.Class}}
			for _, b := range []dnsmessage.Message{wrongID, wrongQ} {
				p, err := b.Pack()
				must(t, err)
				bogus = append(bogus, p)
			}
		}
	case name == "1.113.0.203.in-addr.arpa." && q.Type == dnsmessage.TypePTR:
		resp.Answers = append(resp.Answers, dnsmessage.Resource{Header: rh, Body: &dnsmessage.PTRResource{PTR: dnsmessage.MustNewName("host.example.")}})
	case name == "example.com.":
	default:
		resp.Header.RCode = dnsmessage.RCodeNameError
	}
	out, err := resp.Pack()
	must(t, err)
	if !tcp && len(out) > minUDPSize {
		resp.Answers, resp.Header.Truncated = nil, true
		out, err = resp.Pack()
		must(t, err)
	}
	return append(bogus, out)
}

// deadAddr returns a 127.0.0.1 address nothing listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	return addr
}

// blackhole returns a 127.0.0.1 address that reads queries and never
// answers.
func blackhole(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { pc.Close(); <-done })
	return pc.LocalAddr().String()
}
