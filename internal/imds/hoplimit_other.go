//go:build !unix

package imds

import (
	"errors"
	"net"
)

// setHopLimit is not implemented off unix: without it no token is
// issued over a real connection.
func setHopLimit(c net.Conn, hops int) error {
	return errors.New("imds: the hop limit needs a unix socket")
}
