package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// A NAT gateway is a namespace <prefix><vpc-id>.<nat-id> with one
// interface, eth0, plugged into its subnet's bridge like an instance (by
// the port n-<8 hex>, without a port filter: it forwards other hosts'
// packets) at the gateway's private IP, with a default route via the
// subnet's .1. A private subnet's route to it brings an instance's packet
// from the VPC router to eth0; the namespace forwards it back to the
// router, SNATed to its private IP (table inet gureum-nat), and the router
// routes it by the NAT subnet's table to the uplink, where it becomes the
// Elastic IP. Replies retrace the way through both translations. The
// namespace's name starts with the VPC's, so that DeleteVPC removes it.

// syncNATGateways makes the VPC's NAT gateways and removes the namespaces
// of those no longer listed. It returns the errors of single gateways.
func (d *Dataplane) syncNATGateways(vh *netlink.Handle, r netplane.Routing) []error {
	var errs []error
	want := map[string]bool{}
	for _, n := range r.NATGateways {
		want[n.ID] = true
		if err := d.ensureNAT(vh, r.VpcID, n); err != nil {
			errs = append(errs, fmt.Errorf("NAT gateway %s: %w", n.ID, err))
		}
	}
	paths, err := d.natPaths(r.VpcID)
	if err != nil {
		return append(errs, err)
	}
	for id, path := range paths {
		if want[id] {
			continue
		}
		if err := removeNATPort(vh, id); err != nil {
			errs = append(errs, fmt.Errorf("NAT gateway %s: %w", id, err))
		}
		if err := removeNS(path); err != nil {
			errs = append(errs, fmt.Errorf("NAT gateway %s: %w", id, err))
			continue
		}
		d.log.Info("netplane: NAT gateway deleted", "vpc", r.VpcID, "nat", id)
	}
	return errs
}

// natPaths returns the namespaces of the VPC's NAT gateways by their ids.
func (d *Dataplane) natPaths(vpcID string) (map[string]string, error) {
	entries, err := os.ReadDir(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing namespaces: %w", err)
	}
	start := d.prefix + vpcID + natSep
	paths := map[string]string{}
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), start); ok && id != "" {
			paths[id] = filepath.Join(runDir, e.Name())
		}
	}
	return paths, nil
}

// ensureNAT makes one NAT gateway's namespace, plug, address, route and
// table.
func (d *Dataplane) ensureNAT(vh *netlink.Handle, vpcID string, n netplane.NATGateway) (err error) {
	br, err := vh.LinkByName(bridgeName(n.SubnetID))
	if isLinkNotFound(err) || err == nil && br.Attrs().Alias != aliasPrefix+n.SubnetID {
		return fmt.Errorf("%w: subnet %s has no bridge", netplane.ErrNotFound, n.SubnetID)
	}
	if err != nil {
		return err
	}
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return vh.AddrList(br, netlink.FAMILY_V4) })
	if err != nil || len(addrs) == 0 {
		return fmt.Errorf("%w: subnet %s: the bridge has no address (%v)", netplane.ErrNotFound, n.SubnetID, err)
	}
	gw, _ := netipPrefix(addrs[0])
	if !gw.Masked().Contains(n.PrivateIP) || gw.Addr() == n.PrivateIP {
		return fmt.Errorf("%w: private IP %v is not in subnet %s (%v)", netplane.ErrInvalid, n.PrivateIP, n.SubnetID, gw.Masked())
	}

	path := d.natPath(vpcID, n.ID)
	exists, err := isNS(path)
	if err != nil {
		return err
	}
	if !exists {
		if err := removeNS(path); err != nil {
			return err
		}
		if err := createNS(path); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				_ = removeNS(path)
			}
		}()
		d.log.Info("netplane: NAT gateway created", "vpc", vpcID, "nat", n.ID, "subnet", n.SubnetID, "private", n.PrivateIP, "public", n.PublicIP, "netns", path)
	}
	if err = configureNS(path, inetSysctls[:]); err != nil {
		return err
	}
	target, err := openNS(path)
	if err != nil {
		return err
	}
	defer target.Close()
	nh, err := handleIn(path)
	if err != nil {
		return err
	}
	defer nh.Close()

	port, alias := natPortName(n.ID), aliasPrefix+n.ID
	host, err := vh.LinkByName(port)
	switch {
	case err == nil && host.Attrs().Alias != alias:
		return fmt.Errorf("port %s exists and belongs to %q", port, host.Attrs().Alias)
	case err == nil && !plugged(vh, nh, host, target, natLinkName):
		if err := vh.LinkDel(host); err != nil && !isLinkNotFound(err) {
			return fmt.Errorf("removing stale port %s: %w", port, err)
		}
		host = nil
	case err == nil:
	case isLinkNotFound(err):
		host = nil
	default:
		return err
	}
	mac := derivedMAC(n.ID)
	if host == nil {
		if l, err := nh.LinkByName(natLinkName); err == nil {
			_ = nh.LinkDel(l)
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = port
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: natLinkName, PeerHardwareAddr: mac, PeerNamespace: netlink.NsFd(int(target.Fd()))}
		if err := vh.LinkAdd(veth); err != nil {
			return fmt.Errorf("creating veth %s: %w", port, err)
		}
		defer func() {
			if err != nil {
				if l, lerr := vh.LinkByName(port); lerr == nil {
					_ = vh.LinkDel(l)
				}
			}
		}()
		if host, err = vh.LinkByName(port); err != nil {
			return err
		}
		if err = vh.LinkSetAlias(host, alias); err != nil {
			return fmt.Errorf("alias of %s: %w", port, err)
		}
	}
	if err = vh.LinkSetMaster(host, br); err != nil {
		return fmt.Errorf("attaching %s to %s: %w", port, br.Attrs().Name, err)
	}
	if err = vh.LinkSetUp(host); err != nil {
		return fmt.Errorf("%s up: %w", port, err)
	}
	ifc := netplane.Interface{ID: n.ID, Name: natLinkName, NetNS: path, IP: n.PrivateIP, Prefix: gw.Bits(), Gateway: gw.Addr()}
	if err = configurePeer(nh, ifc, mac); err != nil {
		return err
	}
	if err = applyTables(path, []table{natTable(n)}, nil); err != nil {
		return fmt.Errorf("table %s: %w", natTableName, err)
	}
	return nil
}

// natTable is a NAT gateway's table: what it forwards leaves from its
// private IP.
func natTable(n netplane.NATGateway) table {
	priv := netip.PrefixFrom(n.PrivateIP, 32)
	return table{family: familyInet, name: natTableName, chains: []chain{
		{name: "postrouting", hook: hookPostrouting, priority: 100, nat: true, rules: []rule{{
			match:   []match{matchIPv4{}, matchIfname{out: true, name: natLinkName}, matchIP{neg: true, prefix: priv}},
			verdict: verdict{kind: verdictSNAT, addr: n.PrivateIP},
			comment: n.ID + " masquerade behind " + n.PrivateIP.String(),
		}}},
	}}
}

// removeNATPort removes a NAT gateway's port in the VPC namespace, if it
// is there.
func removeNATPort(vh *netlink.Handle, natID string) error {
	l, err := vh.LinkByName(natPortName(natID))
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if l.Attrs().Alias != aliasPrefix+natID {
		return nil // another's; the namespace's removal takes ours
	}
	if err := vh.LinkDel(l); err != nil && !isLinkNotFound(err) {
		return fmt.Errorf("removing port %s: %w", l.Attrs().Name, err)
	}
	return nil
}
