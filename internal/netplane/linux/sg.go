package linux

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/netplane"
)

// sgTableName is the inet table holding a VPC's security groups.
const sgTableName = "gureum"

// SetSecurityGroups implements netplane.Dataplane. It builds the VPC's
// whole security-group table and swaps it in with one atomic nftables
// batch, so packets see either the old rules or the new ones, and tracked
// connections survive the swap.
func (d *Dataplane) SetSecurityGroups(ctx context.Context, vpcID string, groups []netplane.SecurityGroup, members []netplane.Interface) error {
	if err := netplane.ValidateID("VPC id", vpcID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t, warnings, err := sgTable(vpcID, groups, members)
	if err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: security groups: %w", vpcID, err)
	}
	for _, w := range warnings {
		d.log.Debug("netplane: security group rule skipped", "vpc", vpcID, "why", w)
	}
	defer d.locks.lock(vpcID)()
	path := d.nsPath(vpcID)
	if ok, err := isNS(path); err != nil || !ok {
		return fmt.Errorf("netplane/linux: VPC %s: security groups: %w", vpcID, notFoundOr(err, "VPC "+vpcID+" has no network namespace"))
	}
	if err := applyTables(path, []table{t}, nil); err != nil {
		return fmt.Errorf("netplane/linux: VPC %s: security groups: %w", vpcID, err)
	}
	d.log.Debug("netplane: security groups applied", "vpc", vpcID, "groups", len(groups), "members", len(members))
	return nil
}

// sgTable builds the VPC's security-group table:
//
//   - a set m-<sg> of the member IPs of every group that a rule references;
//   - a base chain "forward" that sends each member's traffic to its chains,
//     first every egress jump (by source address), then every ingress jump
//     (by destination address), and accepts everything else;
//   - per member a chain out-<eni> and in-<eni>: established and related
//     traffic is accepted, invalid dropped, then the rules of its groups,
//     then drop.
//
// An egress rule that allows returns to the base chain, so that the
// destination's ingress chain still decides (accept would end the
// evaluation); an ingress rule accepts. It also returns warnings for rules
// that cannot apply yet (IPv6).
func sgTable(vpcID string, groups []netplane.SecurityGroup, members []netplane.Interface) (table, []string, error) {
	byID := make(map[string]netplane.SecurityGroup, len(groups))
	for _, g := range groups {
		if err := netplane.ValidateID("security group id", g.ID); err != nil {
			return table{}, nil, err
		}
		if g.VpcID != "" && g.VpcID != vpcID {
			return table{}, nil, fmt.Errorf("%w: security group %s belongs to %s", netplane.ErrInvalid, g.ID, g.VpcID)
		}
		if _, dup := byID[g.ID]; dup {
			return table{}, nil, fmt.Errorf("%w: security group %s given twice", netplane.ErrInvalid, g.ID)
		}
		byID[g.ID] = g
	}
	members = slices.Clone(members)
	slices.SortFunc(members, func(a, b netplane.Interface) int { return strings.Compare(a.ID, b.ID) })
	ips := make(map[netip.Addr]string, len(members))
	for i, m := range members {
		if err := netplane.ValidateID("interface id", m.ID); err != nil {
			return table{}, nil, err
		}
		if i > 0 && members[i-1].ID == m.ID {
			return table{}, nil, fmt.Errorf("%w: interface %s given twice", netplane.ErrInvalid, m.ID)
		}
		if m.VpcID != "" && m.VpcID != vpcID {
			return table{}, nil, fmt.Errorf("%w: interface %s belongs to %s", netplane.ErrInvalid, m.ID, m.VpcID)
		}
		if !m.IP.Is4() {
			return table{}, nil, fmt.Errorf("%w: interface %s: IP %v is not IPv4", netplane.ErrInvalid, m.ID, m.IP)
		}
		for _, a := range m.Addrs() {
			if other, dup := ips[a]; dup {
				return table{}, nil, fmt.Errorf("%w: interfaces %s and %s both have %v", netplane.ErrInvalid, other, m.ID, a)
			}
			ips[a] = m.ID
		}
	}

	t := table{family: familyInet, name: sgTableName}
	var warnings []string

	// Sets of the referenced groups' members.
	referenced := map[string]bool{}
	for _, g := range groups {
		for _, r := range g.Rules {
			if r.Group != "" {
				referenced[r.Group] = true
			}
		}
	}
	for _, gid := range sortedKeys(referenced) {
		s := set{name: setName(gid), comment: "members of " + gid}
		for _, m := range members {
			if slices.Contains(m.Groups, gid) {
				s.elems = append(s.elems, m.Addrs()...)
			}
		}
		slices.SortFunc(s.elems, netip.Addr.Compare)
		t.sets = append(t.sets, s)
	}

	fwd := chain{name: "forward", hook: hookForward, priority: 0}
	var perMember []chain
	for _, egress := range []bool{true, false} {
		for _, m := range members {
			name, what := inChain(m.ID), "ingress"
			if egress {
				name, what = outChain(m.ID), "egress"
			}
			for _, a := range m.Addrs() {
				fwd.rules = append(fwd.rules, rule{
					match:   []match{matchIPv4{}, matchIP{dst: !egress, prefix: netip.PrefixFrom(a, 32)}},
					verdict: verdict{kind: verdictJump, chain: name},
					comment: m.ID + " " + what,
				})
			}
			c := chain{name: name, rules: []rule{
				{match: []match{matchCtState{ctEstablished | ctRelated}}, verdict: verdict{kind: verdictAccept}, comment: m.ID + " established"},
				{match: []match{matchCtState{ctInvalid}}, verdict: verdict{kind: verdictDrop}, comment: m.ID + " invalid"},
			}}
			allow := verdict{kind: verdictAccept}
			if egress {
				allow = verdict{kind: verdictReturn}
			}
			seen := map[string]bool{}
			for _, gid := range m.Groups {
				if seen[gid] {
					continue
				}
				seen[gid] = true
				g, ok := byID[gid]
				if !ok {
					warnings = append(warnings, fmt.Sprintf("interface %s: security group %s not given; it allows nothing", m.ID, gid))
					continue
				}
				for i, r := range g.Rules {
					if r.Egress != egress {
						continue
					}
					ms, skip, err := ruleMatch(r)
					if err != nil {
						return table{}, nil, fmt.Errorf("%w: security group %s rule %d: %v", netplane.ErrInvalid, g.ID, i, err)
					}
					if skip != "" {
						warnings = append(warnings, fmt.Sprintf("security group %s rule %d: %s", g.ID, i, skip))
						continue
					}
					c.rules = append(c.rules, rule{match: ms, verdict: allow, comment: ruleComment(g.ID, i, r)})
				}
			}
			c.rules = append(c.rules, rule{verdict: verdict{kind: verdictDrop}, comment: m.ID + " default deny " + what})
			perMember = append(perMember, c)
		}
	}
	t.chains = append([]chain{fwd}, perMember...)
	return t, warnings, nil
}

// ruleMatch returns the matches of a rule, or why it is skipped.
func ruleMatch(r netplane.Rule) (ms []match, skip string, err error) {
	ms = []match{matchIPv4{}}
	switch {
	case r.Group != "" && r.CIDR.IsValid():
		return nil, "", fmt.Errorf("both a CIDR and a group")
	case r.Group != "":
		ms = append(ms, matchIPSet{dst: r.Egress, set: setName(r.Group)})
	case !r.CIDR.IsValid():
		return nil, "", fmt.Errorf("neither a CIDR nor a group")
	case !r.CIDR.Addr().Is4():
		return nil, "IPv6 CIDR " + r.CIDR.String() + " (IPv4 only for now)", nil
	case r.CIDR.Bits() > 0:
		ms = append(ms, matchIP{dst: r.Egress, prefix: r.CIDR.Masked()})
	}
	switch p := strings.ToLower(r.Protocol); p {
	case "-1", "all":
	case "tcp", "6", "udp", "17":
		proto := uint8(6)
		if p == "udp" || p == "17" {
			proto = 17
		}
		ms = append(ms, matchL4Proto{proto})
		from, to := r.FromPort, r.ToPort
		if from == -1 && to == -1 || from == 0 && to == 65535 {
			break
		}
		if from < 0 || to > 65535 || from > to {
			return nil, "", fmt.Errorf("port range %d-%d", from, to)
		}
		ms = append(ms, matchDport{uint16(from), uint16(to)})
	case "icmp", "1":
		ms = append(ms, matchL4Proto{1})
		if r.FromPort < -1 || r.FromPort > 255 || r.ToPort < -1 || r.ToPort > 255 {
			return nil, "", fmt.Errorf("ICMP type %d code %d", r.FromPort, r.ToPort)
		}
		if r.FromPort >= 0 {
			ms = append(ms, matchICMP{v: uint8(r.FromPort)})
			if r.ToPort >= 0 {
				ms = append(ms, matchICMP{code: true, v: uint8(r.ToPort)})
			}
		}
	case "icmpv6", "58":
		return nil, "ICMPv6 (IPv4 only for now)", nil
	default:
		n, err := strconv.ParseUint(p, 10, 8)
		if err != nil {
			return nil, "", fmt.Errorf("protocol %q", r.Protocol)
		}
		ms = append(ms, matchL4Proto{uint8(n)})
	}
	return ms, "", nil
}

// ruleComment names a rule's owner for `nft list`: the group, the rule's
// index and what it allows.
func ruleComment(gid string, i int, r netplane.Rule) string {
	peer := r.Group
	if peer == "" {
		peer = r.CIDR.String()
	}
	way, prep := "ingress", "from"
	if r.Egress {
		way, prep = "egress", "to"
	}
	ports := ""
	switch p := strings.ToLower(r.Protocol); {
	case p == "-1" || p == "all" || r.FromPort == -1 && r.ToPort == -1:
	case p == "icmp" || p == "1":
		ports = fmt.Sprintf(" type %d code %d", r.FromPort, r.ToPort)
	case p != "tcp" && p != "6" && p != "udp" && p != "17":
	case r.FromPort == r.ToPort:
		ports = fmt.Sprintf(" %d", r.FromPort)
	default:
		ports = fmt.Sprintf(" %d-%d", r.FromPort, r.ToPort)
	}
	return fmt.Sprintf("%s %s #%d %s%s %s %s", gid, way, i, r.Protocol, ports, prep, peer)
}

func setName(gid string) string      { return "m-" + gid }
func inChain(ifaceID string) string  { return "in-" + ifaceID }
func outChain(ifaceID string) string { return "out-" + ifaceID }

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
