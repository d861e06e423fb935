package ec2

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/netplane"
	"github.com/gureum/gureum/internal/store"
)

// readRouting reads, per VPC of a scope, the routing and network ACLs its
// network must have: each subnet's routes (its associated route table, or
// the main one), the attached internet gateway, public and Elastic IPs,
// available NAT gateways, and each subnet's ACL entries.
func (s *Service) readRouting(tx store.Tx, sc scope, n *scopeNet) (map[string]*netplane.Routing, map[string]map[string][]netplane.ACLEntry, error) {
	routing := map[string]*netplane.Routing{}
	for _, v := range n.vpcs {
		routing[v.VpcID] = &netplane.Routing{VpcID: v.VpcID, Routes: map[string][]netplane.Route{}}
	}
	igws, err := listRes[InternetGateway](tx, sc, "igw-")
	if err != nil {
		return nil, nil, err
	}
	for _, g := range igws {
		for _, a := range g.Attachments {
			if r := routing[a.VpcID]; r != nil && (a.State == "" || a.State == "available" || a.State == "attached") {
				r.InternetGateway = g.InternetGatewayID
			}
		}
	}
	nats, err := listRes[NatGateway](tx, sc, "nat-")
	if err != nil {
		return nil, nil, err
	}
	natOK := map[string]bool{}
	for _, g := range nats {
		r := routing[g.VpcID]
		if r == nil || g.State != "available" || len(g.NatGatewayAddresses) == 0 {
			continue
		}
		a := g.NatGatewayAddresses[0]
		priv, err1 := netip.ParseAddr(a.PrivateIP)
		pub, err2 := netip.ParseAddr(a.PublicIP)
		if err1 != nil || err2 != nil {
			continue
		}
		natOK[g.NatGatewayID] = true
		r.NATGateways = append(r.NATGateways, netplane.NATGateway{ID: g.NatGatewayID, SubnetID: g.SubnetID, PrivateIP: priv, PublicIP: pub})
	}
	// Public IPs of running instances' interfaces (a stopped instance's
	// Elastic IP stays associated but nothing answers behind it).
	enis := map[string]*NetworkInterface{}
	for _, w := range n.ifaces {
		enis[w.eni.NetworkInterfaceID] = w.eni
		r := routing[w.eni.VpcID]
		if r == nil {
			continue
		}
		add := func(private string, a *NetworkInterfaceAssociation) {
			if a == nil {
				return
			}
			priv, err1 := netip.ParseAddr(private)
			pub, err2 := netip.ParseAddr(a.PublicIP)
			if err1 == nil && err2 == nil {
				r.PublicIPs = append(r.PublicIPs, netplane.PublicIP{Private: priv, Public: pub})
			}
		}
		add(w.eni.PrivateIPAddress, w.eni.Association)
		for _, ip := range w.eni.SecondaryIPs {
			add(ip, w.eni.SecondaryAssociations[ip])
		}
	}
	tables, err := listRes[RouteTable](tx, sc, "rtb-")
	if err != nil {
		return nil, nil, err
	}
	main := map[string]*RouteTable{}
	assoc := map[string]*RouteTable{}
	for _, t := range tables {
		for _, a := range t.Associations {
			if a.Main {
				main[t.VpcID] = t
			} else if a.SubnetID != "" {
				assoc[a.SubnetID] = t
			}
		}
	}
	for _, sn := range n.subnets {
		r := routing[sn.VpcID]
		if r == nil {
			continue
		}
		t := assoc[sn.SubnetID]
		if t == nil {
			t = main[sn.VpcID]
		}
		if t == nil {
			continue
		}
		var routes []netplane.Route
		for _, rt := range t.Routes {
			if rt.GatewayID == "local" {
				continue
			}
			dst, err := netip.ParsePrefix(rt.DestinationCidrBlock)
			if err != nil || !dst.Addr().Is4() {
				continue
			}
			out := netplane.Route{Dest: dst.Masked()}
			switch {
			case strings.HasPrefix(rt.GatewayID, "igw-"):
				if rt.GatewayID == r.InternetGateway {
					out.InternetGateway = rt.GatewayID
				} else {
					out.Blackhole = true
				}
			case rt.NatGatewayID != "":
				if natOK[rt.NatGatewayID] {
					out.NATGateway = rt.NatGatewayID
				} else {
					out.Blackhole = true
				}
			case rt.NetworkInterfaceID != "":
				e := enis[rt.NetworkInterfaceID]
				ip, err := netip.ParseAddr("")
				if e != nil {
					ip, err = netip.ParseAddr(e.PrivateIPAddress)
				}
				if err == nil {
					out.NextHop = ip
				} else {
					out.Blackhole = true
				}
			default:
				out.Blackhole = true
			}
			routes = append(routes, out)
		}
		r.Routes[sn.SubnetID] = routes
	}
	acls, err := s.readACLs(tx, sc, n)
	return routing, acls, err
}

// readACLs returns, per VPC, each subnet's network ACL entries.
func (s *Service) readACLs(tx store.Tx, sc scope, n *scopeNet) (map[string]map[string][]netplane.ACLEntry, error) {
	all, err := listRes[NetworkACL](tx, sc, "acl-")
	if err != nil {
		return nil, err
	}
	byID := map[string]*NetworkACL{}
	deflt := map[string]*NetworkACL{}
	of := map[string]*NetworkACL{}
	for _, a := range all {
		byID[a.NetworkACLID] = a
		if a.IsDefault {
			deflt[a.VpcID] = a
		}
		for _, as := range a.Associations {
			of[as.SubnetID] = a
		}
	}
	out := map[string]map[string][]netplane.ACLEntry{}
	for _, sn := range n.subnets {
		a := of[sn.SubnetID]
		if a == nil {
			a = deflt[sn.VpcID]
		}
		if a == nil {
			continue
		}
		if out[sn.VpcID] == nil {
			out[sn.VpcID] = map[string][]netplane.ACLEntry{}
		}
		out[sn.VpcID][sn.SubnetID] = aclEntries(a.Entries)
	}
	return out, nil
}

// aclEntries converts a network ACL's entries (IPv4 only), in rule-number
// order.
func aclEntries(es []NetworkACLEntry) []netplane.ACLEntry {
	var out []netplane.ACLEntry
	for _, e := range es {
		p, err := netip.ParsePrefix(e.CidrBlock)
		if err != nil || !p.Addr().Is4() {
			continue
		}
		proto := strings.ToLower(e.Protocol)
		switch proto {
		case "all":
			proto = "-1"
		case "tcp":
			proto = "6"
		case "udp":
			proto = "17"
		case "icmp":
			proto = "1"
		}
		if _, err := strconv.Atoi(proto); err != nil {
			continue
		}
		x := netplane.ACLEntry{RuleNumber: e.RuleNumber, Egress: e.Egress, Protocol: proto, CIDR: p.Masked(), Allow: e.RuleAction == "allow", FromPort: 0, ToPort: 65535}
		if e.PortRange != nil {
			x.FromPort, x.ToPort = e.PortRange.From, e.PortRange.To
		}
		out = append(out, x)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].RuleNumber < out[j].RuleNumber })
	return out
}
