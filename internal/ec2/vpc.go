package ec2

import (
	"context"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Vpc is EC2's Vpc.
type Vpc struct {
	VpcID           string                        `xml:"vpcId" json:"id"`
	OwnerID         string                        `xml:"ownerId" json:"owner"`
	State           string                        `xml:"state" json:"state"`
	CidrBlock       string                        `xml:"cidrBlock" json:"cidr"`
	CidrAssociation []VpcCidrBlockAssociation     `xml:"cidrBlockAssociationSet>item" json:"cidrs"`
	Ipv6Association []VpcIpv6CidrBlockAssociation `xml:"ipv6CidrBlockAssociationSet>item" json:"v6,omitempty"`
	DhcpOptionsID   string                        `xml:"dhcpOptionsId" json:"dopt"`
	InstanceTenancy string                        `xml:"instanceTenancy" json:"tenancy"`
	IsDefault       bool                          `xml:"isDefault" json:"default"`
	Tags            []Tag                         `xml:"tagSet>item" json:"tags,omitempty"`
	// Attributes.
	EnableDNSSupport   bool `xml:"-" json:"dns"`
	EnableDNSHostnames bool `xml:"-" json:"hostnames"`
	EnableNAUMetrics   bool `xml:"-" json:"naum,omitempty"`
}

// VpcCidrBlockAssociation is one IPv4 CIDR of a VPC.
type VpcCidrBlockAssociation struct {
	AssociationID string         `xml:"associationId" json:"id"`
	CidrBlock     string         `xml:"cidrBlock" json:"cidr"`
	State         cidrBlockState `xml:"cidrBlockState" json:"state"`
}

type cidrBlockState struct {
	State string `xml:"state" json:"state"`
}

func getVpc(tx store.Tx, sc scope, id string) (*Vpc, error) {
	v, err := getRes[Vpc](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "vpc-")) {
		return nil, errNotFound("InvalidVpcID.NotFound", "vpc", id)
	}
	return v, err
}

// parseCIDR reads an IPv4 CIDR as EC2 takes it (the address must be the
// network's).
func parseCIDR(param, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, errInvalidParameterValue("Value (%s) for parameter %s is invalid. This is not a valid CIDR block.", s, param)
	}
	return p.Masked(), nil
}

func overlaps(a, b netip.Prefix) bool { return a.Overlaps(b) }

func (v *Vpc) prefixes() []netip.Prefix {
	var out []netip.Prefix
	for _, c := range v.CidrAssociation {
		if c.State.State == "associated" {
			if p, err := netip.ParsePrefix(c.CidrBlock); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

type createVpcInput struct {
	CidrBlock                       string
	AmazonProvidedIpv6CidrBlock     bool
	Ipv6CidrBlockNetworkBorderGroup string
	Ipv6Pool                        string
	Ipv6CidrBlock                   string
	Ipv4IpamPoolId                  string
	Ipv6IpamPoolId                  string
	InstanceTenancy                 string
	TagSpecification                []TagSpecification
	DryRun                          bool
}

type vpcOutput struct {
	Vpc *Vpc `xml:"vpc"`
}

func (s *Service) createVpc(ctx context.Context, in *createVpcInput) (*vpcOutput, error) {
	if in.CidrBlock == "" {
		return nil, errMissingParameter("cidrBlock")
	}
	p, err := parseCIDR("cidrBlock", in.CidrBlock)
	if err != nil {
		return nil, err
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, errInvalidVpcRange(in.CidrBlock)
	}
	tags, err := tagsFor(in.TagSpecification, "vpc")
	if err != nil {
		return nil, err
	}
	tenancy := in.InstanceTenancy
	if tenancy == "" {
		tenancy = "default"
	}
	sc := scopeOf(ctx)
	if err := checkIpv6Request(sc, in.AmazonProvidedIpv6CidrBlock, in.Ipv6Pool, in.Ipv6CidrBlock, in.Ipv6IpamPoolId, in.Ipv6CidrBlockNetworkBorderGroup); err != nil {
		return nil, err
	}
	if in.Ipv4IpamPoolId != "" {
		return nil, errInvalidIpamPoolIdNotFound(in.Ipv4IpamPoolId)
	}
	var vpc *Vpc
	err = s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		vpc, err = s.newVpc(tx, sc, p.String(), tenancy, false, tags)
		if err != nil || !in.AmazonProvidedIpv6CidrBlock {
			return err
		}
		_, err = addAmazonIpv6(tx, sc, vpc)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &vpcOutput{vpc}, nil
}

// newVpc records a VPC with what AWS creates along with it: its main route
// table (with the local route), default security group and default
// network ACL; it uses the region's default DHCP options.
func (s *Service) newVpc(tx store.Tx, sc scope, cidr, tenancy string, isDefault bool, tags []Tag) (*Vpc, error) {
	dopt, err := s.defaultDhcpOptions(tx, sc)
	if err != nil {
		return nil, err
	}
	vpc := &Vpc{VpcID: newID("vpc"), OwnerID: sc.acct, State: "available", CidrBlock: cidr, DhcpOptionsID: dopt,
		InstanceTenancy: tenancy, IsDefault: isDefault, Tags: tags, EnableDNSSupport: true, EnableDNSHostnames: isDefault}
	vpc.CidrAssociation = []VpcCidrBlockAssociation{{AssociationID: newID("vpc-cidr-assoc"), CidrBlock: cidr, State: cidrBlockState{"associated"}}}
	rtb := &RouteTable{RouteTableID: newID("rtb"), VpcID: vpc.VpcID, OwnerID: sc.acct,
		Routes: []Route{{DestinationCidrBlock: cidr, GatewayID: "local", Origin: "CreateRouteTable", State: "active"}}}
	rtb.Associations = []RouteTableAssociation{{Main: true, AssociationID: newID("rtbassoc"), RouteTableID: rtb.RouteTableID, State: associationState{"associated"}}}
	sg := &SecurityGroup{GroupID: newID("sg"), GroupName: "default", Description: "default VPC security group", VpcID: vpc.VpcID,
		OwnerID: sc.acct, IsDefault: true, IpPermissionsEgress: defaultEgress()}
	sg.SecurityGroupArn = "arn:aws:ec2:" + sc.region + ":" + sc.acct + ":security-group/" + sg.GroupID
	sg.IpPermissions = []IpPermission{{IpProtocol: "-1", UserIdGroupPairs: []UserIdGroupPair{{UserID: sc.acct, GroupID: sg.GroupID}}}}
	sg.Rules = []SecurityGroupRule{
		{ID: newID("sgr"), Protocol: "-1", FromPort: -1, ToPort: -1, GroupID: sg.GroupID},
		{ID: newID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"},
	}
	acl := &NetworkACL{NetworkACLID: newID("acl"), VpcID: vpc.VpcID, IsDefault: true, OwnerID: sc.acct, Entries: defaultACLEntries()}
	for id, r := range map[string]any{vpc.VpcID: vpc, rtb.RouteTableID: rtb, sg.GroupID: sg, acl.NetworkACLID: acl} {
		if err := putRes(tx, sc, id, r); err != nil {
			return nil, err
		}
	}
	return vpc, nil
}

// defaultDhcpOptions returns (creating once) the region's default DHCP
// options.
func (s *Service) defaultDhcpOptions(tx store.Tx, sc scope) (string, error) {
	var id string
	err := scanRes(tx, sc, "dopt-", func(d *DhcpOptions) error {
		if id == "" && d.isDefault() {
			id = d.DhcpOptionsID
		}
		return nil
	})
	if err != nil || id != "" {
		return id, err
	}
	d := &DhcpOptions{DhcpOptionsID: newID("dopt"), OwnerID: sc.acct, Default: true}
	return d.DhcpOptionsID, putRes(tx, sc, d.DhcpOptionsID, d)
}

// ensureDefaultVPC creates the account's default VPC in the region the
// first time the account uses EC2 there: 172.31.0.0/16, a /20 default
// subnet in each zone that maps public IPs on launch, an attached
// internet gateway and a main route table with 0.0.0.0/0 → igw.
func (s *Service) ensureDefaultVPC(ctx context.Context, sc scope) error {
	key := sc.acct + "/" + sc.region
	if _, done := s.defaults.Load(key); done {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, done := s.defaults.Load(key); done {
		return nil
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(tRes, resKey(sc.acct, sc.region, "_default-vpc")); err == nil {
			return nil
		} else if !isNotFound(err) {
			return err
		}
		if _, err := s.createDefaultVpc(tx, sc); err != nil {
			return err
		}
		return tx.Put(tRes, resKey(sc.acct, sc.region, "_default-vpc"), []byte("{}"))
	})
	if err == nil {
		s.defaults.Store(key, struct{}{})
	}
	return err
}

func (s *Service) createDefaultVpc(tx store.Tx, sc scope) (*Vpc, error) {
	vpc, err := s.newVpc(tx, sc, "172.31.0.0/16", "default", true, nil)
	if err != nil {
		return nil, err
	}
	igw := &InternetGateway{InternetGatewayID: newID("igw"), OwnerID: sc.acct, Attachments: []InternetGatewayAttachment{{State: "available", VpcID: vpc.VpcID}}}
	if err := putRes(tx, sc, igw.InternetGatewayID, igw); err != nil {
		return nil, err
	}
	rtb, err := mainRouteTable(tx, sc, vpc.VpcID)
	if err != nil {
		return nil, err
	}
	rtb.Routes = append(rtb.Routes, Route{DestinationCidrBlock: "0.0.0.0/0", GatewayID: igw.InternetGatewayID, Origin: "CreateRoute", State: "active"})
	if err := putRes(tx, sc, rtb.RouteTableID, rtb); err != nil {
		return nil, err
	}
	for i, z := range zones(sc.region) {
		cidr := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 31, byte(16 * i), 0}), 20).String()
		sub := newSubnet(sc, vpc.VpcID, cidr, z, zoneID(sc.region, i))
		sub.DefaultForAz, sub.MapPublicIPOnLaunch = true, true
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return nil, err
		}
	}
	return vpc, nil
}

// mainRouteTable returns a VPC's main route table.
func mainRouteTable(tx store.Tx, sc scope, vpcID string) (*RouteTable, error) {
	var out *RouteTable
	err := scanRes(tx, sc, "rtb-", func(r *RouteTable) error {
		for _, a := range r.Associations {
			if a.Main && r.VpcID == vpcID {
				out = r
			}
		}
		return nil
	})
	if err == nil && out == nil {
		err = errNotFound("InvalidRouteTableID.NotFound", "routeTable", "main of "+vpcID)
	}
	return out, err
}

type createDefaultVpcInput struct {
	DryRun bool
}

func (s *Service) createDefaultVpcOp(ctx context.Context, _ *createDefaultVpcInput) (*vpcOutput, error) {
	sc := scopeOf(ctx)
	var vpc *Vpc
	err := s.store.Update(ctx, func(tx store.Tx) error {
		exists := false
		if err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
			exists = exists || v.IsDefault
			return nil
		}); err != nil {
			return err
		}
		if exists {
			return errDefaultVpcAlreadyExists()
		}
		var err error
		vpc, err = s.createDefaultVpc(tx, sc)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &vpcOutput{vpc}, nil
}

type describeVpcsInput struct {
	VpcId      []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeVpcsOutput struct {
	Vpcs      []*Vpc `xml:"vpcSet>item"`
	NextToken string `xml:"nextToken,omitempty"`
}

func (v *Vpc) filter(name string) ([]string, bool) {
	v6s := func(f func(VpcIpv6CidrBlockAssociation) string) ([]string, bool) {
		var out []string
		for _, a := range v.Ipv6Association {
			out = append(out, f(a))
		}
		return out, true
	}
	switch name {
	case "vpc-id":
		return []string{v.VpcID}, true
	case "cidr", "cidr-block", "cidrBlock":
		// The primary CIDR, as the documentation says; the names
		// without it (Ansible's cidr-block, the SDKs' cidrBlock) are
		// aliases AWS accepts.
		return []string{v.CidrBlock}, true
	case "cidr-block-association.cidr-block":
		var out []string
		for _, c := range v.CidrAssociation {
			out = append(out, c.CidrBlock)
		}
		return out, true
	case "cidr-block-association.state":
		var out []string
		for _, c := range v.CidrAssociation {
			out = append(out, c.State.State)
		}
		return out, true
	case "cidr-block-association.association-id":
		var out []string
		for _, c := range v.CidrAssociation {
			out = append(out, c.AssociationID)
		}
		return out, true
	case "state":
		return []string{v.State}, true
	case "is-default", "isDefault":
		return []string{boolStr(v.IsDefault)}, true
	case "owner-id":
		return []string{v.OwnerID}, true
	case "dhcp-options-id":
		return []string{v.DhcpOptionsID}, true
	case "instance-tenancy":
		return []string{v.InstanceTenancy}, true
	case "ipv6-cidr-block-association.ipv6-cidr-block":
		return v6s(func(a VpcIpv6CidrBlockAssociation) string { return a.Ipv6CidrBlock })
	case "ipv6-cidr-block-association.ipv6-pool":
		return v6s(func(a VpcIpv6CidrBlockAssociation) string { return a.Ipv6Pool })
	case "ipv6-cidr-block-association.association-id":
		return v6s(func(a VpcIpv6CidrBlockAssociation) string { return a.AssociationID })
	case "ipv6-cidr-block-association.state":
		return v6s(func(a VpcIpv6CidrBlockAssociation) string { return a.State.State })
	}
	return nil, false
}

func (s *Service) describeVpcs(ctx context.Context, in *describeVpcsInput) (*describeVpcsOutput, error) {
	items, next, err := describeRes(s, ctx, "vpc-", in.VpcId, getVpc, func(v *Vpc) string { return v.VpcID },
		func(_ store.Tx, _ scope, v *Vpc) (bool, error) { return matchFilters(in.Filter, v.Tags, v.filter) },
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &describeVpcsOutput{Vpcs: items, NextToken: next}, nil
}

type vpcIDInput struct {
	VpcId  string
	DryRun bool
}

func (s *Service) deleteVpc(ctx context.Context, in *vpcIDInput) (*returnTrue, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		dep := errDependency("The vpc '%s' has dependencies and cannot be deleted.", vpc.VpcID)
		var owned []string
		// Anything inside the VPC but what it was born with is a
		// dependency; an attached internet gateway is too.
		err = tx.Scan(tRes, resKey(sc.acct, sc.region, ""), nil, func(k, v []byte) (bool, error) {
			id := string(k[len(sc.acct)+len(sc.region)+2:])
			if !strings.Contains(string(v), `"`+vpc.VpcID+`"`) || id == vpc.VpcID {
				return true, nil
			}
			switch {
			case strings.HasPrefix(id, "rtb-"):
				var r RouteTable
				if jsonUnmarshal(v, &r) == nil && r.VpcID == vpc.VpcID {
					if isMain(&r) {
						owned = append(owned, id)
						return true, nil
					}
					return false, dep
				}
			case strings.HasPrefix(id, "sg-"):
				var g SecurityGroup
				if jsonUnmarshal(v, &g) == nil && g.VpcID == vpc.VpcID {
					if g.IsDefault {
						owned = append(owned, id)
						return true, nil
					}
					return false, dep
				}
			case strings.HasPrefix(id, "acl-"):
				var a NetworkACL
				if jsonUnmarshal(v, &a) == nil && a.VpcID == vpc.VpcID {
					if a.IsDefault {
						owned = append(owned, id)
						return true, nil
					}
					return false, dep
				}
			case strings.HasPrefix(id, "i-"):
				// A terminated instance is no longer in the VPC.
				var in struct {
					State struct {
						Name string `json:"name"`
					} `json:"state"`
				}
				if jsonUnmarshal(v, &in) == nil && in.State.Name == "terminated" {
					return true, nil
				}
				return false, dep
			case strings.HasPrefix(id, "ami-"), strings.HasPrefix(id, "key-"):
				return true, nil
			case strings.HasPrefix(id, "igw-"):
				var g InternetGateway
				if jsonUnmarshal(v, &g) == nil {
					for _, a := range g.Attachments {
						if a.VpcID == vpc.VpcID {
							return false, dep
						}
					}
				}
				return true, nil
			}
			return false, dep
		})
		if err != nil {
			return err
		}
		for _, id := range owned {
			if err := delRes(tx, sc, id); err != nil {
				return err
			}
		}
		return delRes(tx, sc, vpc.VpcID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

func isMain(r *RouteTable) bool {
	for _, a := range r.Associations {
		if a.Main {
			return true
		}
	}
	return false
}

type attributeBooleanValue struct {
	Value *bool `query:"Value" xml:"value"`
}

type modifyVpcAttributeInput struct {
	VpcId              string
	EnableDnsSupport   *attributeBooleanValue
	EnableDnsHostnames *attributeBooleanValue
	// EnableNetworkAddressUsageMetrics is recorded and answered; gureum
	// has no CloudWatch to publish the metrics to.
	EnableNetworkAddressUsageMetrics *attributeBooleanValue
	DryRun                           bool
}

func (s *Service) modifyVpcAttribute(ctx context.Context, in *modifyVpcAttributeInput) (*returnTrue, error) {
	n := 0
	if in.EnableDnsSupport != nil {
		n++
	}
	if in.EnableDnsHostnames != nil {
		n++
	}
	if in.EnableNetworkAddressUsageMetrics != nil {
		n++
	}
	if n != 1 {
		return nil, errInvalidParameterCombination("Fields for multiple attribute types specified: enableDnsHostnames, enableDnsSupport")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		if a := in.EnableDnsSupport; a != nil && a.Value != nil {
			vpc.EnableDNSSupport = *a.Value
		}
		if a := in.EnableDnsHostnames; a != nil && a.Value != nil {
			if *a.Value && !vpc.EnableDNSSupport {
				return errInvalidParameterValue("DNS hostnames cannot be enabled while DNS support is disabled.")
			}
			vpc.EnableDNSHostnames = *a.Value
		}
		if a := in.EnableNetworkAddressUsageMetrics; a != nil && a.Value != nil {
			vpc.EnableNAUMetrics = *a.Value
		}
		return putRes(tx, sc, vpc.VpcID, vpc)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type describeVpcAttributeInput struct {
	VpcId     string
	Attribute string
	DryRun    bool
}

type describeVpcAttributeOutput struct {
	VpcID              string                 `xml:"vpcId"`
	EnableDNSSupport   *attributeBooleanValue `xml:"enableDnsSupport,omitempty"`
	EnableDNSHostnames *attributeBooleanValue `xml:"enableDnsHostnames,omitempty"`
	EnableNAUMetrics   *attributeBooleanValue `xml:"enableNetworkAddressUsageMetrics,omitempty"`
}

func (s *Service) describeVpcAttribute(ctx context.Context, in *describeVpcAttributeInput) (*describeVpcAttributeOutput, error) {
	sc := scopeOf(ctx)
	var vpc *Vpc
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		vpc, err = getVpc(tx, sc, in.VpcId)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &describeVpcAttributeOutput{VpcID: vpc.VpcID}
	b := func(v bool) *attributeBooleanValue { return &attributeBooleanValue{&v} }
	switch in.Attribute {
	case "enableDnsSupport":
		out.EnableDNSSupport = b(vpc.EnableDNSSupport)
	case "enableDnsHostnames":
		out.EnableDNSHostnames = b(vpc.EnableDNSHostnames)
	case "enableNetworkAddressUsageMetrics":
		out.EnableNAUMetrics = b(vpc.EnableNAUMetrics)
	default:
		return nil, errUnknownAttribute(in.Attribute)
	}
	return out, nil
}

type associateVpcCidrInput struct {
	VpcId                           string
	CidrBlock                       string
	AmazonProvidedIpv6CidrBlock     bool
	Ipv6CidrBlockNetworkBorderGroup string
	Ipv6Pool                        string
	Ipv6CidrBlock                   string
	Ipv4IpamPoolId                  string
	Ipv6IpamPoolId                  string
	DryRun                          bool
}

type associateVpcCidrOutput struct {
	VpcID                    string                       `xml:"vpcId"`
	CidrBlockAssociation     *VpcCidrBlockAssociation     `xml:"cidrBlockAssociation,omitempty"`
	Ipv6CidrBlockAssociation *VpcIpv6CidrBlockAssociation `xml:"ipv6CidrBlockAssociation,omitempty"`
}

func (s *Service) associateVpcCidrBlock(ctx context.Context, in *associateVpcCidrInput) (*associateVpcCidrOutput, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	if in.AmazonProvidedIpv6CidrBlock || in.Ipv6Pool != "" || in.Ipv6CidrBlock != "" || in.Ipv6IpamPoolId != "" {
		return s.associateVpcIpv6(ctx, in)
	}
	if in.Ipv4IpamPoolId != "" {
		return nil, errInvalidIpamPoolIdNotFound(in.Ipv4IpamPoolId)
	}
	if in.CidrBlock == "" {
		return nil, errMissingParameter("cidrBlock or amazonProvidedIpv6CidrBlock")
	}
	p, err := parseCIDR("cidrBlock", in.CidrBlock)
	if err != nil {
		return nil, err
	}
	if p.Bits() < 16 || p.Bits() > 28 {
		return nil, errInvalidVpcRange(in.CidrBlock)
	}
	sc := scopeOf(ctx)
	var assoc VpcCidrBlockAssociation
	err = s.store.Update(ctx, func(tx store.Tx) error {
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		for _, have := range vpc.prefixes() {
			if overlaps(have, p) {
				return errInvalidVpcRange(in.CidrBlock)
			}
		}
		if len(vpc.prefixes()) >= 5 {
			return errCidrLimitExceeded("This network '%s' has met its maximum number of allowed CIDRs: 5", vpc.VpcID)
		}
		assoc = VpcCidrBlockAssociation{AssociationID: newID("vpc-cidr-assoc"), CidrBlock: p.String(), State: cidrBlockState{"associated"}}
		vpc.CidrAssociation = append(vpc.CidrAssociation, assoc)
		if rtb, err := mainRouteTable(tx, sc, vpc.VpcID); err == nil {
			rtb.Routes = append(rtb.Routes, Route{DestinationCidrBlock: p.String(), GatewayID: "local", Origin: "CreateRouteTable", State: "active"})
			if err := putRes(tx, sc, rtb.RouteTableID, rtb); err != nil {
				return err
			}
		}
		return putRes(tx, sc, vpc.VpcID, vpc)
	})
	if err != nil {
		return nil, err
	}
	assoc.State.State = "associating"
	return &associateVpcCidrOutput{VpcID: in.VpcId, CidrBlockAssociation: &assoc}, nil
}

type disassociateVpcCidrInput struct {
	AssociationId string
	DryRun        bool
}

func (s *Service) disassociateVpcCidrBlock(ctx context.Context, in *disassociateVpcCidrInput) (*associateVpcCidrOutput, error) {
	sc := scopeOf(ctx)
	var out associateVpcCidrOutput
	err := s.store.Update(ctx, func(tx store.Tx) error {
		return scanRes(tx, sc, "vpc-", func(v *Vpc) error {
			if a, ok, err := disassociateVpcIpv6(tx, sc, v, in.AssociationId); ok || err != nil {
				out = associateVpcCidrOutput{VpcID: v.VpcID, Ipv6CidrBlockAssociation: a}
				return err
			}
			for i, c := range v.CidrAssociation {
				if c.AssociationID != in.AssociationId {
					continue
				}
				if i == 0 {
					return errOperationNotPermitted("The vpc CIDR block with association ID %s may not be disassociated. It is the primary IPv4 CIDR block of the VPC", c.AssociationID)
				}
				v.CidrAssociation = append(v.CidrAssociation[:i], v.CidrAssociation[i+1:]...)
				c.State.State = "disassociating"
				out = associateVpcCidrOutput{VpcID: v.VpcID, CidrBlockAssociation: &c}
				return putRes(tx, sc, v.VpcID, v)
			}
			return nil
		})
	})
	if err == nil && out.VpcID == "" {
		err = errInvalidVpcCidrBlockAssociationIDNotFound(in.AssociationId)
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

type modifyVpcTenancyInput struct {
	VpcId           string
	InstanceTenancy string
	DryRun          bool
}

// modifyVpcTenancy changes a VPC's tenancy to default, the only change
// AWS allows; instances launched before keep theirs.
func (s *Service) modifyVpcTenancy(ctx context.Context, in *modifyVpcTenancyInput) (*returnTrue, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("VpcId")
	}
	if in.InstanceTenancy != "default" {
		return nil, errInvalidParameterValue("Value (%s) for parameter InstanceTenancy is invalid. Valid values are: default.", in.InstanceTenancy)
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		v.InstanceTenancy = "default"
		return putRes(tx, sc, v.VpcID, v)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type getIpamPoolAllocationsInput struct {
	IpamPoolId           string
	IpamPoolAllocationId string
	Filter               []Filter
	MaxResults           *int32
	NextToken            *string
	DryRun               bool
}

// getIpamPoolAllocations answers as AWS does for a pool that does not
// exist: gureum has no IPAM, so no pool does.
func (s *Service) getIpamPoolAllocations(ctx context.Context, in *getIpamPoolAllocationsInput) (*returnTrue, error) {
	if in.IpamPoolId == "" {
		return nil, errMissingParameter("IpamPoolId")
	}
	return nil, errInvalidIpamPoolIdNotFound(in.IpamPoolId)
}
