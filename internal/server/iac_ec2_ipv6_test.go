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

// IPv6 in VPCs (aws_vpc assign_generated_ipv6_cidr_block, aws_subnet
// ipv6_cidr_block, Ansible's ec2_vpc_net ipv6_cidr), NAT gateways'
// secondary addresses (aws_nat_gateway secondary_allocation_ids /
// secondary_private_ip_addresses), aws_ami (RegisterImage) and Spot
// requests (Ansible's ec2_spot_instance), call by call as the tools make
// them.

func TestIaCEC2Ipv6(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.81.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	if len(v.Vpc.Ipv6CidrBlockAssociationSet) != 1 {
		t.Fatalf("create: %+v", v.Vpc)
	}
	a := v.Vpc.Ipv6CidrBlockAssociationSet[0]
	p56, err := netip.ParsePrefix(*a.Ipv6CidrBlock)
	if err != nil || p56.Bits() != 56 || !netip.MustParsePrefix("2001:db8::/32").Contains(p56.Addr()) || *a.Ipv6Pool != "Amazon" ||
		*a.NetworkBorderGroup != "us-east-1" || a.Ipv6CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociated {
		t.Fatalf("association: %+v", a)
	}
	// Terraform waits on the association through this filter.
	d, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("ipv6-cidr-block-association.association-id", *a.AssociationId)}})
	if err != nil || len(d.Vpcs) != 1 || *d.Vpcs[0].VpcId != vpc {
		t.Fatalf("filter: %+v %v", d, err)
	}
	// The main route table has the IPv6 local route.
	rt, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("vpc-id", vpc), flt("association.main", "true")}})
	if err != nil || len(rt.RouteTables) != 1 {
		t.Fatalf("%+v %v", rt, err)
	}
	rtb := *rt.RouteTables[0].RouteTableId
	local6 := false
	for _, r := range rt.RouteTables[0].Routes {
		local6 = local6 || (aws.ToString(r.DestinationIpv6CidrBlock) == p56.String() && *r.GatewayId == "local" && r.Origin == ec2types.RouteOriginCreateRouteTable)
	}
	if !local6 {
		t.Fatalf("no IPv6 local route: %+v", rt.RouteTables[0].Routes)
	}
	// aws_subnet with ipv6_cidr_block: a /64 of the VPC's /56.
	b := p56.Addr().As16()
	b[7] = 1
	p64 := netip.PrefixFrom(netip.AddrFrom16(b), 64)
	_, err = c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.81.0.0/24"), Ipv6CidrBlock: aws.String("2001:db9::/64")})
	wantCode(t, err, "InvalidSubnet.Range")
	s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.81.1.0/24"), Ipv6CidrBlock: aws.String(p64.String())})
	if err != nil {
		t.Fatal(err)
	}
	sub := *s.Subnet.SubnetId
	if len(s.Subnet.Ipv6CidrBlockAssociationSet) != 1 || *s.Subnet.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock != p64.String() {
		t.Fatalf("subnet: %+v", s.Subnet)
	}
	_, err = c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.81.2.0/24"), Ipv6CidrBlock: aws.String(p64.String())})
	wantCode(t, err, "InvalidSubnet.Conflict")
	// ModifySubnetAttribute, then the poll for the value.
	if _, err := c.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(sub), AssignIpv6AddressOnCreation: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	ds, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{flt("ipv6-cidr-block-association.ipv6-cidr-block", p64.String())}})
	if err != nil || len(ds.Subnets) != 1 || !*ds.Subnets[0].AssignIpv6AddressOnCreation {
		t.Fatalf("poll: %+v %v", ds, err)
	}
	// A route to the internet for IPv6.
	igw, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationIpv6CidrBlock: aws.String("::/0"), GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtb), DestinationIpv6CidrBlock: aws.String("::/0"), GatewayId: igw.InternetGateway.InternetGatewayId})
	wantCode(t, err, "RouteAlreadyExists")
	rt, err = c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("route.destination-ipv6-cidr-block", "::/0")}})
	if err != nil || len(rt.RouteTables) != 1 {
		t.Fatalf("route filter: %+v %v", rt, err)
	}
	// An interface in the subnet gets an address of its /64.
	eni, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub)})
	if err != nil {
		t.Fatal(err)
	}
	if n := eni.NetworkInterface; len(n.Ipv6Addresses) != 1 || !p64.Contains(netip.MustParseAddr(*n.Ipv6Addresses[0].Ipv6Address)) {
		t.Fatalf("eni: %+v", n.Ipv6Addresses)
	}
	// Teardown in Terraform's order, with AWS's refusals on the way.
	subAssoc := *s.Subnet.Ipv6CidrBlockAssociationSet[0].AssociationId
	_, err = c.DisassociateSubnetCidrBlock(ctx(), &ec2.DisassociateSubnetCidrBlockInput{AssociationId: aws.String(subAssoc)})
	wantCode(t, err, "InvalidCidrBlock.InUse")
	_, err = c.DisassociateVpcCidrBlock(ctx(), &ec2.DisassociateVpcCidrBlockInput{AssociationId: a.AssociationId})
	wantCode(t, err, "InvalidCidrBlock.InUse")
	if _, err := c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(sub), AssignIpv6AddressOnCreation: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	da, err := c.DisassociateSubnetCidrBlock(ctx(), &ec2.DisassociateSubnetCidrBlockInput{AssociationId: aws.String(subAssoc)})
	if err != nil || da.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State != ec2types.SubnetCidrBlockStateCodeDisassociating {
		t.Fatalf("%+v %v", da, err)
	}
	_, err = c.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(sub), AssignIpv6AddressOnCreation: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := c.DisassociateVpcCidrBlock(ctx(), &ec2.DisassociateVpcCidrBlockInput{AssociationId: a.AssociationId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateVpcCidrBlock(ctx(), &ec2.DisassociateVpcCidrBlockInput{AssociationId: a.AssociationId})
	wantCode(t, err, "InvalidVpcCidrBlockAssociationID.NotFound")
	// Ansible's ec2_vpc_net ipv6_cidr on an existing VPC.
	as, err := c.AssociateVpcCidrBlock(ctx(), &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(vpc), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	if err != nil || as.Ipv6CidrBlockAssociation == nil || as.Ipv6CidrBlockAssociation.Ipv6CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociating {
		t.Fatalf("%+v %v", as, err)
	}
	d, err = c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	if err != nil || len(d.Vpcs[0].Ipv6CidrBlockAssociationSet) != 1 || d.Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlockState.State != ec2types.VpcCidrBlockStateCodeAssociated {
		t.Fatalf("%+v %v", d, err)
	}
	_, err = c.AssociateVpcCidrBlock(ctx(), &ec2.AssociateVpcCidrBlockInput{VpcId: aws.String(vpc), Ipv6IpamPoolId: aws.String("ipam-pool-0123456789abcdef0")})
	wantCode(t, err, "InvalidIpamPoolId.NotFound")
	_, err = c.GetIpamPoolAllocations(ctx(), &ec2.GetIpamPoolAllocationsInput{IpamPoolId: aws.String("ipam-pool-0123456789abcdef0")})
	wantCode(t, err, "InvalidIpamPoolId.NotFound")
}

func TestIaCEC2NatGatewaySecondaryAddresses(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	subnet := subnetBehindIGW(t, c, "10.82.0.0/16", "10.82.1.0/24")
	var eips []string
	for range 3 {
		a, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
		if err != nil {
			t.Fatal(err)
		}
		eips = append(eips, *a.AllocationId)
	}
	n, err := c.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnet), AllocationId: aws.String(eips[0])})
	if err != nil {
		t.Fatal(err)
	}
	nat := n.NatGateway.NatGatewayId
	_, err = c.AssociateNatGatewayAddress(ctx(), &ec2.AssociateNatGatewayAddressInput{NatGatewayId: nat, AllocationIds: eips[1:2]})
	wantCode(t, err, "InvalidParameter") // still pending
	if err := ec2.NewNatGatewayAvailableWaiter(c, func(o *ec2.NatGatewayAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond }).Wait(ctx(),
		&ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*nat}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// secondary_allocation_ids with secondary_private_ip_addresses.
	as, err := c.AssociateNatGatewayAddress(ctx(), &ec2.AssociateNatGatewayAddressInput{NatGatewayId: nat, AllocationIds: eips[1:], PrivateIpAddresses: []string{"10.82.1.50", "10.82.1.51"}})
	if err != nil || len(as.NatGatewayAddresses) != 2 || as.NatGatewayAddresses[0].Status != ec2types.NatGatewayAddressStatusAssociating {
		t.Fatalf("%+v %v", as, err)
	}
	_, err = c.AssociateNatGatewayAddress(ctx(), &ec2.AssociateNatGatewayAddressInput{NatGatewayId: nat, AllocationIds: eips[1:2]})
	wantCode(t, err, "Resource.AlreadyAssociated")
	addrs := func() map[string]ec2types.NatGatewayAddress {
		d, err := c.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*nat}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]ec2types.NatGatewayAddress{}
		for _, a := range d.NatGateways[0].NatGatewayAddresses {
			out[*a.PrivateIp] = a
		}
		return out
	}
	got := addrs()
	if len(got) != 3 || *got["10.82.1.50"].AllocationId != eips[1] || *got["10.82.1.50"].IsPrimary || got["10.82.1.51"].PublicIp == nil {
		t.Fatalf("addresses: %+v", got)
	}
	ea, _ := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: eips[2:]})
	if aws.ToString(ea.Addresses[0].PrivateIpAddress) != "10.82.1.51" || ea.Addresses[0].AssociationId == nil {
		t.Fatalf("eip: %+v", ea.Addresses[0])
	}
	// The update drops one: Disassociate, then Unassign its private address.
	_, err = c.UnassignPrivateNatGatewayAddress(ctx(), &ec2.UnassignPrivateNatGatewayAddressInput{NatGatewayId: nat, PrivateIpAddresses: []string{"10.82.1.51"}})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DisassociateNatGatewayAddress(ctx(), &ec2.DisassociateNatGatewayAddressInput{NatGatewayId: nat, AssociationIds: []string{*got[*n.NatGateway.NatGatewayAddresses[0].PrivateIp].AssociationId}})
	wantCode(t, err, "InvalidParameterValue") // the primary
	if _, err := c.DisassociateNatGatewayAddress(ctx(), &ec2.DisassociateNatGatewayAddressInput{NatGatewayId: nat, AssociationIds: []string{*got["10.82.1.51"].AssociationId}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UnassignPrivateNatGatewayAddress(ctx(), &ec2.UnassignPrivateNatGatewayAddressInput{NatGatewayId: nat, PrivateIpAddresses: []string{"10.82.1.51"}}); err != nil {
		t.Fatal(err)
	}
	if got := addrs(); len(got) != 2 {
		t.Fatalf("after removal: %+v", got)
	}
	ea, _ = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: eips[2:]})
	if ea.Addresses[0].AssociationId != nil {
		t.Fatalf("eip still associated: %+v", ea.Addresses[0])
	}
	ap, err := c.AssignPrivateNatGatewayAddress(ctx(), &ec2.AssignPrivateNatGatewayAddressInput{NatGatewayId: nat, PrivateIpAddressCount: aws.Int32(2)})
	if err != nil || len(ap.NatGatewayAddresses) != 2 {
		t.Fatalf("%+v %v", ap, err)
	}
	// Deleting the gateway frees every address it held.
	if _, err := c.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: nat}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewNatGatewayDeletedWaiter(c, func(o *ec2.NatGatewayDeletedWaiterOptions) { o.MinDelay = 200 * time.Millisecond }).Wait(ctx(),
		&ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*nat}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	ea, _ = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: eips})
	for _, a := range ea.Addresses {
		if a.AssociationId != nil {
			t.Fatalf("eip still associated after delete: %+v", a)
		}
	}
	ds, _ := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if *ds.Subnets[0].AvailableIpAddressCount != 251 {
		t.Fatalf("addresses not returned: %d free", *ds.Subnets[0].AvailableIpAddressCount)
	}
}

func TestIaCEC2RegisterImage(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, *run.Instances[0].InstanceId)
	ci, err := c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: run.Instances[0].InstanceId, Name: aws.String("from-instance")})
	if err != nil {
		t.Fatal(err)
	}
	wait := func(id string) {
		t.Helper()
		if err := ec2.NewImageAvailableWaiter(c, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond }).Wait(ctx(),
			&ec2.DescribeImagesInput{ImageIds: []string{id}}, 30*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	wait(*ci.ImageId)
	im, _ := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*ci.ImageId}})
	snap := *im.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	// The snapshot outlives its AMI and can make a new one (aws_ami).
	if _, err := c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: ci.ImageId}); err != nil {
		t.Fatal(err)
	}
	reg := func(name, snap string) (*ec2.RegisterImageOutput, error) {
		return c.RegisterImage(ctx(), &ec2.RegisterImageInput{Name: aws.String(name), RootDeviceName: aws.String("/dev/xvda"), VirtualizationType: aws.String("hvm"),
			Architecture: ec2types.ArchitectureValuesX8664, EnaSupport: aws.Bool(true),
			BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: aws.String("/dev/xvda"), Ebs: &ec2types.EbsBlockDevice{SnapshotId: aws.String(snap), VolumeType: ec2types.VolumeTypeGp3}}},
			TagSpecifications:   []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}})
	}
	r, err := reg("registered", snap)
	if err != nil {
		t.Fatal(err)
	}
	wait(*r.ImageId)
	_, err = reg("registered", snap)
	wantCode(t, err, "InvalidAMIName.Duplicate")
	_, err = reg("bad name!", snap)
	wantCode(t, err, "InvalidAMIName.Malformed")
	_, err = reg("no-such-snapshot", "snap-0123456789abcdef0")
	wantCode(t, err, "InvalidSnapshot.NotFound")
	im, _ = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*r.ImageId}})
	if g := im.Images[0]; *g.Name != "registered" || *g.RootDeviceName != "/dev/xvda" || *g.BlockDeviceMappings[0].Ebs.SnapshotId != snap ||
		*g.BlockDeviceMappings[0].Ebs.VolumeSize != 8 || len(g.Tags) != 1 {
		t.Fatalf("registered: %+v", g)
	}
	// EnableImageDeprecation, rounded up to the minute; Disable clears it.
	at := time.Now().Add(72*time.Hour + 30*time.Second)
	if _, err := c.EnableImageDeprecation(ctx(), &ec2.EnableImageDeprecationInput{ImageId: r.ImageId, DeprecateAt: aws.Time(at)}); err != nil {
		t.Fatal(err)
	}
	im, _ = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*r.ImageId}})
	if dt, err := time.Parse(time.RFC3339, aws.ToString(im.Images[0].DeprecationTime)); err != nil || dt.Before(at) || dt.Sub(at) > time.Minute || dt.Second() != 0 {
		t.Fatalf("deprecation %v: %v", aws.ToString(im.Images[0].DeprecationTime), err)
	}
	_, err = c.EnableImageDeprecation(ctx(), &ec2.EnableImageDeprecationInput{ImageId: r.ImageId, DeprecateAt: aws.Time(time.Now().Add(-time.Hour))})
	wantCode(t, err, "InvalidParameterValue")
	if _, err := c.DisableImageDeprecation(ctx(), &ec2.DisableImageDeprecationInput{ImageId: r.ImageId}); err != nil {
		t.Fatal(err)
	}
	im, _ = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*r.ImageId}})
	if im.Images[0].DeprecationTime != nil {
		t.Fatalf("deprecation kept: %v", *im.Images[0].DeprecationTime)
	}
	// It launches.
	run2, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: r.ImageId, InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, *run2.Instances[0].InstanceId)
	// A data volume's snapshot holds no root disk.
	vol, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "available", *vol.VolumeId)
	ds, err := c.CreateSnapshot(ctx(), &ec2.CreateSnapshotInput{VolumeId: vol.VolumeId})
	if err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewSnapshotCompletedWaiter(c, func(o *ec2.SnapshotCompletedWaiterOptions) { o.MinDelay = 200 * time.Millisecond }).Wait(ctx(),
		&ec2.DescribeSnapshotsInput{SnapshotIds: []string{*ds.SnapshotId}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	_, err = reg("from-data", *ds.SnapshotId)
	if wantCode(t, err, "InvalidParameterValue"); !strings.Contains(err.Error(), "root snapshot") {
		t.Fatalf("message: %v", err)
	}
	// aws_ami delete: DeregisterImage, then DeleteSnapshot.
	_, err = c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)})
	wantCode(t, err, "InvalidSnapshot.InUse")
	if _, err := c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: r.ImageId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snap)}); err != nil {
		t.Fatal(err)
	}
}

func TestIaCEC2Spot(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	r, err := c.RequestSpotInstances(ctx(), &ec2.RequestSpotInstancesInput{InstanceCount: aws.Int32(2),
		LaunchSpecification: &ec2types.RequestSpotLaunchSpecification{ImageId: aws.String(ami), InstanceType: "t3.micro"},
		TagSpecifications:   []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSpotInstancesRequest, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("spot")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.SpotInstanceRequests) != 2 {
		t.Fatalf("%+v", r)
	}
	var ids []string
	for _, q := range r.SpotInstanceRequests {
		ids = append(ids, *q.SpotInstanceRequestId)
		if q.State != ec2types.SpotInstanceStateActive || *q.Status.Code != "fulfilled" || q.InstanceId == nil || q.Type != ec2types.SpotInstanceTypeOneTime || len(q.Tags) != 1 {
			t.Fatalf("request: %+v", q)
		}
	}
	if err := ec2.NewSpotInstanceRequestFulfilledWaiter(c).Wait(ctx(), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: ids}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	inst := *r.SpotInstanceRequests[0].InstanceId
	waitRunning(t, c, inst)
	di, _ := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{inst}})
	if i := di.Reservations[0].Instances[0]; i.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || *i.SpotInstanceRequestId != ids[0] {
		t.Fatalf("instance: %+v", i)
	}
	// Ansible's ec2_spot_instance absent: cancel; the instances keep running.
	cc, err := c.CancelSpotInstanceRequests(ctx(), &ec2.CancelSpotInstanceRequestsInput{SpotInstanceRequestIds: ids[:1]})
	if err != nil || cc.CancelledSpotInstanceRequests[0].State != ec2types.CancelSpotInstanceRequestStateCancelled {
		t.Fatalf("%+v %v", cc, err)
	}
	d, err := c.DescribeSpotInstanceRequests(ctx(), &ec2.DescribeSpotInstanceRequestsInput{Filters: []ec2types.Filter{flt("state", "cancelled")}})
	if err != nil || len(d.SpotInstanceRequests) != 1 || *d.SpotInstanceRequests[0].Status.Code != "request-canceled-and-instance-running" {
		t.Fatalf("%+v %v", d, err)
	}
	// Terminating the other's instance closes its one-time request.
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{*r.SpotInstanceRequests[1].InstanceId}}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeSpotInstanceRequests(ctx(), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: ids[1:]})
	if err != nil || d.SpotInstanceRequests[0].State != ec2types.SpotInstanceStateClosed || *d.SpotInstanceRequests[0].Status.Code != "instance-terminated-by-user" {
		t.Fatalf("%+v %v", d, err)
	}
	_, err = c.DescribeSpotInstanceRequests(ctx(), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{"sir-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSpotInstanceRequestID.NotFound")
	_, err = c.RequestSpotInstances(ctx(), &ec2.RequestSpotInstancesInput{LaunchSpecification: &ec2types.RequestSpotLaunchSpecification{ImageId: aws.String(ami)},
		InstanceInterruptionBehavior: ec2types.InstanceInterruptionBehaviorStop})
	wantCode(t, err, "InvalidParameterValue") // stop needs a persistent request
	// RunInstances with InstanceMarketOptions makes a request too.
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceMarketOptions: &ec2types.InstanceMarketOptionsRequest{MarketType: ec2types.MarketTypeSpot,
			SpotOptions: &ec2types.SpotMarketOptions{SpotInstanceType: ec2types.SpotInstanceTypePersistent, InstanceInterruptionBehavior: ec2types.InstanceInterruptionBehaviorStop}}})
	if err != nil {
		t.Fatal(err)
	}
	if i := run.Instances[0]; i.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || i.SpotInstanceRequestId == nil {
		t.Fatalf("market options: %+v", i)
	}
	waitRunning(t, c, *run.Instances[0].InstanceId)
	if _, err := c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{*run.Instances[0].InstanceId}}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeSpotInstanceRequests(ctx(), &ec2.DescribeSpotInstanceRequestsInput{SpotInstanceRequestIds: []string{*run.Instances[0].SpotInstanceRequestId}})
	if err != nil || d.SpotInstanceRequests[0].State != ec2types.SpotInstanceStateDisabled || d.SpotInstanceRequests[0].InstanceInterruptionBehavior != ec2types.InstanceInterruptionBehaviorStop {
		t.Fatalf("%+v %v", d, err)
	}
}
