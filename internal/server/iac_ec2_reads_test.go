package server_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The reads, absent codes and updates of the inventory's Terraform
// resources that the per-resource tests above do not reach: the
// provider's start-up and data sources, aws_default_vpc, and the
// "already gone" answers Terraform tolerates on delete.

func TestIaCEC2DataSources(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	// Provider start-up (v2/v3): the account's platforms and default VPC.
	aa, err := c.DescribeAccountAttributes(ctx(), &ec2.DescribeAccountAttributesInput{AttributeNames: []ec2types.AccountAttributeName{"supported-platforms", "default-vpc"}})
	if err != nil || len(aa.AccountAttributes) != 2 {
		t.Fatalf("account attributes: %+v %v", aa, err)
	}
	attrs := map[string]string{}
	for _, a := range aa.AccountAttributes {
		if len(a.AttributeValues) != 1 {
			t.Fatalf("%s: %+v", *a.AttributeName, a.AttributeValues)
		}
		attrs[*a.AttributeName] = *a.AttributeValues[0].AttributeValue
	}
	def, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("isDefault", "true")}})
	if err != nil || len(def.Vpcs) != 1 {
		t.Fatalf("default VPC: %+v %v", def, err)
	}
	if attrs["supported-platforms"] != "VPC" || attrs["default-vpc"] != *def.Vpcs[0].VpcId {
		t.Fatalf("account attributes: %v", attrs)
	}
	// data "aws_region": DescribeRegions names the endpoint.
	rg, err := c.DescribeRegions(ctx(), &ec2.DescribeRegionsInput{RegionNames: []string{"us-east-1"}, AllRegions: aws.Bool(true)})
	if err != nil || len(rg.Regions) != 1 || *rg.Regions[0].RegionName != "us-east-1" || !strings.Contains(aws.ToString(rg.Regions[0].Endpoint), "us-east-1") {
		t.Fatalf("regions: %+v %v", rg, err)
	}
	// data "aws_availability_zones" with all_availability_zones and a
	// state filter: every member the data source reads.
	az, err := c.DescribeAvailabilityZones(ctx(), &ec2.DescribeAvailabilityZonesInput{AllAvailabilityZones: aws.Bool(true), Filters: []ec2types.Filter{flt("state", "available")}})
	if err != nil || len(az.AvailabilityZones) < 2 {
		t.Fatalf("zones: %+v %v", az, err)
	}
	ids := map[string]bool{}
	for _, z := range az.AvailabilityZones {
		if !strings.HasPrefix(*z.ZoneName, "us-east-1") || !strings.HasPrefix(aws.ToString(z.ZoneId), "use1-az") || aws.ToString(z.GroupName) != "us-east-1" ||
			aws.ToString(z.NetworkBorderGroup) != "us-east-1" || z.OptInStatus != "opt-in-not-required" || aws.ToString(z.ZoneType) != "availability-zone" || z.State != "available" || ids[*z.ZoneId] {
			t.Fatalf("zone: %+v", z)
		}
		ids[*z.ZoneId] = true
	}
	// aws_default_vpc: its three attributes, an update and the read back.
	vpc := *def.Vpcs[0].VpcId
	hostnames := func() bool {
		a, err := c.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: &vpc, Attribute: "enableDnsHostnames"})
		if err != nil {
			t.Fatal(err)
		}
		return *a.EnableDnsHostnames.Value
	}
	if !hostnames() {
		t.Fatal("a default VPC has DNS hostnames on")
	}
	for _, v := range []bool{false, true} {
		if _, err := c.ModifyVpcAttribute(ctx(), &ec2.ModifyVpcAttributeInput{VpcId: &vpc, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(v)}}); err != nil {
			t.Fatal(err)
		}
		if hostnames() != v {
			t.Fatalf("enableDnsHostnames is not %v after the update", v)
		}
	}
	// data "aws_ami" (most_recent, name_regex client-side): owners,
	// executable users and deprecated images; CreationDate sorts.
	im, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, ExecutableUsers: []string{"all"}, IncludeDeprecated: aws.Bool(true),
		Filters: []ec2types.Filter{flt("name", "al2023-ami-*"), flt("architecture", "x86_64"), flt("virtualization-type", "hvm"), flt("root-device-type", "ebs")}})
	if err != nil || len(im.Images) == 0 {
		t.Fatalf("images: %+v %v", im, err)
	}
	for _, i := range im.Images {
		if _, err := time.Parse(time.RFC3339, aws.ToString(i.CreationDate)); err != nil || !*i.Public || aws.ToString(i.ImageOwnerAlias) != "amazon" {
			t.Fatalf("image %s: created %q public %v owner %q", *i.ImageId, aws.ToString(i.CreationDate), aws.ToBool(i.Public), aws.ToString(i.ImageOwnerAlias))
		}
	}
	mine, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ExecutableUsers: []string{"self"}, Owners: []string{"self"}})
	if err != nil || len(mine.Images) != 0 {
		t.Fatalf("an account without images: %+v %v", mine, err)
	}
}

func TestIaCEC2AbsentAndUpdates(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	// aws_instance: an unknown id is NotFound on read and on delete.
	unknown := "i-0123456789abcdef0"
	_, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{unknown}})
	wantCode(t, err, "InvalidInstanceID.NotFound")
	_, err = c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{unknown}})
	wantCode(t, err, "InvalidInstanceID.NotFound")

	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)
	// Updates Terraform sends that no other test does. A capacity
	// reservation preference changes only while the instance is stopped,
	// so the provider stops it, modifies and starts it again.
	capacity := &ec2.ModifyInstanceCapacityReservationAttributesInput{InstanceId: &id,
		CapacityReservationSpecification: &ec2types.CapacityReservationSpecification{CapacityReservationPreference: "none"}}
	_, err = c.ModifyInstanceCapacityReservationAttributes(ctx(), capacity)
	wantCode(t, err, "IncorrectInstanceState")
	if _, err := c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceStoppedWaiter(c).Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute, func(o *ec2.InstanceStoppedWaiterOptions) { o.MinDelay = 50 * time.Millisecond }); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyInstanceCapacityReservationAttributes(ctx(), capacity); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, id)
	for _, v := range []bool{true, false} {
		if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: &id, DisableApiStop: &ec2types.AttributeBooleanValue{Value: aws.Bool(v)}}); err != nil {
			t.Fatal(err)
		}
		a, err := c.DescribeInstanceAttribute(ctx(), &ec2.DescribeInstanceAttributeInput{InstanceId: &id, Attribute: "disableApiStop"})
		if err != nil || *a.DisableApiStop.Value != v {
			t.Fatalf("disableApiStop: %+v %v", a, err)
		}
	}
	in, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || in.Reservations[0].Instances[0].CapacityReservationSpecification == nil ||
		in.Reservations[0].Instances[0].CapacityReservationSpecification.CapacityReservationPreference != "none" {
		t.Fatalf("capacity reservation: %+v %v", in, err)
	}
	// aws_eip: Terraform polls the association by its id.
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: "vpc"})
	if err != nil {
		t.Fatal(err)
	}
	as, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: &id})
	if err != nil {
		t.Fatal(err)
	}
	ad, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{flt("association-id", *as.AssociationId)}})
	if err != nil || len(ad.Addresses) != 1 || *ad.Addresses[0].InstanceId != id || *ad.Addresses[0].AllocationId != *eip.AllocationId {
		t.Fatalf("association-id: %+v %v", ad, err)
	}
	ad, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: []ec2types.Filter{flt("association-id", "eipassoc-0123456789abcdef0")}})
	if err != nil || len(ad.Addresses) != 0 {
		t.Fatalf("unknown association-id: %+v %v", ad, err)
	}
	if _, err := c.DisassociateAddress(ctx(), &ec2.DisassociateAddressInput{AssociationId: as.AssociationId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DisassociateAddress(ctx(), &ec2.DisassociateAddressInput{AssociationId: as.AssociationId})
	wantCode(t, err, "InvalidAssociationID.NotFound")
	if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	wantCode(t, err, "InvalidAllocationID.NotFound")

	// aws_ami_from_instance: no reboot and tags on the image and its
	// snapshots in one call; a description update; delete twice.
	img, err := c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: &id, Name: aws.String("iac-reads"), NoReboot: aws.Bool(true), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: "image", Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("img")}}},
		{ResourceType: "snapshot", Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("snap")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	imgID := *img.ImageId
	if err := ec2.NewImageAvailableWaiter(c).Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{imgID}}, time.Minute, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay = 50 * time.Millisecond }); err != nil {
		t.Fatal(err)
	}
	di, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{imgID}})
	if err != nil || len(di.Images) != 1 || len(di.Images[0].Tags) != 1 || len(di.Images[0].BlockDeviceMappings) == 0 || di.Images[0].BlockDeviceMappings[0].Ebs == nil {
		t.Fatalf("image: %+v %v", di, err)
	}
	snap := *di.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	ds, err := c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{snap}})
	if err != nil || len(ds.Snapshots) != 1 || len(ds.Snapshots[0].Tags) != 1 || *ds.Snapshots[0].Tags[0].Value != "snap" {
		t.Fatalf("snapshot tags: %+v %v", ds, err)
	}
	if _, err := c.ModifyImageAttribute(ctx(), &ec2.ModifyImageAttributeInput{ImageId: &imgID, Description: &ec2types.AttributeValue{Value: aws.String("built by terraform")}}); err != nil {
		t.Fatal(err)
	}
	da, err := c.DescribeImageAttribute(ctx(), &ec2.DescribeImageAttributeInput{ImageId: &imgID, Attribute: "description"})
	if err != nil || aws.ToString(da.Description.Value) != "built by terraform" {
		t.Fatalf("description: %+v %v", da, err)
	}
	if _, err := c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: &imgID}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: &imgID})
	if code := apiCode(err); code != "InvalidAMIID.NotFound" && code != "InvalidAMIID.Unavailable" {
		t.Fatalf("second deregister: %v", err)
	}
	// A just-deregistered image still answers its attributes and is
	// described in state deregistered (ec2_ami's delete polls it).
	da, err = c.DescribeImageAttribute(ctx(), &ec2.DescribeImageAttributeInput{ImageId: &imgID, Attribute: "description"})
	if err != nil || aws.ToString(da.Description.Value) != "built by terraform" {
		t.Fatalf("attribute of a deregistered image: %+v %v", da, err)
	}
	di, err = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{imgID}})
	if err != nil || len(di.Images) != 1 || di.Images[0].State != "deregistered" {
		t.Fatalf("deregistered image: %+v %v", di, err)
	}
	if _, err := c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: &snap}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: &snap})
	wantCode(t, err, "InvalidSnapshot.NotFound")

	// aws_instance delete: terminate, wait, terminate again (no error).
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewInstanceTerminatedWaiter(c).Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, time.Minute, func(o *ec2.InstanceTerminatedWaiterOptions) { o.MinDelay = 50 * time.Millisecond }); err != nil {
		t.Fatal(err)
	}
	tr, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || tr.TerminatingInstances[0].CurrentState.Name != "terminated" {
		t.Fatalf("terminate again: %+v %v", tr, err)
	}

	// aws_subnet with an IPv6 block added by update, deleted twice;
	// aws_route_table_association with an unknown table.
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.82.0.0/16"), AmazonProvidedIpv6CidrBlock: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	sn, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.82.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sub := *sn.Subnet.SubnetId
	p56 := netip.MustParsePrefix(*v.Vpc.Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock)
	b := p56.Addr().As16()
	b[7] = 9
	p64 := netip.PrefixFrom(netip.AddrFrom16(b), 64).String()
	sa, err := c.AssociateSubnetCidrBlock(ctx(), &ec2.AssociateSubnetCidrBlockInput{SubnetId: &sub, Ipv6CidrBlock: &p64})
	if err != nil || *sa.Ipv6CidrBlockAssociation.Ipv6CidrBlock != p64 || !strings.HasPrefix(*sa.Ipv6CidrBlockAssociation.AssociationId, "subnet-cidr-assoc-") {
		t.Fatalf("associate: %+v %v", sa, err)
	}
	got, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{flt("vpc-id", *v.Vpc.VpcId), flt("ipv6-cidr-block-association.association-id", *sa.Ipv6CidrBlockAssociation.AssociationId)}})
	if err != nil || len(got.Subnets) != 1 || got.Subnets[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlockState.State != "associated" {
		t.Fatalf("after associate: %+v %v", got, err)
	}
	_, err = c.AssociateSubnetCidrBlock(ctx(), &ec2.AssociateSubnetCidrBlockInput{SubnetId: &sub, Ipv6CidrBlock: &p64})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{SubnetId: &sub, RouteTableId: aws.String("rtb-0123456789abcdef0")})
	wantCode(t, err, "InvalidRouteTableID.NotFound")
	rt, err := c.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{flt("vpc-id", *v.Vpc.VpcId)}})
	if err != nil || len(rt.RouteTables) != 1 {
		t.Fatal(rt, err)
	}
	// aws_route_table's propagating_vgws: there are no VPN gateways.
	_, err = c.DisableVgwRoutePropagation(ctx(), &ec2.DisableVgwRoutePropagationInput{RouteTableId: rt.RouteTables[0].RouteTableId, GatewayId: aws.String("vgw-0123456789abcdef0")})
	wantCode(t, err, "InvalidVpnGatewayID.NotFound")
	if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: &sub}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: &sub})
	wantCode(t, err, "InvalidSubnetID.NotFound")
	if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: v.Vpc.VpcId}); err != nil {
		t.Fatal(err)
	}

	// Provider start-up with wrong keys: IAM answers InvalidClientTokenId.
	_, err = e.iam("AKIAWRONGWRONGWRONG0", "wrong", "").GetUser(ctx(), &iam.GetUserInput{})
	wantCode(t, err, "InvalidClientTokenId")
}
