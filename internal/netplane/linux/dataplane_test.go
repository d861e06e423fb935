package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// twoSubnets is a VPC with subnets a (10.0.1.0/24) and b (10.0.2.0/24):
// instances a (sg-client), b (sg-other) and c (sg-web) in subnet a, s
// (sg-web) in subnet b; c and s serve TCP 8080 (and s 9090) with their
// names.
type twoSubnets struct {
	*lab
	a, b, c, s     string // namespace paths
	ia, ib, ic, is netplane.Interface
}

const (
	vpcID   = "vpc-0123456789abcdef0"
	subnetA = "subnet-00000000000000a01"
	subnetB = "subnet-00000000000000b02"
)

func newTwoSubnets(t testing.TB) *twoSubnets {
	l := newLab(t)
	w := &twoSubnets{lab: l}
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	l.subnet(vpcID, subnetB, "10.0.2.0/24")
	w.a, w.b, w.c, w.s = l.instance("a"), l.instance("b"), l.instance("c"), l.instance("s")
	w.ia = iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", w.a, "10.0.1.10", "sg-client")
	w.ib = iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000b", w.b, "10.0.1.11", "sg-other")
	w.ic = iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000c", w.c, "10.0.1.12", "sg-web")
	w.is = iface(vpcID, subnetB, "10.0.2.0/24", "eni-0000000000000000d", w.s, "10.0.2.10", "sg-web")
	for _, i := range []netplane.Interface{w.ia, w.ib, w.ic, w.is} {
		l.plug(i)
	}
	l.serve(w.c, 8080, "c")
	l.serve(w.s, 8080, "s")
	l.serve(w.s, 9090, "s9090")
	return w
}

func (w *twoSubnets) members() []netplane.Interface {
	return []netplane.Interface{w.ia, w.ib, w.ic, w.is}
}

// groups returns sg-client and sg-other allowing all egress, and sg-web
// with the given ingress rules and all egress.
func groups(webIngress ...netplane.Rule) []netplane.SecurityGroup {
	return []netplane.SecurityGroup{
		{ID: "sg-client", Rules: []netplane.Rule{allowAll(true)}},
		{ID: "sg-other", Rules: []netplane.Rule{allowAll(true)}},
		{ID: "sg-web", Rules: append(webIngress, allowAll(true))},
	}
}

func TestSecurityGroups(t *testing.T) {
	w := newTwoSubnets(t)

	t.Run("no rule, no connection", func(t *testing.T) {
		w.setGroups(vpcID, groups(), w.members()...)
		w.blocked(w.a, "10.0.1.12:8080") // same subnet, bridged
		w.blocked(w.a, "10.0.2.10:8080") // across subnets, routed
	})

	t.Run("a rule added to a running set-up applies at once", func(t *testing.T) {
		w.setGroups(vpcID, groups(tcpFrom(8080, "10.0.0.0/16", "")), w.members()...)
		took, err := firstConnect(w.a, "10.0.2.10:8080", 2*time.Second)
		if err != nil {
			t.Fatalf("no connection %v after SetSecurityGroups: %v", took, err)
		}
		t.Logf("SetSecurityGroups return → first successful connect: %v", took)
		if took > 100*time.Millisecond {
			t.Errorf("the rule took %v to apply; want ≤ 100 ms", took)
		}
		w.reaches(w.a, "10.0.1.12:8080", "c")
		w.reaches(w.b, "10.0.2.10:8080", "s")
		w.blocked(w.a, "10.0.2.10:9090") // another port
	})

	t.Run("removing the rule blocks new connections", func(t *testing.T) {
		w.setGroups(vpcID, groups(), w.members()...)
		w.blocked(w.a, "10.0.1.12:8080")
		w.blocked(w.a, "10.0.2.10:8080")
	})

	t.Run("removing the egress rule blocks outbound", func(t *testing.T) {
		g := groups(tcpFrom(8080, "10.0.0.0/16", ""))
		w.setGroups(vpcID, g, w.members()...)
		w.reaches(w.a, "10.0.2.10:8080", "s")
		g[0].Rules = nil // sg-client: no egress
		w.setGroups(vpcID, g, w.members()...)
		w.blocked(w.a, "10.0.2.10:8080")
		w.blocked(w.a, "10.0.1.12:8080")
		w.reaches(w.b, "10.0.2.10:8080", "s")
	})

	t.Run("a group reference admits only the group's members", func(t *testing.T) {
		g := groups(tcpFrom(8080, "", "sg-client"))
		w.setGroups(vpcID, g, w.members()...)
		w.reaches(w.a, "10.0.2.10:8080", "s")
		w.reaches(w.a, "10.0.1.12:8080", "c")
		w.blocked(w.b, "10.0.2.10:8080")
		w.blocked(w.b, "10.0.1.12:8080")

		// b joins sg-client, a leaves it.
		ia, ib := w.ia, w.ib
		ia.Groups, ib.Groups = []string{"sg-other"}, []string{"sg-other", "sg-client"}
		w.setGroups(vpcID, g, ia, ib, w.ic, w.is)
		w.reaches(w.b, "10.0.2.10:8080", "s")
		w.blocked(w.a, "10.0.2.10:8080")
	})

	t.Run("nft lists the table with owner comments", func(t *testing.T) {
		if _, err := exec.LookPath("nft"); err != nil {
			t.Skip("no nft command")
		}
		out, err := exec.Command("ip", "netns", "exec", filepath.Base(w.dp.nsPath(vpcID)), "nft", "list", "table", "inet", sgTableName).CombinedOutput()
		if err != nil {
			t.Fatalf("nft list: %v\n%s", err, out)
		}
		for _, want := range []string{`comment "sg-web ingress #0 tcp 8080 from sg-client"`, `set m-sg-client`, `elements = { 10.0.1.11 }`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("nft list lacks %s:\n%s", want, out)
			}
		}
	})
}

func TestStatefulReplies(t *testing.T) {
	w := newTwoSubnets(t)
	w.serve(w.a, 7070, "a")
	// sg-client may only send; sg-web may only receive 8080: replies
	// need connection tracking both ways.
	g := []netplane.SecurityGroup{
		{ID: "sg-client", Rules: []netplane.Rule{allowAll(true)}},
		{ID: "sg-web", Rules: []netplane.Rule{tcpFrom(8080, "0.0.0.0/0", "")}},
	}
	w.setGroups(vpcID, g, w.members()...)
	w.reaches(w.a, "10.0.2.10:8080", "s")
	w.reaches(w.a, "10.0.1.12:8080", "c")
	w.blocked(w.s, "10.0.1.10:7070") // s may not send, a may not receive
	w.blocked(w.c, "10.0.1.10:7070")
}

func TestOverlappingVPCs(t *testing.T) {
	l := newLab(t)
	const vpc1, vpc2 = "vpc-00000000000000001", "vpc-00000000000000002"
	const sub1, sub2, sub2b = "subnet-00000000000000001", "subnet-00000000000000002", "subnet-00000000000000003"
	l.vpc(vpc1, "10.0.0.0/16")
	l.vpc(vpc2, "10.0.0.0/16")
	l.subnet(vpc1, sub1, "10.0.1.0/24")
	l.subnet(vpc2, sub2, "10.0.1.0/24")
	l.subnet(vpc2, sub2b, "10.0.2.0/24")
	a1, b1 := l.instance("a1"), l.instance("b1")
	a2, b2, e2 := l.instance("a2"), l.instance("b2"), l.instance("e2")
	l.plug(iface(vpc1, sub1, "10.0.1.0/24", "eni-000000000000000a1", a1, "10.0.1.10"))
	l.plug(iface(vpc1, sub1, "10.0.1.0/24", "eni-000000000000000b1", b1, "10.0.1.11"))
	l.plug(iface(vpc2, sub2, "10.0.1.0/24", "eni-000000000000000a2", a2, "10.0.1.10"))
	l.plug(iface(vpc2, sub2, "10.0.1.0/24", "eni-000000000000000b2", b2, "10.0.1.11"))
	l.plug(iface(vpc2, sub2b, "10.0.2.0/24", "eni-000000000000000e2", e2, "10.0.2.20"))
	for _, s := range []struct{ ns, name string }{{a1, "a1"}, {b1, "b1"}, {a2, "a2"}, {b2, "b2"}, {e2, "e2"}} {
		l.serve(s.ns, 8080, s.name)
	}
	// No security groups yet: nothing is filtered, isolation is by
	// namespace alone.
	l.reaches(a1, "10.0.1.11:8080", "b1")
	l.reaches(b1, "10.0.1.10:8080", "a1")
	l.reaches(a2, "10.0.1.11:8080", "b2")
	l.reaches(b2, "10.0.1.10:8080", "a2")
	l.reaches(a2, "10.0.2.20:8080", "e2")
	l.unreachable(a1, "10.0.2.20:8080") // VPC 1 has no such subnet
	l.unreachable(e2, "10.0.1.12:8080") // nobody there in VPC 2
}

func TestPlugIdempotentAndStale(t *testing.T) {
	w := newTwoSubnets(t)
	w.setGroups(vpcID, groups(tcpFrom(8080, "10.0.0.0/16", "")), w.members()...)
	w.reaches(w.a, "10.0.2.10:8080", "s")

	h, err := handleIn(w.dp.nsPath(vpcID))
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	index := func() int {
		l, err := h.LinkByName(portName(w.ia.ID))
		if err != nil {
			t.Fatalf("port of a: %v", err)
		}
		return l.Attrs().Index
	}
	before := index()
	if br, err := h.LinkByName(bridgeName(subnetA)); err != nil || br.Attrs().HardwareAddr.String() != derivedMAC(subnetA).String() {
		t.Errorf("bridge of subnet a: %v; want the stable gateway MAC %v", err, derivedMAC(subnetA))
	}
	w.plug(w.ia)
	if after := index(); after != before {
		t.Errorf("a second Plug replaced the port (index %d → %d)", before, after)
	}
	w.reaches(w.a, "10.0.2.10:8080", "s")

	// The instance restarts: its namespace is unbound while something
	// still holds it (so the old veth pair lives on), and a new one has
	// the same path.
	old, err := openNS(w.a)
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if err := removeNS(w.a); err != nil {
		t.Fatal(err)
	}
	if err := createNS(w.a); err != nil {
		t.Fatal(err)
	}
	w.plug(w.ia)
	if after := index(); after == before {
		t.Errorf("Plug into a new namespace kept the stale port (index %d)", after)
	}
	w.reaches(w.a, "10.0.2.10:8080", "s")
	w.reaches(w.a, "10.0.1.12:8080", "c")

	// Unplug, DeleteSubnet and Ensure… are idempotent too.
	for range 2 {
		if err := w.dp.Unplug(w.ctx, vpcID, w.ia.ID); err != nil {
			t.Errorf("Unplug: %v", err)
		}
	}
	w.unreachable(w.a, "10.0.2.10:8080")
	w.vpc(vpcID, "10.0.0.0/16")
	w.subnet(vpcID, subnetB, "10.0.2.0/24")
	w.reaches(w.b, "10.0.2.10:8080", "s")
	for range 2 {
		if err := w.dp.DeleteSubnet(w.ctx, vpcID, subnetB); err != nil {
			t.Errorf("DeleteSubnet: %v", err)
		}
	}
	if _, err := h.LinkByName(portName(w.is.ID)); err == nil {
		t.Errorf("DeleteSubnet left the port of s")
	}
	w.unreachable(w.b, "10.0.2.10:8080")
}

func TestNotFound(t *testing.T) {
	l := newLab(t)
	err := l.dp.EnsureSubnet(l.ctx, netplane.Subnet{ID: subnetA, VpcID: "vpc-missing", CIDR: netip.MustParsePrefix("10.0.1.0/24")})
	if !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("EnsureSubnet without a VPC: %v; want ErrNotFound", err)
	}
	l.vpc(vpcID, "10.0.0.0/16")
	a := l.instance("a")
	err = l.dp.Plug(l.ctx, iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", a, "10.0.1.10"))
	if !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("Plug without a subnet: %v; want ErrNotFound", err)
	}
	if err := l.dp.SetSecurityGroups(l.ctx, "vpc-missing", nil, nil); !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("SetSecurityGroups without a VPC: %v; want ErrNotFound", err)
	}
	for _, f := range []func() error{
		func() error { return l.dp.DeleteVPC(l.ctx, "vpc-missing") },
		func() error { return l.dp.DeleteSubnet(l.ctx, "vpc-missing", subnetA) },
		func() error { return l.dp.DeleteSubnet(l.ctx, vpcID, subnetA) },
		func() error { return l.dp.Unplug(l.ctx, vpcID, "eni-0000000000000000a") },
	} {
		if err := f(); err != nil {
			t.Errorf("deleting what is gone: %v", err)
		}
	}
	if ids, err := l.dp.Owned(l.ctx); err != nil || len(ids) != 1 || ids[0] != vpcID {
		t.Errorf("Owned = %v, %v; want [%s]", ids, err, vpcID)
	}
}

// TestSourceCheck checks the port filter: an instance cannot send from an
// address that is not its own, though its groups allow everything.
func TestSourceCheck(t *testing.T) {
	w := newTwoSubnets(t)
	open := []netplane.SecurityGroup{{ID: "sg-open", Rules: []netplane.Rule{allowAll(true), allowAll(false)}}}
	var ms []netplane.Interface
	for _, m := range w.members() {
		m.Groups = []string{"sg-open"}
		ms = append(ms, m)
	}
	w.setGroups(vpcID, open, ms...)
	w.reaches(w.a, "10.0.2.10:8080", "s")

	h, err := handleIn(w.a)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	// a gives itself a second address, which is no interface's.
	spoofed := netip.MustParseAddr("10.0.1.99")
	if err := h.AddrAdd(eth0, &netlink.Addr{IPNet: netipToIPNet(netip.PrefixFrom(spoofed, 32))}); err != nil {
		t.Fatal(err)
	}
	w.blockedFrom(w.a, spoofed, "10.0.2.10:8080")
	w.blockedFrom(w.a, spoofed, "10.0.1.12:8080")
	w.reaches(w.a, "10.0.2.10:8080", "s")

	// Without a's port filter the spoofed connection succeeds: the
	// filter, not something else, stopped it. (Through the router: a's
	// ARP entry for c may still wait for the reply that the filter ate.)
	vpcNS, port := w.dp.nsPath(vpcID), portName(w.ia.ID)
	if err := applyTables(vpcNS, nil, []table{{family: familyBridge, name: portTableName(port)}}); err != nil {
		t.Fatal(err)
	}
	if got, err := dial(w.a, spoofed, "10.0.2.10:8080", dialTimeout); err != nil || got != "s" {
		t.Errorf("without the port filter: got %q, %v; want s", got, err)
	}
	if err := applyTables(vpcNS, []table{portTable(port, w.ia.ID, w.ia.Addrs(), derivedMAC(w.ia.ID), true)}, nil); err != nil {
		t.Fatal(err)
	}
	w.blockedFrom(w.a, spoofed, "10.0.2.10:8080")
	w.reaches(w.a, "10.0.2.10:8080", "s")
}

// TestConcurrent runs the same and different VPCs' operations at once;
// with -race it also checks the dataplane's own state.
func TestConcurrent(t *testing.T) {
	l := newLab(t)
	ids := []string{"vpc-0000000000000000c", "vpc-0000000000000000d"}
	for _, id := range ids {
		t.Cleanup(func() { _ = l.dp.DeleteVPC(l.ctx, id) })
	}
	g := []netplane.SecurityGroup{{ID: "sg-1", Rules: []netplane.Rule{allowAll(true), tcpFrom(22, "", "sg-1")}}}
	m := netplane.Interface{ID: "eni-1", IP: netip.MustParseAddr("10.0.1.5"), Groups: []string{"sg-1"}}
	errs := make(chan error, 16)
	for i := range 8 {
		id := ids[i%2]
		go func() {
			err := l.dp.EnsureVPC(l.ctx, netplane.VPC{ID: id, CIDR: netip.MustParsePrefix("10.0.0.0/16")})
			if err == nil {
				err = l.dp.EnsureSubnet(l.ctx, netplane.Subnet{ID: subnetA, VpcID: id, CIDR: netip.MustParsePrefix("10.0.1.0/24")})
			}
			if err == nil {
				err = l.dp.SetSecurityGroups(l.ctx, id, g, []netplane.Interface{m})
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if owned, err := l.dp.Owned(l.ctx); err != nil || len(owned) != 2 {
		t.Errorf("Owned = %v, %v; want both VPCs", owned, err)
	}
}

// TestSecondaryIPs: a secondary IP is configured on the interface, passes
// its port's checks, and is a member of its groups (a group reference
// admits connections from it); without it the same address is spoofed.
func TestSecondaryIPs(t *testing.T) {
	w := newTwoSubnets(t)
	second := netip.MustParseAddr("10.0.1.50")
	ia := w.ia
	ia.Secondary = []netip.Addr{second}
	w.plug(ia)
	h, err := handleIn(w.a)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	eth0, err := h.LinkByName("eth0")
	if err != nil {
		t.Fatal(err)
	}
	addrs, err := h.AddrList(eth0, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	for _, a := range addrs {
		have = append(have, a.IPNet.String())
	}
	if !slices.Contains(have, "10.0.1.10/24") || !slices.Contains(have, "10.0.1.50/24") {
		t.Fatalf("eth0 addresses %v, want the primary and the secondary", have)
	}
	// s admits only sg-client: a's secondary IP is a member too.
	w.setGroups(vpcID, groups(tcpFrom(8080, "", "sg-client")), ia, w.ib, w.ic, w.is)
	w.reaches(w.a, "10.0.2.10:8080", "s")
	if got, err := dial(w.a, second, "10.0.2.10:8080", dialTimeout); err != nil || got != "s" {
		t.Fatalf("from the secondary IP: %q, %v", got, err)
	}
	// Removed again, the address is gone and the port drops it.
	w.plug(w.ia)
	w.setGroups(vpcID, groups(tcpFrom(8080, "", "sg-client")), w.members()...)
	if err := h.AddrAdd(eth0, &netlink.Addr{IPNet: netipToIPNet(netip.PrefixFrom(second, 32))}); err != nil {
		t.Fatal(err)
	}
	w.blockedFrom(w.a, second, "10.0.2.10:8080")
}

// TestNoSourceDestCheck: an instance that routes (a NAT or router
// instance, the target of a route) receives and sends packets for
// addresses not its own only with the source/destination check off.
func TestNoSourceDestCheck(t *testing.T) {
	w := newTwoSubnets(t)
	open := []netplane.SecurityGroup{{ID: "sg-open", Rules: []netplane.Rule{allowAll(true), allowAll(false)}}}
	var ms []netplane.Interface
	for _, m := range w.members() {
		m.Groups = []string{"sg-open"}
		ms = append(ms, m)
	}
	w.setGroups(vpcID, open, ms...)
	// Behind a: 10.0.9.0/24, which the VPC routes through a (an instance
	// target), and a serves on 10.0.9.1.
	vh, err := handleIn(w.dp.nsPath(vpcID))
	if err != nil {
		t.Fatal(err)
	}
	defer vh.Close()
	behind := netip.MustParsePrefix("10.0.9.0/24")
	if err := vh.RouteAdd(&netlink.Route{Dst: netipToIPNet(behind), Gw: w.ia.IP.AsSlice()}); err != nil {
		t.Fatal(err)
	}
	h, err := handleIn(w.a)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		t.Fatal(err)
	}
	if err := h.AddrAdd(lo, &netlink.Addr{IPNet: netipToIPNet(netip.MustParsePrefix("10.0.9.1/32"))}); err != nil {
		t.Fatal(err)
	}
	w.serve(w.a, 7070, "a")
	w.blocked(w.s, "10.0.9.1:7070") // the check drops what is not for a's address
	ia := w.ia
	ia.NoSourceDestCheck = true
	ia.Groups = []string{"sg-open"}
	w.plug(ia)
	w.reaches(w.s, "10.0.9.1:7070", "a")
	w.plug(w.ia) // on again
	w.blocked(w.s, "10.0.9.1:7070")
}

// TestManyMembers: a VPC with 200 interfaces in groups that reference
// each other applies in one batch (the kernel's acknowledgements of a big
// batch once overflowed the netlink socket: ENOBUFS).
func TestManyMembers(t *testing.T) {
	l := newLab(t)
	l.vpc(vpcID, "10.0.0.0/16")
	var ms []netplane.Interface
	for i := range 200 {
		ip := netip.AddrFrom4([4]byte{10, 0, byte(1 + i/250), byte(2 + i%250)})
		ms = append(ms, netplane.Interface{ID: fmt.Sprintf("eni-%017x", i), VpcID: vpcID, IP: ip, Groups: []string{"sg-a", "sg-b"}})
	}
	gs := []netplane.SecurityGroup{
		{ID: "sg-a", Rules: []netplane.Rule{tcpFrom(80, "", "sg-a"), tcpFrom(22, "10.0.0.0/16", ""), allowAll(true)}},
		{ID: "sg-b", Rules: []netplane.Rule{tcpFrom(443, "", "sg-a"), allowAll(true)}},
	}
	start := time.Now()
	l.setGroups(vpcID, gs, ms...)
	t.Logf("SetSecurityGroups with %d members: %s", len(ms), time.Since(start))
}
