package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// These tests replay Terraform's aws_vpc_endpoint (and
// aws_vpc_endpoint_route_table_association) and Ansible's
// ec2_vpc_endpoint: create, wait for available, read with its side reads
// (the prefix list of a Gateway endpoint, the routes it adds), modify,
// read, delete and wait for NotFound.

func endpointRoute(t *testing.T, c *ec2.Client, rtb, vpce string) *ec2types.Route {
	t.Helper()
	out, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range out.RouteTables[0].Routes {
		if aws.ToString(r.GatewayId) == vpce {
			return &r
		}
	}
	return nil
}

func TestIaCVpcEndpointGateway(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.60.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	rtb1, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	rtb2, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: &vpc})
	if err != nil {
		t.Fatal(err)
	}
	r1, r2 := *rtb1.RouteTable.RouteTableId, *rtb2.RouteTable.RouteTableId
	svc := "com.amazonaws.us-east-1.s3"
	// data "aws_vpc_endpoint_service": by name and type.
	ss, err := c.DescribeVpcEndpointServices(ctx(), &ec2.DescribeVpcEndpointServicesInput{Filters: []ec2types.Filter{flt("service-name", svc), flt("service-type", "Gateway")}})
	if err != nil || len(ss.ServiceDetails) != 1 || ss.ServiceDetails[0].ServiceType[0].ServiceType != "Gateway" || len(ss.ServiceNames) != 1 {
		t.Fatalf("services: %+v %v", ss, err)
	}
	all, err := c.DescribeVpcEndpointServices(ctx(), &ec2.DescribeVpcEndpointServicesInput{})
	if err != nil || !containsStr(all.ServiceNames, "com.amazonaws.us-east-1.dynamodb") || !containsStr(all.ServiceNames, "com.amazonaws.us-east-1.ec2") {
		t.Fatalf("all services: %+v %v", all.ServiceNames, err)
	}
	_, err = c.DescribeVpcEndpointServices(ctx(), &ec2.DescribeVpcEndpointServicesInput{ServiceNames: []string{"com.amazonaws.us-east-1.nope"}})
	wantCode(t, err, "InvalidServiceName")
	// Create with tags and a client token; the token makes a retry return
	// the same endpoint.
	in := &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: &svc, VpcEndpointType: ec2types.VpcEndpointTypeGateway,
		RouteTableIds: []string{r1}, ClientToken: aws.String("tf-1"), TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeVpcEndpoint, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("s3")}}}}}
	ce, err := c.CreateVpcEndpoint(ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	id := *ce.VpcEndpoint.VpcEndpointId
	if again, err := c.CreateVpcEndpoint(ctx(), in); err != nil || *again.VpcEndpoint.VpcEndpointId != id {
		t.Fatalf("client token: %+v %v", again, err)
	}
	// Wait for available, then read.
	got, err := c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || len(got.VpcEndpoints) != 1 {
		t.Fatalf("read: %+v %v", got, err)
	}
	ep := got.VpcEndpoints[0]
	if ep.State != "available" || ep.VpcEndpointType != "Gateway" || *ep.VpcId != vpc || *ep.ServiceName != svc || len(ep.RouteTableIds) != 1 ||
		ep.RouteTableIds[0] != r1 || len(ep.Tags) != 1 || ep.PolicyDocument == nil || *ep.PolicyDocument == "" || *ep.PrivateDnsEnabled ||
		ep.CreationTimestamp == nil || *ep.OwnerId == "" {
		t.Fatalf("endpoint: %+v", ep)
	}
	// The prefix list of the service, by name.
	pls, err := c.DescribePrefixLists(ctx(), &ec2.DescribePrefixListsInput{Filters: []ec2types.Filter{flt("prefix-list-name", svc)}})
	if err != nil || len(pls.PrefixLists) != 1 || len(pls.PrefixLists[0].Cidrs) == 0 {
		t.Fatalf("prefix lists: %+v %v", pls, err)
	}
	pl := *pls.PrefixLists[0].PrefixListId
	if _, err := c.DescribePrefixLists(ctx(), &ec2.DescribePrefixListsInput{PrefixListIds: []string{pl}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribePrefixLists(ctx(), &ec2.DescribePrefixListsInput{PrefixListIds: []string{"pl-00000000"}})
	wantCode(t, err, "InvalidPrefixListID.NotFound")
	// The route it added.
	rt := endpointRoute(t, c, r1, id)
	if rt == nil || aws.ToString(rt.DestinationPrefixListId) != pl || rt.State != "active" || rt.Origin != "CreateRoute" {
		t.Fatalf("route: %+v", rt)
	}
	byPL, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("route.destination-prefix-list-id", pl)}})
	if err != nil || len(byPL.RouteTables) != 1 {
		t.Fatalf("by prefix list: %+v %v", byPL, err)
	}
	// Filters.
	for _, f := range [][]ec2types.Filter{
		{flt("vpc-id", vpc)}, {flt("service-name", svc)}, {flt("vpc-endpoint-state", "available")},
		{flt("vpc-endpoint-type", "Gateway")}, {flt("vpc-endpoint-id", id)}, {flt("tag:Name", "s3")},
	} {
		out, err := c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{Filters: f})
		if err != nil || len(out.VpcEndpoints) != 1 {
			t.Fatalf("filter %s: %+v %v", *f[0].Name, out, err)
		}
	}
	none, err := c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{flt("vpc-endpoint-type", "Interface")}})
	if err != nil || len(none.VpcEndpoints) != 0 {
		t.Fatalf("interface filter: %+v %v", none, err)
	}
	// A second S3 endpoint cannot route through the same table.
	_, err = c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: &svc, RouteTableIds: []string{r1}})
	wantCode(t, err, "RouteAlreadyExists")
	// Modify: policy, tables (aws_vpc_endpoint_route_table_association
	// adds and removes one table per call), tags.
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`
	if _, err := c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, PolicyDocument: &policy}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, AddRouteTableIds: []string{r2}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, RemoveRouteTableIds: []string{r1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}}); err != nil {
		t.Fatal(err)
	}
	got, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil || *got.VpcEndpoints[0].PolicyDocument != policy || len(got.VpcEndpoints[0].RouteTableIds) != 1 ||
		got.VpcEndpoints[0].RouteTableIds[0] != r2 || len(got.VpcEndpoints[0].Tags) != 2 {
		t.Fatalf("after modify: %+v %v", got, err)
	}
	if endpointRoute(t, c, r1, id) != nil || endpointRoute(t, c, r2, id) == nil {
		t.Fatal("routes not moved with the tables")
	}
	if _, err := c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, ResetPolicy: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, AddSubnetIds: []string{"subnet-0123456789abcdef0"}})
	wantCode(t, err, "InvalidParameter")
	_, err = c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: aws.String("vpce-0123456789abcdef0"), ResetPolicy: aws.Bool(true)})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	// The VPC cannot go while the endpoint is in it.
	_, err = c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: &vpc})
	wantCode(t, err, "DependencyViolation")
	// Delete: unknown ids come back as Unsuccessful items.
	del, err := c.DeleteVpcEndpoints(ctx(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id, "vpce-0123456789abcdef0"}})
	if err != nil || len(del.Unsuccessful) != 1 || *del.Unsuccessful[0].ResourceId != "vpce-0123456789abcdef0" ||
		*del.Unsuccessful[0].Error.Code != "InvalidVpcEndpointId.NotFound" {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	if endpointRoute(t, c, r2, id) != nil {
		t.Fatal("route left behind")
	}
	for _, r := range []string{r1, r2} {
		if _, err := c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: &r}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: &vpc}); err != nil {
		t.Fatal(err)
	}
}

func TestIaCVpcEndpointInterface(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.61.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	var subnets []string
	for i, az := range []string{"us-east-1a", "us-east-1b"} {
		s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: &vpc, CidrBlock: aws.String([]string{"10.61.1.0/24", "10.61.2.0/24"}[i]), AvailabilityZone: aws.String(az)})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, *s.Subnet.SubnetId)
	}
	sg, err := c.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{VpcId: &vpc, GroupName: aws.String("vpce"), Description: aws.String("vpce")})
	if err != nil {
		t.Fatal(err)
	}
	svc := "com.amazonaws.us-east-1.ec2"
	// Errors first: no such service, a type the service lacks.
	_, err = c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: aws.String("com.amazonaws.us-east-1.nope"), VpcEndpointType: "Interface"})
	wantCode(t, err, "InvalidServiceName")
	_, err = c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: &svc, VpcEndpointType: "Gateway"})
	wantCode(t, err, "InvalidParameter")
	_, err = c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: aws.String("vpc-0123456789abcdef0"), ServiceName: &svc, VpcEndpointType: "Interface"})
	wantCode(t, err, "InvalidVpcID.NotFound")
	ce, err := c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: &svc, VpcEndpointType: "Interface",
		SubnetIds: subnets[:1], SecurityGroupIds: []string{*sg.GroupId}, PrivateDnsEnabled: aws.Bool(false)})
	if err != nil {
		t.Fatal(err)
	}
	id := *ce.VpcEndpoint.VpcEndpointId
	got, err := c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	ep := got.VpcEndpoints[0]
	if ep.State != "available" || ep.VpcEndpointType != "Interface" || len(ep.SubnetIds) != 1 || len(ep.Groups) != 1 ||
		*ep.Groups[0].GroupId != *sg.GroupId || *ep.PrivateDnsEnabled || len(ep.DnsEntries) != 1 || ep.DnsOptions == nil ||
		ep.DnsOptions.DnsRecordIpType != "ipv4" || ep.IpAddressType != "ipv4" || len(ep.RouteTableIds) != 0 {
		t.Fatalf("endpoint: %+v", ep)
	}
	// A subnet an endpoint is in cannot be deleted.
	_, err = c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: &subnets[0]})
	wantCode(t, err, "DependencyViolation")
	// Modify: subnets, groups, private DNS.
	if _, err := c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, AddSubnetIds: subnets[1:], RemoveSubnetIds: subnets[:1],
		PrivateDnsEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, RemoveSecurityGroupIds: []string{*sg.GroupId}})
	wantCode(t, err, "InvalidParameter")
	_, err = c.ModifyVpcEndpoint(ctx(), &ec2.ModifyVpcEndpointInput{VpcEndpointId: &id, AddRouteTableIds: []string{"rtb-0123456789abcdef0"}})
	wantCode(t, err, "InvalidParameter")
	got, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{Filters: []ec2types.Filter{flt("vpc-id", vpc), flt("vpc-endpoint-type", "Interface")}})
	if err != nil || len(got.VpcEndpoints) != 1 || got.VpcEndpoints[0].SubnetIds[0] != subnets[1] || !*got.VpcEndpoints[0].PrivateDnsEnabled ||
		len(got.VpcEndpoints[0].DnsEntries) != 2 {
		t.Fatalf("after modify: %+v %v", got, err)
	}
	if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: &subnets[0]}); err != nil {
		t.Fatal(err)
	}
	// Without groups, the VPC's default group.
	def, err := c.CreateVpcEndpoint(ctx(), &ec2.CreateVpcEndpointInput{VpcId: &vpc, ServiceName: aws.String("com.amazonaws.us-east-1.sts"), VpcEndpointType: "Interface"})
	if err != nil || len(def.VpcEndpoint.Groups) != 1 || !*def.VpcEndpoint.PrivateDnsEnabled {
		t.Fatalf("default group: %+v %v", def, err)
	}
	del, err := c.DeleteVpcEndpoints(ctx(), &ec2.DeleteVpcEndpointsInput{VpcEndpointIds: []string{id, *def.VpcEndpoint.VpcEndpointId}})
	if err != nil || len(del.Unsuccessful) != 0 {
		t.Fatalf("delete: %+v %v", del, err)
	}
	_, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{id}})
	wantCode(t, err, "InvalidVpcEndpointId.NotFound")
	_, err = c.DescribeVpcEndpoints(ctx(), &ec2.DescribeVpcEndpointsInput{VpcEndpointIds: []string{"rtb-0123456789abcdef0"}})
	wantCode(t, err, "InvalidVpcEndpointId.Malformed")
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
