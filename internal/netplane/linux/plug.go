package linux

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// Plug implements netplane.Dataplane. The port v-<8 hex> in the VPC
// namespace is a veth whose peer is iface.Name in iface.NetNS. An existing
// port whose peer is that very link is kept and its settings made sure of;
// any other existing port (its container restarted into a new namespace)
// is removed and plugged anew.
func (d *Dataplane) Plug(ctx context.Context, ifc netplane.Interface) (err error) {
	if err := ifc.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	mac := ifc.MAC
	if mac == nil {
		mac = derivedMAC(ifc.ID)
	}
	defer d.locks.lock(ifc.VpcID)()
	wrap := func(err error) error { return fmt.Errorf("netplane/linux: plug %s: %w", ifc.ID, err) }

	vpcPath := d.nsPath(ifc.VpcID)
	vh, err := d.vpcHandle(ifc.VpcID)
	if err != nil {
		return wrap(err)
	}
	defer vh.Close()
	br, err := vh.LinkByName(bridgeName(ifc.SubnetID))
	if isLinkNotFound(err) || err == nil && br.Attrs().Alias != aliasPrefix+ifc.SubnetID {
		return wrap(fmt.Errorf("%w: subnet %s has no bridge", netplane.ErrNotFound, ifc.SubnetID))
	}
	if err != nil {
		return wrap(err)
	}
	target, err := openNS(ifc.NetNS)
	if err != nil {
		return wrap(err)
	}
	defer target.Close()
	ih, err := handleIn(ifc.NetNS)
	if err != nil {
		return wrap(err)
	}
	defer ih.Close()

	port, alias := portName(ifc.ID), aliasPrefix+ifc.ID
	host, err := vh.LinkByName(port)
	switch {
	case err == nil && host.Attrs().Alias != alias:
		return wrap(fmt.Errorf("port %s exists and belongs to %q", port, host.Attrs().Alias))
	case err == nil && !plugged(vh, ih, host, target, ifc.Name):
		d.log.Info("netplane: replacing a stale plug", "interface", ifc.ID, "port", port)
		if err := vh.LinkDel(host); err != nil && !isLinkNotFound(err) {
			return wrap(fmt.Errorf("removing stale port %s: %w", port, err))
		}
		host = nil
	case err == nil:
		// Plugged already; settings are made sure of below.
	case isLinkNotFound(err):
		host = nil
	default:
		return wrap(err)
	}
	if host == nil {
		if _, err := ih.LinkByName(ifc.Name); err == nil {
			return wrap(fmt.Errorf("%s already has a link named %s that gureum did not plug", ifc.NetNS, ifc.Name))
		}
		attrs := netlink.NewLinkAttrs()
		attrs.Name = port
		veth := &netlink.Veth{LinkAttrs: attrs, PeerName: ifc.Name, PeerHardwareAddr: mac, PeerNamespace: netlink.NsFd(int(target.Fd()))}
		if err := vh.LinkAdd(veth); err != nil {
			return wrap(fmt.Errorf("creating veth %s: %w", port, err))
		}
		// Deleting one end of a veth pair deletes both.
		defer func() {
			if err != nil {
				if l, lerr := vh.LinkByName(port); lerr == nil {
					_ = vh.LinkDel(l)
				}
			}
		}()
		if host, err = vh.LinkByName(port); err != nil {
			return wrap(err)
		}
		if err = vh.LinkSetAlias(host, alias); err != nil {
			return wrap(fmt.Errorf("alias of %s: %w", port, err))
		}
	}
	if err = vh.LinkSetMaster(host, br); err != nil {
		return wrap(fmt.Errorf("attaching %s to %s: %w", port, br.Attrs().Name, err))
	}
	if err = vh.LinkSetUp(host); err != nil {
		return wrap(fmt.Errorf("%s up: %w", port, err))
	}
	if err = configurePeer(ih, ifc, mac); err != nil {
		return wrap(err)
	}
	if err = applyTables(vpcPath, []table{portTable(port, ifc.ID, ifc.Addrs(), mac, !ifc.NoSourceDestCheck)}, nil); err != nil {
		return wrap(fmt.Errorf("port filter: %w", err))
	}
	d.log.Debug("netplane: interface plugged", "interface", ifc.ID, "port", port, "ip", ifc.IP, "netns", ifc.NetNS)
	return nil
}

// plugged reports whether the port host is a veth whose peer is the link
// name in the namespace target (ih is a handle there).
func plugged(vh, ih *netlink.Handle, host netlink.Link, target *os.File, name string) bool {
	if _, ok := host.(*netlink.Veth); !ok {
		return false
	}
	nsid, err := vh.GetNetNsIdByFd(int(target.Fd()))
	if err != nil || nsid < 0 || host.Attrs().NetNsID != nsid {
		return false
	}
	peer, err := ih.LinkByName(name)
	if err != nil {
		return false
	}
	return peer.Attrs().Index == host.Attrs().ParentIndex
}

// configurePeer gives the instance's end its MAC, address, state and
// default route.
func configurePeer(ih *netlink.Handle, ifc netplane.Interface, mac net.HardwareAddr) error {
	link, err := ih.LinkByName(ifc.Name)
	if err != nil {
		return fmt.Errorf("%s in %s: %w", ifc.Name, ifc.NetNS, err)
	}
	if link.Attrs().HardwareAddr.String() != mac.String() {
		if err := ih.LinkSetHardwareAddr(link, mac); err != nil {
			return fmt.Errorf("MAC of %s: %w", ifc.Name, err)
		}
	}
	var want []netip.Prefix
	for _, a := range ifc.Addrs() {
		want = append(want, netip.PrefixFrom(a, ifc.Prefix))
	}
	if err := ensureAddrs(ih, link, want); err != nil {
		return err
	}
	if err := ih.LinkSetUp(link); err != nil {
		return fmt.Errorf("%s up: %w", ifc.Name, err)
	}
	if ifc.NoDefaultRoute {
		return nil
	}
	route := &netlink.Route{LinkIndex: link.Attrs().Index, Gw: ifc.Gateway.AsSlice(), Dst: &net.IPNet{IP: net.IPv4zero.To4(), Mask: net.CIDRMask(0, 32)}}
	if err := ih.RouteReplace(route); err != nil {
		return fmt.Errorf("default route via %v: %w", ifc.Gateway, err)
	}
	return nil
}

// Unplug implements netplane.Dataplane: it removes the port (the peer in
// the instance's namespace goes with it) and its filter table.
func (d *Dataplane) Unplug(ctx context.Context, vpcID, ifaceID string) error {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return err
	}
	if err := netplane.ValidateID("interface id", ifaceID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(vpcID)()
	path := d.nsPath(vpcID)
	if ok, err := isNS(path); err != nil || !ok {
		return err // gone with its VPC
	}
	h, err := handleIn(path)
	if err != nil {
		return fmt.Errorf("netplane/linux: unplug %s: %w", ifaceID, err)
	}
	defer h.Close()
	port := portName(ifaceID)
	if l, err := h.LinkByName(port); err == nil && l.Attrs().Alias != aliasPrefix+ifaceID {
		return fmt.Errorf("netplane/linux: unplug %s: port %s belongs to %q", ifaceID, port, l.Attrs().Alias)
	}
	if err := unplugPort(h, path, port); err != nil {
		return fmt.Errorf("netplane/linux: unplug %s: %w", ifaceID, err)
	}
	d.log.Debug("netplane: interface unplugged", "interface", ifaceID, "port", port)
	return nil
}

// unplugPort deletes a port and its filter table; either may be gone.
func unplugPort(h *netlink.Handle, vpcPath, port string) error {
	l, err := h.LinkByName(port)
	if err == nil {
		err = h.LinkDel(l)
	}
	if err != nil && !isLinkNotFound(err) {
		return fmt.Errorf("deleting %s: %w", port, err)
	}
	if err := applyTables(vpcPath, nil, []table{{family: familyBridge, name: portTableName(port)}}); err != nil {
		return fmt.Errorf("deleting the filter of %s: %w", port, err)
	}
	return nil
}
