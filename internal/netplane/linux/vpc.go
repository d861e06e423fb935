package linux

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/netplane"
)

// vpcSysctls are set inside every VPC namespace: it routes between its
// subnets, frames bridged within a subnet pass the inet hooks so that
// security groups see them with connection tracking, and the router sends
// no ICMP redirects (a route via an instance of the sender's own subnet
// must keep going through the router, as in AWS).
var vpcSysctls = [...]struct{ name, value string }{
	{"net/ipv4/ip_forward", "1"},
	{"net/bridge/bridge-nf-call-iptables", "1"},
	{"net/ipv4/conf/all/send_redirects", "0"},
	{"net/ipv4/conf/default/send_redirects", "0"},
}

// EnsureVPC implements netplane.Dataplane: it creates the VPC's namespace,
// or accepts the existing one, and makes sure of its settings.
func (d *Dataplane) EnsureVPC(ctx context.Context, vpc netplane.VPC) (err error) {
	if err := vpc.Validate(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(vpc.ID)()
	path := d.nsPath(vpc.ID)
	exists, err := isNS(path)
	if err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: %w", vpc.ID, err)
	}
	if !exists {
		// A leftover file from an interrupted creation is no namespace.
		if err := removeNS(path); err != nil {
			return fmt.Errorf("netplane/linux: VPC %s: %w", vpc.ID, err)
		}
		if err := createNS(path); err != nil {
			return fmt.Errorf("netplane/linux: VPC %s: %w", vpc.ID, err)
		}
		defer func() {
			if err != nil {
				_ = removeNS(path)
			}
		}()
	}
	if err := configureVPC(path); err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: %w", vpc.ID, err)
	}
	if !exists {
		d.log.Info("netplane: VPC network created", "vpc", vpc.ID, "cidr", vpc.CIDR, "netns", path)
	}
	return nil
}

// configureVPC brings the namespace's loopback up and sets its sysctls.
func configureVPC(path string) error {
	return do(path, func() error {
		for _, s := range vpcSysctls {
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

// DeleteVPC implements netplane.Dataplane. Unbinding the namespace frees
// it, and with it its bridges, ports (whose peers in instance namespaces
// go too), routing tables, nftables tables and its uplink (whose peer in
// the internet namespace goes too, with the routes to the VPC's public
// IPs). The namespaces of its NAT gateways are removed first.
func (d *Dataplane) DeleteVPC(ctx context.Context, vpcID string) error {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	defer d.locks.lock(vpcID)()
	nats, err := d.natPaths(vpcID)
	if err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: %w", vpcID, err)
	}
	for id, p := range nats {
		if err := removeNS(p); err != nil {
			return fmt.Errorf("netplane/linux: VPC %s: NAT gateway %s: %w", vpcID, id, err)
		}
	}
	path := d.nsPath(vpcID)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	// The kernel frees a namespace asynchronously; the uplink goes first,
	// so that the internet stops routing to the VPC's public IPs when
	// DeleteVPC returns.
	if ok, _ := isNS(path); ok {
		if h, err := handleIn(path); err == nil {
			err = removeUplink(h)
			h.Close()
			if err != nil {
				return fmt.Errorf("netplane/linux: VPC %s: %w", vpcID, err)
			}
		}
	}
	if err := removeNS(path); err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: %w", vpcID, err)
	}
	d.log.Info("netplane: VPC network deleted", "vpc", vpcID)
	return nil
}
