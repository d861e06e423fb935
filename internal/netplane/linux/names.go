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

// Names of the links and tables that connect VPCs to gureum's internet
// (internet.go, routing.go, nat.go).
const (
	// uplinkName is the VPC router's end of its veth to the internet
	// namespace.
	uplinkName = "uplink"
	// hostLinkName is the internet namespace's end of its veth to the
	// host (InternetHost mode).
	hostLinkName = "host"
	// natLinkName is a NAT gateway's interface in its namespace.
	natLinkName = "eth0"
	// routingTableName is the inet table of a VPC router holding the 1:1
	// NAT of public IPs and the uplink's filter.
	routingTableName = "gureum-routing"
	// naclTableName is the inet table of a VPC router holding its
	// network ACLs.
	naclTableName = "gureum-nacl"
	// natTableName is the inet table of a NAT gateway's namespace.
	natTableName = "gureum-nat"
)

// inetPortName returns the name of a VPC's uplink end in the internet
// namespace.
func inetPortName(vpcID string) string { return "u-" + shortID(vpcID) }

// natPortName returns the name of a NAT gateway's veth end in the VPC
// namespace (a port of its subnet's bridge).
func natPortName(natID string) string { return "n-" + shortID(natID) }

// hostPortName returns the name of the host's end of the veth to the
// internet namespace of the dataplane with this prefix: unique per prefix,
// so that two gureums (or parallel tests) on one host do not collide.
func hostPortName(prefix string) string {
	h := fnv.New32a()
	h.Write([]byte(prefix))
	return "gi-" + hex.EncodeToString(h.Sum(nil))
}
