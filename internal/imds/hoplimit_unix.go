//go:build unix

package imds

import (
	"fmt"
	"net"
	"syscall"
)

// setHopLimit sets the IP TTL (IPv6: the unicast hop limit) of the
// packets c sends from now on. The token response is the first thing
// written after it, and the connection keeps the limit: whatever follows
// on it goes no further than the token could.
func setHopLimit(c net.Conn, hops int) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return fmt.Errorf("imds: a %T has no socket to set the hop limit on", c)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	level, opt := syscall.IPPROTO_IP, syscall.IP_TTL
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok && a.IP.To4() == nil {
		level, opt = syscall.IPPROTO_IPV6, syscall.IPV6_UNICAST_HOPS
	}
	var serr error
	if err := raw.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), level, opt, hops)
	}); err != nil {
		return err
	}
	if serr != nil {
		return fmt.Errorf("imds: setting the hop limit to %d: %w", hops, serr)
	}
	return nil
}
