package linux

import (
	"crypto/sha256"
	"encoding/hex"
	"hash/fnv"
	"net"
	"strings"
)

// aliasPrefix starts the alias (IFLA_IFALIAS, shown by `ip link`) of every
// link gureum makes, followed by the id of the subnet or interface the
// link belongs to. The alias tells gureum's links from others and detects
// two ids that shorten to the same link name.
const aliasPrefix = "gureum "

// shortID returns 8 characters that name id in a link name (at most 15
// bytes): the last 8 hex digits of an AWS-style id (subnet-0a1b2c3d4e5f6a7b8
// → e5f6a7b8), or for other ids 8 hex digits of a hash of it.
func shortID(id string) string {
	rest := id
	if i := strings.LastIndexByte(id, '-'); i >= 0 {
		rest = id[i+1:]
	}
	if len(rest) >= 8 && isHex(rest) {
		return rest[len(rest)-8:]
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return hex.EncodeToString(h.Sum(nil))
}

func isHex(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// bridgeName returns the name of a subnet's bridge in the VPC namespace.
func bridgeName(subnetID string) string { return "br-" + shortID(subnetID) }

// portName returns the name of an interface's veth end in the VPC
// namespace (the bridge port).
func portName(ifaceID string) string { return "v-" + shortID(ifaceID) }

// derivedMAC returns a stable, locally administered unicast MAC address
// for a link named by id: the gateway MAC of a bridge must not change when
// ports come and go, and an interface without a MAC of its own gets one.
func derivedMAC(id string) net.HardwareAddr {
	sum := sha256.Sum256([]byte("gureum/" + id))
	mac := net.HardwareAddr(sum[:6])
	mac[0] = mac[0]&0xfc | 0x02
	return mac
}
