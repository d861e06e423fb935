package linux

import (
	"net"
	"net/netip"
)

// portTableName is the bridge table that guards one port.
func portTableName(port string) string { return "gureum-" + port }

// portTable builds the stateless bridge table of one port, AWS's
// source/destination check: frames from the instance must carry its MAC
// and, for IPv4 and ARP, its address; other EtherTypes (IPv6 included) are
// dropped; IPv4 packets to the port must be for its address. The security
// groups (sg.go) tell instances apart by address, which this makes sound.
//
// The chains run at priority -200, before bridge netfilter hands frames to
// the inet hooks.
func portTable(port, ifaceID string, ip netip.Addr, mac net.HardwareAddr) table {
	in := matchIfname{name: port}
	out := matchIfname{out: true, name: port}
	return table{family: familyBridge, name: portTableName(port), chains: []chain{
		{name: "prerouting", hook: hookPrerouting, priority: -200, rules: []rule{
			{match: []match{in, matchEtherSrc{neg: true, mac: mac}}, verdict: verdict{kind: verdictDrop}, comment: ifaceID + " source MAC"},
			{match: []match{in, matchProto{etherType: etherTypeIPv4}, matchIP{neg: true, prefix: netip.PrefixFrom(ip, 32)}}, verdict: verdict{kind: verdictDrop}, comment: ifaceID + " source IP"},
			{match: []match{in, matchProto{etherType: etherTypeARP}, matchARPSender{neg: true, addr: ip}}, verdict: verdict{kind: verdictDrop}, comment: ifaceID + " ARP sender"},
			{match: []match{in, matchProto{neg: true, etherType: etherTypeIPv4}, matchProto{neg: true, etherType: etherTypeARP}}, verdict: verdict{kind: verdictDrop}, comment: ifaceID + " IPv4 and ARP only"},
		}},
		{name: "postrouting", hook: hookPostrouting, priority: -200, rules: []rule{
			{match: []match{out, matchProto{etherType: etherTypeIPv4}, matchIP{dst: true, neg: true, prefix: netip.PrefixFrom(ip, 32)}}, verdict: verdict{kind: verdictDrop}, comment: ifaceID + " destination IP"},
		}},
	}}
}
