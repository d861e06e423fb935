package linux

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// TestInternetHost checks InternetHost mode without sending a packet off
// the machine: the host's link, route and table exist, the host reaches a
// public IP held in a VPC (which stays on the machine), and DeleteInternet
// removes everything and leaves ip_forward as it was. The pool is a random
// /24 of 198.18.0.0/15 (benchmarking addresses), so that parallel test
// processes do not share host routes.
func TestInternetHost(t *testing.T) {
	l := newLab(t)
	forwardBefore, err := os.ReadFile("/proc/sys/" + hostForwardSysctl)
	if err != nil {
		t.Fatal(err)
	}
	third := byte(rand.IntN(256))
	pool := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18 + third%2, third, 0}), 24)
	public := pool.Addr().Next().Next()
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

	if err := l.dp.DeleteInternet(l.ctx); err != nil {
		t.Fatalf("DeleteInternet: %v", err)
	}
	if _, err := netlink.LinkByName(hostPortName(l.dp.prefix)); err == nil {
		t.Errorf("the host link remains after DeleteInternet")
	}
	if hostHasTable(t, hostTableName(l.dp.prefix)) {
		t.Errorf("the host table remains after DeleteInternet")
	}
	l.checkHostRoutes()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the internet namespace remains: %v", err)
	}
	if after, _ := os.ReadFile("/proc/sys/" + hostForwardSysctl); string(after) != string(forwardBefore) {
		t.Errorf("ip_forward %q after DeleteInternet; was %q", after, forwardBefore)
	}
	// No connection attempt now: without the route it would leave the
	// machine.
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
