package linux

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/netplane"
)

// gureum's internet is one namespace, <prefix>internet, that stands for
// everything outside the VPCs. Each VPC with an internet gateway has a veth
// to it (routing.go): the VPC router's end "uplink" holds 169.254.0.2/32,
// the internet's end u-<8 hex> holds 169.254.0.1/32, and the internet
// namespace routes each of the VPC's public IPs (/32) via 169.254.0.2 on
// that link. Every uplink pair uses the same two addresses; routes name the
// link (onlink), so the VPCs never meet. Each prefix of the pool is a
// blackhole there, so that a public IP nobody holds goes nowhere.
//
// InternetHost mode adds a veth between the host and the internet
// namespace: gi-<8 hex of the prefix> in the host, "host" in the internet
// namespace, on a link-local /30 derived from the prefix. The host gets a
// route for each pool prefix via that link, the internet namespace a
// default route to the host, and the host an nftables table
// <prefix>internet that masquerades what comes from the link and leaves by
// another. If the host's net.ipv4.ip_forward was 0, it is set to 1 and the
// link's alias records it, so that DeleteInternet (even after a restart)
// sets it back. Where the host's iptables filter drops forwarded packets
// (Docker's FORWARD policy), two accept rules for the link go into its
// DOCKER-USER chain (hostforward.go). Nothing else of the host changes.

// inetLock is the key of gureum's internet in d.locks; no VPC id contains
// a NUL byte.
const inetLock = "\x00internet"

// Addresses of every uplink pair.
var (
	uplinkInetAddr = netip.MustParseAddr("169.254.0.1")
	uplinkVPCAddr  = netip.MustParseAddr("169.254.0.2")
)

// inetSysctls are set in the internet namespace and NAT gateways'
// namespaces: they forward, never redirect (a packet may leave by the
// link it came in on), and do not filter by reverse path (routes are
// per link, addresses repeat).
var inetSysctls = [...]struct{ name, value string }{
	{"net/ipv4/ip_forward", "1"},
	{"net/ipv4/conf/all/rp_filter", "0"},
	{"net/ipv4/conf/default/rp_filter", "0"},
	{"net/ipv4/conf/all/send_redirects", "0"},
	{"net/ipv4/conf/default/send_redirects", "0"},
}

// hostNS is the host's network namespace as seen by this process.
const hostNS = "/proc/self/ns/net"

// hostForwardSysctl is the host's IPv4 forwarding switch.
const hostForwardSysctl = "net/ipv4/ip_forward"

// hostAliasPrefix starts the alias of the host's link to the internet; it
// is followed by the prefix and " forward=<the host's ip_forward before>".
const hostAliasPrefix = aliasPrefix + "internet "

// hostLinkNet returns the link-local /30 of the host's link to the
// internet namespace of the dataplane with this prefix: the host holds .1,
// the internet namespace .2. It avoids 169.254.0.x (uplinks) and
// 169.254.169.x (the metadata service).
func hostLinkNet(prefix string) (host, inet netip.Prefix) {
	h := fnv.New32a()
	h.Write([]byte("gureum-internet/" + prefix))
	v := h.Sum32()
	third := byte(1 + v%253) // 1..253
	if third == 169 {
		third = 254
	}
	fourth := byte((v>>8)%64) * 4
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, third, fourth + 1}), 30),
		netip.PrefixFrom(netip.AddrFrom4([4]byte{169, 254, third, fourth + 2}), 30)
}

// hostTableName is the host's nftables table of the dataplane with this
// prefix.
func hostTableName(prefix string) string { return prefix + internetName }

// EnsureInternet implements netplane.Dataplane.
func (d *Dataplane) EnsureInternet(ctx context.Context, inet netplane.Internet) (path string, err error) {
	if inet.Mode != netplane.InternetIsolated && inet.Mode != netplane.InternetHost {
		return "", fmt.Errorf("%w: internet mode %q", netplane.ErrInvalid, inet.Mode)
	}
	for _, p := range inet.Pool {
		if !p.IsValid() || !p.Addr().Is4() || p.Masked() != p || p.Bits() == 0 {
			return "", fmt.Errorf("%w: internet pool prefix %v", netplane.ErrInvalid, p)
		}
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	defer d.locks.lock(inetLock)()
	// Again under the lock: a DetachHost at shutdown (after ctx ended)
	// must not be undone by a call that was waiting for it.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	path = d.inetPath()
	wrap := func(err error) error { return fmt.Errorf("netplane/linux: internet: %w", err) }
	exists, err := isNS(path)
	if err != nil {
		return "", wrap(err)
	}
	if !exists {
		if err := removeNS(path); err != nil {
			return "", wrap(err)
		}
		if err := createNS(path); err != nil {
			return "", wrap(err)
		}
		defer func() {
			if err != nil {
				_ = removeNS(path)
			}
		}()
	}
	if err = configureNS(path, inetSysctls[:]); err != nil {
		return "", wrap(err)
	}
	ih, err := handleIn(path)
	if err != nil {
		return "", wrap(err)
	}
	defer ih.Close()
	if err = syncPoolBlackholes(ih, inet.Pool); err != nil {
		return "", wrap(err)
	}
	if inet.Mode == netplane.InternetHost {
		err = d.ensureHostLink(ih, path, inet.Pool)
	} else {
		err = d.removeHostLink()
	}
	if err != nil {
		return "", wrap(err)
	}
	if !exists {
		d.log.Info("netplane: gureum's internet created", "mode", inet.Mode, "pool", inet.Pool, "netns", path)
	}
	return path, nil
}

// DeleteInternet implements netplane.Dataplane: it removes gureum's rules
// from the host's forward filter, the host's link, routes and table (and
// sets ip_forward back if EnsureInternet set it), then the internet
// namespace, and with it every VPC's uplink.
func (d *Dataplane) DeleteInternet(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(inetLock)()
	if err := d.removeHostLink(); err != nil {
		return fmt.Errorf("netplane/linux: internet: %w", err)
	}
	path := d.inetPath()
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err := removeNS(path); err != nil {
		return fmt.Errorf("netplane/linux: internet: %w", err)
	}
	d.log.Info("netplane: gureum's internet deleted")
	return nil
}

// DetachHost removes what EnsureInternet changed on the host (gureum's
// rules in the host's forward filter, the host's link with its routes,
// its table, ip_forward as it was) and keeps the internet namespace and
// every VPC's uplink: a gureum that stops leaves nothing of its own in
// the host's network, and EnsureInternet puts the host's side back when
// it starts again. Call it once the callers of EnsureInternet have
// stopped (their context ended).
func (d *Dataplane) DetachHost(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(inetLock)()
	if err := d.removeHostLink(); err != nil {
		return fmt.Errorf("netplane/linux: internet: %w", err)
	}
	return nil
}

// configureNS brings the namespace's loopback up and sets sysctls.
func configureNS(path string, sysctls []struct{ name, value string }) error {
	return do(path, func() error {
		for _, s := range sysctls {
			if err := writeSysctl(s.name, s.value); err != nil {
				return err
			}
		}
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return fmt.Errorf("netlink: %w", err)
		}
		defer h.Close()
		lo, err := h.LinkByName("lo")
		if err != nil {
			return fmt.Errorf("loopback: %w", err)
		}
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("loopback up: %w", err)
		}
		return nil
	})
}

// syncPoolBlackholes makes the pool's prefixes the only blackhole routes
// of the internet namespace's main table.
func syncPoolBlackholes(ih *netlink.Handle, pool []netip.Prefix) error {
	routes, err := retryDump(func() ([]netlink.Route, error) {
		return ih.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Type: unix.RTN_BLACKHOLE}, netlink.RT_FILTER_TYPE)
	})
	if err != nil {
		return fmt.Errorf("listing blackhole routes: %w", err)
	}
	for _, r := range routes {
		if r.Dst == nil || slices.Contains(pool, ipNetPrefix(r.Dst)) {
			continue
		}
		if err := ih.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("removing blackhole %v: %w", r.Dst, err)
		}
	}
	for _, p := range pool {
		r := &netlink.Route{Dst: netipToIPNet(p), Type: unix.RTN_BLACKHOLE}
		if err := ih.RouteReplace(r); err != nil {
			return fmt.Errorf("blackhole %v: %w", p, err)
		}
	}
	return nil
}

// ensureHostLink makes the host's link to the internet namespace, its
// routes for the pool, the masquerading table, the accept rules in the
// host's forward filter and IPv4 forwarding.
func (d *Dataplane) ensureHostLink(ih *netlink.Handle, inetPath string, pool []netip.Prefix) (err error) {
	hh, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer hh.Close()
	target, err := openNS(inetPath)
	if err != nil {
		return err
	}
	defer target.Close()
	name, aliasStart := hostPortName(d.prefix), hostAliasPrefix+d.prefix+" "
	forwardWas := ""
	link, err := hh.LinkByName(name)
	switch {
	case err == nil && !strings.HasPrefix(link.Attrs().Alias, aliasStart):
		return fmt.Errorf("host link %s exists and belongs to %q", name, link.Attrs().Alias)
	case err == nil:
		forwardWas = strings.TrimPrefix(link.Attrs().Alias, aliasStart+"forward=")
		if !plugged(hh, ih, link, target, hostLinkName) {
			if err := hh.LinkDel(link); err != nil && !isLinkNotFound(err) {
				return fmt.Errorf("removing stale host link %s: %w", name, err)
			}
			link = nil
		}
	case isLinkNotFound(err):
		link = nil
	default:
		return fmt.Errorf("host link %s: %w", name, err)
	}
	if forwardWas != "0" && forwardWas != "1" {
		b, err := os.ReadFile("/proc/sys/" + hostForwardSysctl)
		if err != nil {
			return fmt.Errorf("reading the host's ip_forward: %w", err)
		}
		forwardWas = strings.TrimSpace(string(b))
	}
	if link == nil {
		if l, err := ih.LinkByName(hostLinkName); err == nil {
			_ = ih.LinkDel(l) // a leftover whose host end is gone
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: hostLinkName, PeerNamespace: netlink.NsFd(int(target.Fd()))}
		if err := hh.LinkAdd(veth); err != nil {
			return fmt.Errorf("creating host link %s: %w", name, err)
		}
		defer func() {
			if err != nil {
				if l, lerr := hh.LinkByName(name); lerr == nil {
					_ = hh.LinkDel(l)
				}
			}
		}()
		if link, err = hh.LinkByName(name); err != nil {
			return fmt.Errorf("host link %s: %w", name, err)
		}
	}
	if err = hh.LinkSetAlias(link, aliasStart+"forward="+forwardWas); err != nil {
		return fmt.Errorf("alias of %s: %w", name, err)
	}
	hostAddr, inetAddr := hostLinkNet(d.prefix)
	if err = ensureAddr(hh, link, hostAddr); err != nil {
		return err
	}
	if err = hh.LinkSetUp(link); err != nil {
		return fmt.Errorf("%s up: %w", name, err)
	}
	peer, err := ih.LinkByName(hostLinkName)
	if err != nil {
		return fmt.Errorf("internet end of the host link: %w", err)
	}
	if err = ensureAddr(ih, peer, inetAddr); err != nil {
		return err
	}
	if err = ih.LinkSetUp(peer); err != nil {
		return fmt.Errorf("%s up: %w", hostLinkName, err)
	}
	def := &netlink.Route{LinkIndex: peer.Attrs().Index, Dst: netipToIPNet(netip.MustParsePrefix("0.0.0.0/0")), Gw: hostAddr.Addr().AsSlice()}
	if err = ih.RouteReplace(def); err != nil {
		return fmt.Errorf("internet default route via the host: %w", err)
	}
	if err = syncHostRoutes(hh, link, inetAddr.Addr(), pool); err != nil {
		return err
	}
	if err = applyTables(hostNS, []table{hostTable(d.prefix, name)}, nil); err != nil {
		return fmt.Errorf("host table %s: %w", hostTableName(d.prefix), err)
	}
	chain, changed, err := syncHostForward(hostNS, d.prefix, name, true)
	if err != nil {
		return fmt.Errorf("host forward filter: %w", err)
	}
	if changed && chain != "" {
		d.log.Info("netplane: the host's forward filter accepts the internet's traffic", "table", "ip "+filterTableName, "chain", chain, "link", name)
	}
	if forwardWas == "0" {
		if err = writeHostSysctl(hostForwardSysctl, "1"); err != nil {
			return err
		}
	}
	return nil
}

// syncHostRoutes makes the pool's prefixes the host's only routes via the
// link (besides the link's own /30). It never replaces a route of the
// host's that is not via the link.
func syncHostRoutes(hh *netlink.Handle, link netlink.Link, via netip.Addr, pool []netip.Prefix) error {
	idx := link.Attrs().Index
	routes, err := retryDump(func() ([]netlink.Route, error) {
		return hh.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{LinkIndex: idx}, netlink.RT_FILTER_OIF)
	})
	if err != nil {
		return fmt.Errorf("listing the host's routes via %s: %w", link.Attrs().Name, err)
	}
	have := map[netip.Prefix]bool{}
	for _, r := range routes {
		if r.Dst == nil || r.Protocol == unix.RTPROT_KERNEL {
			continue
		}
		p := ipNetPrefix(r.Dst)
		if slices.Contains(pool, p) {
			have[p] = true
			continue
		}
		if err := hh.RouteDel(&r); err != nil && !errors.Is(err, unix.ESRCH) {
			return fmt.Errorf("removing the host's route %v: %w", p, err)
		}
	}
	for _, p := range pool {
		if have[p] {
			continue
		}
		r := &netlink.Route{LinkIndex: idx, Dst: netipToIPNet(p), Gw: via.AsSlice()}
		if err := hh.RouteAdd(r); err != nil {
			if errors.Is(err, unix.EEXIST) {
				return fmt.Errorf("the host already has a route for %v that is not gureum's", p)
			}
			return fmt.Errorf("host route %v via %s: %w", p, link.Attrs().Name, err)
		}
	}
	return nil
}

// hostTable is the host's table: it masquerades what the internet
// namespace sends out by another link than its own.
func hostTable(prefix, link string) table {
	return table{family: familyInet, name: hostTableName(prefix), chains: []chain{
		{name: "postrouting", hook: hookPostrouting, priority: 100, nat: true, rules: []rule{{
			match:   []match{matchIPv4{}, matchIfname{name: link}, matchIfname{out: true, neg: true, name: link}},
			verdict: verdict{kind: verdictMasquerade},
			comment: "gureum internet " + prefix + " egress",
		}}},
	}}
}

// removeHostLink removes gureum's rules from the host's forward filter,
// the host's link (its routes go with it) and table, and sets ip_forward
// back to 0 if ensureHostLink set it. Each may be gone.
func (d *Dataplane) removeHostLink() error {
	hh, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink: %w", err)
	}
	defer hh.Close()
	name, aliasStart := hostPortName(d.prefix), hostAliasPrefix+d.prefix+" "
	if _, changed, err := syncHostForward(hostNS, d.prefix, name, false); err != nil {
		return fmt.Errorf("host forward filter: %w", err)
	} else if changed {
		d.log.Info("netplane: gureum's rules removed from the host's forward filter", "table", "ip "+filterTableName, "link", name)
	}
	restore := false
	link, err := hh.LinkByName(name)
	switch {
	case isLinkNotFound(err):
	case err != nil:
		return fmt.Errorf("host link %s: %w", name, err)
	case !strings.HasPrefix(link.Attrs().Alias, aliasStart):
		return fmt.Errorf("host link %s belongs to %q", name, link.Attrs().Alias)
	default:
		restore = link.Attrs().Alias == aliasStart+"forward=0"
		if err := hh.LinkDel(link); err != nil && !isLinkNotFound(err) {
			return fmt.Errorf("removing host link %s: %w", name, err)
		}
	}
	if err := applyTables(hostNS, nil, []table{{family: familyInet, name: hostTableName(d.prefix)}}); err != nil {
		return fmt.Errorf("removing host table %s: %w", hostTableName(d.prefix), err)
	}
	if restore {
		if err := writeHostSysctl(hostForwardSysctl, "0"); err != nil {
			return err
		}
		d.log.Info("netplane: host IPv4 forwarding set back to 0")
	}
	return nil
}

// writeHostSysctl writes a sysctl of the host's namespace.
func writeHostSysctl(name, value string) error {
	return do(hostNS, func() error { return writeSysctl(name, value) })
}

// ipNetPrefix converts a route's destination to a prefix.
func ipNetPrefix(n *net.IPNet) netip.Prefix {
	ip, _ := netip.AddrFromSlice(n.IP)
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones)
}
