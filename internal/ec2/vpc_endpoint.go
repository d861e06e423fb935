package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/store"
)

// VPC endpoints: CreateVpcEndpoint, ModifyVpcEndpoint, DeleteVpcEndpoints,
// DescribeVpcEndpoints, DescribeVpcEndpointServices, DescribePrefixLists.
//
// A Gateway endpoint (s3, dynamodb) puts a route to its service's prefix
// list (pl-…) in each of its route tables, target the endpoint (gatewayId
// vpce-…), as AWS does; deleting the endpoint or removing a table takes
// the route out again. The S3 prefix list holds the address where
// gureum's own API answers inside every VPC (169.254.169.254); DynamoDB's,
// which gureum does not serve, a documentation-range placeholder.
//
// An Interface endpoint records its subnets and security groups but has
// no network interfaces: gureum's services already answer in every VPC.
//
// Endpoints are available as soon as they are made (AWS's pass through
// pending; every waiter accepts available at once) and are gone as soon
// as they are deleted (Terraform and Ansible wait for NotFound or
// deleted).

// VpcEndpoint is EC2's VpcEndpoint.
type VpcEndpoint struct {
	VpcEndpointID       string            `xml:"vpcEndpointId" json:"id"`
	VpcEndpointType     string            `xml:"vpcEndpointType" json:"type"`
	VpcID               string            `xml:"vpcId" json:"vpc"`
	ServiceName         string            `xml:"serviceName" json:"svc"`
	State               string            `xml:"state" json:"state"`
	PolicyDocument      string            `xml:"policyDocument,omitempty" json:"policy,omitempty"`
	RouteTableIDs       []string          `xml:"routeTableIdSet>item" json:"rtbs"`
	SubnetIDs           []string          `xml:"subnetIdSet>item" json:"subnets"`
	Groups              []GroupIdentifier `xml:"groupSet>item" json:"groups"`
	IPAddressType       string            `xml:"ipAddressType,omitempty" json:"ipt,omitempty"`
	DNSOptions          *vpceDNSOptions   `xml:"dnsOptions,omitempty" json:"dnsopt,omitempty"`
	PrivateDNSEnabled   bool              `xml:"privateDnsEnabled" json:"pdns"`
	RequesterManaged    bool              `xml:"requesterManaged" json:"rm"`
	NetworkInterfaceIDs []string          `xml:"networkInterfaceIdSet>item" json:"enis"`
	DNSEntries          []vpceDNSEntry    `xml:"dnsEntrySet>item" json:"dns"`
	CreationTimestamp   time.Time         `xml:"creationTimestamp" json:"created"`
	Tags                []Tag             `xml:"tagSet>item" json:"tags,omitempty"`
	OwnerID             string            `xml:"ownerId" json:"owner"`
	ClientToken         string            `xml:"-" json:"token,omitempty"`
}

type vpceDNSOptions struct {
	DNSRecordIPType string `xml:"dnsRecordIpType" json:"type"`
}

type vpceDNSEntry struct {
	DNSName      string `xml:"dnsName" json:"name"`
	HostedZoneID string `xml:"hostedZoneId" json:"zone"`
}

// defaultEndpointPolicy is the policy AWS gives an endpoint created without
// one: full access.
const defaultEndpointPolicy = `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`

// endpointService is one service endpoints can be made to.
type endpointService struct {
	name  string // com.amazonaws.<region>. + name
	types []string
	cidr  string // the prefix list's CIDR, for Gateway services
}

// endpointServices are the services of a region: those gureum serves
// (s3, ec2, sts) and DynamoDB's gateway, which AWS tools expect next to
// S3's.
var endpointServices = []endpointService{
	{"dynamodb", []string{"Gateway"}, "192.0.2.0/24"},
	{"ec2", []string{"Interface"}, ""},
	{"s3", []string{"Gateway", "Interface"}, "169.254.169.254/32"},
	{"sts", []string{"Interface"}, ""},
}

func regionalService(region, name string) (endpointService, bool) {
	for _, s := range endpointServices {
		if "com.amazonaws."+region+"."+s.name == name {
			return s, true
		}
	}
	return endpointService{}, false
}

// stableID derives a fixed id from parts, as AWS's prefix lists and
// endpoint services keep theirs.
func stableID(prefix string, n int, parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return prefix + "-" + hex.EncodeToString(h[:])[:n]
}

// prefixListID is the id of a Gateway service's prefix list in a region.
func prefixListID(region, service string) string {
	return stableID("pl", 8, region, service)
}

func getVpcEndpoint(tx store.Tx, sc scope, id string) (*VpcEndpoint, error) {
	if !strings.HasPrefix(id, "vpce-") {
		return nil, errInvalidVpcEndpointIdMalformed(id)
	}
	e, err := getRes[VpcEndpoint](tx, sc, id)
	if isNotFound(err) {
		return nil, errInvalidVpcEndpointIdNotFound(id)
	}
	return e, err
}

func (s *Service) vpcEndpointOps() opTable {
	return opTable{
		"CreateVpcEndpoint":           handle(s.createVpcEndpoint),
		"ModifyVpcEndpoint":           handle(s.modifyVpcEndpoint),
		"DeleteVpcEndpoints":          handle(s.deleteVpcEndpoints),
		"DescribeVpcEndpoints":        handle(s.describeVpcEndpoints),
		"DescribeVpcEndpointServices": handle(s.describeVpcEndpointServices),
		"DescribePrefixLists":         handle(s.describePrefixLists),
	}
}

type dnsOptionsSpecification struct {
	DnsRecordIpType string
}

type createVpcEndpointInput struct {
	VpcEndpointType   string
	VpcId             string
	ServiceName       string
	PolicyDocument    string
	RouteTableId      []string
	SubnetId          []string
	SecurityGroupId   []string
	IpAddressType     string
	DnsOptions        *dnsOptionsSpecification
	ClientToken       string
	PrivateDnsEnabled *bool
	TagSpecification  []TagSpecification
	ServiceRegion     string
	DryRun            bool
}

type createVpcEndpointOutput struct {
	VpcEndpoint *VpcEndpoint `xml:"vpcEndpoint"`
	ClientToken string       `xml:"clientToken,omitempty"`
}

// addRoute puts the endpoint's prefix-list route in a route table.
func (e *VpcEndpoint) addRoute(tx store.Tx, sc scope, id string) error {
	rtb, err := getRouteTable(tx, sc, id)
	if err != nil {
		return err
	}
	if rtb.VpcID != e.VpcID {
		return errInvalidParameterValue("route table %s and vpc endpoint %s belong to different networks", rtb.RouteTableID, e.VpcEndpointID)
	}
	pl := prefixListID(sc.region, strings.TrimPrefix(e.ServiceName, "com.amazonaws."+sc.region+"."))
	for _, r := range rtb.Routes {
		if r.DestinationPrefixListID == pl {
			return errRouteAlreadyExists("route table %s already has a route with destination-prefix-list-id %s", rtb.RouteTableID, pl)
		}
	}
	rtb.Routes = append(rtb.Routes, Route{DestinationPrefixListID: pl, GatewayID: e.VpcEndpointID, Origin: "CreateRoute", State: "active"})
	return putRes(tx, sc, rtb.RouteTableID, rtb)
}

// removeRoute takes the endpoint's route out of a route table (gone
// already is fine).
func (e *VpcEndpoint) removeRoute(tx store.Tx, sc scope, id string) error {
	rtb, err := getRes[RouteTable](tx, sc, id)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	n := len(rtb.Routes)
	rtb.Routes = slices.DeleteFunc(rtb.Routes, func(r Route) bool { return r.GatewayID == e.VpcEndpointID })
	if len(rtb.Routes) == n {
		return nil
	}
	return putRes(tx, sc, rtb.RouteTableID, rtb)
}

// addSubnet checks a subnet for an Interface endpoint.
func (e *VpcEndpoint) addSubnet(tx store.Tx, sc scope, id string) error {
	sub, err := getSubnet(tx, sc, id)
	if err != nil {
		return err
	}
	if sub.VpcID != e.VpcID {
		return errInvalidParameterValue("The subnet ID '%s' does not belong to the vpc '%s'", sub.SubnetID, e.VpcID)
	}
	for _, other := range e.SubnetIDs {
		if o, err := getRes[Subnet](tx, sc, other); err == nil && o.AvailabilityZone == sub.AvailabilityZone {
			return errDuplicateSubnetsInSameZone(sub.SubnetID)
		}
	}
	e.SubnetIDs = append(e.SubnetIDs, sub.SubnetID)
	return nil
}

// addGroup checks a security group for an Interface endpoint.
func (e *VpcEndpoint) addGroup(tx store.Tx, sc scope, id string) error {
	g, err := getRes[SecurityGroup](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "sg-")) {
		return errInvalidSecurityGroupIdNotFound(id)
	}
	if err != nil {
		return err
	}
	if g.VpcID != e.VpcID {
		return errInvalidParameterValue("The security group '%s' does not belong to the vpc '%s'", g.GroupID, e.VpcID)
	}
	for _, have := range e.Groups {
		if have.GroupID == g.GroupID {
			return nil
		}
	}
	e.Groups = append(e.Groups, GroupIdentifier{GroupID: g.GroupID, GroupName: g.GroupName})
	return nil
}

// setDNS fills an Interface endpoint's DNS names.
func (e *VpcEndpoint) setDNS(region string) {
	if e.VpcEndpointType != "Interface" {
		return
	}
	svc := strings.TrimPrefix(e.ServiceName, "com.amazonaws."+region+".")
	e.DNSEntries = []vpceDNSEntry{{DNSName: e.VpcEndpointID + "." + svc + "." + region + ".vpce.amazonaws.com"}}
	if e.PrivateDNSEnabled {
		e.DNSEntries = append(e.DNSEntries, vpceDNSEntry{DNSName: svc + "." + region + ".amazonaws.com"})
	}
}

func (s *Service) createVpcEndpoint(ctx context.Context, in *createVpcEndpointInput) (*createVpcEndpointOutput, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("VpcId")
	}
	if in.ServiceName == "" {
		return nil, errMissingParameter("ServiceName")
	}
	typ := in.VpcEndpointType
	if typ == "" {
		typ = "Gateway"
	}
	switch typ {
	case "Gateway", "Interface":
	case "GatewayLoadBalancer", "Resource", "ServiceNetwork":
		return nil, errInvalidServiceName(in.ServiceName)
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter VpcEndpointType is invalid. Valid values: Interface, Gateway, GatewayLoadBalancer, Resource, ServiceNetwork", typ)
	}
	sc := scopeOf(ctx)
	svc, found := regionalService(sc.region, in.ServiceName)
	if !found {
		return nil, errInvalidServiceName(in.ServiceName)
	}
	if !contains(svc.types, typ) {
		return nil, errInvalidParameter("Endpoint type (%s) does not match available service types ([%s]).", typ, strings.Join(svc.types, ", "))
	}
	if typ == "Gateway" && (len(in.SubnetId) > 0 || len(in.SecurityGroupId) > 0 || (in.PrivateDnsEnabled != nil && *in.PrivateDnsEnabled)) {
		return nil, errInvalidParameter("Subnets, security groups and private DNS are not supported for gateway endpoints.")
	}
	if typ == "Interface" && len(in.RouteTableId) > 0 {
		return nil, errInvalidParameter("Route tables are not supported for interface endpoints.")
	}
	switch in.IpAddressType {
	case "", "ipv4":
	default:
		return nil, errInvalidParameterValue("IpAddressType %s is not supported: the VPC has no IPv6 CIDR block.", in.IpAddressType)
	}
	tags, err := tagsFor(in.TagSpecification, "vpc-endpoint")
	if err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	var out *VpcEndpoint
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if in.ClientToken != "" {
			if err := scanRes(tx, sc, "vpce-", func(e *VpcEndpoint) error {
				if e.ClientToken == in.ClientToken {
					out = e
				}
				return nil
			}); err != nil || out != nil {
				return err
			}
		}
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		e := &VpcEndpoint{VpcEndpointID: newID("vpce"), VpcEndpointType: typ, VpcID: vpc.VpcID, ServiceName: in.ServiceName, State: "available",
			PolicyDocument: in.PolicyDocument, RouteTableIDs: []string{}, SubnetIDs: []string{}, Groups: []GroupIdentifier{},
			IPAddressType: "ipv4", NetworkInterfaceIDs: []string{}, DNSEntries: []vpceDNSEntry{}, CreationTimestamp: now, Tags: tags,
			OwnerID: sc.acct, ClientToken: in.ClientToken}
		if e.PolicyDocument == "" {
			e.PolicyDocument = defaultEndpointPolicy
		}
		if typ == "Gateway" {
			for _, id := range in.RouteTableId {
				if contains(e.RouteTableIDs, id) {
					continue
				}
				if err := e.addRoute(tx, sc, id); err != nil {
					return err
				}
				e.RouteTableIDs = append(e.RouteTableIDs, id)
			}
		} else {
			e.DNSOptions = &vpceDNSOptions{DNSRecordIPType: "ipv4"}
			e.PrivateDNSEnabled = in.PrivateDnsEnabled == nil || *in.PrivateDnsEnabled
			for _, id := range in.SubnetId {
				if err := e.addSubnet(tx, sc, id); err != nil {
					return err
				}
			}
			groups := in.SecurityGroupId
			if len(groups) == 0 {
				def, err := defaultGroupID(tx, sc, vpc.VpcID)
				if err != nil {
					return err
				}
				groups = []string{def}
			}
			for _, id := range groups {
				if err := e.addGroup(tx, sc, id); err != nil {
					return err
				}
			}
			e.setDNS(sc.region)
		}
		out = e
		return putRes(tx, sc, e.VpcEndpointID, e)
	})
	if err != nil {
		return nil, err
	}
	return &createVpcEndpointOutput{VpcEndpoint: out, ClientToken: in.ClientToken}, nil
}

// defaultGroupID is the id of a VPC's default security group.
func defaultGroupID(tx store.Tx, sc scope, vpcID string) (string, error) {
	var id string
	err := scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
		if g.VpcID == vpcID && g.IsDefault {
			id = g.GroupID
		}
		return nil
	})
	return id, err
}

type modifyVpcEndpointInput struct {
	VpcEndpointId         string
	ResetPolicy           *bool
	PolicyDocument        string
	AddRouteTableId       []string
	RemoveRouteTableId    []string
	AddSubnetId           []string
	RemoveSubnetId        []string
	AddSecurityGroupId    []string
	RemoveSecurityGroupId []string
	IpAddressType         string
	DnsOptions            *dnsOptionsSpecification
	PrivateDnsEnabled     *bool
	DryRun                bool
}

func (s *Service) modifyVpcEndpoint(ctx context.Context, in *modifyVpcEndpointInput) (*returnTrue, error) {
	if in.VpcEndpointId == "" {
		return nil, errMissingParameter("VpcEndpointId")
	}
	switch in.IpAddressType {
	case "", "ipv4":
	default:
		return nil, errInvalidParameterValue("IpAddressType %s is not supported: the VPC has no IPv6 CIDR block.", in.IpAddressType)
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		e, err := getVpcEndpoint(tx, sc, in.VpcEndpointId)
		if err != nil {
			return err
		}
		gateway := e.VpcEndpointType == "Gateway"
		if gateway && (len(in.AddSubnetId)+len(in.RemoveSubnetId)+len(in.AddSecurityGroupId)+len(in.RemoveSecurityGroupId) > 0 || in.PrivateDnsEnabled != nil) {
			return errInvalidParameter("Subnets, security groups and private DNS are not supported for gateway endpoints.")
		}
		if !gateway && len(in.AddRouteTableId)+len(in.RemoveRouteTableId) > 0 {
			return errInvalidParameter("Route tables are not supported for interface endpoints.")
		}
		if in.ResetPolicy != nil && *in.ResetPolicy {
			e.PolicyDocument = defaultEndpointPolicy
		} else if in.PolicyDocument != "" {
			e.PolicyDocument = in.PolicyDocument
		}
		for _, id := range in.RemoveRouteTableId {
			if err := e.removeRoute(tx, sc, id); err != nil {
				return err
			}
			e.RouteTableIDs = slices.DeleteFunc(e.RouteTableIDs, func(v string) bool { return v == id })
		}
		for _, id := range in.AddRouteTableId {
			if contains(e.RouteTableIDs, id) {
				continue
			}
			if err := e.addRoute(tx, sc, id); err != nil {
				return err
			}
			e.RouteTableIDs = append(e.RouteTableIDs, id)
		}
		for _, id := range in.RemoveSubnetId {
			e.SubnetIDs = slices.DeleteFunc(e.SubnetIDs, func(v string) bool { return v == id })
		}
		for _, id := range in.AddSubnetId {
			if contains(e.SubnetIDs, id) {
				continue
			}
			if err := e.addSubnet(tx, sc, id); err != nil {
				return err
			}
		}
		for _, id := range in.RemoveSecurityGroupId {
			e.Groups = slices.DeleteFunc(e.Groups, func(g GroupIdentifier) bool { return g.GroupID == id })
		}
		for _, id := range in.AddSecurityGroupId {
			if err := e.addGroup(tx, sc, id); err != nil {
				return err
			}
		}
		if !gateway && len(e.Groups) == 0 {
			return errInvalidParameter("An interface endpoint must have at least one security group.")
		}
		if in.PrivateDnsEnabled != nil {
			e.PrivateDNSEnabled = *in.PrivateDnsEnabled
		}
		e.setDNS(sc.region)
		return putRes(tx, sc, e.VpcEndpointID, e)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type deleteVpcEndpointsInput struct {
	VpcEndpointId []string
	DryRun        bool
}

type unsuccessfulItem struct {
	Error      unsuccessfulItemError `xml:"error"`
	ResourceID string                `xml:"resourceId"`
}

type unsuccessfulItemError struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type deleteVpcEndpointsOutput struct {
	Unsuccessful []unsuccessfulItem `xml:"unsuccessful>item"`
}

func (s *Service) deleteVpcEndpoints(ctx context.Context, in *deleteVpcEndpointsInput) (*deleteVpcEndpointsOutput, error) {
	if len(in.VpcEndpointId) == 0 {
		return nil, errMissingParameter("VpcEndpointId")
	}
	sc := scopeOf(ctx)
	out := &deleteVpcEndpointsOutput{Unsuccessful: []unsuccessfulItem{}}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		for _, id := range in.VpcEndpointId {
			e, err := getVpcEndpoint(tx, sc, id)
			var ae *awsproto.Error
			if errors.As(err, &ae) {
				out.Unsuccessful = append(out.Unsuccessful, unsuccessfulItem{unsuccessfulItemError{ae.Code, ae.Message}, id})
				continue
			}
			if err != nil {
				return err
			}
			for _, rtb := range e.RouteTableIDs {
				if err := e.removeRoute(tx, sc, rtb); err != nil {
					return err
				}
			}
			if err := delRes(tx, sc, e.VpcEndpointID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// vpcEndpointFilters are DescribeVpcEndpoints' filter names.
var vpcEndpointFilters = []string{"ip-address-type", "service-name", "service-region", "vpc-id",
	"vpc-endpoint-id", "vpc-endpoint-state", "vpc-endpoint-type"}

func (e *VpcEndpoint) filter(region string) filterable {
	return func(name string) ([]string, bool) {
		switch name {
		case "ip-address-type":
			return []string{e.IPAddressType}, true
		case "service-name":
			return []string{e.ServiceName}, true
		case "service-region":
			return []string{region}, true
		case "vpc-id":
			return []string{e.VpcID}, true
		case "vpc-endpoint-id":
			return []string{e.VpcEndpointID}, true
		case "vpc-endpoint-state":
			return []string{e.State}, true
		case "vpc-endpoint-type":
			return []string{e.VpcEndpointType}, true
		}
		return nil, false
	}
}

type describeVpcEndpointsInput struct {
	VpcEndpointId []string
	Filter        []Filter
	MaxResults    *int32
	NextToken     *string
	DryRun        bool
}

type describeVpcEndpointsOutput struct {
	VpcEndpoints []*VpcEndpoint `xml:"vpcEndpointSet>item"`
	NextToken    string         `xml:"nextToken,omitempty"`
}

func (s *Service) describeVpcEndpoints(ctx context.Context, in *describeVpcEndpointsInput) (*describeVpcEndpointsOutput, error) {
	if err := checkFilterNames(in.Filter, vpcEndpointFilters); err != nil {
		return nil, err
	}
	items, next, err := describeRes(s, ctx, "vpce-", in.VpcEndpointId, getVpcEndpoint, func(e *VpcEndpoint) string { return e.VpcEndpointID },
		func(tx store.Tx, sc scope, e *VpcEndpoint) (bool, error) {
			return matchFilters(in.Filter, e.Tags, e.filter(sc.region))
		},
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &describeVpcEndpointsOutput{VpcEndpoints: items, NextToken: next}, nil
}

type describeVpcEndpointServicesInput struct {
	ServiceName   []string
	Filter        []Filter
	MaxResults    *int32
	NextToken     *string
	ServiceRegion []string
	DryRun        bool
}

type serviceDetail struct {
	ServiceName                string              `xml:"serviceName"`
	ServiceID                  string              `xml:"serviceId"`
	ServiceType                []serviceTypeDetail `xml:"serviceType>item"`
	ServiceRegion              string              `xml:"serviceRegion"`
	AvailabilityZones          []string            `xml:"availabilityZoneSet>item"`
	Owner                      string              `xml:"owner"`
	BaseEndpointDNSNames       []string            `xml:"baseEndpointDnsNameSet>item"`
	PrivateDNSName             string              `xml:"privateDnsName,omitempty"`
	VpcEndpointPolicySupported bool                `xml:"vpcEndpointPolicySupported"`
	AcceptanceRequired         bool                `xml:"acceptanceRequired"`
	ManagesVpcEndpoints        bool                `xml:"managesVpcEndpoints"`
	Tags                       []Tag               `xml:"tagSet>item"`
	SupportedIPAddressTypes    []string            `xml:"supportedIpAddressTypeSet>item"`
}

type serviceTypeDetail struct {
	ServiceType string `xml:"serviceType"`
}

type describeVpcEndpointServicesOutput struct {
	ServiceNames   []string         `xml:"serviceNameSet>item"`
	ServiceDetails []*serviceDetail `xml:"serviceDetailSet>item"`
	NextToken      string           `xml:"nextToken,omitempty"`
}

func (d *serviceDetail) filter(name string) ([]string, bool) {
	switch name {
	case "service-name":
		return []string{d.ServiceName}, true
	case "service-type":
		return []string{d.ServiceType[0].ServiceType}, true
	case "service-region":
		return []string{d.ServiceRegion}, true
	case "owner":
		return []string{d.Owner}, true
	case "supported-ip-address-types":
		return d.SupportedIPAddressTypes, true
	}
	return nil, false
}

func (s *Service) describeVpcEndpointServices(ctx context.Context, in *describeVpcEndpointServicesInput) (*describeVpcEndpointServicesOutput, error) {
	sc := scopeOf(ctx)
	azs := zones(sc.region)
	var all []*serviceDetail
	for _, es := range endpointServices {
		for _, typ := range es.types {
			name := "com.amazonaws." + sc.region + "." + es.name
			d := &serviceDetail{ServiceName: name, ServiceID: stableID("vpce-svc", 17, sc.region, es.name, typ),
				ServiceType: []serviceTypeDetail{{typ}}, ServiceRegion: sc.region, AvailabilityZones: azs, Owner: "amazon",
				BaseEndpointDNSNames: []string{es.name + "." + sc.region + ".amazonaws.com"}, VpcEndpointPolicySupported: true,
				Tags: []Tag{}, SupportedIPAddressTypes: []string{"ipv4"}}
			if typ == "Interface" {
				d.BaseEndpointDNSNames = []string{es.name + "." + sc.region + ".vpce.amazonaws.com"}
				d.PrivateDNSName = es.name + "." + sc.region + ".amazonaws.com"
			}
			if len(in.ServiceName) > 0 && !contains(in.ServiceName, name) {
				continue
			}
			if len(in.ServiceRegion) > 0 && !contains(in.ServiceRegion, sc.region) {
				continue
			}
			keep, err := matchFilters(in.Filter, d.Tags, d.filter)
			if err != nil {
				return nil, err
			}
			if keep {
				all = append(all, d)
			}
		}
	}
	for _, n := range in.ServiceName {
		if _, found := regionalService(sc.region, n); !found {
			return nil, errInvalidServiceName(n)
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	out := &describeVpcEndpointServicesOutput{ServiceNames: []string{}, ServiceDetails: items, NextToken: next}
	for _, d := range items {
		if !contains(out.ServiceNames, d.ServiceName) {
			out.ServiceNames = append(out.ServiceNames, d.ServiceName)
		}
	}
	return out, nil
}

type describePrefixListsInput struct {
	PrefixListId []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type prefixList struct {
	Cidrs          []string `xml:"cidrSet>item"`
	PrefixListID   string   `xml:"prefixListId"`
	PrefixListName string   `xml:"prefixListName"`
}

type describePrefixListsOutput struct {
	PrefixLists []*prefixList `xml:"prefixListSet>item"`
	NextToken   string        `xml:"nextToken,omitempty"`
}

func (p *prefixList) filter(name string) ([]string, bool) {
	switch name {
	case "prefix-list-id":
		return []string{p.PrefixListID}, true
	case "prefix-list-name":
		return []string{p.PrefixListName}, true
	}
	return nil, false
}

// prefixLists are the region's AWS-managed prefix lists: one per Gateway
// endpoint service.
func prefixLists(region string) []*prefixList {
	var out []*prefixList
	for _, es := range endpointServices {
		if es.cidr != "" {
			out = append(out, &prefixList{Cidrs: []string{es.cidr}, PrefixListID: prefixListID(region, es.name),
				PrefixListName: "com.amazonaws." + region + "." + es.name})
		}
	}
	return out
}

func (s *Service) describePrefixLists(ctx context.Context, in *describePrefixListsInput) (*describePrefixListsOutput, error) {
	sc := scopeOf(ctx)
	lists := prefixLists(sc.region)
	for _, id := range in.PrefixListId {
		if !slices.ContainsFunc(lists, func(p *prefixList) bool { return p.PrefixListID == id }) {
			return nil, errInvalidPrefixListIDNotFound(id)
		}
	}
	var all []*prefixList
	for _, p := range lists {
		if len(in.PrefixListId) > 0 && !contains(in.PrefixListId, p.PrefixListID) {
			continue
		}
		keep, err := matchFilters(in.Filter, nil, p.filter)
		if err != nil {
			return nil, err
		}
		if keep {
			all = append(all, p)
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describePrefixListsOutput{PrefixLists: items, NextToken: next}, nil
}

// checkFilterNames fails on a filter a Describe does not know, as
// matchFilters does (tag filters are always known).
func checkFilterNames(filters []Filter, known []string) error {
	for _, f := range filters {
		if !strings.HasPrefix(f.Name, "tag:") && f.Name != "tag-key" && f.Name != "tag-value" && !contains(known, f.Name) {
			return errInvalidParameterValue("The filter '%s' is invalid", f.Name)
		}
	}
	return nil
}
