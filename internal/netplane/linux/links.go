package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// isLinkNotFound reports whether err says that a link does not exist.
func isLinkNotFound(err error) bool {
	var nf netlink.LinkNotFoundError
	return errors.As(err, &nf) || errors.Is(err, unix.ENODEV)
}

// retryDump runs a netlink dump again when the kernel reports that it was
// interrupted by a concurrent change (the results would be inconsistent).
func retryDump[T any](fn func() (T, error)) (T, error) {
	var (
		v   T
		err error
	)
	for range 5 {
		v, err = fn()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return v, err
}

// ensureAddr makes want the only IPv4 address of link.
func ensureAddr(h *netlink.Handle, link netlink.Link, want netip.Prefix) error {
	return ensureAddrs(h, link, []netip.Prefix{want})
}

// ensureAddrs makes a link's IPv4 addresses exactly want, adding them in
// order (the first is the link's primary address in its subnet).
func ensureAddrs(h *netlink.Handle, link netlink.Link, want []netip.Prefix) error {
	addrs, err := retryDump(func() ([]netlink.Addr, error) { return h.AddrList(link, netlink.FAMILY_V4) })
	if err != nil {
		return fmt.Errorf("listing addresses of %s: %w", link.Attrs().Name, err)
	}
	have := map[netip.Prefix]bool{}
	for _, a := range addrs {
		p, ok := netipPrefix(a)
		if ok && slices.Contains(want, p) {
			have[p] = true
			continue
		}
		if err := h.AddrDel(link, &a); err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
			return fmt.Errorf("removing address %v of %s: %w", a.IPNet, link.Attrs().Name, err)
		}
	}
	for _, w := range want {
		if have[w] {
			continue
		}
		addr := &netlink.Addr{IPNet: netipToIPNet(w)}
		if err := h.AddrReplace(link, addr); err != nil {
			return fmt.Errorf("adding address %v to %s: %w", w, link.Attrs().Name, err)
		}
	}
	return nil
}

// netipPrefix converts a netlink address to a prefix.
func netipPrefix(a netlink.Addr) (netip.Prefix, bool) {
	if a.IPNet == nil {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(a.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := a.Mask.Size()
	return netip.PrefixFrom(ip.Unmap(), ones), true
}
