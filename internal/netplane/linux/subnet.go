package linux

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// EnsureSubnet implements netplane.Dataplane: it creates the subnet's
// bridge in the VPC namespace, or accepts the existing one, and makes sure
// it holds the gateway address, a stable MAC and is up.
func (d *Dataplane) EnsureSubnet(ctx context.Context, s netplane.Subnet) (err error) {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(s.VpcID)()
	h, err := d.vpcHandle(s.VpcID)
	if err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: %w", s.ID, err)
	}
	defer h.Close()
	name, alias, mac := bridgeName(s.ID), aliasPrefix+s.ID, derivedMAC(s.ID)
	br, err := h.LinkByName(name)
	switch {
	case err == nil:
		if br.Type() != "bridge" || br.Attrs().Alias != alias {
			return fmt.Errorf("netplane/linux: subnet %s: link %s exists and is not its bridge (alias %q)", s.ID, name, br.Attrs().Alias)
		}
	case isLinkNotFound(err):
		attrs := netlink.NewLinkAttrs()
		attrs.Name = name
		attrs.HardwareAddr = mac
		if err := h.LinkAdd(&netlink.Bridge{LinkAttrs: attrs}); err != nil {
			return fmt.Errorf("netplane/linux: subnet %s: creating bridge %s: %w", s.ID, name, err)
		}
		defer func() {
			if err != nil {
				if l, lerr := h.LinkByName(name); lerr == nil {
					_ = h.LinkDel(l)
				}
			}
		}()
		if br, err = h.LinkByName(name); err != nil {
			return fmt.Errorf("netplane/linux: subnet %s: %w", s.ID, err)
		}
		if err = h.LinkSetAlias(br, alias); err != nil {
			return fmt.Errorf("netplane/linux: subnet %s: alias of %s: %w", s.ID, name, err)
		}
		d.log.Info("netplane: subnet bridge created", "vpc", s.VpcID, "subnet", s.ID, "cidr", s.CIDR, "bridge", name)
	default:
		return fmt.Errorf("netplane/linux: subnet %s: %w", s.ID, err)
	}
	// The bridge's MAC is the gateway's: fixed, so that instances' ARP
	// caches stay right when ports come and go.
	if !bytes.Equal(br.Attrs().HardwareAddr, mac) {
		if err = h.LinkSetHardwareAddr(br, mac); err != nil {
			return fmt.Errorf("netplane/linux: subnet %s: MAC of %s: %w", s.ID, name, err)
		}
	}
	gw := netip.PrefixFrom(netplane.Gateway(s.CIDR), s.CIDR.Bits())
	if err = ensureAddr(h, br, gw); err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: %w", s.ID, err)
	}
	if err = h.LinkSetUp(br); err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: %s up: %w", s.ID, name, err)
	}
	return nil
}

// DeleteSubnet implements netplane.Dataplane: it removes the subnet's
// bridge and the interfaces still plugged into it.
func (d *Dataplane) DeleteSubnet(ctx context.Context, vpcID, subnetID string) error {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return err
	}
	if err := netplane.ValidateID("subnet id", subnetID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(vpcID)()
	path := d.nsPath(vpcID)
	if ok, err := isNS(path); err != nil || !ok {
		return err // a VPC without a namespace has no subnets
	}
	h, err := handleIn(path)
	if err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: %w", subnetID, err)
	}
	defer h.Close()
	name := bridgeName(subnetID)
	br, err := h.LinkByName(name)
	if isLinkNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: %w", subnetID, err)
	}
	if br.Attrs().Alias != aliasPrefix+subnetID {
		return fmt.Errorf("netplane/linux: subnet %s: bridge %s belongs to %q", subnetID, name, br.Attrs().Alias)
	}
	links, err := retryDump(h.LinkList)
	if err != nil {
		return fmt.Errorf("netplane/linux: subnet %s: listing links: %w", subnetID, err)
	}
	for _, l := range links {
		a := l.Attrs()
		if a.MasterIndex != br.Attrs().Index || !strings.HasPrefix(a.Alias, aliasPrefix) {
			continue
		}
		if err := unplugPort(h, path, a.Name); err != nil {
			return fmt.Errorf("netplane/linux: subnet %s: %w", subnetID, err)
		}
	}
	if err := h.LinkDel(br); err != nil && !isLinkNotFound(err) {
		return fmt.Errorf("netplane/linux: subnet %s: deleting %s: %w", subnetID, name, err)
	}
	d.log.Info("netplane: subnet bridge deleted", "vpc", vpcID, "subnet", subnetID)
	return nil
}

// netipToIPNet converts a prefix to a *net.IPNet with its host bits.
func netipToIPNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
