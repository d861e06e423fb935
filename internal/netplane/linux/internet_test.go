package linux

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// TestInternetHost checks InternetHost mode without sending a packet off
// the machine: the host's link, route and table exist, the host reaches a
// public IP held in a VPC (which stays on the machine), and an instance
// with a public IP reaches a fake upstream through the host, masqueraded
// as the host's address on the upstream's link. The fake upstream is a
// namespace of the test's on a veth to the host, with an on-link /30 and
// no other route. On a host whose forward filter drops (Docker's), that
// works only with gureum's accept rules, which the test takes away for a
// moment to see the connection dropped. DeleteInternet, also by a
// dataplane started afresh, removes everything and leaves ip_forward as
// it was. The pool and the upstream are random parts of 198.18.0.0/15
// (benchmarking addresses), so that parallel test processes do not share
// host routes.
func TestInternetHost(t *testing.T) {
	l := newLab(t)
	forwardBefore, err := os.ReadFile("/proc/sys/" + hostForwardSysctl)
	if err != nil {
		t.Fatal(err)
	}
	third := byte(rand.IntN(256))
	pool := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18 + third%2, third, 0}), 24)
	public := pool.Addr().Next().Next()
	upNet := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18 + (third+1)%2, third, byte(rand.IntN(64)) * 4}), 30)
	path := l.internet(netplane.InternetHost, pool.String())
	// EnsureInternet again is a no-op.
	if p2, err := l.dp.EnsureInternet(l.ctx, netplane.Internet{Mode: netplane.InternetHost, Pool: []netip.Prefix{pool}}); err != nil || p2 != path {
		t.Fatalf("EnsureInternet again: %q, %v", p2, err)
	}

	link, err := netlink.LinkByName(hostPortName(l.dp.prefix))
	if err != nil {
		t.Fatalf("host link: %v", err)
	}
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{LinkIndex: link.Attrs().Index}, netlink.RT_FILTER_OIF)
	if err != nil {
		t.Fatal(err)
	}
	var dsts []string
	for _, r := range routes {
		if r.Dst != nil {
			dsts = append(dsts, r.Dst.String())
		}
	}
	if !strings.Contains(strings.Join(dsts, " "), pool.String()) {
		t.Errorf("host routes via %s: %v; want %v", link.Attrs().Name, dsts, pool)
	}
	if !hostHasTable(t, hostTableName(l.dp.prefix)) {
		t.Errorf("host table %s is missing", hostTableName(l.dp.prefix))
	}
	// Where Docker's DOCKER-USER chain exists, it holds gureum's two
	// rules, once each however often EnsureInternet runs.
	rules := l.hostFilterRules()
	if hostHasDockerUser(t) {
		if len(rules) != 2 || rules[0].chain != dockerUserChain || rules[1].chain != dockerUserChain || rules[0].comment == rules[1].comment {
			t.Errorf("gureum's rules in the host's ip filter: %v; want two in %s", rules, dockerUserChain)
		}
	} else {
		t.Logf("the host has no %s chain; gureum's rules in its ip filter: %v", dockerUserChain, rules)
	}

	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	w := l.instance("w")
	l.plug(iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", w, "10.0.1.10"))
	l.serve(w, 8080, "w")
	l.setRouting(netplane.Routing{
		VpcID: vpcID, InternetGateway: igwID,
		Routes:    map[string][]netplane.Route{subnetA: {{Dest: anywhere, InternetGateway: igwID}}},
		PublicIPs: []netplane.PublicIP{{Private: netip.MustParseAddr("10.0.1.10"), Public: public}},
	})
	l.reaches(hostNS, fmt.Sprintf("%v:8080", public), "w")
	l.noConnection(hostNS, netip.Addr{}, fmt.Sprintf("%v:8080", public.Next())) // nobody's: a blackhole

	// Egress: instance → VPC router (1:1 NAT to the public IP) → internet
	// namespace → host (forward filter, masquerade) → upstream.
	up, hostUp, upAddr := l.upstream(upNet)
	l.serveSource(up, upAddr.String(), 80)
	upURL := net.JoinHostPort(upAddr.String(), "80")
	l.reaches(w, upURL, hostUp.String())
	if len(rules) > 0 {
		if _, _, err := syncHostForward(hostNS, l.dp.prefix, hostPortName(l.dp.prefix), false); err != nil {
			t.Fatal(err)
		}
		l.blocked(w, upURL) // the host's filter drops it
		if _, err := l.dp.EnsureInternet(l.ctx, netplane.Internet{Mode: netplane.InternetHost, Pool: []netip.Prefix{pool}}); err != nil {
			t.Fatal(err)
		}
		if got := l.hostFilterRules(); len(got) != 2 {
			t.Errorf("gureum's rules after EnsureInternet: %v; want two", got)
		}
		l.reaches(w, upURL, hostUp.String())
	}

	// Stopping detaches the host: nothing of gureum's is left in the
	// host's network, the internet namespace stays; starting again
	// (EnsureInternet) puts the host's side back.
	if err := l.dp.DetachHost(l.ctx); err != nil {
		t.Fatalf("DetachHost: %v", err)
	}
	if _, err := netlink.LinkByName(hostPortName(l.dp.prefix)); err == nil {
		t.Errorf("the host link remains after DetachHost")
	}
	if hostHasTable(t, hostTableName(l.dp.prefix)) {
		t.Errorf("the host table remains after DetachHost")
	}
	if got := l.hostFilterRules(); len(got) > 0 {
		t.Errorf("rules remain in the host's ip filter after DetachHost: %v", got)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("the internet namespace is gone after DetachHost: %v", err)
	}
	if _, err := l.dp.EnsureInternet(l.ctx, netplane.Internet{Mode: netplane.InternetHost, Pool: []netip.Prefix{pool}}); err != nil {
		t.Fatal(err)
	}
	l.reaches(hostNS, fmt.Sprintf("%v:8080", public), "w")

	// A dataplane started afresh finds everything by name and comment.
	d2, err := New(Config{Prefix: l.dp.prefix, Logger: l.dp.log})
	if err != nil {
		t.Fatal(err)
	}
	if err := d2.DeleteInternet(l.ctx); err != nil {
		t.Fatalf("DeleteInternet: %v", err)
	}
	if _, err := netlink.LinkByName(hostPortName(l.dp.prefix)); err == nil {
		t.Errorf("the host link remains after DeleteInternet")
	}
	if hostHasTable(t, hostTableName(l.dp.prefix)) {
		t.Errorf("the host table remains after DeleteInternet")
	}
	if got := l.hostFilterRules(); len(got) > 0 {
		t.Errorf("rules remain in the host's ip filter after DeleteInternet: %v", got)
	}
	l.checkHostRoutes()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the internet namespace remains: %v", err)
	}
	if after, _ := os.ReadFile("/proc/sys/" + hostForwardSysctl); string(after) != string(forwardBefore) {
		t.Errorf("ip_forward %q after DeleteInternet; was %q", after, forwardBefore)
	}
	// No connection attempt to a public IP now: without the route it
	// would leave the machine.
}

// upstream makes a fake upstream for the host: a namespace <lab
// prefix>up on a veth to the host, the host's end (gu-<lab's hex>) holding
// the first address of the /30 n and the namespace's end the second. The
// namespace has no route besides the /30, so it answers only the host.
// It returns the namespace and both addresses; the test's cleanup removes
// both ends.
func (l *lab) upstream(n netip.Prefix) (path string, hostAddr, upAddr netip.Addr) {
	l.tb.Helper()
	if n.Bits() != 30 {
		l.tb.Fatalf("upstream %v: want a /30", n)
	}
	hostAddr, upAddr = n.Addr().Next(), n.Addr().Next().Next()
	path = filepath.Join(runDir, l.prefix+"up")
	if err := createNS(path); err != nil {
		l.tb.Fatalf("upstream namespace: %v", err)
	}
	name := "gu-" + strings.TrimSuffix(strings.TrimPrefix(l.prefix, "gureum-t"), "-")
	l.tb.Cleanup(func() {
		if k, err := netlink.LinkByName(name); err == nil {
			if err := netlink.LinkDel(k); err != nil {
				l.tb.Errorf("removing upstream link %s: %v", name, err)
			}
		}
		if err := removeNS(path); err != nil {
			l.tb.Errorf("removing upstream namespace: %v", err)
		}
	})
	ns, err := openNS(path)
	if err != nil {
		l.tb.Fatal(err)
	}
	defer ns.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = name
	if err := netlink.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(ns.Fd()))}); err != nil {
		l.tb.Fatalf("upstream link: %v", err)
	}
	k, err := netlink.LinkByName(name)
	if err == nil {
		err = netlink.LinkSetAlias(k, l.prefix+"upstream")
	}
	if err == nil {
		err = netlink.AddrAdd(k, &netlink.Addr{IPNet: netipToIPNet(netip.PrefixFrom(hostAddr, n.Bits()))})
	}
	if err == nil {
		err = netlink.LinkSetUp(k)
	}
	if err != nil {
		l.tb.Fatalf("upstream link %s: %v", name, err)
	}
	h, err := handleIn(path)
	if err != nil {
		l.tb.Fatal(err)
	}
	defer h.Close()
	for _, ifname := range []string{"lo", "eth0"} {
		k, err := h.LinkByName(ifname)
		if err == nil && ifname == "eth0" {
			err = h.AddrAdd(k, &netlink.Addr{IPNet: netipToIPNet(netip.PrefixFrom(upAddr, n.Bits()))})
		}
		if err == nil {
			err = h.LinkSetUp(k)
		}
		if err != nil {
			l.tb.Fatalf("upstream %s: %v", ifname, err)
		}
	}
	return path, hostAddr, upAddr
}

// hostHasDockerUser reports whether the host's table ip filter has
// Docker's DOCKER-USER chain.
func hostHasDockerUser(t *testing.T) bool {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	chains, err := c.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chains {
		if ch.Table.Name == filterTableName && ch.Name == dockerUserChain {
			return true
		}
	}
	return false
}

func hostHasTable(t *testing.T, name string) bool {
	t.Helper()
	c, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := c.ListTables()
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == name {
			return true
		}
	}
	return false
}
