package vpcdns

import (
	"net/netip"
	"strings"
)

// ParseEC2Name parses the DNS names EC2 gives addresses, case-insensitively
// and with or without the trailing dot:
//
//   - private: ip-10-0-1-5.ec2.internal (us-east-1),
//     ip-10-0-1-5.<region>.compute.internal (other regions);
//   - public: ec2-203-0-113-5.compute-1.amazonaws.com (us-east-1),
//     ec2-203-0-113-5.<region>.compute.amazonaws.com (other regions).
//
// It returns the address the name spells and whether the name is a public
// one. The region is not checked: a Records that cares compares the name
// with its own region's form.
func ParseEC2Name(name string) (ip netip.Addr, public bool, ok bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	host, zone, found := strings.Cut(name, ".")
	if !found {
		return netip.Addr{}, false, false
	}
	var prefix string
	switch {
	case zone == "ec2.internal" || isRegionZone(zone, ".compute.internal"):
		prefix = "ip-"
	case zone == "compute-1.amazonaws.com" || isRegionZone(zone, ".compute.amazonaws.com"):
		prefix, public = "ec2-", true
	default:
		return netip.Addr{}, false, false
	}
	dashed, found := strings.CutPrefix(host, prefix)
	if !found || strings.Count(dashed, "-") != 3 {
		return netip.Addr{}, false, false
	}
	ip, err := netip.ParseAddr(strings.ReplaceAll(dashed, "-", "."))
	if err != nil || !ip.Is4() {
		return netip.Addr{}, false, false
	}
	return ip, public, true
}

// isRegionZone reports whether zone is a region name followed by suffix.
func isRegionZone(zone, suffix string) bool {
	region, ok := strings.CutSuffix(zone, suffix)
	return ok && isRegion(region)
}

// isRegion reports whether s looks like a region name (us-west-2): one
// label of lower-case letters, digits and hyphens.
func isRegion(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// privateName is the private DNS name of ip in region, without the
// trailing dot.
func privateName(region string, ip netip.Addr) string {
	host := "ip-" + strings.ReplaceAll(ip.String(), ".", "-")
	if region == "us-east-1" {
		return host + ".ec2.internal"
	}
	return host + "." + region + ".compute.internal"
}

// owned reports whether name (lower case, no trailing dot) is one gureum
// answers itself: anything in ec2.internal or compute.internal, and the
// public EC2 names.
func owned(name string) bool {
	for _, zone := range []string{"ec2.internal", "compute.internal"} {
		if name == zone || strings.HasSuffix(name, "."+zone) {
			return true
		}
	}
	_, public, ok := ParseEC2Name(name)
	return ok && public
}

// isApex reports whether name (lower case, no trailing dot) is the apex of
// a zone gureum owns, a name that exists without addresses.
func isApex(name string) bool {
	return name == "ec2.internal" || name == "compute.internal" || isRegionZone(name, ".compute.internal")
}

// parseReverse parses an IPv4 reverse name (5.1.0.10.in-addr.arpa, lower
// case, no trailing dot) into its address.
func parseReverse(name string) (netip.Addr, bool) {
	rev, ok := strings.CutSuffix(name, ".in-addr.arpa")
	if !ok {
		return netip.Addr{}, false
	}
	labels := strings.Split(rev, ".")
	if len(labels) != 4 {
		return netip.Addr{}, false
	}
	ip, err := netip.ParseAddr(labels[3] + "." + labels[2] + "." + labels[1] + "." + labels[0])
	if err != nil {
		return netip.Addr{}, false
	}
	return ip, true
}
