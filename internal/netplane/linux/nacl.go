package linux

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/netplane"
)

// Network ACLs live in the VPC router's table inet gureum-nacl, in a
// forward chain that runs before the security groups (priority -5; both
// must let a packet through). A packet's subnets are known by its
// interfaces: it enters the subnet whose bridge it leaves the router by,
// and leaves the subnet whose bridge it came in by (for frames bridged
// within a subnet both are that bridge, and such traffic is not subject to
// network ACLs, as in AWS). So, for each subnet with an ACL:
//
//	iifname br-x oifname br-x accept   (within the subnet: this table is done)
//	iifname br-x jump egress-<subnet>  (leaving it)
//	oifname br-x jump ingress-<subnet> (entering it)
//
// and each of those chains holds the entries in rule-number order, an
// allow returning (so that the other subnet's ingress still decides) and a
// deny dropping, then a final drop: AWS's "*" rule. Being stateless, a
// reply is a packet like any other and needs its own allow. Traffic to
// the router itself (the metadata service, the resolver) is not forwarded
// and not filtered, as in AWS.

// SetNetworkACLs implements netplane.Dataplane: it replaces the table in
// one atomic batch, or removes it when acls is empty.
func (d *Dataplane) SetNetworkACLs(ctx context.Context, vpcID string, acls map[string][]netplane.ACLEntry) error {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t, warnings, err := naclTable(acls)
	if err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: network ACLs: %w", vpcID, err)
	}
	for _, w := range warnings {
		d.log.Debug("netplane: network ACL entry skipped", "vpc", vpcID, "why", w)
	}
	defer d.locks.lock(vpcID)()
	path := d.nsPath(vpcID)
	if ok, err := isNS(path); err != nil || !ok {
		return fmt.Errorf("netplane/linux: VPC %s: network ACLs: %w", vpcID, notFoundOr(err, "VPC "+vpcID+" has no network namespace"))
	}
	put, drop := []table{t}, []table(nil)
	if len(acls) == 0 {
		put, drop = nil, []table{{family: familyInet, name: naclTableName}}
	}
	if err := applyTables(path, put, drop); err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: network ACLs: %w", vpcID, err)
	}
	d.log.Debug("netplane: network ACLs applied", "vpc", vpcID, "subnets", len(acls))
	return nil
}

// naclTable builds the table gureum-nacl (see above). It returns warnings
// for entries that cannot match IPv4 traffic (IPv6 CIDRs).
func naclTable(acls map[string][]netplane.ACLEntry) (table, []string, error) {
	subnets := make([]string, 0, len(acls))
	for s := range acls {
		if err := netplane.ValidateID("subnet id", s); err != nil {
			return table{}, nil, err
		}
		subnets = append(subnets, s)
	}
	slices.Sort(subnets)
	t := table{family: familyInet, name: naclTableName}
	fwd := chain{name: "forward", hook: hookForward, priority: -5}
	var jumps, chains []rule
	var per []chain
	var warnings []string
	for _, s := range subnets {
		br := bridgeName(s)
		in, out := matchIfname{name: br}, matchIfname{out: true, name: br}
		fwd.rules = append(fwd.rules, rule{match: []match{in, out}, verdict: verdict{kind: verdictAccept}, comment: s + " within the subnet"})
		jumps = append(jumps, rule{match: []match{in}, verdict: verdict{kind: verdictJump, chain: naclChain(s, true)}, comment: s + " egress"})
		chains = append(chains, rule{match: []match{out}, verdict: verdict{kind: verdictJump, chain: naclChain(s, false)}, comment: s + " ingress"})
		entries := slices.Clone(acls[s])
		slices.SortStableFunc(entries, func(a, b netplane.ACLEntry) int { return cmp.Compare(a.RuleNumber, b.RuleNumber) })
		for _, egress := range []bool{true, false} {
			c := chain{name: naclChain(s, egress)}
			for _, e := range entries {
				if e.Egress != egress {
					continue
				}
				ms, skip, err := aclMatch(e)
				if err != nil {
					return table{}, nil, fmt.Errorf("%w: subnet %s rule %d: %v", netplane.ErrInvalid, s, e.RuleNumber, err)
				}
				if skip != "" {
					warnings = append(warnings, fmt.Sprintf("subnet %s rule %d: %s", s, e.RuleNumber, skip))
					continue
				}
				v := verdict{kind: verdictDrop}
				if e.Allow {
					v = verdict{kind: verdictReturn}
				}
				c.rules = append(c.rules, rule{match: ms, verdict: v, comment: aclComment(s, e)})
			}
			c.rules = append(c.rules, rule{verdict: verdict{kind: verdictDrop}, comment: fmt.Sprintf("%s %s * deny", s, way(egress))})
			per = append(per, c)
		}
	}
	fwd.rules = append(fwd.rules, jumps...)
	fwd.rules = append(fwd.rules, chains...)
	t.chains = append([]chain{fwd}, per...)
	return t, warnings, nil
}

// aclMatch returns the matches of an entry, or why it is skipped: an
// egress entry's CIDR is the destination's, an ingress entry's the
// source's; the port range is the destination port's.
func aclMatch(e netplane.ACLEntry) (ms []match, skip string, err error) {
	ms = []match{matchIPv4{}}
	switch {
	case !e.CIDR.IsValid():
		return nil, "", fmt.Errorf("no CIDR")
	case !e.CIDR.Addr().Is4():
		return nil, "IPv6 CIDR " + e.CIDR.String() + " (IPv4 only for now)", nil
	case e.CIDR.Bits() > 0:
		ms = append(ms, matchIP{dst: e.Egress, prefix: e.CIDR.Masked()})
	}
	switch p := strings.ToLower(e.Protocol); p {
	case "-1", "all", "":
	case "6", "tcp", "17", "udp":
		proto := uint8(6)
		if p == "17" || p == "udp" {
			proto = 17
		}
		ms = append(ms, matchL4Proto{proto})
		from, to := e.FromPort, e.ToPort
		if from == 0 && to == 0 || from == 0 && to == 65535 || from == -1 && to == -1 {
			break
		}
		if from < 0 || to > 65535 || from > to {
			return nil, "", fmt.Errorf("port range %d-%d", from, to)
		}
		ms = append(ms, matchDport{uint16(from), uint16(to)})
	case "1", "icmp":
		ms = append(ms, matchL4Proto{1})
	case "58", "icmpv6":
		return nil, "ICMPv6 (IPv4 only for now)", nil
	default:
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return nil, "", fmt.Errorf("protocol %q", e.Protocol)
		}
		ms = append(ms, matchL4Proto{uint8(n)})
	}
	return ms, "", nil
}

// aclComment names an entry's owner for `nft list`.
func aclComment(subnet string, e netplane.ACLEntry) string {
	action := "deny"
	if e.Allow {
		action = "allow"
	}
	ports := ""
	if p := strings.ToLower(e.Protocol); (p == "6" || p == "tcp" || p == "17" || p == "udp") && !(e.FromPort == 0 && (e.ToPort == 0 || e.ToPort == 65535)) {
		ports = fmt.Sprintf(" %d-%d", e.FromPort, e.ToPort)
	}
	return fmt.Sprintf("%s %s #%d %s %s%s %s", subnet, way(e.Egress), e.RuleNumber, action, e.Protocol, ports, e.CIDR)
}

func way(egress bool) string {
	if egress {
		return "egress"
	}
	return "ingress"
}

func naclChain(subnet string, egress bool) string { return way(egress) + "-" + subnet }
