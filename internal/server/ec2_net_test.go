package server_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Route tables, internet gateways, Elastic IPs and NAT gateways, as the
// classic two-tier network uses them.

func netNatWaiterOpts(o *ec2.NatGatewayAvailableWaiterOptions) {
	o.MinDelay, o.MaxDelay = 100*time.Millisecond, 300*time.Millisecond
}

func netWantMessage(t *testing.T, err error, code, msg string) {
	t.Helper()
	if ae := wantCode(t, err, code); ae.ErrorMessage() != msg {
		t.Fatalf("%s: message %q, want %q", code, ae.ErrorMessage(), msg)
	}
}

func netNameTag(rt ec2types.ResourceType, name string) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}
}

func netFilter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

func netRouteTo(rtb *ec2types.RouteTable, dst string) *ec2types.Route {
	for i, r := range rtb.Routes {
		if aws.ToString(r.DestinationCidrBlock) == dst {
			return &rtb.Routes[i]
		}
	}
	return nil
}

func TestEC2NetTwoTier(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")

	// The VPC and its subnets.
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	pub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	pubID, privID := *pub.Subnet.SubnetId, *priv.Subnet.SubnetId

	// The main route table: the local route, the main association.
	mains, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("vpc-id", vpc), netFilter("association.main", "true")}})
	if err != nil || len(mains.RouteTables) != 1 {
		t.Fatalf("main route table: %+v %v", mains, err)
	}
	main := mains.RouteTables[0]
	if len(main.Routes) != 1 || *main.Routes[0].DestinationCidrBlock != "10.0.0.0/16" || *main.Routes[0].GatewayId != "local" ||
		main.Routes[0].State != ec2types.RouteStateActive || main.Routes[0].Origin != ec2types.RouteOriginCreateRouteTable {
		t.Fatalf("main routes: %+v", main.Routes)
	}
	if len(main.Associations) != 1 || !*main.Associations[0].Main || main.Associations[0].AssociationState.State != ec2types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("main association: %+v", main.Associations)
	}
	mainID, mainAssoc := *main.RouteTableId, *main.Associations[0].RouteTableAssociationId

	// The internet gateway: one per VPC, one VPC per gateway.
	g, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{TagSpecifications: netNameTag(ec2types.ResourceTypeInternetGateway, "igw")})
	if err != nil || !strings.HasPrefix(*g.InternetGateway.InternetGatewayId, "igw-") || len(g.InternetGateway.Attachments) != 0 || len(g.InternetGateway.Tags) != 1 {
		t.Fatalf("CreateInternetGateway: %+v %v", g, err)
	}
	igw := *g.InternetGateway.InternetGatewayId
	// A route to a gateway not attached to the VPC is refused.
	pubRT, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpc), TagSpecifications: netNameTag(ec2types.ResourceTypeRouteTable, "public")})
	if err != nil || len(pubRT.RouteTable.Routes) != 1 || len(pubRT.RouteTable.Tags) != 1 {
		t.Fatalf("CreateRouteTable: %+v %v", pubRT, err)
	}
	pubRTB := *pubRT.RouteTable.RouteTableId
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	netWantMessage(t, err, "InvalidParameterValue", "route table "+pubRTB+" and network gateway "+igw+" belong to different networks")
	if _, err := c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)})
	netWantMessage(t, err, "Resource.AlreadyAssociated", "resource "+igw+" is already attached to network "+vpc)
	other, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	otherVpc := *other.Vpc.VpcId
	_, err = c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(otherVpc)})
	netWantMessage(t, err, "Resource.AlreadyAssociated", "resource "+igw+" is already attached to network "+vpc)
	g2, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	igw2 := *g2.InternetGateway.InternetGatewayId
	_, err = c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(igw2), VpcId: aws.String(vpc)})
	netWantMessage(t, err, "InvalidParameterValue", "Network "+vpc+" already has an internet gateway attached")
	_, err = c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw2), VpcId: aws.String(vpc)})
	netWantMessage(t, err, "Gateway.NotAttached", "resource "+igw2+" is not attached to network "+vpc)
	_, err = c.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(igw)})
	netWantMessage(t, err, "DependencyViolation", "The internetGateway '"+igw+"' has dependencies and cannot be deleted.")
	gws, err := c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{netFilter("attachment.vpc-id", vpc)}})
	if err != nil || len(gws.InternetGateways) != 1 || *gws.InternetGateways[0].InternetGatewayId != igw ||
		gws.InternetGateways[0].Attachments[0].State != ec2types.AttachmentStatus("available") {
		t.Fatalf("DescribeInternetGateways: %+v %v", gws, err)
	}
	_, err = c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{InternetGatewayIds: []string{"igw-0123456789abcdef0"}})
	netWantMessage(t, err, "InvalidInternetGatewayID.NotFound", "The internetGateway ID 'igw-0123456789abcdef0' does not exist")

	// The public route table: 0.0.0.0/0 → igw, for the public subnet.
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	netWantMessage(t, err, "RouteAlreadyExists", "The route identified by 0.0.0.0/0 already exists.")
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String("rtb-0123456789abcdef0"), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	netWantMessage(t, err, "InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0123456789abcdef0' does not exist")
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("192.0.2.0/24"), GatewayId: aws.String("igw-0123456789abcdef0")})
	netWantMessage(t, err, "InvalidInternetGatewayID.NotFound", "The internetGateway ID 'igw-0123456789abcdef0' does not exist")
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("192.0.2.0/24"), InstanceId: aws.String("i-0123456789abcdef0")})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("192.0.2.0/24"), NetworkInterfaceId: aws.String("eni-0123456789abcdef0")})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(pubRTB), DestinationCidrBlock: aws.String("192.0.2.0/24"), NatGatewayId: aws.String("nat-0123456789abcdef0")})
	wantCode(t, err, "InvalidNatGatewayID.NotFound")
	pa, err := c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(pubRTB), SubnetId: aws.String(pubID)})
	if err != nil || !strings.HasPrefix(*pa.AssociationId, "rtbassoc-") || pa.AssociationState.State != ec2types.RouteTableAssociationStateCodeAssociated {
		t.Fatalf("AssociateRouteTable: %+v %v", pa, err)
	}
	_, err = c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(mainID), SubnetId: aws.String(pubID)})
	netWantMessage(t, err, "Resource.AlreadyAssociated", "the specified association for route table "+mainID+" conflicts with an existing association")
	otherRT, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("vpc-id", otherVpc)}})
	if err != nil || len(otherRT.RouteTables) != 1 {
		t.Fatalf("other VPC's route tables: %+v %v", otherRT, err)
	}
	_, err = c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: otherRT.RouteTables[0].RouteTableId, SubnetId: aws.String(privID)})
	wantCode(t, err, "InvalidParameterValue")

	// An Elastic IP and the NAT gateway in the public subnet.
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc, TagSpecifications: netNameTag(ec2types.ResourceTypeElasticIp, "nat")})
	if err != nil || !strings.HasPrefix(*eip.AllocationId, "eipalloc-") || eip.Domain != ec2types.DomainTypeVpc || *eip.PublicIpv4Pool != "amazon" || *eip.NetworkBorderGroup != "us-east-1" {
		t.Fatalf("AllocateAddress: %+v %v", eip, err)
	}
	if ip := netip.MustParseAddr(*eip.PublicIp); !netip.MustParsePrefix("198.51.100.0/24").Contains(ip) || ip.As4()[3] < 2 || ip.As4()[3] == 255 {
		t.Fatalf("public IP %s is not from the pool", ip)
	}
	alloc := *eip.AllocationId
	_, err = c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(pubID), AllocationId: aws.String("eipalloc-0123456789abcdef0")})
	netWantMessage(t, err, "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0123456789abcdef0' does not exist")
	ng, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(pubID), AllocationId: aws.String(alloc), ClientToken: aws.String("tok-1"),
		TagSpecifications: netNameTag(ec2types.ResourceTypeNatgateway, "nat")})
	if err != nil || ng.NatGateway.State != ec2types.NatGatewayStatePending || !strings.HasPrefix(*ng.NatGateway.NatGatewayId, "nat-") ||
		*ng.NatGateway.VpcId != vpc || ng.NatGateway.ConnectivityType != ec2types.ConnectivityTypePublic || len(ng.NatGateway.Tags) != 1 {
		t.Fatalf("CreateNatGateway: %+v %v", ng, err)
	}
	nat := *ng.NatGateway.NatGatewayId
	again, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(pubID), AllocationId: aws.String(alloc), ClientToken: aws.String("tok-1")})
	if err != nil || *again.NatGateway.NatGatewayId != nat {
		t.Fatalf("idempotent CreateNatGateway: %+v %v", again, err)
	}
	if err := ec2.NewNatGatewayAvailableWaiter(c, netNatWaiterOpts).Wait(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	dn, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{Filter: []ec2types.Filter{netFilter("vpc-id", vpc), netFilter("state", "available")}})
	if err != nil || len(dn.NatGateways) != 1 {
		t.Fatalf("DescribeNatGateways: %+v %v", dn, err)
	}
	na := dn.NatGateways[0].NatGatewayAddresses
	if len(na) != 1 || *na[0].AllocationId != alloc || *na[0].PublicIp != *eip.PublicIp || *na[0].PrivateIp != "10.0.1.4" || !*na[0].IsPrimary ||
		na[0].Status != ec2types.NatGatewayAddressStatusSucceeded || !strings.HasPrefix(*na[0].NetworkInterfaceId, "eni-") || dn.NatGateways[0].CreateTime == nil {
		t.Fatalf("NAT gateway addresses: %+v", na)
	}
	natENI := *na[0].NetworkInterfaceId
	_, err = c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{"nat-0123456789abcdef0"}})
	netWantMessage(t, err, "NatGatewayNotFound", "NAT gateway nat-0123456789abcdef0 was not found")
	sn, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{pubID}})
	if err != nil || *sn.Subnets[0].AvailableIpAddressCount != 250 {
		t.Fatalf("the NAT gateway's address is taken from the subnet: %+v %v", sn, err)
	}

	// The address shows its association; it cannot be released or moved
	// while the NAT gateway holds it.
	da, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{netFilter("network-interface-id", natENI)}})
	if err != nil || len(da.Addresses) != 1 {
		t.Fatalf("DescribeAddresses: %+v %v", da, err)
	}
	ad := da.Addresses[0]
	if *ad.AllocationId != alloc || !strings.HasPrefix(aws.ToString(ad.AssociationId), "eipassoc-") || *ad.PrivateIpAddress != "10.0.1.4" ||
		*ad.NetworkInterfaceOwnerId != "000000000000" || len(ad.Tags) != 1 || ad.Domain != ec2types.DomainTypeVpc {
		t.Fatalf("address: %+v", ad)
	}
	_, err = c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)})
	wantCode(t, err, "AuthFailure")
	_, err = c.DisassociateAddress(ctx(), &ec2.DisassociateAddressInput{AssociationId: ad.AssociationId})
	wantCode(t, err, "AuthFailure")
	_, err = c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{PublicIp: eip.PublicIp})
	netWantMessage(t, err, "InvalidParameterValue", "You must specify an allocation id when releasing a VPC elastic IP address")
	_, err = c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: aws.String(alloc), InstanceId: aws.String("i-0123456789abcdef0")})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{"eipalloc-0123456789abcdef0"}})
	netWantMessage(t, err, "InvalidAllocationID.NotFound", "The allocation ID 'eipalloc-0123456789abcdef0' does not exist")
	_, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{PublicIps: []string{"192.0.2.1"}})
	wantCode(t, err, "InvalidAddress.NotFound")
	byIP, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{PublicIps: []string{*eip.PublicIp}})
	if err != nil || len(byIP.Addresses) != 1 {
		t.Fatalf("DescribeAddresses by IP: %+v %v", byIP, err)
	}

	// A second NAT gateway with the same address fails, as AWS's does.
	bad, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(pubID), AllocationId: aws.String(alloc)})
	if err != nil || bad.NatGateway.State != ec2types.NatGatewayStatePending {
		t.Fatalf("second NAT gateway: %+v %v", bad, err)
	}
	badNat := *bad.NatGateway.NatGatewayId
	err = ec2.NewNatGatewayAvailableWaiter(c, netNatWaiterOpts).Wait(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{badNat}}, 20*time.Second)
	if err == nil {
		t.Fatal("the waiter should fail on a failed NAT gateway")
	}
	fb, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{badNat}})
	if err != nil || fb.NatGateways[0].State != ec2types.NatGatewayStateFailed || *fb.NatGateways[0].FailureCode != "Resource.AlreadyAssociated" ||
		*fb.NatGateways[0].FailureMessage != "Elastic IP address ["+alloc+"] is already associated" {
		t.Fatalf("failed NAT gateway: %+v %v", fb, err)
	}
	// A public NAT gateway in a VPC without an internet gateway fails too.
	oSub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(otherVpc), CidrBlock: aws.String("10.1.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	eip2, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil || *eip2.PublicIp == *eip.PublicIp {
		t.Fatalf("second address: %+v %v", eip2, err)
	}
	noIGW, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: oSub.Subnet.SubnetId, AllocationId: eip2.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	// A private NAT gateway needs no address.
	pn, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: oSub.Subnet.SubnetId, ConnectivityType: ec2types.ConnectivityTypePrivate})
	if err != nil || pn.NatGateway.ConnectivityType != ec2types.ConnectivityTypePrivate {
		t.Fatalf("private NAT gateway: %+v %v", pn, err)
	}
	if err := ec2.NewNatGatewayAvailableWaiter(c, netNatWaiterOpts).Wait(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*pn.NatGateway.NatGatewayId}}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	fo, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*noIGW.NatGateway.NatGatewayId, *pn.NatGateway.NatGatewayId}})
	if err != nil || len(fo.NatGateways) != 2 {
		t.Fatalf("NAT gateways of the other VPC: %+v %v", fo, err)
	}
	for _, n := range fo.NatGateways {
		switch *n.NatGatewayId {
		case *noIGW.NatGateway.NatGatewayId:
			if n.State != ec2types.NatGatewayStateFailed || *n.FailureCode != "Gateway.NotAttached" || *n.FailureMessage != "Network "+otherVpc+" has no Internet gateway attached" {
				t.Fatalf("NAT gateway without an internet gateway: %+v", n)
			}
		default:
			if n.State != ec2types.NatGatewayStateAvailable || *n.NatGatewayAddresses[0].PrivateIp != "10.1.1.4" || n.NatGatewayAddresses[0].PublicIp != nil {
				t.Fatalf("private NAT gateway: %+v", n)
			}
		}
	}

	// The private route table: 0.0.0.0/0 → nat, for the private subnet.
	privRT, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	privRTB := *privRT.RouteTable.RouteTableId
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: pn.NatGateway.NatGatewayId})
	wantCode(t, err, "InvalidParameterValue") // another VPC's NAT gateway
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat)}); err != nil {
		t.Fatal(err)
	}
	privA, err := c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(privRTB), SubnetId: aws.String(privID)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("route.nat-gateway-id", nat)}})
	if err != nil || len(got.RouteTables) != 1 || *got.RouteTables[0].RouteTableId != privRTB {
		t.Fatalf("filter route.nat-gateway-id: %+v %v", got, err)
	}
	if r := netRouteTo(&got.RouteTables[0], "0.0.0.0/0"); r == nil || *r.NatGatewayId != nat || r.State != ec2types.RouteStateActive || r.Origin != ec2types.RouteOriginCreateRoute {
		t.Fatalf("NAT route: %+v", r)
	}
	for f, want := range map[[2]string]string{
		{"association.subnet-id", pubID}:                      pubRTB,
		{"association.route-table-association-id", mainAssoc}: mainID,
		{"route.gateway-id", igw}:                             pubRTB,
		{"route.destination-cidr-block", "0.0.0.0/0"}:         "",
		{"tag:Name", "public"}:                                pubRTB,
	} {
		got, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("vpc-id", vpc), netFilter(f[0], f[1])}})
		if err != nil {
			t.Fatal(err)
		}
		if want == "" {
			if len(got.RouteTables) != 2 {
				t.Fatalf("filter %s=%s: %d tables", f[0], f[1], len(got.RouteTables))
			}
		} else if len(got.RouteTables) != 1 || *got.RouteTables[0].RouteTableId != want {
			t.Fatalf("filter %s=%s: %+v", f[0], f[1], got.RouteTables)
		}
	}
	// Paging: six tables (the default VPC's, two VPCs' main tables, public,
	// private and a spare) in pages of five.
	spare, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(otherVpc)})
	if err != nil {
		t.Fatal(err)
	}
	p1, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(5)})
	if err != nil || len(p1.RouteTables) != 5 || p1.NextToken == nil {
		t.Fatalf("page 1: %+v, %v", p1, err)
	}
	p2, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(5), NextToken: p1.NextToken})
	if err != nil || len(p2.RouteTables) != 1 || p2.NextToken != nil {
		t.Fatalf("page 2: %+v, %v", p2, err)
	}
	if _, err := c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: spare.RouteTable.RouteTableId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{"rtb-0123456789abcdef0"}})
	netWantMessage(t, err, "InvalidRouteTableID.NotFound", "The routeTable ID 'rtb-0123456789abcdef0' does not exist")

	// Route errors.
	_, err = c.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("10.0.0.0/16")})
	netWantMessage(t, err, "InvalidParameterValue", "cannot remove local route 10.0.0.0/16 in route table "+privRTB)
	_, err = c.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(mainID), DestinationCidrBlock: aws.String("0.0.0.0/0")})
	netWantMessage(t, err, "InvalidRoute.NotFound", "no route with destination-cidr-block 0.0.0.0/0 in route table "+mainID)
	_, err = c.ReplaceRoute(ctx(), &ec2.ReplaceRouteInput{RouteTableId: aws.String(mainID), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)})
	wantCode(t, err, "InvalidParameterValue")
	// ReplaceRoute: nat → igw → nat.
	if _, err := c.ReplaceRoute(ctx(), &ec2.ReplaceRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: aws.String(igw)}); err != nil {
		t.Fatal(err)
	}
	got, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{privRTB}})
	if r := netRouteTo(&got.RouteTables[0], "0.0.0.0/0"); err != nil || aws.ToString(r.GatewayId) != igw || r.NatGatewayId != nil {
		t.Fatalf("replaced route: %+v %v", r, err)
	}
	if _, err := c.ReplaceRoute(ctx(), &ec2.ReplaceRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: aws.String(nat)}); err != nil {
		t.Fatal(err)
	}

	// Route table dependencies and the main association.
	_, err = c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(mainID)})
	netWantMessage(t, err, "DependencyViolation", "The routeTable '"+mainID+"' has dependencies and cannot be deleted.")
	_, err = c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(pubRTB)})
	netWantMessage(t, err, "DependencyViolation", "The routeTable '"+pubRTB+"' has dependencies and cannot be deleted.")
	_, err = c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String(mainAssoc)})
	netWantMessage(t, err, "InvalidParameterValue", "cannot disassociate the main route table association "+mainAssoc)
	_, err = c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String("rtbassoc-0123456789abcdef0")})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	moved, err := c.ReplaceRouteTableAssociation(ctx(), &ec2.ReplaceRouteTableAssociationInput{AssociationId: aws.String(mainAssoc), RouteTableId: aws.String(pubRTB)})
	if err != nil || !strings.HasPrefix(*moved.NewAssociationId, "rtbassoc-") || *moved.NewAssociationId == mainAssoc {
		t.Fatalf("ReplaceRouteTableAssociation (main): %+v %v", moved, err)
	}
	mains, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("vpc-id", vpc), netFilter("association.main", "true")}})
	if err != nil || len(mains.RouteTables) != 1 || *mains.RouteTables[0].RouteTableId != pubRTB || len(mains.RouteTables[0].Associations) != 2 {
		t.Fatalf("main moved: %+v %v", mains, err)
	}
	// The old main table is now an ordinary one, with no associations.
	back, err := c.ReplaceRouteTableAssociation(ctx(), &ec2.ReplaceRouteTableAssociationInput{AssociationId: moved.NewAssociationId, RouteTableId: aws.String(mainID)})
	if err != nil {
		t.Fatal(err)
	}
	mainAssoc = *back.NewAssociationId
	subMove, err := c.ReplaceRouteTableAssociation(ctx(), &ec2.ReplaceRouteTableAssociationInput{AssociationId: privA.AssociationId, RouteTableId: aws.String(mainID)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: subMove.NewAssociationId}); err != nil {
		t.Fatal(err)
	}
	privA, err = c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: aws.String(privRTB), SubnetId: aws.String(privID)})
	if err != nil {
		t.Fatal(err)
	}

	// The gateway cannot be detached while the NAT gateway maps a public
	// address in the VPC.
	_, err = c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)})
	netWantMessage(t, err, "DependencyViolation", "Network "+vpc+" has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.")

	// The address quota: five per account and region.
	var extra []string
	for i := 0; i < 3; i++ {
		a, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
		if err != nil {
			t.Fatal(err)
		}
		extra = append(extra, *a.AllocationId)
	}
	_, err = c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	netWantMessage(t, err, "AddressLimitExceeded", "The maximum number of addresses has been reached.")
	all, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{})
	if err != nil || len(all.Addresses) != 5 {
		t.Fatalf("DescribeAddresses: %+v %v", all, err)
	}
	seen := map[string]bool{}
	for _, a := range all.Addresses {
		if seen[*a.PublicIp] {
			t.Fatalf("address %s handed out twice", *a.PublicIp)
		}
		seen[*a.PublicIp] = true
	}
	extra = append(extra, *eip2.AllocationId)
	for _, id := range extra {
		if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(extra[0])})
	wantCode(t, err, "InvalidAllocationID.NotFound")

	// Deleting the NAT gateway: deleting → deleted; its route turns
	// blackhole and its address is free again.
	dl, err := c.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(nat)})
	if err != nil || *dl.NatGatewayId != nat {
		t.Fatalf("DeleteNatGateway: %+v %v", dl, err)
	}
	st, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}})
	if err != nil || st.NatGateways[0].State != ec2types.NatGatewayStateDeleting {
		t.Fatalf("deleting: %+v %v", st, err)
	}
	for _, id := range []string{badNat, *noIGW.NatGateway.NatGatewayId, *pn.NatGateway.NatGatewayId} {
		if _, err := c.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String("nat-0123456789abcdef0")})
	wantCode(t, err, "NatGatewayNotFound")
	ids := []string{nat, badNat, *noIGW.NatGateway.NatGatewayId, *pn.NatGateway.NatGatewayId}
	if err := ec2.NewNatGatewayDeletedWaiter(c, func(o *ec2.NatGatewayDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, 300*time.Millisecond
	}).Wait(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: ids}, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err = c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{nat}})
	if err != nil || st.NatGateways[0].State != ec2types.NatGatewayStateDeleted || st.NatGateways[0].DeleteTime == nil {
		t.Fatalf("deleted: %+v %v", st, err)
	}
	bh, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("route.state", "blackhole")}})
	if err != nil || len(bh.RouteTables) != 1 || *bh.RouteTables[0].RouteTableId != privRTB || netRouteTo(&bh.RouteTables[0], "0.0.0.0/0").State != ec2types.RouteStateBlackhole {
		t.Fatalf("blackhole route: %+v %v", bh, err)
	}
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("192.0.2.0/24"), NatGatewayId: aws.String(nat)})
	wantCode(t, err, "InvalidNatGatewayID.NotFound")
	da, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{alloc}})
	if err != nil || da.Addresses[0].AssociationId != nil || da.Addresses[0].NetworkInterfaceId != nil {
		t.Fatalf("address after the NAT gateway went: %+v %v", da, err)
	}
	sn, err = c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{pubID}})
	if err != nil || *sn.Subnets[0].AvailableIpAddressCount != 251 {
		t.Fatalf("the NAT gateway's address is back: %+v %v", sn, err)
	}

	// Tear-down to zero.
	if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String(alloc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(privRTB), DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(igw), VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	bh, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{pubRTB}})
	if err != nil || netRouteTo(&bh.RouteTables[0], "0.0.0.0/0").State != ec2types.RouteStateBlackhole {
		t.Fatalf("route to a detached gateway: %+v %v", bh, err)
	}
	for _, id := range []string{igw, igw2} {
		if _, err := c.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*string{pa.AssociationId, privA.AssociationId} {
		if _, err := c.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: a}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{pubRTB, privRTB} {
		if _, err := c.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{pubID, privID, *oSub.Subnet.SubnetId} {
		if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{vpc, otherVpc} {
		if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	left, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{})
	if err != nil || len(left.Addresses) != 0 {
		t.Fatalf("addresses left: %+v %v", left, err)
	}
	igws, err := c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{})
	if err != nil || len(igws.InternetGateways) != 1 { // the default VPC's
		t.Fatalf("internet gateways left: %+v %v", igws, err)
	}
}

// TestEC2NetAddressPoolShared checks public addresses are unique across
// accounts and come back to the pool when released.
func TestEC2NetAddressPoolShared(t *testing.T) {
	e := newEnv(t)
	a := e.ec2("test", "test")
	b := e.ec2(testAccounts[1].AccessKey, testAccounts[1].SecretKey)
	x, err := a.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	y, err := b.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *x.PublicIp == *y.PublicIp {
		t.Fatalf("two accounts hold %s", *x.PublicIp)
	}
	_, err = b.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*x.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")
	if _, err := a.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: x.AllocationId}); err != nil {
		t.Fatal(err)
	}
	z, err := b.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil || *z.PublicIp != *x.PublicIp {
		t.Fatalf("released address not reused: %+v %v", z, err)
	}
}

// netTestImage is any Amazon image (instances here only carry addresses
// and routes).
func netTestImage(t *testing.T, c *ec2.Client) string {
	t.Helper()
	out, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(out.Images) == 0 {
		t.Fatalf("images: %+v %v", out, err)
	}
	return *out.Images[0].ImageId
}

// TestEC2NetInstanceTargets maps Elastic IPs to instances and network
// interfaces and routes to instances, in the default VPC.
func TestEC2NetInstanceTargets(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(netTestImage(t, c)), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil || len(run.Instances) != 2 {
		t.Fatalf("RunInstances: %+v %v", run, err)
	}
	ia, ib := *run.Instances[0].InstanceId, *run.Instances[1].InstanceId
	vpc := *run.Instances[0].VpcId
	eniA := *run.Instances[0].NetworkInterfaces[0].NetworkInterfaceId
	privA := *run.Instances[0].PrivateIpAddress
	x, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	y, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}

	// To an instance: its primary interface holds the address.
	as, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: x.AllocationId, InstanceId: aws.String(ia)})
	if err != nil || !strings.HasPrefix(*as.AssociationId, "eipassoc-") {
		t.Fatalf("AssociateAddress: %+v %v", as, err)
	}
	da, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{netFilter("instance-id", ia)}})
	if err != nil || len(da.Addresses) != 1 {
		t.Fatalf("DescribeAddresses instance-id: %+v %v", da, err)
	}
	if a := da.Addresses[0]; *a.AllocationId != *x.AllocationId || *a.AssociationId != *as.AssociationId || *a.NetworkInterfaceId != eniA ||
		*a.PrivateIpAddress != privA || *a.InstanceId != ia {
		t.Fatalf("associated address: %+v", a)
	}
	di, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{ia}})
	if err != nil || aws.ToString(di.Reservations[0].Instances[0].PublicIpAddress) != *x.PublicIp {
		t.Fatalf("instance's public IP: %+v %v", di, err)
	}
	_, err = c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: x.AllocationId})
	netWantMessage(t, err, "InvalidIPAddress.InUse", "Address "+*x.PublicIp+" is in use.")
	// Moving it needs AllowReassociation.
	_, err = c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: x.AllocationId, InstanceId: aws.String(ib)})
	netWantMessage(t, err, "Resource.AlreadyAssociated", "resource "+*x.AllocationId+" is already associated with associate-id "+*as.AssociationId)
	mv, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: x.AllocationId, InstanceId: aws.String(ib), AllowReassociation: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	// A second address on the same interface replaces the first.
	if _, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: y.AllocationId, InstanceId: aws.String(ib)}); err != nil {
		t.Fatal(err)
	}
	dx, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*x.AllocationId}})
	if err != nil || dx.Addresses[0].AssociationId != nil {
		t.Fatalf("replaced address still associated: %+v %v", dx, err)
	}
	_, err = c.DisassociateAddress(ctx(), &ec2.DisassociateAddressInput{AssociationId: mv.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	// To a network interface.
	ae, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: x.AllocationId, NetworkInterfaceId: aws.String(eniA)})
	if err != nil {
		t.Fatal(err)
	}
	dx, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{netFilter("network-interface-id", eniA)}})
	if err != nil || len(dx.Addresses) != 1 || *dx.Addresses[0].InstanceId != ia {
		t.Fatalf("address on an interface: %+v %v", dx, err)
	}
	_, err = c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(netDefaultIGW(t, c, vpc)), VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	if _, err := c.DisassociateAddress(ctx(), &ec2.DisassociateAddressInput{AssociationId: ae.AssociationId}); err != nil {
		t.Fatal(err)
	}

	// Routes to an instance and to an interface.
	rt, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	rtb := *rt.RouteTable.RouteTableId
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("192.0.2.0/24"), InstanceId: aws.String(ia)}); err != nil {
		t.Fatal(err)
	}
	eniB := *run.Instances[1].NetworkInterfaces[0].NetworkInterfaceId
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationCidrBlock: aws.String("198.18.0.0/15"), NetworkInterfaceId: aws.String(eniB)}); err != nil {
		t.Fatal(err)
	}
	got, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{netFilter("route.instance-id", ia)}})
	if err != nil || len(got.RouteTables) != 1 {
		t.Fatalf("filter route.instance-id: %+v %v", got, err)
	}
	if r := netRouteTo(&got.RouteTables[0], "192.0.2.0/24"); *r.InstanceId != ia || *r.NetworkInterfaceId != eniA || *r.InstanceOwnerId != "000000000000" || r.State != ec2types.RouteStateActive {
		t.Fatalf("route to an instance: %+v", r)
	}
	if r := netRouteTo(&got.RouteTables[0], "198.18.0.0/15"); *r.NetworkInterfaceId != eniB || aws.ToString(r.InstanceId) != ib {
		t.Fatalf("route to an interface: %+v", r)
	}

	// Terminated: the route is a blackhole, the address unassociated.
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{ia, ib}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		got, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{RouteTableIds: []string{rtb}})
		if err != nil {
			t.Fatal(err)
		}
		if netRouteTo(&got.RouteTables[0], "192.0.2.0/24").State == ec2types.RouteStateBlackhole {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("route to a terminated instance: %+v", got.RouteTables[0].Routes)
		}
		time.Sleep(200 * time.Millisecond)
	}
	dy, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*y.AllocationId}})
	if err != nil || dy.Addresses[0].AssociationId != nil || dy.Addresses[0].InstanceId != nil {
		t.Fatalf("address of a terminated instance: %+v %v", dy, err)
	}
	for _, a := range []*string{x.AllocationId, y.AllocationId} {
		if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: a}); err != nil {
			t.Fatal(err)
		}
	}
}

func netDefaultIGW(t *testing.T, c *ec2.Client, vpc string) string {
	t.Helper()
	out, err := c.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{Filters: []ec2types.Filter{netFilter("attachment.vpc-id", vpc)}})
	if err != nil || len(out.InternetGateways) != 1 {
		t.Fatalf("the VPC's internet gateway: %+v %v", out, err)
	}
	return *out.InternetGateways[0].InternetGatewayId
}
