package linux

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/netplane"
)

// Routing in a VPC router. Each subnet's route table is a kernel routing
// table of the VPC namespace, chosen by policy rules on the input
// interface, so that a packet from an instance is routed by its subnet's
// table:
//
//	rule 1000: lookup main              (the local routes: every subnet's
//	                                     bridge prefix; main has no default)
//	rule 2000: iif br-<subnet> lookup T  (the subnet's routes)
//
// A route to the attached internet gateway goes via 169.254.0.1 on the
// uplink (internet.go), one to a NAT gateway or an instance via its
// private IP on its subnet's bridge, a blackhole drops. No matching route
// means "network unreachable": the packet goes nowhere.
//
// At the uplink, the table inet gureum-routing does what AWS's internet
// gateway does: a packet from the internet to a public IP is DNATed to its
// private IP (prerouting), one from a private IP with a public IP leaving
// by the uplink is SNATed to it (postrouting), and the forward chain drops
// what would cross the uplink from or to a private IP without one. So an
// instance without a public IP has no internet even in a public subnet, and
// one whose subnet has no route to the gateway receives the first packet of
// an inbound connection but its reply finds no route: no connection.
//
// A NAT gateway (nat.go) is a namespace plugged into its subnet's bridge at
// its private IP; it SNATs what it forwards to that IP, and the uplink
// maps that IP to the gateway's Elastic IP. Its subnet's own table must
// route to the internet gateway, as in AWS. Inbound connections to the
// Elastic IP are not DNATed: only replies come back.

// Policy rule priorities and the range of routing-table ids that are
// gureum's in a VPC namespace.
const (
	ruleMainPriority   = 1000
	ruleSubnetPriority = 2000
	tableBase          = 100000
	tableSpan          = 1000000
)

// SetRouting implements netplane.Dataplane. It makes the uplink (or
// removes it), the internet namespace's routes to the VPC's public IPs,
// the NAT gateways, the uplink's NAT and filter table, each subnet's
// table and the policy rules, in that order, each step replacing what is
// there; routes apply to running interfaces at once. Errors of single NAT
// gateways do not stop the rest and are returned together at the end.
func (d *Dataplane) SetRouting(ctx context.Context, r netplane.Routing) error {
	if err := validateRouting(r); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(r.VpcID)()
	wrap := func(err error) error { return fmt.Errorf("netplane/linux: VPC %s: routing: %w", r.VpcID, err) }
	vh, err := d.vpcHandle(r.VpcID)
	if err != nil {
		return wrap(err)
	}
	defer vh.Close()
	vpcPath := d.nsPath(r.VpcID)

	uplink := -1 // the uplink's index in the VPC namespace
	if r.InternetGateway != "" {
		if uplink, err = d.ensureUplink(vh, r); err != nil {
			return wrap(err)
		}
	} else if err := removeUplink(vh); err != nil {
		return wrap(err)
	}

	natErrs := d.syncNATGateways(vh, r)

	if uplink >= 0 {
		err = applyTables(vpcPath, []table{routingTable(r)}, nil)
	} else {
		err = applyTables(vpcPath, nil, []table{{family: familyInet, name: routingTableName}})
	}
	if err != nil {
		return wrap(fmt.Errorf("table %s: %w", routingTableName, err))
	}

	ids := subnetTables(r.Routes)
	for subnet, id := range ids {
		routes, warnings := kernelRoutes(r, r.Routes[subnet], id, uplink)
		for _, w := range warnings {
			d.log.Debug("netplane: route is a blackhole", "vpc", r.VpcID, "subnet", subnet, "why", w)
		}
		if err := syncTable(vh, id, routes); err != nil {
			return wrap(fmt.Errorf("subnet %s: %w", subnet, err))
		}
	}
	if err := syncRules(vh, ids); err != nil {
		return wrap(err)
	}
	if err := dropOtherTables(vh, ids); err != nil {
		return wrap(err)
	}
	if err := errors.Join(natErrs...); err != nil {
		return wrap(err)
	}
	d.log.Debug("netplane: routing applied", "vpc", r.VpcID, "igw", r.InternetGateway, "subnets", len(r.Routes), "public", len(r.PublicIPs), "nat", len(r.NATGateways))
	return nil
}

// validateRouting checks ids, addresses and that each route has exactly
// one target, and that public and private IPs map 1:1.
func validateRouting(r netplane.Routing) error {
	if err := netplane.ValidateID("VPC id", r.VpcID); err != nil {
		return err
	}
	for subnet, routes := range r.Routes {
		if err := netplane.ValidateID("subnet id", subnet); err != nil {
			return err
		}
		for _, rt := range routes {
			if !rt.Dest.IsValid() || !rt.Dest.Addr().Is4() {
				return fmt.Errorf("%w: subnet %s: route destination %v is not IPv4", netplane.ErrInvalid, subnet, rt.Dest)
			}
			n := 0
			for _, set := range []bool{rt.InternetGateway != "", rt.NATGateway != "", rt.NextHop.IsValid(), rt.Blackhole} {
				if set {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("%w: subnet %s: route to %v has %d targets; want 1", netplane.ErrInvalid, subnet, rt.Dest, n)
			}
			if rt.NextHop.IsValid() && !rt.NextHop.Is4() {
				return fmt.Errorf("%w: subnet %s: next hop %v is not IPv4", netplane.ErrInvalid, subnet, rt.NextHop)
			}
		}
	}
	pub, priv := map[netip.Addr]bool{}, map[netip.Addr]bool{}
	check := func(what string, private, public netip.Addr) error {
		if !private.Is4() || !public.Is4() {
			return fmt.Errorf("%w: %s %v ↔ %v is not IPv4", netplane.ErrInvalid, what, public, private)
		}
		if pub[public] || priv[private] {
			return fmt.Errorf("%w: %s %v ↔ %v: each public and private IP may be mapped once", netplane.ErrInvalid, what, public, private)
		}
		pub[public], priv[private] = true, true
		return nil
	}
	for _, p := range r.PublicIPs {
		if err := check("public IP", p.Private, p.Public); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, n := range r.NATGateways {
		if err := netplane.ValidateID("NAT gateway id", n.ID); err != nil {
			return err
		}
		if err := netplane.ValidateID("subnet id", n.SubnetID); err != nil {
			return err
		}
		if strings.Contains(n.ID, natSep) || seen[n.ID] {
			return fmt.Errorf("%w: NAT gateway id %q", netplane.ErrInvalid, n.ID)
		}
		seen[n.ID] = true
		if err := check("NAT gateway "+n.ID, n.PrivateIP, n.PublicIP); err != nil {
			return err
		}
	}
	return nil
}

// ensureUplink makes the VPC's veth to the internet namespace and the
// internet's routes to the VPC's public IPs, and returns the uplink's
// index in the VPC namespace. It returns an error wrapping
// netplane.ErrNotFound when gureum's internet does not exist.
func (d *Dataplane) ensureUplink(vh *netlink.Handle, r netplane.Routing) (index int, err error) {
	// The internet's lock keeps DeleteInternet out while the link is
	// made; the VPC's lock is held, and EnsureInternet takes only this
	// one, so the order is always VPC, then internet.
	defer d.locks.lock(inetLock)()
	inetPath := d.inetPath()
	if ok, err := isNS(inetPath); err != nil || !ok {
		return -1, notFoundOr(err, "gureum's internet does not exist (EnsureInternet)")
	}
	target, err := openNS(inetPath)
	if err != nil {
		return -1, err
	}
	defer target.Close()
	ih, err := handleIn(inetPath)
	if err != nil {
		return -1, err
	}
	defer ih.Close()
	peerName, peerAlias, alias := inetPortName(r.VpcID), aliasPrefix+r.VpcID, aliasPrefix+uplinkName
	link, err := vh.LinkByName(uplinkName)
	switch {
	case err == nil && link.Attrs().Alias != alias:
		return -1, fmt.Errorf("link %s exists and belongs to %q", uplinkName, link.Attrs().Alias)
	case err == nil && !plugged(vh, ih, link, target, peerName):
		d.log.Info("netplane: replacing a stale uplink", "vpc", r.VpcID)
		if err := vh.LinkDel(link); err != nil && !isLinkNotFound(err) {
			return -1, fmt.Errorf("removing stale uplink: %w", err)
		}
		link = nil
	case err == nil:
	case isLinkNotFound(err):
		link = nil
	default:
		return -1, fmt.Errorf("uplink: %w", err)
	}
	if link == nil {
		if l, err := ih.LinkByName(peerName); err == nil {
			if l.Attrs().Alias != peerAlias {
				return -1, fmt.Errorf("the internet's link %s belongs to %q", peerName, l.Attrs().Alias)
			}
			_ = ih.LinkDel(l)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = uplinkName
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: peerName, PeerNamespace: netlink.NsFd(int(target.Fd()))}
		if err := vh.LinkAdd(veth); err != nil {
			return -1, fmt.Errorf("creating the uplink: %w", err)
		}
		defer func() {
			if err != nil {
				if l, lerr := vh.LinkByName(uplinkName); lerr == nil {
					_ = vh.LinkDel(l)
				}
			}
		}()
		if link, err = vh.LinkByName(uplinkName); err != nil {
			return -1, fmt.Errorf("uplink: %w", err)
		}
		if err = vh.LinkSetAlias(link, alias); err != nil {
			return -1, fmt.Errorf("alias of the uplink: %w", err)
		}
		d.log.Info("netplane: uplink to the internet created", "vpc", r.VpcID, "igw", r.InternetGateway, "link", peerName)
	}
	if err = ensureAddr(vh, link, netip.PrefixFrom(uplinkVPCAddr, 32)); err != nil {
		return -1, err
	}
	if err = vh.LinkSetUp(link); err != nil {
		return -1, fmt.Errorf("uplink up: %w", err)
	}
	peer, err := ih.LinkByName(peerName)
	if err != nil {
		return -1, fmt.Errorf("the internet's end of the uplink: %w", err)
	}
	if err = ih.LinkSetAlias(peer, peerAlias); err != nil {
		return -1, fmt.Errorf("alias of %s: %w", peerName, err)
	}
	if err = ensureAddr(ih, peer, netip.PrefixFrom(uplinkInetAddr, 32)); err != nil {
		return -1, err
	}
	if err = ih.LinkSetUp(peer); err != nil {
		return -1, fmt.Errorf("%s up: %w", peerName, err)
	}
	var public []netip.Addr
	for _, p := range r.PublicIPs {
		public = append(public, p.Public)
	}
	for _, n := range r.NATGateways {
		public = append(public, n.PublicIP)
	}
	if err = syncInetRoutes(ih, peer, public); err != nil {
		return -1, err
	}
	return link.Attrs().Index, nil
}

// syncInetRoutes makes the /32 of each public IP the internet namespace's
// only routes via the VPC's link. A public IP that moved from another VPC
// is taken over (its route replaced); that VPC's next SetRouting no longer
// has it.
func syncInetRoutes(ih *netlink.Handle, peer netlink.Link, public []netip.Addr) error {
	idx := peer.Attrs().Index
	routes, err := retryDump(func() ([]netlink.Route, error) {
		return ih.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{LinkIndex: idx}, netlink.RT_FILTER_OIF)
	})
	if err != nil {
		return fmt.Errorf("listing the internet's routes: %w", err)
	}
	for _, rt := range routes {
		if rt.Dst == nil || rt.Protocol == unix.RTPROT_KERNEL {
			continue
		}
		p := ipNetPrefix(rt.Dst)
		if p.Bits() == 32 && slices.Contains(public, p.Addr()) {
			continue
		}
		if err := ih.RouteDel(&rt); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("removing the internet's route %v: %w", p, err)
		}
	}
	for _, a := range public {
		rt := &netlink.Route{LinkIndex: idx, Dst: netipToIPNet(netip.PrefixFrom(a, 32)), Gw: uplinkVPCAddr.AsSlice(), Flags: int(netlink.FLAG_ONLINK)}
		if err := ih.RouteReplace(rt); err != nil {
			return fmt.Errorf("the internet's route to %v: %w", a, err)
		}
	}
	return nil
}

// removeUplink removes the VPC's uplink; its peer and the internet's
// routes via it go with it.
func removeUplink(vh *netlink.Handle) error {
	link, err := vh.LinkByName(uplinkName)
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("uplink: %w", err)
	}
	if link.Attrs().Alias != aliasPrefix+uplinkName {
		return fmt.Errorf("link %s belongs to %q", uplinkName, link.Attrs().Alias)
	}
	if err := vh.LinkDel(link); err != nil && !isLinkNotFound(err) {
		return fmt.Errorf("removing the uplink: %w", err)
	}
	return nil
}

// subnetTables assigns each subnet of routes a routing-table id: a hash of
// its id in [tableBase, tableBase+tableSpan), the next free one when two
// subnets collide (in the order of their ids, so the same subnets get the
// same tables).
func subnetTables(routes map[string][]netplane.Route) map[string]int {
	subnets := make([]string, 0, len(routes))
	for s := range routes {
		subnets = append(subnets, s)
	}
	slices.Sort(subnets)
	ids := make(map[string]int, len(subnets))
	used := map[int]bool{}
	for _, s := range subnets {
		h := fnv.New32a()
		h.Write([]byte(s))
		id := tableBase + int(h.Sum32()%tableSpan)
		for used[id] {
			id = tableBase + (id-tableBase+1)%tableSpan
		}
		used[id] = true
		ids[s] = id
	}
	return ids
}

// kernelRoutes turns a subnet's routes into kernel routes of table id;
// uplink is the uplink's index, or -1 without one. A target that cannot be
// reached (a gateway not attached, a NAT gateway not given) makes the
// route a blackhole, with a warning.
func kernelRoutes(r netplane.Routing, routes []netplane.Route, id, uplink int) ([]netlink.Route, []string) {
	var out []netlink.Route
	var warnings []string
	seen := map[netip.Prefix]bool{}
	for _, rt := range routes {
		dst := rt.Dest.Masked()
		if seen[dst] {
			warnings = append(warnings, fmt.Sprintf("a second route to %v is ignored", dst))
			continue
		}
		seen[dst] = true
		k := netlink.Route{Table: id, Dst: netipToIPNet(dst)}
		switch {
		case rt.InternetGateway != "" && (rt.InternetGateway != r.InternetGateway || uplink < 0):
			warnings = append(warnings, fmt.Sprintf("%v: internet gateway %s is not attached", dst, rt.InternetGateway))
			k.Type = unix.RTN_BLACKHOLE
		case rt.InternetGateway != "":
			k.LinkIndex, k.Gw, k.Flags = uplink, uplinkInetAddr.AsSlice(), int(netlink.FLAG_ONLINK)
		case rt.NATGateway != "":
			i := slices.IndexFunc(r.NATGateways, func(n netplane.NATGateway) bool { return n.ID == rt.NATGateway })
			if i < 0 {
				warnings = append(warnings, fmt.Sprintf("%v: NAT gateway %s is not available", dst, rt.NATGateway))
				k.Type = unix.RTN_BLACKHOLE
				break
			}
			k.Gw = r.NATGateways[i].PrivateIP.AsSlice()
		case rt.NextHop.IsValid():
			k.Gw = rt.NextHop.AsSlice()
		default:
			k.Type = unix.RTN_BLACKHOLE
		}
		out = append(out, k)
	}
	return out, warnings
}

// syncTable makes routes the only routes of table id. A route via a next
// hop that no subnet holds becomes a blackhole.
func syncTable(vh *netlink.Handle, id int, routes []netlink.Route) error {
	have, err := retryDump(func() ([]netlink.Route, error) {
		return vh.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: id}, netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return fmt.Errorf("listing table %d: %w", id, err)
	}
	want := map[netip.Prefix]bool{}
	for _, r := range routes {
		want[ipNetPrefix(r.Dst)] = true
	}
	for _, r := range have {
		if r.Dst != nil && want[ipNetPrefix(r.Dst)] {
			continue
		}
		if err := vh.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("removing route %v from table %d: %w", r.Dst, id, err)
		}
	}
	for _, r := range routes {
		err := vh.RouteReplace(&r)
		if err != nil && r.Gw != nil && r.LinkIndex == 0 && (errors.Is(err, unix.ENETUNREACH) || errors.Is(err, unix.EINVAL)) {
			// The next hop is on no subnet (yet): drop, as AWS does
			// for a route whose target is gone.
			r.Gw, r.Type = nil, unix.RTN_BLACKHOLE
			err = vh.RouteReplace(&r)
		}
		if err != nil {
			return fmt.Errorf("route %v in table %d: %w", r.Dst, id, err)
		}
	}
	return nil
}

// syncRules makes the policy rules of the VPC namespace in gureum's
// priority range exactly: lookup main, then per subnet its table by the
// subnet's bridge as input interface.
func syncRules(vh *netlink.Handle, ids map[string]int) error {
	type key struct {
		prio, table int
		iif         string
	}
	want := map[key]bool{{ruleMainPriority, unix.RT_TABLE_MAIN, ""}: true}
	for subnet, id := range ids {
		want[key{ruleSubnetPriority, id, bridgeName(subnet)}] = true
	}
	rules, err := retryDump(func() ([]netlink.Rule, error) { return vh.RuleList(netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("listing rules: %w", err)
	}
	for _, r := range rules {
		if r.Priority < ruleMainPriority || r.Priority > ruleSubnetPriority {
			continue
		}
		k := key{r.Priority, r.Table, r.IifName}
		if want[k] {
			delete(want, k)
			continue
		}
		if err := vh.RuleDel(&r); err != nil && !errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("removing rule %v: %w", r, err)
		}
	}
	for k := range want {
		r := netlink.NewRule()
		r.Family = netlink.FAMILY_V4
		r.Priority, r.Table, r.IifName = k.prio, k.table, k.iif
		if err := vh.RuleAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("adding rule %d iif %q table %d: %w", k.prio, k.iif, k.table, err)
		}
	}
	return nil
}

// dropOtherTables empties gureum's routing tables that belong to no
// subnet of ids any more.
func dropOtherTables(vh *netlink.Handle, ids map[string]int) error {
	keep := map[int]bool{}
	for _, id := range ids {
		keep[id] = true
	}
	all, err := retryDump(func() ([]netlink.Route, error) {
		return vh.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	})
	if err != nil {
		return fmt.Errorf("listing routes: %w", err)
	}
	for _, r := range all {
		if r.Table < tableBase || r.Table >= tableBase+tableSpan || keep[r.Table] {
			continue
		}
		if err := vh.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("removing route %v from table %d: %w", r.Dst, r.Table, err)
		}
	}
	return nil
}

// routingTable builds the VPC router's table gureum-routing (see the
// comment at the top of this file):
//
//   - a set "public" of the private IPs that have a public IP (instances
//     and NAT gateways);
//   - prerouting (nat): from the uplink, each instance's public IP → its
//     private IP;
//   - postrouting (nat): to the uplink, each private IP → its public IP;
//   - forward (filter, before the security groups): to the uplink only
//     from, and from the uplink only to, a member of "public".
func routingTable(r netplane.Routing) table {
	up, out := matchIfname{name: uplinkName}, matchIfname{out: true, name: uplinkName}
	s := set{name: "public", comment: "private IPs with a public IP"}
	pre := chain{name: "prerouting", hook: hookPrerouting, priority: -100, nat: true}
	post := chain{name: "postrouting", hook: hookPostrouting, priority: 100, nat: true}
	for _, p := range r.PublicIPs {
		s.elems = append(s.elems, p.Private)
		what := fmt.Sprintf("public IP %v ↔ %v", p.Public, p.Private)
		pre.rules = append(pre.rules, rule{
			match:   []match{matchIPv4{}, up, matchIP{dst: true, prefix: netip.PrefixFrom(p.Public, 32)}},
			verdict: verdict{kind: verdictDNAT, addr: p.Private}, comment: what,
		})
		post.rules = append(post.rules, rule{
			match:   []match{matchIPv4{}, out, matchIP{prefix: netip.PrefixFrom(p.Private, 32)}},
			verdict: verdict{kind: verdictSNAT, addr: p.Public}, comment: what,
		})
	}
	for _, n := range r.NATGateways {
		s.elems = append(s.elems, n.PrivateIP)
		post.rules = append(post.rules, rule{
			match:   []match{matchIPv4{}, out, matchIP{prefix: netip.PrefixFrom(n.PrivateIP, 32)}},
			verdict: verdict{kind: verdictSNAT, addr: n.PublicIP},
			comment: fmt.Sprintf("%s Elastic IP %v ↔ %v", n.ID, n.PublicIP, n.PrivateIP),
		})
	}
	slices.SortFunc(s.elems, netip.Addr.Compare)
	fwd := chain{name: "forward", hook: hookForward, priority: -10, rules: []rule{
		{match: []match{matchIPv4{}, out, matchIPSet{set: s.name}}, verdict: verdict{kind: verdictAccept}, comment: "to the internet from a public IP"},
		{match: []match{out}, verdict: verdict{kind: verdictDrop}, comment: "to the internet without a public IP"},
		{match: []match{matchIPv4{}, up, matchIPSet{dst: true, set: s.name}}, verdict: verdict{kind: verdictAccept}, comment: "from the internet to a public IP"},
		{match: []match{up}, verdict: verdict{kind: verdictDrop}, comment: "from the internet to no public IP"},
	}}
	return table{family: familyInet, name: routingTableName, sets: []set{s}, chains: []chain{pre, post, fwd}}
}
