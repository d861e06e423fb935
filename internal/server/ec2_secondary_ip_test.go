package server_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Secondary private IPv4 addresses: assigned by count and by address, on
// creation, at launch and afterwards; shown after the primary; limited
// per instance type; moved only when allowed; released with their
// interface.

// secIPs returns an interface's private addresses in order, the primary
// marked with a leading "*", and checks each one's DNS name.
func secIPs(t *testing.T, ps []ec2types.NetworkInterfacePrivateIpAddress) []string {
	t.Helper()
	var out []string
	for _, p := range ps {
		ip := aws.ToString(p.PrivateIpAddress)
		if want := "ip-" + dashes(ip) + ".ec2.internal"; aws.ToString(p.PrivateDnsName) != want {
			t.Fatalf("address %s: private DNS name %q, want %q", ip, aws.ToString(p.PrivateDnsName), want)
		}
		if aws.ToBool(p.Primary) {
			ip = "*" + ip
		}
		out = append(out, ip)
	}
	return out
}

func dashes(ip string) string {
	b := []byte(ip)
	for i := range b {
		if b[i] == '.' {
			b[i] = '-'
		}
	}
	return string(b)
}

func sameList(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func secENI(t *testing.T, c *ec2.Client, id string) ec2types.NetworkInterface {
	t.Helper()
	d, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{id}})
	if err != nil || len(d.NetworkInterfaces) != 1 {
		t.Fatalf("DescribeNetworkInterfaces %s: %+v %v", id, d, err)
	}
	return d.NetworkInterfaces[0]
}

func secWantIPs(t *testing.T, c *ec2.Client, id string, want ...string) ec2types.NetworkInterface {
	t.Helper()
	n := secENI(t, c, id)
	if got := secIPs(t, n.PrivateIpAddresses); !sameList(got, want) {
		t.Fatalf("%s addresses %v, want %v", id, got, want)
	}
	return n
}

func secFree(t *testing.T, c *ec2.Client, subnet string) int32 {
	t.Helper()
	d, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToInt32(d.Subnets[0].AvailableIpAddressCount)
}

func TestEC2SecondaryIPsENI(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil {
		t.Fatal(err)
	}
	sub := *s.Subnet.SubnetId
	if n := secFree(t, c, sub); n != 251 {
		t.Fatalf("free addresses of a new /24: %d", n)
	}

	// Created with a primary (marked), a secondary address and a count.
	cr, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub),
		PrivateIpAddresses: []ec2types.PrivateIpAddressSpecification{
			{PrivateIpAddress: aws.String("10.0.1.10"), Primary: aws.Bool(true)},
			{PrivateIpAddress: aws.String("10.0.1.11"), Primary: aws.Bool(false)},
		},
		SecondaryPrivateIpAddressCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	a := *cr.NetworkInterface.NetworkInterfaceId
	if got := secIPs(t, cr.NetworkInterface.PrivateIpAddresses); !sameList(got, []string{"*10.0.1.10", "10.0.1.11", "10.0.1.4", "10.0.1.5"}) ||
		*cr.NetworkInterface.PrivateIpAddress != "10.0.1.10" {
		t.Fatalf("created interface: %v %s", got, *cr.NetworkInterface.PrivateIpAddress)
	}
	if n := secFree(t, c, sub); n != 247 {
		t.Fatalf("free addresses after 4 taken: %d", n)
	}

	// Assigned by count, then by address.
	as, err := c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), SecondaryPrivateIpAddressCount: aws.Int32(2)})
	if err != nil || *as.NetworkInterfaceId != a || len(as.AssignedPrivateIpAddresses) != 2 ||
		*as.AssignedPrivateIpAddresses[0].PrivateIpAddress != "10.0.1.6" || *as.AssignedPrivateIpAddresses[1].PrivateIpAddress != "10.0.1.7" {
		t.Fatalf("AssignPrivateIpAddresses by count: %+v %v", as, err)
	}
	as, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.50"}})
	if err != nil || len(as.AssignedPrivateIpAddresses) != 1 || *as.AssignedPrivateIpAddresses[0].PrivateIpAddress != "10.0.1.50" {
		t.Fatalf("AssignPrivateIpAddresses by address: %+v %v", as, err)
	}
	secWantIPs(t, c, a, "*10.0.1.10", "10.0.1.11", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7", "10.0.1.50")
	if n := secFree(t, c, sub); n != 244 {
		t.Fatalf("free addresses after 7 taken: %d", n)
	}
	f, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{netFilter("addresses.private-ip-address", "10.0.1.50")}})
	if err != nil || len(f.NetworkInterfaces) != 1 || *f.NetworkInterfaces[0].NetworkInterfaceId != a {
		t.Fatalf("filter addresses.private-ip-address: %+v %v", f, err)
	}

	// The rules of AssignPrivateIpAddresses.
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a)})
	netWantMessage(t, err, "InvalidParameter", "One of privateIpAddressSet or privateIpAddressCount or ipv4PrefixSet or ipv4PrefixCount must be specified.")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.60"}, SecondaryPrivateIpAddressCount: aws.Int32(1)})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), SecondaryPrivateIpAddressCount: aws.Int32(0)})
	netWantMessage(t, err, "InvalidParameterValue", "Value (0) for parameter secondaryPrivateIpAddressCount is invalid. Value must be a positive number.")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.2.5"}})
	netWantMessage(t, err, "InvalidParameterValue", "Address 10.0.2.5 does not fall within the subnet's address range")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.2"}})
	netWantMessage(t, err, "InvalidParameterValue", "Address 10.0.1.2 is in subnet's reserved address range")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String("eni-0123456789abcdef0"), SecondaryPrivateIpAddressCount: aws.Int32(1)})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")

	// Another interface: an address in use is refused, moved only when
	// reassignment is allowed, and never another interface's primary.
	crB, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub)})
	if err != nil || *crB.NetworkInterface.PrivateIpAddress != "10.0.1.8" || len(crB.NetworkInterface.PrivateIpAddresses) != 1 {
		t.Fatalf("second interface: %+v %v", crB, err)
	}
	b := *crB.NetworkInterface.NetworkInterfaceId
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(b), PrivateIpAddresses: []string{"10.0.1.50", "10.0.1.11"}})
	netWantMessage(t, err, "InvalidParameterValue", "[10.0.1.50, 10.0.1.11] assigned, but move is not allowed.")
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(b), PrivateIpAddresses: []string{"10.0.1.10"}, AllowReassignment: aws.Bool(true)})
	netWantMessage(t, err, "InvalidParameterValue", "secondary-addresses")
	_, err = c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub),
		PrivateIpAddresses: []ec2types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.0.1.11")}}})
	netWantMessage(t, err, "InvalidIPAddress.InUse", "Address 10.0.1.11 is in use.")
	secWantIPs(t, c, b, "*10.0.1.8")
	if _, err := c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(b), PrivateIpAddresses: []string{"10.0.1.50"}, AllowReassignment: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	secWantIPs(t, c, a, "*10.0.1.10", "10.0.1.11", "10.0.1.4", "10.0.1.5", "10.0.1.6", "10.0.1.7")
	secWantIPs(t, c, b, "*10.0.1.8", "10.0.1.50")
	if n := secFree(t, c, sub); n != 243 {
		t.Fatalf("free addresses after a move and a new interface: %d", n)
	}

	// Limits: an interface attached to nothing may hold 50 addresses;
	// one attached to a t3.micro, 2.
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), SecondaryPrivateIpAddressCount: aws.Int32(45)})
	netWantMessage(t, err, "PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	_, err = c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub), SecondaryPrivateIpAddressCount: aws.Int32(50)})
	wantCode(t, err, "PrivateIpAddressLimitExceeded")
	if n := secFree(t, c, sub); n != 243 {
		t.Fatalf("free addresses after refused requests: %d", n)
	}

	// Unassigned: never the primary, only addresses held.
	_, err = c.UnassignPrivateIpAddresses(ctx(), &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.10"}})
	netWantMessage(t, err, "InvalidParameterValue", "Value (10.0.1.10) for parameter privateIpAddress is invalid. The primary IP address of an interface cannot be unassigned.")
	_, err = c.UnassignPrivateIpAddresses(ctx(), &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.4", "10.0.1.50"}})
	netWantMessage(t, err, "InvalidParameterValue", "Some of the specified addresses are not assigned to interface "+a)
	if _, err := c.UnassignPrivateIpAddresses(ctx(), &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(a), PrivateIpAddresses: []string{"10.0.1.11", "10.0.1.5"}}); err != nil {
		t.Fatal(err)
	}
	secWantIPs(t, c, a, "*10.0.1.10", "10.0.1.4", "10.0.1.6", "10.0.1.7")
	if n := secFree(t, c, sub); n != 245 {
		t.Fatalf("free addresses after unassigning 2: %d", n)
	}

	// An Elastic IP on a secondary address: shown on that address, moved
	// with it, disassociated when it is unassigned.
	g, err := c.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: aws.String(a), PrivateIpAddress: aws.String("10.0.1.50")})
	netWantMessage(t, err, "InvalidParameterValue", "The private IP address 10.0.1.50 is not assigned to network interface "+a+".")
	assoc, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, NetworkInterfaceId: aws.String(a), PrivateIpAddress: aws.String("10.0.1.6")})
	if err != nil {
		t.Fatal(err)
	}
	n := secENI(t, c, a)
	if n.Association != nil || n.PrivateIpAddresses[0].Association != nil || n.PrivateIpAddresses[2].Association == nil ||
		*n.PrivateIpAddresses[2].Association.PublicIp != *eip.PublicIp || *n.PrivateIpAddresses[2].Association.AllocationId != *eip.AllocationId ||
		*n.PrivateIpAddresses[2].Association.AssociationId != *assoc.AssociationId {
		t.Fatalf("Elastic IP on a secondary address: %+v", n.PrivateIpAddresses)
	}
	da, err := c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	if err != nil || aws.ToString(da.Addresses[0].PrivateIpAddress) != "10.0.1.6" || aws.ToString(da.Addresses[0].NetworkInterfaceId) != a {
		t.Fatalf("DescribeAddresses: %+v %v", da, err)
	}
	f, err = c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{netFilter("association.public-ip", *eip.PublicIp)}})
	if err != nil || len(f.NetworkInterfaces) != 1 || *f.NetworkInterfaces[0].NetworkInterfaceId != a {
		t.Fatalf("filter association.public-ip: %+v %v", f, err)
	}
	_, err = c.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: g.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	if _, err := c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(b), PrivateIpAddresses: []string{"10.0.1.6"}, AllowReassignment: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	n = secWantIPs(t, c, b, "*10.0.1.8", "10.0.1.50", "10.0.1.6")
	if n.PrivateIpAddresses[2].Association == nil || *n.PrivateIpAddresses[2].Association.PublicIp != *eip.PublicIp {
		t.Fatalf("Elastic IP did not move with its address: %+v", n.PrivateIpAddresses)
	}
	da, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	if err != nil || aws.ToString(da.Addresses[0].NetworkInterfaceId) != b || aws.ToString(da.Addresses[0].PrivateIpAddress) != "10.0.1.6" {
		t.Fatalf("moved address: %+v %v", da, err)
	}
	if _, err := c.UnassignPrivateIpAddresses(ctx(), &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(b), PrivateIpAddresses: []string{"10.0.1.6"}}); err != nil {
		t.Fatal(err)
	}
	da, err = c.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{*eip.AllocationId}})
	if err != nil || da.Addresses[0].AssociationId != nil || da.Addresses[0].PrivateIpAddress != nil {
		t.Fatalf("address of an unassigned private address: %+v %v", da, err)
	}
	if _, err := c.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: eip.AllocationId}); err != nil {
		t.Fatal(err)
	}

	// Deleted: every address goes back to the subnet.
	before := secFree(t, c, sub)
	for _, id := range []string{a, b} {
		if _, err := c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := secFree(t, c, sub); n != before+5 || n != 251 {
		t.Fatalf("free addresses after deleting both interfaces: %d (before %d)", n, before)
	}
	if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(sub)}); err != nil {
		t.Fatal(err)
	}
}

func TestEC2SecondaryIPsInstance(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := netTestImage(t, c)
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.1.0.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	sub := *s.Subnet.SubnetId
	nic := func(spec ec2types.InstanceNetworkInterfaceSpecification) []ec2types.InstanceNetworkInterfaceSpecification {
		spec.DeviceIndex, spec.SubnetId = aws.Int32(0), aws.String(sub)
		return []ec2types.InstanceNetworkInterfaceSpecification{spec}
	}

	// A t3.micro allows 2 addresses per interface.
	_, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: nic(ec2types.InstanceNetworkInterfaceSpecification{SecondaryPrivateIpAddressCount: aws.Int32(2)})})
	netWantMessage(t, err, "PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	_, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		NetworkInterfaces: nic(ec2types.InstanceNetworkInterfaceSpecification{PrivateIpAddresses: []ec2types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.1.0.20")}}})})
	wantCode(t, err, "InvalidParameterCombination")

	// Launched with a count: the instance shows both addresses.
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: nic(ec2types.InstanceNetworkInterfaceSpecification{SecondaryPrivateIpAddressCount: aws.Int32(1)})})
	if err != nil {
		t.Fatal(err)
	}
	i1 := *run.Instances[0].InstanceId
	eni1 := *run.Instances[0].NetworkInterfaces[0].NetworkInterfaceId
	di, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{i1}})
	if err != nil {
		t.Fatal(err)
	}
	ps := di.Reservations[0].Instances[0].NetworkInterfaces[0].PrivateIpAddresses
	if len(ps) != 2 || !aws.ToBool(ps[0].Primary) || *ps[0].PrivateIpAddress != "10.1.0.4" || aws.ToBool(ps[1].Primary) ||
		*ps[1].PrivateIpAddress != "10.1.0.5" || *ps[1].PrivateDnsName != "ip-10-1-0-5.ec2.internal" {
		t.Fatalf("instance's addresses: %+v", ps)
	}
	_, err = c.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: aws.String(eni1), SecondaryPrivateIpAddressCount: aws.Int32(1)})
	netWantMessage(t, err, "PrivateIpAddressLimitExceeded", "Number of private addresses will exceed limit.")
	fi, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{netFilter("network-interface.addresses.private-ip-address", "10.1.0.5")}})
	if err != nil || len(fi.Reservations) != 1 || *fi.Reservations[0].Instances[0].InstanceId != i1 {
		t.Fatalf("filter network-interface.addresses.private-ip-address: %+v %v", fi, err)
	}

	// Launched with addresses, the primary one marked.
	run, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeM5Large, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: nic(ec2types.InstanceNetworkInterfaceSpecification{
			PrivateIpAddresses: []ec2types.PrivateIpAddressSpecification{
				{PrivateIpAddress: aws.String("10.1.0.21")},
				{PrivateIpAddress: aws.String("10.1.0.20"), Primary: aws.Bool(true)},
			},
			SecondaryPrivateIpAddressCount: aws.Int32(1)})})
	if err != nil {
		t.Fatal(err)
	}
	i2 := *run.Instances[0].InstanceId
	eni2 := *run.Instances[0].NetworkInterfaces[0].NetworkInterfaceId
	if *run.Instances[0].PrivateIpAddress != "10.1.0.20" {
		t.Fatalf("primary address: %s", *run.Instances[0].PrivateIpAddress)
	}
	secWantIPs(t, c, eni2, "*10.1.0.20", "10.1.0.21", "10.1.0.6")
	_, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeM5Large, MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		NetworkInterfaces: nic(ec2types.InstanceNetworkInterfaceSpecification{PrivateIpAddresses: []ec2types.PrivateIpAddressSpecification{{PrivateIpAddress: aws.String("10.1.0.21")}}})})
	netWantMessage(t, err, "InvalidIPAddress.InUse", "Address 10.1.0.21 is in use.")
	if n := secFree(t, c, sub); n != 251-5 {
		t.Fatalf("free addresses with two instances: %d", n)
	}

	// An interface with more addresses than the instance type allows is
	// not attached.
	waitRunning(t, c, i1)
	big, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(sub), SecondaryPrivateIpAddressCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AttachNetworkInterface(ctx(), &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: big.NetworkInterface.NetworkInterfaceId, InstanceId: aws.String(i1), DeviceIndex: aws.Int32(1)})
	wantCode(t, err, "PrivateIpAddressLimitExceeded")
	if _, err := c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: big.NetworkInterface.NetworkInterfaceId}); err != nil {
		t.Fatal(err)
	}

	// Terminated: the interfaces go, and every address with them.
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{i1, i2}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for secFree(t, c, sub) != 251 {
		if time.Now().After(deadline) {
			t.Fatalf("addresses of terminated instances not released: %d free", secFree(t, c, sub))
		}
		time.Sleep(100 * time.Millisecond)
	}
	d, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{Filters: []ec2types.Filter{netFilter("subnet-id", sub)}})
	if err != nil || len(d.NetworkInterfaces) != 0 {
		t.Fatalf("interfaces of terminated instances: %+v %v", d, err)
	}
}
