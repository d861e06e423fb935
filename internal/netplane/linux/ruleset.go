package linux

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// This file describes nftables tables as plain values: the security-group
// and port-filter logic (sg.go, portfilter.go) builds them without touching
// the kernel, tests compare their text (in nft's own syntax) without root,
// and nft.go turns them into one netlink batch.

// family is an nftables address family.
type family uint8

const (
	familyInet family = iota
	familyBridge
)

func (f family) String() string {
	if f == familyBridge {
		return "bridge"
	}
	return "inet"
}

// table is a whole nftables table as gureum wants it; applying it replaces
// the kernel's copy, chains and sets included.
type table struct {
	family family
	name   string
	sets   []set
	chains []chain
}

// set is a named set of IPv4 addresses.
type set struct {
	name    string
	comment string
	elems   []netip.Addr
}

// hookKind is the netfilter hook a base chain is attached to.
type hookKind uint8

const (
	hookNone hookKind = iota
	hookPrerouting
	hookForward
	hookPostrouting
)

func (h hookKind) String() string {
	return [...]string{"", "prerouting", "forward", "postrouting"}[h]
}

// chain is a chain; with a hook it is a base chain of type filter (or
// with nat of type nat) and policy accept.
type chain struct {
	name     string
	hook     hookKind
	priority int32
	nat      bool
	rules    []rule
}

// rule is a rule: all matches, then a counter and the verdict.
type rule struct {
	match   []match
	verdict verdict
	comment string
}

// verdict is what a rule does with a packet that matches.
type verdict struct {
	kind  verdictKind
	chain string     // for jump
	addr  netip.Addr // for snat and dnat
}

type verdictKind uint8

const (
	verdictAccept verdictKind = iota
	verdictDrop
	verdictReturn
	verdictJump
	verdictSNAT       // snat to addr (in a nat chain)
	verdictDNAT       // dnat to addr (in a nat chain)
	verdictMasquerade // masquerade (in a nat chain)
)

func (v verdict) String() string {
	switch v.kind {
	case verdictSNAT:
		return "snat ip to " + v.addr.String()
	case verdictDNAT:
		return "dnat ip to " + v.addr.String()
	case verdictMasquerade:
		return "masquerade"
	case verdictDrop:
		return "drop"
	case verdictReturn:
		return "return"
	case verdictJump:
		return "jump " + v.chain
	}
	return "accept"
}

// match is one condition of a rule.
type match interface{ String() string }

// matchIPv4 matches IPv4 packets; an inet-family rule that looks at IPv4
// headers needs it first, as nft adds it by itself.
type matchIPv4 struct{}

// matchIP matches the source (or with dst the destination) address
// against a prefix; a /32 is one address.
type matchIP struct {
	dst, neg bool
	prefix   netip.Prefix
}

// matchIPSet matches the source or destination address against a set.
type matchIPSet struct {
	dst bool
	set string
}

// matchL4Proto matches the transport protocol.
type matchL4Proto struct{ proto uint8 }

// matchDport matches a TCP or UDP destination port range.
type matchDport struct{ lo, hi uint16 }

// matchICMP matches the ICMP type, or with code the ICMP code.
type matchICMP struct {
	code bool
	v    uint8
}

// matchCtState matches connections in any of the given ct states.
type matchCtState struct{ bits uint32 }

// matchIfname matches (or with neg does not match) the input (or with out
// the output) interface name.
type matchIfname struct {
	out, neg bool
	name     string
}

// matchEtherSrc matches (or with neg does not match) the source MAC.
type matchEtherSrc struct {
	neg bool
	mac net.HardwareAddr
}

// matchProto matches (or with neg does not match) the EtherType.
type matchProto struct {
	neg       bool
	etherType uint16
}

// matchARPSender matches (or with neg does not match) the sender IPv4
// address of an ARP packet.
type matchARPSender struct {
	neg  bool
	addr netip.Addr
}

// Connection-tracking states, as the kernel numbers them.
const (
	ctInvalid     uint32 = 1
	ctEstablished uint32 = 2
	ctRelated     uint32 = 4
)

// EtherTypes.
const (
	etherTypeIPv4 uint16 = 0x0800
	etherTypeARP  uint16 = 0x0806
)

func dir(dst bool) string {
	if dst {
		return "daddr"
	}
	return "saddr"
}

func op(neg bool) string {
	if neg {
		return "!= "
	}
	return ""
}

func (matchIPv4) String() string { return "meta nfproto ipv4" }

func (m matchIP) String() string {
	a := m.prefix.String()
	if m.prefix.Bits() == 32 {
		a = m.prefix.Addr().String()
	}
	return "ip " + dir(m.dst) + " " + op(m.neg) + a
}

func (m matchIPSet) String() string { return "ip " + dir(m.dst) + " @" + m.set }

func (m matchL4Proto) String() string {
	switch m.proto {
	case 1:
		return "meta l4proto icmp"
	case 6:
		return "meta l4proto tcp"
	case 17:
		return "meta l4proto udp"
	}
	return fmt.Sprintf("meta l4proto %d", m.proto)
}

func (m matchDport) String() string {
	if m.lo == m.hi {
		return fmt.Sprintf("th dport %d", m.lo)
	}
	return fmt.Sprintf("th dport %d-%d", m.lo, m.hi)
}

func (m matchICMP) String() string {
	if m.code {
		return fmt.Sprintf("icmp code %d", m.v)
	}
	return fmt.Sprintf("icmp type %d", m.v)
}

func (m matchCtState) String() string {
	var s []string
	for _, b := range []struct {
		bit  uint32
		name string
	}{{ctInvalid, "invalid"}, {ctEstablished, "established"}, {ctRelated, "related"}} {
		if m.bits&b.bit != 0 {
			s = append(s, b.name)
		}
	}
	return "ct state " + strings.Join(s, ",")
}

func (m matchIfname) String() string {
	if m.out {
		return fmt.Sprintf("oifname %s%q", op(m.neg), m.name)
	}
	return fmt.Sprintf("iifname %s%q", op(m.neg), m.name)
}

func (m matchEtherSrc) String() string { return "ether saddr " + op(m.neg) + m.mac.String() }

func (m matchProto) String() string {
	name := fmt.Sprintf("0x%04x", m.etherType)
	switch m.etherType {
	case etherTypeIPv4:
		name = "ip"
	case etherTypeARP:
		name = "arp"
	}
	return "meta protocol " + op(m.neg) + name
}

func (m matchARPSender) String() string { return "arp saddr ip " + op(m.neg) + m.addr.String() }

// String renders the rule as `nft list` would (with counters unset).
func (r rule) String() string {
	var b strings.Builder
	for _, m := range r.match {
		b.WriteString(m.String())
		b.WriteByte(' ')
	}
	b.WriteString("counter ")
	b.WriteString(r.verdict.String())
	if r.comment != "" {
		fmt.Fprintf(&b, " comment %q", r.comment)
	}
	return b.String()
}

// String renders the table in nft's syntax, for logs and tests.
func (t table) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s %s {\n", t.family, t.name)
	for _, s := range t.sets {
		fmt.Fprintf(&b, "\tset %s {\n\t\ttype ipv4_addr\n", s.name)
		if len(s.elems) > 0 {
			e := make([]string, len(s.elems))
			for i, a := range s.elems {
				e[i] = a.String()
			}
			fmt.Fprintf(&b, "\t\telements = { %s }\n", strings.Join(e, ", "))
		}
		if s.comment != "" {
			fmt.Fprintf(&b, "\t\tcomment %q\n", s.comment)
		}
		b.WriteString("\t}\n")
	}
	for _, c := range t.chains {
		fmt.Fprintf(&b, "\tchain %s {\n", c.name)
		if c.hook != hookNone {
			typ := "filter"
			if c.nat {
				typ = "nat"
			}
			fmt.Fprintf(&b, "\t\ttype %s hook %s priority %d; policy accept;\n", typ, c.hook, c.priority)
		}
		for _, r := range c.rules {
			fmt.Fprintf(&b, "\t\t%s\n", r)
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}
