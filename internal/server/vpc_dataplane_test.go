package server_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestVPCSecurityGroups: instances get exactly the address and MAC the
// API shows; security groups filter same-subnet and cross-subnet traffic
// by group reference and by CIDR; rule changes apply to running instances
// at once; stop and start keep the private IP and the filtering; a VPC
// with the same CIDR cannot reach either.
func TestVPCSecurityGroups(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.20.0.0/16", "10.20.1.0/24", "10.20.2.0/24")
	clients := e.group(t, vpc, "clients")
	web := e.group(t, vpc, "web", tcpFromGroup(80, clients))
	other := e.group(t, vpc, "other")

	w := e.launchIn(t, subnets[0], webUserData("web"), web)
	c1 := e.launchIn(t, subnets[0], nil, clients)
	c2 := e.launchIn(t, subnets[1], nil, other)
	ids := []string{*w.InstanceId, *c1.InstanceId, *c2.InstanceId}
	defer e.terminateAll(t, ids...)

	// The instance's eth0 is what DescribeInstances says.
	ni := w.NetworkInterfaces[0]
	addr := e.must(t, *w.InstanceId, "ip -o -4 addr show dev eth0; ip link show dev eth0; ip route")
	for _, want := range []string{*w.PrivateIpAddress + "/24", strings.ToLower(*ni.MacAddress), "default via 10.20.1.1"} {
		if !strings.Contains(addr, want) {
			t.Errorf("eth0 of %s lacks %q:\n%s", *w.InstanceId, want, addr)
		}
	}

	url := "http://" + *w.PrivateIpAddress + "/"
	e.reaches(t, *c1.InstanceId, url, "hello from web", 10*time.Second) // same subnet, group reference
	e.blocked(t, *c2.InstanceId, url)                                   // other subnet, no rule

	// A CIDR rule for the other subnet applies to the running instance.
	if _, err := e.EC2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{tcpFromCIDR(80, "10.20.2.0/24")}}); err != nil {
		t.Fatal(err)
	}
	took := e.reaches(t, *c2.InstanceId, url, "hello from web", 5*time.Second)
	t.Logf("AuthorizeSecurityGroupIngress → reachable in %s (polling with nc in the client)", took)

	// Revoking the group reference blocks the first client again.
	if _, err := e.EC2.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{tcpFromGroup(80, clients)}}); err != nil {
		t.Fatal(err)
	}
	e.blocked(t, *c1.InstanceId, url)
	e.reaches(t, *c2.InstanceId, url, "hello from web", 5*time.Second)

	// Membership: putting the first client into "other"… does nothing
	// for port 80 (only the CIDR rule of subnet 2 is left); moving it into
	// a group that web's rules reference does.
	if _, err := e.EC2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{tcpFromGroup(80, other)}}); err != nil {
		t.Fatal(err)
	}
	e.blocked(t, *c1.InstanceId, url)
	if _, err := e.EC2.ModifyNetworkInterfaceAttribute(ctx(), &ec2.ModifyNetworkInterfaceAttributeInput{
		NetworkInterfaceId: c1.NetworkInterfaces[0].NetworkInterfaceId, Groups: []string{other}}); err != nil {
		t.Fatal(err)
	}
	e.reaches(t, *c1.InstanceId, url, "hello from web", 5*time.Second)

	// Stop and start: the same private IP, plugged into a new namespace,
	// the same filtering.
	if _, err := e.EC2.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{*w.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, *w.InstanceId, ec2types.InstanceStateNameStopped, 30*time.Second)
	e.blocked(t, *c1.InstanceId, url)
	if _, err := e.EC2.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{*w.InstanceId}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, *w.InstanceId, ec2types.InstanceStateNameRunning, 30*time.Second)
	if got := *e.instance(t, *w.InstanceId).PrivateIpAddress; got != *w.PrivateIpAddress {
		t.Fatalf("private IP after stop/start %s, want %s", got, *w.PrivateIpAddress)
	}
	e.must(t, *w.InstanceId, "httpd -p 80 -h /www") // user data ran once; its file is still on disk
	e.reaches(t, *c1.InstanceId, url, "hello from web", 10*time.Second)
	e.reaches(t, *c2.InstanceId, url, "hello from web", 5*time.Second)

	// Another VPC with the same CIDR: its instance cannot reach web.
	vpc2, subnets2 := e.vpcWithSubnets(t, "10.20.0.0/16", "10.20.1.0/24")
	open2 := e.group(t, vpc2, "open", tcpFromCIDR(80, "0.0.0.0/0"))
	x := e.launchIn(t, subnets2[0], webUserData("vpc2"), open2)
	defer e.terminateAll(t, *x.InstanceId)
	if *x.PrivateIpAddress != *w.PrivateIpAddress {
		if got := e.fetch(t, *x.InstanceId, url, 1); got == "hello from web" {
			t.Fatalf("an instance of another VPC with the same CIDR reached web")
		}
	}
	// …while in its own VPC, the same address is its own server.
	e.reaches(t, *x.InstanceId, "http://"+*x.PrivateIpAddress+"/", "hello from vpc2", 10*time.Second)
}

// TestVPCDefaultGroupAndSecondaryENI: the default group's self-reference
// lets its members talk and no one else; a network interface attached to
// a running instance appears in it as eth1 with its address, filtered by
// its own groups, and goes when detached.
func TestVPCDefaultGroupAndSecondaryENI(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.90.0.0/16", "10.90.1.0/24", "10.90.2.0/24")
	other := e.group(t, vpc, "other", tcpFromCIDR(80, "10.90.0.0/16"))
	a := e.launchIn(t, subnets[0], webUserData("a"))
	b := e.launchIn(t, subnets[0], nil)
	c := e.launchIn(t, subnets[0], webUserData("c"), other)
	d := e.launchIn(t, subnets[1], nil)
	defer e.terminateAll(t, *a.InstanceId, *b.InstanceId, *c.InstanceId, *d.InstanceId)
	if g := a.SecurityGroups; len(g) != 1 || *g[0].GroupName != "default" {
		t.Fatalf("groups of an instance launched without any: %+v", g)
	}
	e.reaches(t, *b.InstanceId, "http://"+*a.PrivateIpAddress+"/", "hello from a", 10*time.Second)
	e.blocked(t, *c.InstanceId, "http://"+*a.PrivateIpAddress+"/")

	eni, err := e.EC2.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: aws.String(subnets[1]), Groups: []string{*a.SecurityGroups[0].GroupId}})
	if err != nil {
		t.Fatal(err)
	}
	ip := *eni.NetworkInterface.PrivateIpAddress
	att, err := e.EC2.AttachNetworkInterface(ctx(), &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: eni.NetworkInterface.NetworkInterfaceId,
		InstanceId: c.InstanceId, DeviceIndex: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, _ := e.sh(t, *c.InstanceId, "ip -o -4 addr show dev eth1 2>&1")
		if strings.Contains(out, ip+"/24") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("eth1 of %s after AttachNetworkInterface: %s", *c.InstanceId, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// d, a member of the default group in eth1's subnet, reaches c there
	// (eth1 is in the default group); through eth0 ("other") it does too,
	// by the CIDR rule.
	e.reaches(t, *d.InstanceId, "http://"+ip+"/", "hello from c", 5*time.Second)
	if _, err := e.EC2.DetachNetworkInterface(ctx(), &ec2.DetachNetworkInterfaceInput{AttachmentId: att.AttachmentId}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		if out, code := e.sh(t, *c.InstanceId, "ip link show dev eth1 2>&1"); code != 0 {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("eth1 still there after DetachNetworkInterface: %s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	e.blocked(t, *d.InstanceId, "http://"+ip+"/")
}

// TestVPCSecondaryPrivateIP: a secondary private IP assigned to a running
// instance's interface is configured on eth0 and reachable; unassigned, it
// is gone.
func TestVPCSecondaryPrivateIP(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.95.0.0/16", "10.95.1.0/24")
	sg := e.group(t, vpc, "web", tcpFromCIDR(80, "10.95.0.0/16"))
	w := e.launchIn(t, subnets[0], webUserData("web"), sg)
	c := e.launchIn(t, subnets[0], nil, sg)
	defer e.terminateAll(t, *w.InstanceId, *c.InstanceId)
	eni := w.NetworkInterfaces[0].NetworkInterfaceId
	out, err := e.EC2.AssignPrivateIpAddresses(ctx(), &ec2.AssignPrivateIpAddressesInput{NetworkInterfaceId: eni, SecondaryPrivateIpAddressCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	ip := *out.AssignedPrivateIpAddresses[0].PrivateIpAddress
	e.reaches(t, *c.InstanceId, "http://"+ip+"/", "hello from web", 5*time.Second)
	if addrs := e.must(t, *w.InstanceId, "ip -o -4 addr show dev eth0"); !strings.Contains(addrs, ip+"/24") {
		t.Fatalf("eth0 lacks the secondary IP %s:\n%s", ip, addrs)
	}
	if _, err := e.EC2.UnassignPrivateIpAddresses(ctx(), &ec2.UnassignPrivateIpAddressesInput{NetworkInterfaceId: eni, PrivateIpAddresses: []string{ip}}); err != nil {
		t.Fatal(err)
	}
	e.blocked(t, *c.InstanceId, "http://"+ip+"/")
}
