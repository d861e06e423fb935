//go:build unix

package imds

import (
	"net"
	"net/http"
	"syscall"
	"testing"
	"time"
)

func ipTTL(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var ttl int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		ttl, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IP, syscall.IP_TTL)
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatal(serr)
	}
	return ttl
}

// TestHopLimit checks the IP TTL of the server's side of a real
// connection: the system default before a token is issued, the
// instance's hop limit once the PUT has been answered.
func TestHopLimit(t *testing.T) {
	for _, tt := range []struct {
		setting, want int
	}{{0, 1}, {1, 1}, {3, 3}, {63, 63}, {65, 64}} {
		inst := loopbackInstance()
		inst.HttpPutResponseHopLimit = tt.setting
		f := newFixture(t, inst)
		base, conns := startServe(t, f)
		// One connection for every request.
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1}}
		if code, _, _ := do(t, c, http.MethodGet, base+idPath); code != 200 {
			t.Fatalf("GET: %d", code)
		}
		var conn net.Conn
		select {
		case conn = <-conns:
		case <-time.After(5 * time.Second):
			t.Fatal("no connection accepted")
		}
		// 64 is the usual default (net.ipv4.ip_default_ttl).
		if before := ipTTL(t, conn); before == tt.want && tt.want != 64 {
			t.Fatalf("hop limit %d: TTL already %d before the PUT", tt.setting, before)
		}
		if code, _, _ := do(t, c, http.MethodPut, base+TokenPath, HeaderTokenTTL, "60"); code != 200 {
			t.Fatalf("PUT: %d", code)
		}
		if got := ipTTL(t, conn); got != tt.want {
			t.Errorf("hop limit %d: TTL %d after the PUT, want %d", tt.setting, got, tt.want)
		}
		select {
		case <-conns:
			t.Fatal("the PUT used another connection")
		default:
		}
		c.CloseIdleConnections()
	}
}

func TestHopLimitOnNonSocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if err := setHopLimit(a, 1); err == nil {
		t.Fatal("no error for a pipe")
	}
}

// TestHopLimitIPv6 sets the unicast hop limit of an IPv6 connection (the
// service's other address, [fd00:ec2::254]).
func TestHopLimitIPv6(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp6", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := setHopLimit(conn, 2); err != nil {
		t.Fatal(err)
	}
	raw, err := conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var hops int
	var serr error
	raw.Control(func(fd uintptr) {
		hops, serr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS)
	})
	if serr != nil || hops != 2 {
		t.Fatalf("IPV6_UNICAST_HOPS %d, %v", hops, serr)
	}
}
