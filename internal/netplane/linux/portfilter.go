package linux

import (
	"net"
	"net/netip"
)

// portTableName is the bridge table that guards one port.
func portTableName(port string) string { return "gureum-" + port }

// portTable builds the stateless bridge table of one port, AWS's
// source/destination check: frames from the instance must carry its MAC;
// other EtherTypes than IPv4 and ARP (IPv6 included) are dropped; ARP must
// claim one of its addresses; and with check, IPv4 packets from the port
// must come from one of its addresses and packets to it be for one. The
// security groups (sg.go) tell instances apart by address, which this makes
// sound. Without check (source/destination check off, a routing instance)
// the port passes IPv4 from and to any address.
//
// The chains run at priority -200, before bridge netfilter hands frames to
// the inet hooks. An accept ends only this table's chain.
func portTable(port, ifaceID string, ips []netip.Addr, mac net.HardwareAddr, check bool) table {
	in := matchIfname{name: port}
	out := matchIfname{out: true, name: port}
	accept, drop := verdict{kind: verdictAccept}, verdict{kind: verdictDrop}
	ipv4, arp := matchProto{etherType: etherTypeIPv4}, matchProto{etherType: etherTypeARP}
	pre := []rule{
		{match: []match{in, matchEtherSrc{neg: true, mac: mac}}, verdict: drop, comment: ifaceID + " source MAC"},
		{match: []match{in, matchProto{neg: true, etherType: etherTypeIPv4}, matchProto{neg: true, etherType: etherTypeARP}}, verdict: drop, comment: ifaceID + " IPv4 and ARP only"},
	}
	for _, ip := range ips {
		pre = append(pre, rule{match: []match{in, arp, matchARPSender{addr: ip}}, verdict: accept, comment: ifaceID + " ARP for " + ip.String()})
	}
	pre = append(pre, rule{match: []match{in, arp}, verdict: drop, comment: ifaceID + " ARP sender"})
	var post []rule
	if check {
		for _, ip := range ips {
			pre = append(pre, rule{match: []match{in, ipv4, matchIP{prefix: netip.PrefixFrom(ip, 32)}}, verdict: accept, comment: ifaceID + " from " + ip.String()})
			post = append(post, rule{match: []match{out, ipv4, matchIP{dst: true, prefix: netip.PrefixFrom(ip, 32)}}, verdict: accept, comment: ifaceID + " to " + ip.String()})
		}
		pre = append(pre, rule{match: []match{in, ipv4}, verdict: drop, comment: ifaceID + " source IP"})
		post = append(post, rule{match: []match{out, ipv4}, verdict: drop, comment: ifaceID + " destination IP"})
	}
	return table{family: familyBridge, name: portTableName(port), chains: []chain{
		{name: "prerouting", hook: hookPrerouting, priority: -200, rules: pre},
		{name: "postrouting", hook: hookPostrouting, priority: -200, rules: post},
	}}
}
