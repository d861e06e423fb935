package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// These tests replay what Terraform's AWS provider and Ansible's
// amazon.aws modules call for each EC2/VPC resource (the inventory in
// IAC-CALLS.md): create, read with its side reads, update, read, delete,
// and the "absent" codes the tools tolerate, asserting the members the
// tools need from each answer.

func flt(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

func TestIaCEC2Vpc(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16"), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("iac")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	id := *v.Vpc.VpcId
	// aws_vpc / aws_vpc data source: the CIDR association's state.
	got, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	if err != nil || len(got.Vpcs) != 1 || len(got.Vpcs[0].CidrBlockAssociationSet) != 1 ||
		got.Vpcs[0].CidrBlockAssociationSet[0].CidrBlockState == nil || got.Vpcs[0].CidrBlockAssociationSet[0].CidrBlockState.State != "associated" {
		t.Fatalf("vpc: %+v %v", got, err)
	}
	// Three attributes, none may be nil; each can be modified and read back.
	for _, attr := range []ec2types.VpcAttributeName{"enableDnsHostnames", "enableDnsSupport", "enableNetworkAddressUsageMetrics"} {
		a, err := c.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: attr})
		if err != nil || (a.EnableDnsHostnames == nil && a.EnableDnsSupport == nil && a.EnableNetworkAddressUsageMetrics == nil) {
			t.Fatalf("%s: %+v %v", attr, a, err)
		}
	}
	for _, in := range []*ec2.ModifyVpcAttributeInput{
		{VpcId: &id, EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{VpcId: &id, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{VpcId: &id, EnableNetworkAddressUsageMetrics: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		if _, err := c.ModifyVpcAttribute(ctx(), in); err != nil {
			t.Fatal(err)
		}
	}
	a, err := c.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: &id, Attribute: "enableNetworkAddressUsageMetrics"})
	if err != nil || !*a.EnableNetworkAddressUsageMetrics.Value {
		t.Fatalf("metrics: %+v %v", a, err)
	}
	// Side reads: default ACL, main route table, default group.
	acls, err := c.DescribeNetworkAcls(ctx(), &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{flt("default", "true"), flt("vpc-id", id)}})
	if err != nil || len(acls.NetworkAcls) != 1 {
		t.Fatalf("default ACL: %+v %v", acls, err)
	}
	rtbs, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("association.main", "true"), flt("vpc-id", id)}})
	if err != nil || len(rtbs.RouteTables) != 1 {
		t.Fatalf("main route table: %+v %v", rtbs, err)
	}
	local := rtbs.RouteTables[0].Routes[0]
	if *local.GatewayId != "local" || local.Origin != "CreateRouteTable" || *local.DestinationCidrBlock != "10.20.0.0/16" {
		t.Fatalf("local route: %+v", local)
	}
	sgs, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{flt("group-name", "default"), flt("vpc-id", id)}})
	if err != nil || len(sgs.SecurityGroups) != 1 || len(sgs.SecurityGroups[0].IpPermissionsEgress) == 0 {
		t.Fatalf("default group: %+v %v", sgs, err)
	}
	// ClassicLink: a region without EC2-Classic (Ansible matches the message).
	_, err = c.DescribeVpcClassicLink(ctx(), &ec2.DescribeVpcClassicLinkInput{VpcIds: []string{id}})
	if ae := wantCode(t, err, "UnsupportedOperation"); ae.ErrorMessage() != "The functionality you requested is not available in this region." {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.DescribeVpcClassicLinkDnsSupport(ctx(), &ec2.DescribeVpcClassicLinkDnsSupportInput{VpcIds: []string{id}})
	wantCode(t, err, "UnsupportedOperation")
	_, err = c.DescribeClassicLinkInstances(ctx(), &ec2.DescribeClassicLinkInstancesInput{})
	wantCode(t, err, "UnsupportedOperation")
	// Update: tenancy (only to default).
	if _, err := c.ModifyVpcTenancy(ctx(), &ec2.ModifyVpcTenancyInput{VpcId: &id, InstanceTenancy: "default"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ModifyVpcTenancy(ctx(), &ec2.ModifyVpcTenancyInput{VpcId: aws.String("vpc-0123456789abcdef0"), InstanceTenancy: "default"})
	wantCode(t, err, "InvalidVpcID.NotFound")
	// Ansible's lookup by name and CIDR, then by the first CIDR only.
	byCidr, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("tag:Name", "iac"), flt("cidr-block", "10.20.0.0/16", "10.21.0.0/16")}})
	if err != nil || len(byCidr.Vpcs) != 1 {
		t.Fatalf("cidr-block: %+v %v", byCidr, err)
	}
	// Subnet teardown lists VPC endpoints: none.
	eps, err := c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{flt("vpc-id", id), flt("service-name", "com.amazonaws.us-east-1.s3"), flt("tag:GuardDuty", "x")}})
	if err != nil || eps.VpcEndpoints == nil && len(eps.VpcEndpoints) != 0 {
		t.Fatalf("endpoints: %+v %v", eps, err)
	}
	_, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{"vpce-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	// Delete, then poll until NotFound.
	if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: &id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	wantCode(t, err, "InvalidVpcID.NotFound")
	_, err = c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: &id})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

func TestIaCEC2DescribeFilters(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.30.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	if _, err := c.AssociateVpcCidrBlock(ctx(), &ec2.AssociateVpcCidrBlockInput{VpcId: &vpc, CidrBlock: aws.String("10.31.0.0/16")}); err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String("10.30.1.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	vpcs := func(f ...ec2types.Filter) (int, error) {
		out, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: f})
		if err != nil {
			return 0, err
		}
		return len(out.Vpcs), nil
	}
	subnets := func(f ...ec2types.Filter) (int, error) {
		out, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: f})
		if err != nil {
			return 0, err
		}
		return len(out.Subnets), nil
	}
	for _, tc := range []struct {
		name string
		call func(...ec2types.Filter) (int, error)
		in   []ec2types.Filter
		want int
	}{
		{"vpc isDefault", vpcs, []ec2types.Filter{flt("isDefault", "true")}, 1},
		{"vpc is-default", vpcs, []ec2types.Filter{flt("is-default", "false")}, 1},
		{"vpc cidr (primary)", vpcs, []ec2types.Filter{flt("cidr", "10.30.0.0/16")}, 1},
		{"vpc cidr not secondary", vpcs, []ec2types.Filter{flt("cidr", "10.31.0.0/16")}, 0},
		{"vpc cidr-block", vpcs, []ec2types.Filter{flt("cidr-block", "10.30.0.0/16")}, 1},
		{"vpc cidrBlock", vpcs, []ec2types.Filter{flt("cidrBlock", "10.30.0.0/16")}, 1},
		{"vpc association cidr", vpcs, []ec2types.Filter{flt("cidr-block-association.cidr-block", "10.31.0.0/16")}, 1},
		{"vpc association state", vpcs, []ec2types.Filter{flt("vpc-id", vpc), flt("cidr-block-association.state", "associated")}, 1},
		{"vpc dhcp-options-id", vpcs, []ec2types.Filter{flt("vpc-id", vpc), flt("dhcp-options-id", *v.Vpc.DhcpOptionsId)}, 1},
		{"vpc state", vpcs, []ec2types.Filter{flt("state", "available")}, 2},
		{"vpc ipv6 association", vpcs, []ec2types.Filter{flt("ipv6-cidr-block-association.association-id", "x")}, 0},
		{"subnet availabilityZone", subnets, []ec2types.Filter{flt("availabilityZone", "us-east-1b")}, 2},
		{"subnet availabilityZoneId", subnets, []ec2types.Filter{flt("availabilityZoneId", *sub.Subnet.AvailabilityZoneId)}, 2},
		{"subnet defaultForAz", subnets, []ec2types.Filter{flt("defaultForAz", "true")}, 6},
		{"subnet default-for-az", subnets, []ec2types.Filter{flt("vpc-id", vpc), flt("default-for-az", "false"), flt("state", "available")}, 1},
		{"subnet cidrBlock", subnets, []ec2types.Filter{flt("cidrBlock", "10.30.1.0/24")}, 1},
		{"subnet cidr-block", subnets, []ec2types.Filter{flt("vpc-id", vpc), flt("cidr-block", "10.30.1.0/24")}, 1},
		{"subnet ipv6 cidr", subnets, []ec2types.Filter{flt("vpc-id", vpc), flt("ipv6-cidr-block-association.ipv6-cidr-block", "2600::/64")}, 0},
		{"subnet ipv6 association id", subnets, []ec2types.Filter{flt("ipv6-cidr-block-association.association-id", "x")}, 0},
		{"subnet ipv6 state", subnets, []ec2types.Filter{flt("vpc-id", vpc), flt("ipv6-cidr-block-association.state", "associated")}, 0},
	} {
		got, err := tc.call(tc.in...)
		if err != nil || got != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	_, err = vpcs(flt("no-such-filter", "x"))
	wantCode(t, err, "InvalidParameterValue")
	// The subnet shows AWS's always-present members.
	s, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{*sub.Subnet.SubnetId}})
	if err != nil || s.Subnets[0].Ipv6CidrBlockAssociationSet == nil || s.Subnets[0].PrivateDnsNameOptionsOnLaunch == nil ||
		s.Subnets[0].PrivateDnsNameOptionsOnLaunch.HostnameType != "ip-name" || s.Subnets[0].EnableDns64 == nil || s.Subnets[0].Tags == nil {
		t.Fatalf("subnet: %+v %v", s, err)
	}
}

func TestIaCEC2Subnet(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.40.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.40.1.0/24")})
	if err != nil || sub.Subnet.State != "available" {
		t.Fatalf("%+v %v", sub, err)
	}
	id := sub.Subnet.SubnetId
	// Terraform's one attribute per call, each followed by a read.
	mods := []*ec2.ModifySubnetAttributeInput{
		{SubnetId: id, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{SubnetId: id, EnableDns64: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{SubnetId: id, EnableResourceNameDnsARecordOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{SubnetId: id, PrivateDnsHostnameTypeOnLaunch: "resource-name"},
		{SubnetId: id, AssignIpv6AddressOnCreation: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}},
	}
	for _, m := range mods {
		if _, err := c.ModifySubnetAttribute(ctx(), m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{*id}})
	if err != nil {
		t.Fatal(err)
	}
	g := got.Subnets[0]
	if !*g.MapPublicIpOnLaunch || !*g.EnableDns64 || !*g.PrivateDnsNameOptionsOnLaunch.EnableResourceNameDnsARecord || g.PrivateDnsNameOptionsOnLaunch.HostnameType != "resource-name" {
		t.Fatalf("subnet after modify: %+v", g)
	}
	// Teardown: lingering ENIs, then delete, then SubnetDeleted.
	enis, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{flt("subnet-id", *id), flt("description", "AWS Lambda VPC ENI*")}})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("%+v %v", enis, err)
	}
	if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{*id}})
	wantCode(t, err, "InvalidSubnetID.NotFound")
}

func TestIaCEC2InternetGatewayAndRoutes(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.50.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := v.Vpc.VpcId
	igw, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil || igw.InternetGateway.Tags == nil {
		t.Fatalf("igw (Tags must be present): %+v %v", igw, err)
	}
	gw := igw.InternetGateway.InternetGatewayId
	if _, err := c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: gw, VpcId: vpc}); err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{flt("attachment.vpc-id", *vpc)}})
	if err != nil || len(got.InternetGateways) != 1 || got.InternetGateways[0].Attachments[0].State != "available" || got.InternetGateways[0].Tags == nil {
		t.Fatalf("attached igw: %+v %v", got, err)
	}
	// aws_route_table with a route to the gateway.
	rt, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: vpc})
	if err != nil {
		t.Fatal(err)
	}
	rtb := rt.RouteTable.RouteTableId
	_, err = c.EnableVgwRoutePropagation(ctx(), &ec2.EnableVgwRoutePropagationInput{RouteTableId: rtb, GatewayId: aws.String("vgw-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpnGatewayID.NotFound")
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: gw}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: gw})
	wantCode(t, err, "RouteAlreadyExists")
	sub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String("10.50.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	as, err := c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: rtb, SubnetId: sub.Subnet.SubnetId})
	if err != nil {
		t.Fatal(err)
	}
	byAssoc, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("association.route-table-association-id", *as.AssociationId)}})
	if err != nil || len(byAssoc.RouteTables) != 1 {
		t.Fatalf("%+v %v", byAssoc, err)
	}
	r := byAssoc.RouteTables[0]
	var sawLocal, sawIGW bool
	for _, rr := range r.Routes {
		sawLocal = sawLocal || *rr.GatewayId == "local" && rr.Origin == "CreateRouteTable"
		sawIGW = sawIGW || *rr.GatewayId == *gw && rr.Origin == "CreateRoute"
	}
	if !sawLocal || !sawIGW || r.PropagatingVgws == nil || r.Associations[0].AssociationState == nil || r.Associations[0].AssociationState.State != "associated" {
		t.Fatalf("route table: %+v", r)
	}
	for _, f := range [][]ec2types.Filter{
		{flt("association.subnet-id", *sub.Subnet.SubnetId), flt("vpc-id", *vpc)},
		{flt("association.gateway-id", *gw), flt("vpc-id", *vpc)},
	} {
		if _, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: f}); err != nil {
			t.Fatalf("%v: %v", *f[0].Name, err)
		}
	}
	// Teardown.
	if _, err := c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: as.AssociationId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: as.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	if _, err := c.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: rtb, DestinationCidrBlock: aws.String("0.0.0.0/0")})
	wantCode(t, err, "InvalidRoute.NotFound")
	if _, err := c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: rtb}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{*rtb}})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	if _, err := c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: gw, VpcId: vpc}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: gw, VpcId: vpc})
	wantCode(t, err, "Gateway.NotAttached")
	if _, err := c.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: gw}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{*gw}})
	wantCode(t, err, "InvalidInternetGatewayID.NotFound")
}

// subnetBehindIGW makes a VPC with one subnet and an attached internet
// gateway, the setup a NAT gateway needs, and returns the subnet's ID.
func subnetBehindIGW(t *testing.T, c *ec2.Client, vpcCIDR, subnetCIDR string) string {
	t.Helper()
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String(vpcCIDR)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String(subnetCIDR)})
	if err != nil {
		t.Fatal(err)
	}
	igw, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: v.Vpc.VpcId}); err != nil {
		t.Fatal(err)
	}
	return *s.Subnet.SubnetId
}

func TestIaCEC2EipAndNatGateway(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	subnet := subnetBehindIGW(t, c, "10.60.0.0/16", "10.60.1.0/24")
	var err error
	// aws_eip.
	_, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{PublicIps: []string{"198.51.100.250"}})
	wantCode(t, err, "InvalidAddress.NotFound")
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc, TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeElasticIp, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("nat")}}}}})
	if err != nil || !strings.HasPrefix(*eip.AllocationId, "eipalloc-") {
		t.Fatalf("%+v %v", eip, err)
	}
	attr, err := c.DescribeAddressesAttribute(ctx(), &ec2.DescribeAddressesAttributeInput{AllocationIds: []string{*eip.AllocationId}, Attribute: ec2types.AddressAttributeNameDomainName})
	if err != nil || len(attr.Addresses) != 1 || *attr.Addresses[0].AllocationId != *eip.AllocationId || *attr.Addresses[0].PublicIp != *eip.PublicIp {
		t.Fatalf("addresses attribute: %+v %v", attr, err)
	}
	_, err = c.DescribeAddressesAttribute(ctx(), &ec2.DescribeAddressesAttributeInput{AllocationIds: []string{"eipalloc-0123456789abcdef0"}, Attribute: ec2types.AddressAttributeNameDomainName})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	for _, f := range [][]ec2types.Filter{{flt("domain", "vpc")}, {flt("tag-key", "Name")}, {flt("tag:Name", "nat")}} {
		out, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: f})
		if err != nil || len(out.Addresses) != 1 || out.Addresses[0].Tags == nil {
			t.Fatalf("addresses by %s: %+v %v", *f[0].Name, out, err)
		}
	}
	// aws_nat_gateway / ec2_vpc_nat_gateway.
	nat, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnet), AllocationId: eip.AllocationId, ClientToken: aws.String("tok-1"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeNatgateway, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("n")}}}}})
	if err != nil || nat.NatGateway.CreateTime == nil || nat.NatGateway.CreateTime.IsZero() {
		t.Fatalf("nat: %+v %v", nat, err)
	}
	again, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnet), AllocationId: eip.AllocationId, ClientToken: aws.String("tok-1"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeNatgateway, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("n")}}}}})
	if err != nil || *again.NatGateway.NatGatewayId != *nat.NatGateway.NatGatewayId {
		t.Fatalf("client token: %+v %v", again, err)
	}
	id := *nat.NatGateway.NatGatewayId
	// NatGatewayAvailable: the Filter parameter (Filter.N on the wire).
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{Filter: []ec2types.Filter{flt("subnet-id", subnet), flt("state", "available")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.NatGateways) == 1 {
			g := out.NatGateways[0]
			if g.CreateTime == nil || len(g.NatGatewayAddresses) != 1 || g.NatGatewayAddresses[0].IsPrimary == nil || !*g.NatGatewayAddresses[0].IsPrimary {
				t.Fatalf("available NAT gateway: %+v", g)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("NAT gateway never available")
		}
		time.Sleep(200 * time.Millisecond)
	}
	tags, err := c.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{flt("resource-id", id), flt("resource-type", "natgateway")}})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("tags: %+v %v", tags, err)
	}
	_, err = c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{"nat-0123456789abcdef0"}})
	wantCode(t, err, "NatGatewayNotFound")
	if _, err := c.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: &id}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		out, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		if out.NatGateways[0].State == "deleted" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("NAT gateway never deleted")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	_, err = c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId})
	wantCode(t, err, "InvalidAllocationID.NotFound")
}

func TestIaCEC2SecurityGroupAndRules(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.70.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	g, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("web"), Description: aws.String("web"), VpcId: v.Vpc.VpcId})
	if err != nil {
		t.Fatal(err)
	}
	id := g.GroupId
	// Ansible waits for the default egress rule; Terraform revokes it
	// (an error is fatal) and the ::/0 one (NotFound tolerated).
	got, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*id}})
	if err != nil || len(got.SecurityGroups[0].IpPermissionsEgress) != 1 || got.SecurityGroups[0].Tags == nil {
		t.Fatalf("%+v %v", got, err)
	}
	allOut := []ec2types.IpPermission{{IpProtocol: aws.String("-1"), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("0.0.0.0/0")}}}}
	if _, err := c.RevokeSecurityGroupEgress(ctx(), &ec2.RevokeSecurityGroupEgressInput{GroupId: id, IpPermissions: allOut}); err != nil {
		t.Fatal(err)
	}
	_, err = c.RevokeSecurityGroupEgress(ctx(), &ec2.RevokeSecurityGroupEgressInput{GroupId: id, IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("-1"), Ipv6Ranges: []ec2types.Ipv6Range{{CidrIpv6: aws.String("::/0")}}}}})
	wantCode(t, err, "InvalidPermission.NotFound")
	// aws_vpc_security_group_ingress_rule: the rule id comes back.
	auth, err := c.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(443), ToPort: aws.Int32(443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8"), Description: aws.String("https")}}}},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSecurityGroupRule, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("r")}}}}})
	if err != nil || len(auth.SecurityGroupRules) != 1 || !strings.HasPrefix(*auth.SecurityGroupRules[0].SecurityGroupRuleId, "sgr-") {
		t.Fatalf("authorize: %+v %v", auth, err)
	}
	rule := auth.SecurityGroupRules[0].SecurityGroupRuleId
	rules, err := c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*rule}})
	if err != nil || len(rules.SecurityGroupRules) != 1 || *rules.SecurityGroupRules[0].CidrIpv4 != "10.0.0.0/8" || len(rules.SecurityGroupRules[0].Tags) != 1 {
		t.Fatalf("rules: %+v %v", rules, err)
	}
	if _, err := c.ModifySecurityGroupRules(ctx(), &ec2.ModifySecurityGroupRulesInput{GroupId: id, SecurityGroupRules: []ec2types.SecurityGroupRuleUpdate{{
		SecurityGroupRuleId: rule, SecurityGroupRule: &ec2types.SecurityGroupRuleRequest{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8443), ToPort: aws.Int32(8443), CidrIpv4: aws.String("10.0.0.0/8")}}}}); err != nil {
		t.Fatal(err)
	}
	// Ansible's description updates, by permission and by rule id.
	if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx(), &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: id, IpPermissions: []ec2types.IpPermission{{
		IpProtocol: aws.String("tcp"), FromPort: aws.Int32(8443), ToPort: aws.Int32(8443), IpRanges: []ec2types.IpRange{{CidrIp: aws.String("10.0.0.0/8"), Description: aws.String("alt https")}}}}}); err != nil {
		t.Fatal(err)
	}
	rules, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{Filters: []ec2types.Filter{flt("group-id", *id)}})
	if err != nil || len(rules.SecurityGroupRules) != 1 || *rules.SecurityGroupRules[0].FromPort != 8443 || *rules.SecurityGroupRules[0].Description != "alt https" {
		t.Fatalf("rules by group: %+v %v", rules, err)
	}
	if _, err := c.UpdateSecurityGroupRuleDescriptionsIngress(ctx(), &ec2.UpdateSecurityGroupRuleDescriptionsIngressInput{GroupId: id,
		SecurityGroupRuleDescriptions: []ec2types.SecurityGroupRuleDescription{{SecurityGroupRuleId: rule, Description: aws.String("by id")}}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateSecurityGroupRuleDescriptionsEgress(ctx(), &ec2.UpdateSecurityGroupRuleDescriptionsEgressInput{GroupId: id, IpPermissions: allOut})
	wantCode(t, err, "InvalidPermission.NotFound")
	sg, err := c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*id}})
	if err != nil || *sg.SecurityGroups[0].IpPermissions[0].IpRanges[0].Description != "by id" {
		t.Fatalf("%+v %v", sg, err)
	}
	// Revoke by rule id; then it is gone.
	if _, err := c.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: id, SecurityGroupRuleIds: []string{*rule}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeSecurityGroupRules(ctx(), &ec2.DescribeSecurityGroupRulesInput{SecurityGroupRuleIds: []string{*rule}})
	wantCode(t, err, "InvalidSecurityGroupRuleId.NotFound")
	// Teardown: ENIs of the group, delete, NotFound.
	enis, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{flt("group-id", *id)}})
	if err != nil || len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("%+v %v", enis, err)
	}
	if _, err := c.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: id}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{GroupIds: []string{*id}})
	wantCode(t, err, "InvalidGroup.NotFound")
}

func TestIaCEC2KeyPair(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	const pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHq0y2h6m2wYVbXvJ8f0Q8Pj1oP6H8m8Ew8m0s2Yc3Jp iac"
	_, err := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"iac"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
	k, err := c.ImportKeyPair(ctx(), &ec2.ImportKeyPairInput{KeyName: aws.String("iac"), PublicKeyMaterial: []byte(pub),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeKeyPair, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("k")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Ansible imports a temporary key to compare fingerprints.
	tmp, err := c.ImportKeyPair(ctx(), &ec2.ImportKeyPairInput{KeyName: aws.String("ansible-tmp"), PublicKeyMaterial: []byte(pub)})
	if err != nil || *tmp.KeyFingerprint != *k.KeyFingerprint {
		t.Fatalf("fingerprints: %+v %+v %v", k, tmp, err)
	}
	got, err := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"iac"}})
	if err != nil || len(got.KeyPairs) != 1 || got.KeyPairs[0].KeyFingerprint == nil || got.KeyPairs[0].KeyPairId == nil || got.KeyPairs[0].KeyType != "ed25519" || len(got.KeyPairs[0].Tags) != 1 {
		t.Fatalf("%+v %v", got, err)
	}
	for _, name := range []string{"iac", "ansible-tmp"} {
		if _, err := c.DeleteKeyPair(ctx(), &ec2.DeleteKeyPairInput{KeyName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"iac"}})
	wantCode(t, err, "InvalidKeyPair.NotFound")
}

func TestIaCEC2Instance(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ip := e.rootIAM()
	for _, name := range []string{"p1", "p2"} {
		if _, err := ip.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
	}
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	// Pre-reads: launch templates (none), the default VPC and its subnets.
	_, err := c.DescribeLaunchTemplateVersions(ctx(), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateId: aws.String("lt-0123456789abcdef0"), Filters: []ec2types.Filter{flt("is-default-version", "true")}})
	wantCode(t, err, "InvalidLaunchTemplateId.NotFound")
	_, err = c.DescribeLaunchTemplateVersions(ctx(), &ec2.DescribeLaunchTemplateVersionsInput{LaunchTemplateName: aws.String("web")})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	_, err = c.DescribeLaunchTemplates(ctx(), &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"web"}})
	wantCode(t, err, "InvalidLaunchTemplateName.NotFoundException")
	lts, err := c.DescribeLaunchTemplates(ctx(), &ec2.DescribeLaunchTemplatesInput{})
	if err != nil || len(lts.LaunchTemplates) != 0 {
		t.Fatalf("%+v %v", lts, err)
	}
	def, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("isDefault", "true")}})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatalf("%+v %v", def, err)
	}
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		ClientToken: aws.String("iac-1"), IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p1")},
		CreditSpecification: &ec2types.CreditSpecificationRequest{CpuCredits: aws.String("standard")}})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)
	st, err := c.DescribeInstanceStatus(ctx(), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}, IncludeAllInstances: aws.Bool(true)})
	if err != nil || len(st.InstanceStatuses) != 1 || st.InstanceStatuses[0].InstanceStatus.Status != "ok" {
		t.Fatalf("status: %+v %v", st, err)
	}
	// Every attribute of the model answers.
	for _, attr := range ec2types.InstanceAttributeName("").Values() {
		if _, err := c.DescribeInstanceAttribute(ctx(), &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: attr}); err != nil {
			t.Errorf("attribute %s: %v", attr, err)
		}
	}
	sh, err := c.DescribeInstanceAttribute(ctx(), &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: "instanceInitiatedShutdownBehavior"})
	if err != nil || *sh.InstanceInitiatedShutdownBehavior.Value != "stop" {
		t.Fatalf("%+v %v", sh, err)
	}
	// Credit specification: the one given, and t3's default otherwise.
	cs, err := c.DescribeInstanceCreditSpecifications(ctx(), &ec2.DescribeInstanceCreditSpecificationsInput{InstanceIds: []string{id}})
	if err != nil || len(cs.InstanceCreditSpecifications) != 1 || *cs.InstanceCreditSpecifications[0].CpuCredits != "standard" {
		t.Fatalf("credits: %+v %v", cs, err)
	}
	if _, err := c.ModifyInstanceCreditSpecification(ctx(), &ec2.ModifyInstanceCreditSpecificationInput{InstanceCreditSpecifications: []ec2types.InstanceCreditSpecificationRequest{{InstanceId: &id, CpuCredits: aws.String("unlimited")}}}); err != nil {
		t.Fatal(err)
	}
	cs, err = c.DescribeInstanceCreditSpecifications(ctx(), &ec2.DescribeInstanceCreditSpecificationsInput{})
	if err != nil || len(cs.InstanceCreditSpecifications) != 1 || *cs.InstanceCreditSpecifications[0].CpuCredits != "unlimited" {
		t.Fatalf("unlimited credits: %+v %v", cs, err)
	}
	// The profile association: read, replace, disassociate, associate.
	as, err := c.DescribeIamInstanceProfileAssociations(ctx(), &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []ec2types.Filter{flt("instance-id", id)}})
	if err != nil || len(as.IamInstanceProfileAssociations) != 1 || as.IamInstanceProfileAssociations[0].State != "associated" ||
		!strings.HasSuffix(*as.IamInstanceProfileAssociations[0].IamInstanceProfile.Arn, ":instance-profile/p1") || !strings.HasPrefix(*as.IamInstanceProfileAssociations[0].AssociationId, "iip-assoc-") {
		t.Fatalf("associations: %+v %v", as, err)
	}
	_, err = c.AssociateIamInstanceProfile(ctx(), &ec2.AssociateIamInstanceProfileInput{InstanceId: &id, IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p2")}})
	wantCode(t, err, "IncorrectState")
	rep, err := c.ReplaceIamInstanceProfileAssociation(ctx(), &ec2.ReplaceIamInstanceProfileAssociationInput{AssociationId: as.IamInstanceProfileAssociations[0].AssociationId,
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p2")}})
	if err != nil || !strings.HasSuffix(*rep.IamInstanceProfileAssociation.IamInstanceProfile.Arn, ":instance-profile/p2") {
		t.Fatalf("replace: %+v %v", rep, err)
	}
	_, err = c.ReplaceIamInstanceProfileAssociation(ctx(), &ec2.ReplaceIamInstanceProfileAssociationInput{AssociationId: aws.String("iip-assoc-0123456789abcdef0"),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p2")}})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	_, err = c.AssociateIamInstanceProfile(ctx(), &ec2.AssociateIamInstanceProfileInput{InstanceId: &id, IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("nope")}})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := c.DisassociateIamInstanceProfile(ctx(), &ec2.DisassociateIamInstanceProfileInput{AssociationId: rep.IamInstanceProfileAssociation.AssociationId}); err != nil {
		t.Fatal(err)
	}
	inst, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || inst.Reservations[0].Instances[0].IamInstanceProfile != nil {
		t.Fatalf("after disassociate: %+v %v", inst, err)
	}
	if _, err := c.AssociateIamInstanceProfile(ctx(), &ec2.AssociateIamInstanceProfileInput{InstanceId: &id, IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("p1")}}); err != nil {
		t.Fatal(err)
	}
	// Other updates Terraform makes.
	md, err := c.ModifyInstanceMetadataOptions(ctx(), &ec2.ModifyInstanceMetadataOptionsInput{InstanceId: &id, HttpTokens: "optional", HttpPutResponseHopLimit: aws.Int32(3)})
	if err != nil || md.InstanceMetadataOptions.HttpTokens != "optional" || *md.InstanceMetadataOptions.HttpPutResponseHopLimit != 3 {
		t.Fatalf("metadata options: %+v %v", md, err)
	}
	_, err = c.ModifyPrivateDnsNameOptions(ctx(), &ec2.ModifyPrivateDnsNameOptionsInput{InstanceId: &id, PrivateDnsHostnameType: "resource-name"})
	wantCode(t, err, "IncorrectInstanceState")
	if _, err := c.ModifyPrivateDnsNameOptions(ctx(), &ec2.ModifyPrivateDnsNameOptionsInput{InstanceId: &id, EnableResourceNameDnsARecord: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	pw, err := c.GetPasswordData(ctx(), &ec2.GetPasswordDataInput{InstanceId: &id})
	if err != nil || *pw.InstanceId != id || pw.PasswordData == nil || *pw.PasswordData != "" {
		t.Fatalf("password: %+v %v", pw, err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	inst, err = c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || inst.Reservations[0].Instances[0].MetadataOptions.HttpTokens != "optional" || !*inst.Reservations[0].Instances[0].PrivateDnsNameOptions.EnableResourceNameDnsARecord {
		t.Fatalf("instance after updates: %+v %v", inst, err)
	}
	// Delete: terminated instances stay describable; the association goes.
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	w := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := w.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	as, err = c.DescribeIamInstanceProfileAssociations(ctx(), &ec2.DescribeIamInstanceProfileAssociationsInput{Filters: []ec2types.Filter{flt("instance-id", id)}})
	if err != nil || len(as.IamInstanceProfileAssociations) != 0 {
		t.Fatalf("associations after terminate: %+v %v", as, err)
	}
}
