package vpcdns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

const testVPC = "vpc-0123456789abcdef0"

// fakeRecords is a VPC's addresses: 10.0.1.5 with public 203.0.113.5,
// 10.0.1.6 with an IPv6 address too, 10.0.1.7 with 50 addresses (to
// overflow UDP), and 10.0.9.9 whose lookup fails.
type fakeRecords struct{}

var (
	hostPublic   = map[netip.Addr]netip.Addr{netip.MustParseAddr("10.0.1.5"): netip.MustParseAddr("203.0.113.5")}
	hostIPv6     = map[netip.Addr]netip.Addr{netip.MustParseAddr("10.0.1.6"): netip.MustParseAddr("2600:1f18::6")}
	hostMany     = netip.MustParseAddr("10.0.1.7")
	hostFailing  = netip.MustParseAddr("10.0.9.9")
	errRecords   = errors.New("records: store unavailable")
	hostsPrivate = []netip.Addr{netip.MustParseAddr("10.0.1.5"), netip.MustParseAddr("10.0.1.6"), hostMany}
)

func (fakeRecords) Resolve(ctx context.Context, vpcID, name string) ([]netip.Addr, bool, error) {
	if vpcID != testVPC {
		return nil, false, fmt.Errorf("records: asked about %s", vpcID)
	}
	if name != strings.ToLower(name) || strings.HasSuffix(name, ".") {
		return nil, false, fmt.Errorf("records: name %q not normalized", name)
	}
	ip, public, ok := ParseEC2Name(name)
	if !ok {
		return nil, false, nil
	}
	if ip == hostFailing {
		return nil, false, errRecords
	}
	if public {
		for priv, pub := range hostPublic {
			if pub == ip {
				return []netip.Addr{priv}, true, nil
			}
		}
		return nil, false, nil
	}
	if !slices.Contains(hostsPrivate, ip) {
		return nil, false, nil
	}
	addrs := []netip.Addr{ip}
	if v6, ok := hostIPv6[ip]; ok {
		addrs = append(addrs, v6)
	}
	if ip == hostMany {
		for i := range 49 {
			addrs = append(addrs, netip.AddrFrom4([4]byte{10, 0, 2, byte(i)}))
		}
	}
	return addrs, true, nil
}

// testServer is a Server listening on 127.0.0.1, udp and tcp.
type testServer struct {
	udp, tcp string
}

func (ts testServer) addr(network string) string {
	if network == "tcp" {
		return ts.tcp
	}
	return ts.udp
}

// startServer serves a Server with opts until the test ends, and checks
// that both Serve methods return nil when their sockets close.
func startServer(t *testing.T, opts Options) testServer {
	t.Helper()
	s := NewServer(fakeRecords{}, testVPC, opts)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() { done <- s.ServeUDP(pc) }()
	go func() { done <- s.ServeTCP(l) }()
	t.Cleanup(func() {
		pc.Close()
		l.Close()
		for range 2 {
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve returned %v after close", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Serve did not return after close")
			}
		}
	})
	return testServer{udp: pc.LocalAddr().String(), tcp: l.Addr().String()}
}

// query is a question to encode.
type query struct {
	id    uint16
	name  string
	typ   dnsmessage.Type
	class dnsmessage.Class // zero means IN
	edns  int              // EDNS payload size; zero means no OPT
	vers  uint8            // EDNS version
}

func (q query) pack(t testing.TB) []byte {
	t.Helper()
	class := q.class
	if class == 0 {
		class = dnsmessage.ClassINET
	}
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: q.id, RecursionDesired: true})
	must(t, b.StartQuestions())
	must(t, b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName(q.name), Type: q.typ, Class: class}))
	if q.edns != 0 {
		must(t, b.StartAdditionals())
		var rh dnsmessage.ResourceHeader
		must(t, rh.SetEDNS0(q.edns, 0, false))
		rh.TTL |= uint32(q.vers) << 16
		must(t, b.OPTResource(rh, dnsmessage.OPTResource{}))
	}
	msg, err := b.Finish()
	must(t, err)
	return msg
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// errNoReply is a query the server dropped: nothing came back in time,
// or the TCP connection closed (or was reset, unread data pending).
var errNoReply = errors.New("no reply")

// exchange sends msg to addr over network and returns the raw reply.
func exchange(network, addr string, msg []byte, wait time.Duration) ([]byte, error) {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(wait))
	if network == "udp" {
		if _, err := c.Write(msg); err != nil {
			return nil, err
		}
		buf := make([]byte, 65535)
		n, err := c.Read(buf)
		if err != nil {
			return nil, noReply(err)
		}
		return buf[:n], nil
	}
	if _, err := c.Write(binary.BigEndian.AppendUint16(nil, uint16(len(msg)))); err != nil {
		return nil, noReply(err)
	}
	if _, err := c.Write(msg); err != nil {
		return nil, noReply(err)
	}
	return readFramed(c)
}

func readFramed(c net.Conn) ([]byte, error) {
	var prefix [2]byte
	if _, err := io.ReadFull(c, prefix[:]); err != nil {
		return nil, noReply(err)
	}
	resp := make([]byte, binary.BigEndian.Uint16(prefix[:]))
	if _, err := io.ReadFull(c, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

func noReply(err error) error {
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.As(err, &ne) && ne.Timeout() ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return errNoReply
	}
	return err
}

// answer is a parsed reply, reduced to what the tests compare.
type answer struct {
	hdr     dnsmessage.Header
	rcode   dnsmessage.RCode // extended when OPT says so
	qname   string
	answers []string // "A 10.0.1.5", "AAAA 2600:1f18::6", "PTR name."
	ttls    []uint32
	edns    int // the OPT payload size; zero without OPT
}

func parseAnswer(t testing.TB, resp []byte) answer {
	t.Helper()
	var m dnsmessage.Message
	if err := m.Unpack(resp); err != nil {
		t.Fatalf("unpack reply: %v", err)
	}
	a := answer{hdr: m.Header, rcode: m.Header.RCode}
	if len(m.Questions) > 0 {
		a.qname = m.Questions[0].Name.String()
	}
	for _, r := range m.Answers {
		a.ttls = append(a.ttls, r.Header.TTL)
		switch b := r.Body.(type) {
		case *dnsmessage.AResource:
			a.answers = append(a.answers, "A "+netip.AddrFrom4(b.A).String())
		case *dnsmessage.AAAAResource:
			a.answers = append(a.answers, "AAAA "+netip.AddrFrom16(b.AAAA).String())
		case *dnsmessage.PTRResource:
			a.answers = append(a.answers, "PTR "+b.PTR.String())
		default:
			a.answers = append(a.answers, r.Header.Type.String())
		}
	}
	for _, r := range m.Additionals {
		if r.Header.Type == dnsmessage.TypeOPT {
			a.edns = int(r.Header.Class)
			a.rcode = r.Header.ExtendedRCode(m.Header.RCode)
		}
	}
	return a
}
