package ec2

import (
	"context"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Subnet is EC2's Subnet.
type Subnet struct {
	SubnetID                    string                           `xml:"subnetId" json:"id"`
	SubnetArn                   string                           `xml:"subnetArn" json:"arn"`
	VpcID                       string                           `xml:"vpcId" json:"vpc"`
	OwnerID                     string                           `xml:"ownerId" json:"owner"`
	State                       string                           `xml:"state" json:"state"`
	CidrBlock                   string                           `xml:"cidrBlock" json:"cidr"`
	AvailableIPAddressCount     int                              `xml:"availableIpAddressCount" json:"-"`
	AvailabilityZone            string                           `xml:"availabilityZone" json:"az"`
	AvailabilityZoneID          string                           `xml:"availabilityZoneId" json:"azid"`
	DefaultForAz                bool                             `xml:"defaultForAz" json:"defaultForAz"`
	MapPublicIPOnLaunch         bool                             `xml:"mapPublicIpOnLaunch" json:"mapPublic"`
	AssignIpv6AddressOnCreation bool                             `xml:"assignIpv6AddressOnCreation" json:"assign6,omitempty"`
	Tags                        []Tag                            `xml:"tagSet>item" json:"tags,omitempty"`
	Ipv6CidrBlockAssociations   []SubnetIpv6CidrBlockAssociation `xml:"ipv6CidrBlockAssociationSet>item" json:"v6,omitempty"`
	MapCustomerOwnedIPOnLaunch  bool                             `xml:"mapCustomerOwnedIpOnLaunch" json:"-"`
	EnableDns64                 bool                             `xml:"enableDns64" json:"dns64,omitempty"`
	Ipv6Native                  bool                             `xml:"ipv6Native" json:"-"`
	PrivateDNSNameOptions       subnetPrivateDNSOptions          `xml:"privateDnsNameOptionsOnLaunch" json:"pdnso,omitzero"`
	// Used holds the private addresses taken in the subnet (by network
	// interfaces and NAT gateways), so free addresses can be counted and
	// handed out.
	Used []string `xml:"-" json:"used,omitempty"`
	// Used6 is the IPv6 addresses taken in the subnet.
	Used6 []string `xml:"-" json:"used6,omitempty"`
}

func newSubnet(sc scope, vpcID, cidr, zone, zoneID string) *Subnet {
	id := newID("subnet")
	return &Subnet{SubnetID: id, SubnetArn: "arn:aws:ec2:" + sc.region + ":" + sc.acct + ":subnet/" + id, VpcID: vpcID, OwnerID: sc.acct,
		State: "available", CidrBlock: cidr, AvailabilityZone: zone, AvailabilityZoneID: zoneID}
}

// reserved is how many addresses AWS keeps in every subnet: the network
// address, .1 (router), .2 (DNS), .3 (future) and the broadcast address.
const reserved = 5

// size is the number of addresses in the subnet's CIDR.
func (s *Subnet) size() int {
	p, err := netip.ParsePrefix(s.CidrBlock)
	if err != nil {
		return 0
	}
	return 1 << (32 - p.Bits())
}

func (s *Subnet) fill() {
	s.AvailableIPAddressCount = s.size() - reserved - len(s.Used)
	if s.PrivateDNSNameOptions.HostnameType == "" {
		s.PrivateDNSNameOptions.HostnameType = "ip-name"
	}
}

// allocateIP takes a free address: want if given (it must be in the
// subnet, not reserved and not taken), else the lowest free one.
func (s *Subnet) allocateIP(want string) (string, error) {
	p, _ := netip.ParsePrefix(s.CidrBlock)
	taken := map[string]bool{}
	for _, u := range s.Used {
		taken[u] = true
	}
	first := p.Addr()
	b := first.As4()
	n := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n += uint32(s.size() - 1)
	last := netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	if want != "" {
		a, err := netip.ParseAddr(want)
		if err != nil || !p.Contains(a) {
			return "", errInvalidParameterValue("Address %s does not fall within the subnet's address range", want)
		}
		if a.Compare(first.Next().Next().Next()) <= 0 || a == last {
			return "", errInvalidParameterValue("Address %s is in subnet's reserved address range", want)
		}
		if taken[want] {
			return "", errInvalidIPAddressInUse(want)
		}
		s.Used = append(s.Used, want)
		return want, nil
	}
	a := first.Next().Next().Next().Next()
	for ; a.Compare(last) < 0; a = a.Next() {
		if !taken[a.String()] {
			s.Used = append(s.Used, a.String())
			return a.String(), nil
		}
	}
	return "", errInsufficientFreeAddressesInSubnet(s.SubnetID)
}

// releaseIP returns an address to the subnet.
func (s *Subnet) releaseIP(ip string) {
	for i, u := range s.Used {
		if u == ip {
			s.Used = append(s.Used[:i], s.Used[i+1:]...)
			return
		}
	}
}

func getSubnet(tx store.Tx, sc scope, id string) (*Subnet, error) {
	s, err := getRes[Subnet](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "subnet-")) {
		return nil, errNotFound("InvalidSubnetID.NotFound", "subnet", id)
	}
	if err == nil {
		s.fill()
	}
	return s, err
}

type createSubnetInput struct {
	VpcId              string
	CidrBlock          string
	Ipv6CidrBlock      string
	Ipv6Native         bool
	Ipv4IpamPoolId     string
	Ipv6IpamPoolId     string
	AvailabilityZone   string
	AvailabilityZoneId string
	TagSpecification   []TagSpecification
	DryRun             bool
}

type subnetOutput struct {
	Subnet *Subnet `xml:"subnet"`
}

func (s *Service) createSubnet(ctx context.Context, in *createSubnetInput) (*subnetOutput, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	if in.Ipv4IpamPoolId+in.Ipv6IpamPoolId != "" {
		return nil, errInvalidIpamPoolIdNotFound(in.Ipv4IpamPoolId + in.Ipv6IpamPoolId)
	}
	if in.Ipv6Native {
		// An IPv6-only subnet has no IPv4 network for gureum's data plane.
		return nil, errUnsupportedOperation("IPv6-only subnets are not supported by gureum: its data plane is IPv4.")
	}
	if in.CidrBlock == "" {
		return nil, errMissingParameter("cidrBlock")
	}
	p, err := parseCIDR("cidrBlock", in.CidrBlock)
	if err != nil {
		return nil, err
	}
	tags, err := tagsFor(in.TagSpecification, "subnet")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	zs := zones(sc.region)
	zone, zid := zs[0], zoneID(sc.region, 0)
	if in.AvailabilityZone != "" || in.AvailabilityZoneId != "" {
		found := false
		for i, z := range zs {
			if z == in.AvailabilityZone || zoneID(sc.region, i) == in.AvailabilityZoneId {
				zone, zid, found = z, zoneID(sc.region, i), true
			}
		}
		if !found {
			return nil, errInvalidParameterValue("Value (%s) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: %s.",
				in.AvailabilityZone+in.AvailabilityZoneId, strings.Join(zs, ", "))
		}
	}
	var sub *Subnet
	err = s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		inside := false
		for _, vp := range vpc.prefixes() {
			if vp.Bits() <= p.Bits() && vp.Contains(p.Addr()) {
				inside = true
			}
		}
		if !inside || p.Bits() < 16 || p.Bits() > 28 {
			return errInvalidSubnetRange("The CIDR '%s' is invalid.", in.CidrBlock)
		}
		err = scanRes(tx, sc, "subnet-", func(o *Subnet) error {
			if o.VpcID != vpc.VpcID {
				return nil
			}
			if op, err := netip.ParsePrefix(o.CidrBlock); err == nil && op.Overlaps(p) {
				return errInvalidSubnetConflict(in.CidrBlock)
			}
			return nil
		})
		if err != nil {
			return err
		}
		sub = newSubnet(sc, vpc.VpcID, p.String(), zone, zid)
		sub.Tags = tags
		if in.Ipv6CidrBlock != "" {
			p6, err := parseSubnetIpv6(tx, sc, vpc, sub.SubnetID, in.Ipv6CidrBlock)
			if err != nil {
				return err
			}
			sub.Ipv6CidrBlockAssociations = []SubnetIpv6CidrBlockAssociation{newSubnetIpv6(p6)}
		}
		return putRes(tx, sc, sub.SubnetID, sub)
	})
	if err != nil {
		return nil, err
	}
	sub.fill()
	return &subnetOutput{sub}, nil
}

type createDefaultSubnetInput struct {
	AvailabilityZone string
	DryRun           bool
}

func (s *Service) createDefaultSubnet(ctx context.Context, in *createDefaultSubnetInput) (*subnetOutput, error) {
	sc := scopeOf(ctx)
	var sub *Subnet
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var vpc *Vpc
		if err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
			if v.IsDefault {
				vpc = v
			}
			return nil
		}); err != nil {
			return err
		}
		if vpc == nil {
			return errDefaultVpcDoesNotExist()
		}
		zi := -1
		for i, z := range zones(sc.region) {
			if z == in.AvailabilityZone {
				zi = i
			}
		}
		if zi < 0 {
			return errInvalidParameterValue("Value (%s) for parameter availabilityZone is invalid.", in.AvailabilityZone)
		}
		exists := false
		if err := scanRes(tx, sc, "subnet-", func(o *Subnet) error {
			exists = exists || (o.DefaultForAz && o.AvailabilityZone == in.AvailabilityZone && o.VpcID == vpc.VpcID)
			return nil
		}); err != nil {
			return err
		}
		if exists {
			return errDefaultSubnetAlreadyExistsInAvailabilityZone(in.AvailabilityZone)
		}
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 31, byte(16 * zi), 0}), 20).String()
		sub = newSubnet(sc, vpc.VpcID, cidr, in.AvailabilityZone, zoneID(sc.region, zi))
		sub.DefaultForAz, sub.MapPublicIPOnLaunch = true, true
		return putRes(tx, sc, sub.SubnetID, sub)
	})
	if err != nil {
		return nil, err
	}
	sub.fill()
	return &subnetOutput{sub}, nil
}

type describeSubnetsInput struct {
	SubnetId   []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeSubnetsOutput struct {
	Subnets   []*Subnet `xml:"subnetSet>item"`
	NextToken string    `xml:"nextToken,omitempty"`
}

func (s *Subnet) filter(name string) ([]string, bool) {
	v6s := func(f func(SubnetIpv6CidrBlockAssociation) string) ([]string, bool) {
		var out []string
		for _, a := range s.Ipv6CidrBlockAssociations {
			out = append(out, f(a))
		}
		return out, true
	}
	switch name {
	case "subnet-id":
		return []string{s.SubnetID}, true
	case "vpc-id":
		return []string{s.VpcID}, true
	case "cidr-block", "cidr", "cidrBlock":
		return []string{s.CidrBlock}, true
	case "availability-zone", "availabilityZone":
		return []string{s.AvailabilityZone}, true
	case "availability-zone-id", "availabilityZoneId":
		return []string{s.AvailabilityZoneID}, true
	case "default-for-az", "defaultForAz":
		return []string{boolStr(s.DefaultForAz)}, true
	case "map-public-ip-on-launch":
		return []string{boolStr(s.MapPublicIPOnLaunch)}, true
	case "state":
		return []string{s.State}, true
	case "owner-id":
		return []string{s.OwnerID}, true
	case "subnet-arn":
		return []string{s.SubnetArn}, true
	case "available-ip-address-count":
		return []string{itoa(s.AvailableIPAddressCount)}, true
	case "ipv6-cidr-block-association.ipv6-cidr-block":
		return v6s(func(a SubnetIpv6CidrBlockAssociation) string { return a.Ipv6CidrBlock })
	case "ipv6-cidr-block-association.association-id":
		return v6s(func(a SubnetIpv6CidrBlockAssociation) string { return a.AssociationID })
	case "ipv6-cidr-block-association.state":
		return v6s(func(a SubnetIpv6CidrBlockAssociation) string { return a.State.State })
	case "ipv6-native":
		return []string{boolStr(s.Ipv6Native)}, true
	case "outpost-arn":
		return nil, true // none on an Outpost
	case "enable-dns64":
		return []string{boolStr(s.EnableDns64)}, true
	case "assign-ipv6-address-on-creation":
		return []string{boolStr(s.AssignIpv6AddressOnCreation)}, true
	}
	return nil, false
}

func (s *Service) describeSubnets(ctx context.Context, in *describeSubnetsInput) (*describeSubnetsOutput, error) {
	items, next, err := describeRes(s, ctx, "subnet-", in.SubnetId, getSubnet, func(sub *Subnet) string { return sub.SubnetID },
		func(_ store.Tx, _ scope, sub *Subnet) (bool, error) {
			sub.fill()
			return matchFilters(in.Filter, sub.Tags, sub.filter)
		},
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSubnetsOutput{Subnets: items, NextToken: next}, nil
}

type subnetIDInput struct {
	SubnetId string
	DryRun   bool
}

func (s *Service) deleteSubnet(ctx context.Context, in *subnetIDInput) (*returnTrue, error) {
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		if len(sub.Used) > 0 {
			return errDependency("The subnet '%s' has dependencies and cannot be deleted.", sub.SubnetID)
		}
		// An Interface VPC endpoint's interfaces (which gureum does not
		// make) would be in the subnet.
		if err := scanRes(tx, sc, "vpce-", func(e *VpcEndpoint) error {
			if contains(e.SubnetIDs, sub.SubnetID) {
				return errDependency("The subnet '%s' has dependencies and cannot be deleted.", sub.SubnetID)
			}
			return nil
		}); err != nil {
			return err
		}
		// Its route table and network ACL associations go with it.
		if err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
			kept := r.Associations[:0]
			for _, a := range r.Associations {
				if a.SubnetID != sub.SubnetID {
					kept = append(kept, a)
				}
			}
			if len(kept) != len(r.Associations) {
				r.Associations = kept
				return putRes(tx, sc, r.RouteTableID, r)
			}
			return nil
		}); err != nil {
			return err
		}
		if err := scanRes(tx, sc, "acl-", func(a *NetworkACL) error {
			kept := a.Associations[:0]
			for _, as := range a.Associations {
				if as.SubnetID != sub.SubnetID {
					kept = append(kept, as)
				}
			}
			if len(kept) != len(a.Associations) {
				a.Associations = kept
				return putRes(tx, sc, a.NetworkACLID, a)
			}
			return nil
		}); err != nil {
			return err
		}
		return delRes(tx, sc, sub.SubnetID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// subnetPrivateDNSOptions is a subnet's PrivateDnsNameOptionsOnLaunch.
type subnetPrivateDNSOptions struct {
	HostnameType                    string `xml:"hostnameType" json:"type,omitempty"`
	EnableResourceNameDnsARecord    bool   `xml:"enableResourceNameDnsARecord" json:"a,omitempty"`
	EnableResourceNameDnsAAAARecord bool   `xml:"enableResourceNameDnsAAAARecord" json:"aaaa,omitempty"`
}

type modifySubnetAttributeInput struct {
	SubnetId                                string
	MapPublicIpOnLaunch                     *attributeBooleanValue
	AssignIpv6AddressOnCreation             *attributeBooleanValue
	EnableDns64                             *attributeBooleanValue
	EnableResourceNameDnsARecordOnLaunch    *attributeBooleanValue
	EnableResourceNameDnsAAAARecordOnLaunch *attributeBooleanValue
	PrivateDnsHostnameTypeOnLaunch          string
	MapCustomerOwnedIpOnLaunch              *attributeBooleanValue
	CustomerOwnedIpv4Pool                   string
	EnableLniAtDeviceIndex                  *int32
	DisableLniAtDeviceIndex                 *attributeBooleanValue
	DryRun                                  bool
}

func (s *Service) modifySubnetAttribute(ctx context.Context, in *modifySubnetAttributeInput) (*returnTrue, error) {
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		set := func(a *attributeBooleanValue, to *bool) {
			if a != nil && a.Value != nil {
				*to = *a.Value
			}
		}
		set(in.MapPublicIpOnLaunch, &sub.MapPublicIPOnLaunch)
		if a := in.AssignIpv6AddressOnCreation; a != nil && a.Value != nil {
			if _, has := sub.ipv6Prefix(); *a.Value && !has {
				// Without an IPv6 CIDR there is nothing to assign from.
				return errInvalidParameterValue("Invalid value 'true' for assign-ipv6-address-on-creation. Cannot set assign-ipv6-address-on-creation to true unless the subnet (%s) has an IPv6 CIDR block associated with it.", sub.SubnetID)
			}
			sub.AssignIpv6AddressOnCreation = *a.Value
		}
		if a := in.MapCustomerOwnedIpOnLaunch; a != nil && a.Value != nil && *a.Value || in.CustomerOwnedIpv4Pool != "" || in.EnableLniAtDeviceIndex != nil {
			return errInvalidParameterValue("This attribute is only supported for subnets on an Outpost.")
		}
		set(in.EnableDns64, &sub.EnableDns64)
		sub.fill()
		o := &sub.PrivateDNSNameOptions
		set(in.EnableResourceNameDnsARecordOnLaunch, &o.EnableResourceNameDnsARecord)
		set(in.EnableResourceNameDnsAAAARecordOnLaunch, &o.EnableResourceNameDnsAAAARecord)
		switch t := in.PrivateDnsHostnameTypeOnLaunch; t {
		case "":
		case "ip-name", "resource-name":
			o.HostnameType = t
		default:
			return errInvalidParameterValue("Value (%s) for parameter PrivateDnsHostnameTypeOnLaunch is invalid. Valid values are: ip-name, resource-name.", t)
		}
		return putRes(tx, sc, sub.SubnetID, sub)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
