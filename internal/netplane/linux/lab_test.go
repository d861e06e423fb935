package linux

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/userdata"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/netplane"
)

// Kernel tests build real networks in namespaces named gureum-t<random>-…:
// VPC namespaces gureum-t…-n-<vpc>, and for instances (stand-ins for
// containers) plain namespaces gureum-t…-i-<name>. Traffic flows only
// between these namespaces, on 10.x addresses that never leave them.

// dialTimeout is how long a connection attempt may take before it counts
// as dropped.
const dialTimeout = 300 * time.Millisecond

// requireRoot skips a kernel test when not root, except in CI where it
// fails.
func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		tb.Fatal("kernel tests need root, and CI=true does not skip them")
	}
	tb.Skip("kernel test: needs root")
}

// lab is one test's world: a dataplane with its own namespace prefix, and
// helpers that create VPCs, subnets and instances and clean them up.
type lab struct {
	tb     testing.TB
	ctx    context.Context
	prefix string // gureum-t<random>-
	dp     *Dataplane
}

// newLab returns a lab whose cleanup ends with a leak check.
func newLab(tb testing.TB) *lab {
	tb.Helper()
	requireRoot(tb)
	l := &lab{tb: tb, ctx: context.Background(), prefix: fmt.Sprintf("gureum-t%06x-", rand.Uint32()&0xffffff)}
	var err error
	l.dp, err = New(Config{Prefix: l.prefix + "n-", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	// Registered first, so it runs after every other cleanup.
	tb.Cleanup(l.checkLeaks)
	return l
}

// checkLeaks fails the test if a namespace with the lab's prefix remains,
// the dataplane still owns a VPC, or a link of gureum's is in the host
// namespace.
func (l *lab) checkLeaks() {
	entries, err := os.ReadDir(runDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		l.tb.Errorf("leak check: %v", err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), l.prefix) {
			l.tb.Errorf("leak check: namespace %s remains", e.Name())
			_ = removeNS(filepath.Join(runDir, e.Name()))
		}
	}
	if ids, err := l.dp.Owned(l.ctx); err != nil || len(ids) > 0 {
		l.tb.Errorf("leak check: Owned = %v, %v; want none", ids, err)
	}
	links, err := netlink.LinkList()
	if err != nil {
		l.tb.Errorf("leak check: host links: %v", err)
	}
	for _, k := range links {
		// Another gureum's internet link ("gureum internet <its prefix>")
		// is not this lab's: a root gureum in host mode keeps one.
		alias := k.Attrs().Alias
		other := strings.HasPrefix(alias, aliasPrefix+"internet ") && !strings.Contains(alias, l.prefix)
		if !other && strings.HasPrefix(alias, aliasPrefix) || strings.HasPrefix(alias, l.prefix) || k.Attrs().Name == hostPortName(l.dp.prefix) {
			l.tb.Errorf("leak check: host namespace has gureum's link %s (%s)", k.Attrs().Name, k.Attrs().Alias)
		}
	}
	c, err := nftables.New()
	if err == nil {
		var tables []*nftables.Table
		tables, err = c.ListTables()
		for _, t := range tables {
			if strings.HasPrefix(t.Name, l.prefix) {
				l.tb.Errorf("leak check: host namespace has nftables table %s", t.Name)
			}
		}
	}
	if err != nil {
		l.tb.Errorf("leak check: host nftables: %v", err)
	}
	for _, r := range l.hostFilterRules() {
		l.tb.Errorf("leak check: host table ip %s chain %s has rule %q", filterTableName, r.chain, r.comment)
	}
	l.checkHostRoutes()
}

// filterRule is a rule of the host's table ip filter.
type filterRule struct{ chain, comment string }

// hostFilterRules returns the rules of the host's table ip filter (if
// any) whose comment names the lab's prefix.
func (l *lab) hostFilterRules() []filterRule {
	var found []filterRule
	c, err := nftables.New()
	if err != nil {
		l.tb.Errorf("host nftables: %v", err)
		return nil
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		l.tb.Errorf("host nftables chains: %v", err)
		return nil
	}
	for _, ch := range chains {
		if ch.Table.Name != filterTableName {
			continue
		}
		rules, err := c.GetRules(ch.Table, ch)
		if err != nil {
			l.tb.Errorf("host nftables rules of %s: %v", ch.Name, err)
		}
		for _, r := range rules {
			if cm, ok := userdata.GetString(r.UserData, userdata.TypeComment); ok && strings.Contains(cm, l.prefix) {
				found = append(found, filterRule{ch.Name, cm})
			}
		}
	}
	return found
}

// checkHostRoutes fails the test if a host route goes via a link of the
// lab's (the pool routes of InternetHost mode).
func (l *lab) checkHostRoutes() {
	routes, err := netlink.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		l.tb.Errorf("leak check: host routes: %v", err)
		return
	}
	for _, r := range routes {
		if k, err := netlink.LinkByIndex(r.LinkIndex); err == nil && k.Attrs().Name == hostPortName(l.dp.prefix) {
			l.tb.Errorf("leak check: host route %v via %s remains", r.Dst, k.Attrs().Name)
		}
	}
}

// internet makes gureum's internet in mode with pool and returns its
// namespace; the test's cleanup deletes it.
func (l *lab) internet(mode netplane.InternetMode, pool ...string) string {
	l.tb.Helper()
	inet := netplane.Internet{Mode: mode}
	for _, p := range pool {
		inet.Pool = append(inet.Pool, netip.MustParsePrefix(p))
	}
	path, err := l.dp.EnsureInternet(l.ctx, inet)
	if err != nil {
		l.tb.Fatalf("EnsureInternet: %v", err)
	}
	l.tb.Cleanup(func() {
		if err := l.dp.DeleteInternet(l.ctx); err != nil {
			l.tb.Errorf("DeleteInternet: %v", err)
		}
	})
	return path
}

// inetHost gives the internet namespace the address ip (a /32 on its
// loopback), an "internet host".
func (l *lab) inetHost(inet, ip string) {
	l.tb.Helper()
	h, err := handleIn(inet)
	if err != nil {
		l.tb.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err == nil {
		err = h.AddrReplace(lo, &netlink.Addr{IPNet: netipToIPNet(netip.MustParsePrefix(ip + "/32"))})
	}
	if err != nil {
		l.tb.Fatalf("internet host %s: %v", ip, err)
	}
}

// setRouting applies r or fails the test.
func (l *lab) setRouting(r netplane.Routing) {
	l.tb.Helper()
	if err := l.dp.SetRouting(l.ctx, r); err != nil {
		l.tb.Fatalf("SetRouting: %v", err)
	}
}

// serveSource listens on TCP port of ip in the namespace at netns; each
// connection receives the client's IP address (as the server sees it).
func (l *lab) serveSource(netns, ip string, port int) {
	l.tb.Helper()
	var ln net.Listener
	err := do(netns, func() error {
		var err error
		ln, err = net.Listen("tcp4", net.JoinHostPort(ip, fmt.Sprint(port)))
		return err
	})
	if err != nil {
		l.tb.Fatalf("listen in %s: %v", netns, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
			_, _ = io.WriteString(c, host)
			c.Close()
		}
	}()
	l.tb.Cleanup(func() { ln.Close(); <-done })
}

// reachesFrom asserts that a connection from src in netns to addr gets
// reply want.
func (l *lab) reachesFrom(netns string, src netip.Addr, addr, want string) {
	l.tb.Helper()
	got, err := dial(netns, src, addr, dialTimeout)
	if err != nil || got != want {
		l.tb.Errorf("%s (%v) → %s: got %q, %v; want %q", filepath.Base(netns), src, addr, got, err, want)
	}
}

// noConnection asserts that a connection from src (if valid) in netns to
// addr fails in any way: dropped, unreachable, or refused locally (a
// blackhole route).
func (l *lab) noConnection(netns string, src netip.Addr, addr string) {
	l.tb.Helper()
	if got, err := dial(netns, src, addr, dialTimeout); err == nil {
		l.tb.Errorf("%s (%v) → %s: got %q; want no connection", filepath.Base(netns), src, addr, got)
	}
}

func (l *lab) vpc(id, cidr string) {
	l.tb.Helper()
	if err := l.dp.EnsureVPC(l.ctx, netplane.VPC{ID: id, CIDR: netip.MustParsePrefix(cidr)}); err != nil {
		l.tb.Fatalf("EnsureVPC %s: %v", id, err)
	}
	l.tb.Cleanup(func() {
		if err := l.dp.DeleteVPC(l.ctx, id); err != nil {
			l.tb.Errorf("DeleteVPC %s: %v", id, err)
		}
	})
}

func (l *lab) subnet(vpcID, id, cidr string) {
	l.tb.Helper()
	if err := l.dp.EnsureSubnet(l.ctx, netplane.Subnet{ID: id, VpcID: vpcID, CIDR: netip.MustParsePrefix(cidr)}); err != nil {
		l.tb.Fatalf("EnsureSubnet %s: %v", id, err)
	}
}

// instance creates an instance namespace and returns its path.
func (l *lab) instance(name string) string {
	l.tb.Helper()
	path := filepath.Join(runDir, l.prefix+"i-"+name)
	if err := createNS(path); err != nil {
		l.tb.Fatalf("instance %s: %v", name, err)
	}
	l.tb.Cleanup(func() {
		if err := removeNS(path); err != nil {
			l.tb.Errorf("removing instance %s: %v", name, err)
		}
	})
	return path
}

// iface describes an interface eth0 of an instance in a subnet.
func iface(vpcID, subnetID, cidr, id, netns, ip string, groups ...string) netplane.Interface {
	p := netip.MustParsePrefix(cidr)
	return netplane.Interface{
		ID: id, VpcID: vpcID, SubnetID: subnetID, NetNS: netns, Name: "eth0",
		IP: netip.MustParseAddr(ip), Prefix: p.Bits(), Gateway: netplane.Gateway(p), Groups: groups,
	}
}

func (l *lab) plug(ifc netplane.Interface) {
	l.tb.Helper()
	if err := l.dp.Plug(l.ctx, ifc); err != nil {
		l.tb.Fatalf("Plug %s: %v", ifc.ID, err)
	}
}

func (l *lab) setGroups(vpcID string, groups []netplane.SecurityGroup, members ...netplane.Interface) {
	l.tb.Helper()
	if err := l.dp.SetSecurityGroups(l.ctx, vpcID, groups, members); err != nil {
		l.tb.Fatalf("SetSecurityGroups: %v", err)
	}
}

// serve listens on TCP port in the namespace at netns; each connection
// receives reply and is closed.
func (l *lab) serve(netns string, port int, reply string) {
	l.tb.Helper()
	var ln net.Listener
	err := do(netns, func() error {
		var err error
		ln, err = net.Listen("tcp4", fmt.Sprintf(":%d", port))
		return err
	})
	if err != nil {
		l.tb.Fatalf("listen in %s: %v", netns, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, reply)
			c.Close()
		}
	}()
	l.tb.Cleanup(func() { ln.Close(); <-done })
}

// dial connects from the namespace at netns (from the address src when
// valid) to addr and returns what the server replied.
func dial(netns string, src netip.Addr, addr string, timeout time.Duration) (string, error) {
	var reply string
	err := do(netns, func() error {
		d := net.Dialer{Timeout: timeout}
		if src.IsValid() {
			d.LocalAddr = &net.TCPAddr{IP: src.AsSlice()}
		}
		c, err := d.Dial("tcp4", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(time.Second))
		b, err := io.ReadAll(c)
		reply = string(b)
		return err
	})
	return reply, err
}

// reaches asserts that a connection from netns to addr gets reply want.
func (l *lab) reaches(netns, addr, want string) {
	l.tb.Helper()
	got, err := dial(netns, netip.Addr{}, addr, dialTimeout)
	if err != nil || got != want {
		l.tb.Errorf("%s → %s: got %q, %v; want %q", filepath.Base(netns), addr, got, err, want)
	}
}

// blocked asserts that a connection from netns to addr times out: the
// packets are dropped (a refusal would mean they arrived).
func (l *lab) blocked(netns, addr string) {
	l.tb.Helper()
	l.blockedFrom(netns, netip.Addr{}, addr)
}

func (l *lab) blockedFrom(netns string, src netip.Addr, addr string) {
	l.tb.Helper()
	got, err := dial(netns, src, addr, dialTimeout)
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		l.tb.Errorf("%s → %s: got %q, %v; want a timeout", filepath.Base(netns), addr, got, err)
	}
}

// unreachable asserts that a connection from netns to addr fails, by a
// timeout or because no host answers ARP.
func (l *lab) unreachable(netns, addr string) {
	l.tb.Helper()
	got, err := dial(netns, netip.Addr{}, addr, dialTimeout)
	if err == nil {
		l.tb.Errorf("%s → %s: got %q; want no connection", filepath.Base(netns), addr, got)
	} else if !errors.Is(err, unix.EHOSTUNREACH) && !errors.Is(err, unix.ENETUNREACH) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			l.tb.Errorf("%s → %s: %v; want a timeout or unreachable", filepath.Base(netns), addr, err)
		}
	}
}

// firstConnect dials until a connection succeeds and returns how long
// that took.
func firstConnect(netns, addr string, limit time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		_, err := dial(netns, netip.Addr{}, addr, 50*time.Millisecond)
		if err == nil {
			return time.Since(start), nil
		}
		if time.Since(start) > limit {
			return time.Since(start), err
		}
	}
}

// allowAll is a rule allowing all traffic to or from anywhere.
func allowAll(egress bool) netplane.Rule {
	return netplane.Rule{Egress: egress, Protocol: "-1", CIDR: netip.MustParsePrefix("0.0.0.0/0")}
}

// tcpFrom allows TCP port from a CIDR or group.
func tcpFrom(port int32, cidr, group string) netplane.Rule {
	r := netplane.Rule{Protocol: "tcp", FromPort: port, ToPort: port, Group: group}
	if cidr != "" {
		r.CIDR = netip.MustParsePrefix(cidr)
	}
	return r
}
