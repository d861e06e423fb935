package ec2

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"net/netip"

	"github.com/gureum/gureum/internal/store"
)

// IPv6 in gureum's VPCs is the control plane: Amazon-provided /56s for
// VPCs, /64s for subnets, addresses for network interfaces, routes with
// IPv6 destinations, as the API shows them. The addresses come from the
// documentation prefix 2001:db8::/32, so none can ever be one of the
// internet's. The data plane (netplane) carries IPv4 only.

// ipv6Space is where Amazon-provided IPv6 CIDRs come from.
var ipv6Space = netip.MustParsePrefix("2001:db8::/32")

// VpcIpv6CidrBlockAssociation is one IPv6 CIDR of a VPC.
type VpcIpv6CidrBlockAssociation struct {
	AssociationID        string         `xml:"associationId" json:"id"`
	Ipv6CidrBlock        string         `xml:"ipv6CidrBlock" json:"cidr"`
	State                cidrBlockState `xml:"ipv6CidrBlockState" json:"state"`
	NetworkBorderGroup   string         `xml:"networkBorderGroup" json:"nbg"`
	Ipv6Pool             string         `xml:"ipv6Pool" json:"pool"`
	Ipv6AddressAttribute string         `xml:"ipv6AddressAttribute" json:"attr,omitempty"`
	IPSource             string         `xml:"ipSource" json:"src,omitempty"`
}

// SubnetIpv6CidrBlockAssociation is a subnet's IPv6 CIDR.
type SubnetIpv6CidrBlockAssociation struct {
	AssociationID        string         `xml:"associationId" json:"id"`
	Ipv6CidrBlock        string         `xml:"ipv6CidrBlock" json:"cidr"`
	State                cidrBlockState `xml:"ipv6CidrBlockState" json:"state"`
	Ipv6AddressAttribute string         `xml:"ipv6AddressAttribute" json:"attr,omitempty"`
	IPSource             string         `xml:"ipSource" json:"src,omitempty"`
}

// NetworkInterfaceIpv6Address is one IPv6 address of a network interface.
type NetworkInterfaceIpv6Address struct {
	Ipv6Address   string `xml:"ipv6Address" json:"ip"`
	IsPrimaryIpv6 bool   `xml:"isPrimaryIpv6" json:"primary,omitempty"`
}

// checkIpv6Request checks a CreateVpc or AssociateVpcCidrBlock request's
// IPv6 part: only Amazon-provided blocks exist here (no BYOIP pools, no
// IPAM), in the region's one network border group.
func checkIpv6Request(sc scope, amazon bool, pool, cidr, ipamPool, borderGroup string) error {
	switch {
	case ipamPool != "":
		return errInvalidIpamPoolIdNotFound(ipamPool)
	case pool != "" && pool != "Amazon":
		return errInvalidIpv6PoolIDNotFound(pool)
	case cidr != "" && !amazon:
		return errMissingParameter("ipv6Pool")
	case amazon && (pool != "" || cidr != ""):
		return errInvalidParameterCombination("The parameter amazonProvidedIpv6CidrBlock cannot be used with the parameter ipv6Pool or ipv6CidrBlock")
	case borderGroup != "" && borderGroup != sc.region:
		return errInvalidParameterValue("The network border group '%s' is invalid.", borderGroup)
	}
	return nil
}

// addAmazonIpv6 gives a VPC a /56 from the Amazon pool, with its local
// route in every route table of the VPC.
func addAmazonIpv6(tx store.Tx, sc scope, vpc *Vpc) (*VpcIpv6CidrBlockAssociation, error) {
	n := 0
	for _, a := range vpc.Ipv6Association {
		if a.State.State == "associated" {
			n++
		}
	}
	if n >= 5 {
		return nil, errCidrLimitExceeded("This network '%s' has met its maximum number of allowed IPv6 CIDRs: 5", vpc.VpcID)
	}
	taken := map[netip.Prefix]bool{}
	if err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
		for _, a := range v.Ipv6Association {
			taken[netip.MustParsePrefix(a.Ipv6CidrBlock)] = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	var p netip.Prefix
	for {
		var r [4]byte
		rand.Read(r[:])
		b := ipv6Space.Addr().As16()
		// Bits 32..55: which /56 of the /32.
		b[4], b[5], b[6] = r[0], r[1], r[2]
		p = netip.PrefixFrom(netip.AddrFrom16(b), 56)
		if !taken[p] {
			break
		}
	}
	a := VpcIpv6CidrBlockAssociation{AssociationID: newID("vpc-cidr-assoc"), Ipv6CidrBlock: p.String(), State: cidrBlockState{"associated"},
		NetworkBorderGroup: sc.region, Ipv6Pool: "Amazon", Ipv6AddressAttribute: "public", IPSource: "amazon"}
	vpc.Ipv6Association = append(vpc.Ipv6Association, a)
	err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
		if r.VpcID != vpc.VpcID {
			return nil
		}
		r.Routes = append(r.Routes, Route{DestinationIpv6CidrBlock: a.Ipv6CidrBlock, GatewayID: "local", Origin: "CreateRouteTable", State: "active"})
		return putRes(tx, sc, r.RouteTableID, r)
	})
	if err != nil {
		return nil, err
	}
	return &a, putRes(tx, sc, vpc.VpcID, vpc)
}

// ipv6Prefixes is the VPC's associated IPv6 CIDRs.
func (v *Vpc) ipv6Prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, a := range v.Ipv6Association {
		if p, err := netip.ParsePrefix(a.Ipv6CidrBlock); err == nil && a.State.State == "associated" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Service) associateVpcIpv6(ctx context.Context, in *associateVpcCidrInput) (*associateVpcCidrOutput, error) {
	sc := scopeOf(ctx)
	if err := checkIpv6Request(sc, in.AmazonProvidedIpv6CidrBlock, in.Ipv6Pool, in.Ipv6CidrBlock, in.Ipv6IpamPoolId, in.Ipv6CidrBlockNetworkBorderGroup); err != nil {
		return nil, err
	}
	if in.CidrBlock != "" {
		return nil, errInvalidParameterCombination("The parameter cidrBlock cannot be used with the parameter amazonProvidedIpv6CidrBlock")
	}
	var a *VpcIpv6CidrBlockAssociation
	err := s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		a, err = addAmazonIpv6(tx, sc, vpc)
		return err
	})
	if err != nil {
		return nil, err
	}
	shown := *a
	shown.State.State = "associating"
	return &associateVpcCidrOutput{VpcID: in.VpcId, Ipv6CidrBlockAssociation: &shown}, nil
}

// disassociateVpcIpv6 removes the VPC's IPv6 CIDR with association id if
// it has it (ok); a subnet still in it is InvalidCidrBlock.InUse.
func disassociateVpcIpv6(tx store.Tx, sc scope, vpc *Vpc, id string) (*VpcIpv6CidrBlockAssociation, bool, error) {
	i := -1
	for j, a := range vpc.Ipv6Association {
		if a.AssociationID == id {
			i = j
		}
	}
	if i < 0 {
		return nil, false, nil
	}
	a := vpc.Ipv6Association[i]
	p := netip.MustParsePrefix(a.Ipv6CidrBlock)
	if err := scanRes(tx, sc, "subnet-", func(sub *Subnet) error {
		for _, sa := range sub.Ipv6CidrBlockAssociations {
			if sp, err := netip.ParsePrefix(sa.Ipv6CidrBlock); sub.VpcID == vpc.VpcID && err == nil && p.Contains(sp.Addr()) {
				return errInvalidCidrBlockInUse("The vpc %s currently has a subnet within CIDR block %s", vpc.VpcID, a.Ipv6CidrBlock)
			}
		}
		return nil
	}); err != nil {
		return nil, true, err
	}
	vpc.Ipv6Association = append(vpc.Ipv6Association[:i], vpc.Ipv6Association[i+1:]...)
	if err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
		if r.VpcID != vpc.VpcID {
			return nil
		}
		kept := r.Routes[:0]
		for _, rt := range r.Routes {
			if !(rt.GatewayID == "local" && rt.DestinationIpv6CidrBlock == a.Ipv6CidrBlock) {
				kept = append(kept, rt)
			}
		}
		r.Routes = kept
		return putRes(tx, sc, r.RouteTableID, r)
	}); err != nil {
		return nil, true, err
	}
	a.State.State = "disassociating"
	return &a, true, putRes(tx, sc, vpc.VpcID, vpc)
}

// parseSubnetIpv6 checks a subnet's IPv6 CIDR: a /64 inside one of the
// VPC's IPv6 CIDRs, overlapping no other subnet's.
func parseSubnetIpv6(tx store.Tx, sc scope, vpc *Vpc, subnetID, cidr string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
		return p, errInvalidParameterValue("Value (%s) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.", cidr)
	}
	p = p.Masked()
	inside := false
	for _, vp := range vpc.ipv6Prefixes() {
		inside = inside || (vp.Contains(p.Addr()) && p.Bits() >= vp.Bits())
	}
	if !inside || p.Bits() != 64 {
		return p, errInvalidSubnetRange("The IPv6 CIDR '%s' is invalid.", cidr)
	}
	err = scanRes(tx, sc, "subnet-", func(o *Subnet) error {
		if o.VpcID != vpc.VpcID || o.SubnetID == subnetID {
			return nil
		}
		for _, a := range o.Ipv6CidrBlockAssociations {
			if op, err := netip.ParsePrefix(a.Ipv6CidrBlock); err == nil && op.Overlaps(p) {
				return errInvalidSubnetConflict(cidr)
			}
		}
		return nil
	})
	return p, err
}

func newSubnetIpv6(p netip.Prefix) SubnetIpv6CidrBlockAssociation {
	return SubnetIpv6CidrBlockAssociation{AssociationID: newID("subnet-cidr-assoc"), Ipv6CidrBlock: p.String(), State: cidrBlockState{"associated"},
		Ipv6AddressAttribute: "public", IPSource: "amazon"}
}

// ipv6Prefix is the subnet's IPv6 CIDR, if it has one.
func (s *Subnet) ipv6Prefix() (netip.Prefix, bool) {
	for _, a := range s.Ipv6CidrBlockAssociations {
		if p, err := netip.ParsePrefix(a.Ipv6CidrBlock); err == nil && a.State.State == "associated" {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// allocateIpv6 takes an address of the subnet's /64: want if given, else
// one with a random interface identifier, as AWS hands them out.
func (s *Subnet) allocateIpv6(want string) (string, error) {
	p, ok := s.ipv6Prefix()
	if !ok {
		return "", errInvalidParameterValue("You specified an IPv6 address or count, but the subnet %s has no IPv6 CIDR block.", s.SubnetID)
	}
	taken := map[string]bool{}
	for _, u := range s.Used6 {
		taken[u] = true
	}
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !p.Contains(a) {
			return "", errInvalidParameterValue("Address %s does not fall within the subnet's address range", want)
		}
		if taken[a.String()] {
			return "", errInvalidIPAddressInUse(want)
		}
		s.Used6 = append(s.Used6, a.String())
		return a.String(), nil
	}
	for {
		var r [8]byte
		rand.Read(r[:])
		b := p.Addr().As16()
		binary.BigEndian.PutUint64(b[8:], binary.BigEndian.Uint64(r[:])|1<<16) // never one of the low, reserved ones
		a := netip.AddrFrom16(b).String()
		if !taken[a] {
			s.Used6 = append(s.Used6, a)
			return a, nil
		}
	}
}

// releaseIpv6 returns addresses to the subnet.
func (s *Subnet) releaseIpv6(addrs []NetworkInterfaceIpv6Address) {
	for _, a := range addrs {
		for i, u := range s.Used6 {
			if u == a.Ipv6Address {
				s.Used6 = append(s.Used6[:i], s.Used6[i+1:]...)
				break
			}
		}
	}
}

// assignIpv6 gives an interface count addresses, or the ones named.
func assignIpv6(sub *Subnet, eni *NetworkInterface, addrs []string, count int) error {
	if count > 0 && len(addrs) > 0 {
		return errInvalidParameterCombination("The parameters ipv6AddressCount and ipv6Addresses cannot be used together")
	}
	for range count {
		addrs = append(addrs, "")
	}
	for _, want := range addrs {
		a, err := sub.allocateIpv6(want)
		if err != nil {
			return err
		}
		eni.Ipv6Addresses = append(eni.Ipv6Addresses, NetworkInterfaceIpv6Address{Ipv6Address: a})
	}
	return nil
}

type associateSubnetCidrInput struct {
	SubnetId          string
	Ipv6CidrBlock     string
	Ipv6IpamPoolId    string
	Ipv6NetmaskLength *int32
}

type associateSubnetCidrOutput struct {
	SubnetID                 string                          `xml:"subnetId"`
	Ipv6CidrBlockAssociation *SubnetIpv6CidrBlockAssociation `xml:"ipv6CidrBlockAssociation"`
}

func (s *Service) associateSubnetCidrBlock(ctx context.Context, in *associateSubnetCidrInput) (*associateSubnetCidrOutput, error) {
	if in.SubnetId == "" {
		return nil, errMissingParameter("subnetId")
	}
	if in.Ipv6IpamPoolId != "" {
		return nil, errInvalidIpamPoolIdNotFound(in.Ipv6IpamPoolId)
	}
	if in.Ipv6CidrBlock == "" {
		return nil, errMissingParameter("ipv6CidrBlock")
	}
	sc := scopeOf(ctx)
	var a SubnetIpv6CidrBlockAssociation
	err := s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		if _, ok := sub.ipv6Prefix(); ok {
			return errInvalidParameterValue("The subnet '%s' already has an IPv6 CIDR block associated with it.", sub.SubnetID)
		}
		vpc, err := getVpc(tx, sc, sub.VpcID)
		if err != nil {
			return err
		}
		p, err := parseSubnetIpv6(tx, sc, vpc, sub.SubnetID, in.Ipv6CidrBlock)
		if err != nil {
			return err
		}
		a = newSubnetIpv6(p)
		sub.Ipv6CidrBlockAssociations = append(sub.Ipv6CidrBlockAssociations, a)
		return putRes(tx, sc, sub.SubnetID, sub)
	})
	if err != nil {
		return nil, err
	}
	a.State.State = "associating"
	return &associateSubnetCidrOutput{SubnetID: in.SubnetId, Ipv6CidrBlockAssociation: &a}, nil
}

type disassociateSubnetCidrInput struct {
	AssociationId string
}

func (s *Service) disassociateSubnetCidrBlock(ctx context.Context, in *disassociateSubnetCidrInput) (*associateSubnetCidrOutput, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("associationId")
	}
	sc := scopeOf(ctx)
	var out *associateSubnetCidrOutput
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return scanRes(tx, sc, "subnet-", func(sub *Subnet) error {
			for i, a := range sub.Ipv6CidrBlockAssociations {
				if a.AssociationID != in.AssociationId {
					continue
				}
				if sub.AssignIpv6AddressOnCreation {
					return errInvalidCidrBlockInUse("The subnet IPv6 CIDR block with association ID %s may not be disassociated, because its subnet has assign-ipv6-address-on-creation set to true.", a.AssociationID)
				}
				if len(sub.Used6) > 0 {
					return errInvalidCidrBlockInUse("The subnet IPv6 CIDR block with association ID %s may not be disassociated, because there are network interfaces with IPv6 addresses in its subnet %s.", a.AssociationID, sub.SubnetID)
				}
				sub.Ipv6CidrBlockAssociations = append(sub.Ipv6CidrBlockAssociations[:i], sub.Ipv6CidrBlockAssociations[i+1:]...)
				a.State.State = "disassociating"
				out = &associateSubnetCidrOutput{SubnetID: sub.SubnetID, Ipv6CidrBlockAssociation: &a}
				return putRes(tx, sc, sub.SubnetID, sub)
			}
			return nil
		})
	})
	if err == nil && out == nil {
		err = errInvalidSubnetCidrBlockAssociationIDNotFound(in.AssociationId)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
