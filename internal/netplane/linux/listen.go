package linux

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// Listen implements netplane.Dataplane: it adds the address's IP to the
// loopback of the VPC namespace (as a /32, so that the router answers for
// it on every subnet) and opens the socket inside the namespace. The socket
// stays in the namespace while gureum's goroutines serve it from any
// thread.
func (d *Dataplane) Listen(ctx context.Context, vpcID, network, address string) (io.Closer, error) {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return nil, err
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Is4() {
		return nil, fmt.Errorf("%w: listen address %q is not an IPv4 ip:port", netplane.ErrInvalid, address)
	}
	if network != "tcp" && network != "udp" {
		return nil, fmt.Errorf("%w: network %q", netplane.ErrInvalid, network)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := d.nsPath(vpcID)
	h, err := d.vpcHandle(vpcID)
	if err != nil {
		return nil, err
	}
	defer h.Close()
	lo, err := h.LinkByName("lo")
	if err != nil {
		return nil, fmt.Errorf("netplane/linux: VPC %s: loopback: %w", vpcID, err)
	}
	if err := h.LinkSetUp(lo); err != nil {
		return nil, fmt.Errorf("netplane/linux: VPC %s: loopback up: %w", vpcID, err)
	}
	addr := &netlink.Addr{IPNet: netipToIPNet(netip.PrefixFrom(ap.Addr(), 32))}
	if err := h.AddrReplace(lo, addr); err != nil {
		return nil, fmt.Errorf("netplane/linux: VPC %s: address %s: %w", vpcID, ap.Addr(), err)
	}
	var c io.Closer
	err = do(path, func() error {
		var lc net.ListenConfig
		var err error
		if network == "tcp" {
			c, err = lc.Listen(ctx, "tcp4", address)
		} else {
			c, err = lc.ListenPacket(ctx, "udp4", address)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("netplane/linux: VPC %s: listening on %s/%s: %w", vpcID, address, network, err)
	}
	return c, nil
}
