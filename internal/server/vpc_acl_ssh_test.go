package server_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/compute/docker/amibuild"
)

// TestVPCNetworkACL: a subnet's network ACL filters what enters and
// leaves it, statelessly, in rule-number order: a deny numbered below an
// allow wins, above it loses; traffic within a subnet is not filtered.
func TestVPCNetworkACL(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.60.0.0/16", "10.60.1.0/24", "10.60.2.0/24")
	sg := e.group(t, vpc, "vpc", tcpFromCIDR(80, "10.60.0.0/16"))
	w := e.launchIn(t, subnets[0], webUserData("web"), sg)
	near := e.launchIn(t, subnets[0], nil, sg)
	far := e.launchIn(t, subnets[1], nil, sg)
	defer e.terminateAll(t, *w.InstanceId, *near.InstanceId, *far.InstanceId)
	url := "http://" + *w.PrivateIpAddress + "/"
	e.reaches(t, *far.InstanceId, url, "hello from web", 10*time.Second) // the default ACL allows all

	acl, err := e.EC2.CreateNetworkAcl(ctx(), &ec2.CreateNetworkAclInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	aclID := acl.NetworkAcl.NetworkAclId
	cur, err := e.EC2.DescribeNetworkAcls(ctx(), &ec2.DescribeNetworkAclsInput{Filters: []ec2types.Filter{{Name: aws.String("association.subnet-id"), Values: []string{subnets[0]}}}})
	if err != nil || len(cur.NetworkAcls) != 1 {
		t.Fatalf("the subnet's ACL: %+v %v", cur, err)
	}
	var assoc string
	for _, a := range cur.NetworkAcls[0].Associations {
		if *a.SubnetId == subnets[0] {
			assoc = *a.NetworkAclAssociationId
		}
	}
	if _, err := e.EC2.ReplaceNetworkAclAssociation(ctx(), &ec2.ReplaceNetworkAclAssociationInput{AssociationId: aws.String(assoc), NetworkAclId: aclID}); err != nil {
		t.Fatal(err)
	}
	// A new ACL denies everything: the other subnet is cut off, the
	// instance next door is not (same subnet).
	e.blocked(t, *far.InstanceId, url)
	e.reaches(t, *near.InstanceId, url, "hello from web", 5*time.Second)

	entry := func(n int32, egress bool, action ec2types.RuleAction, cidr string, from, to int32) {
		t.Helper()
		if _, err := e.EC2.CreateNetworkAclEntry(ctx(), &ec2.CreateNetworkAclEntryInput{NetworkAclId: aclID, RuleNumber: aws.Int32(n),
			Egress: aws.Bool(egress), Protocol: aws.String("6"), RuleAction: action, CidrBlock: aws.String(cidr),
			PortRange: &ec2types.PortRange{From: aws.Int32(from), To: aws.Int32(to)}}); err != nil {
			t.Fatal(err)
		}
	}
	// Stateless: the request's way in is not enough…
	entry(100, false, ec2types.RuleActionAllow, "10.60.0.0/16", 80, 80)
	e.blocked(t, *far.InstanceId, url)
	// …the reply needs its own way out.
	entry(100, true, ec2types.RuleActionAllow, "10.60.0.0/16", 1024, 65535)
	e.reaches(t, *far.InstanceId, url, "hello from web", 5*time.Second)
	// A deny numbered below the allow wins…
	entry(90, false, ec2types.RuleActionDeny, *far.PrivateIpAddress+"/32", 80, 80)
	e.blocked(t, *far.InstanceId, url)
	// …numbered above it, it never matches.
	if _, err := e.EC2.DeleteNetworkAclEntry(ctx(), &ec2.DeleteNetworkAclEntryInput{NetworkAclId: aclID, RuleNumber: aws.Int32(90), Egress: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	entry(110, false, ec2types.RuleActionDeny, *far.PrivateIpAddress+"/32", 80, 80)
	e.reaches(t, *far.InstanceId, url, "hello from web", 5*time.Second)
}

// TestVPCSSH: `ssh -i key.pem admin@<public IP>` into a Debian instance,
// from the internet, with the key pair it was launched with; without the
// rule for port 22 the connection times out, with another key it is
// refused.
func TestVPCSSH(t *testing.T) {
	e := newNetEnv(t)
	needAMI(t, e.Docker, amibuild.DebianDocker)
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh client (apt-get install openssh-client)")
	}
	inet := newInternet(t, e)
	ami := amiByName(t, e.EC2, "debian-12-amd64-docker-gureum")
	vpc, subnets := e.vpcWithSubnets(t, "10.70.0.0/16", "10.70.1.0/24")
	igw, err := e.EC2.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	rt := e.routeTable(t, vpc, subnets[0])
	if _, err := e.EC2.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rt), DestinationCidrBlock: aws.String("0.0.0.0/0"),
		GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		t.Fatal(err)
	}
	key, err := e.EC2.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("learner"), KeyType: ec2types.KeyTypeEd25519})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pem := filepath.Join(dir, "learner.pem")
	// As `aws ec2 create-key-pair --query KeyMaterial --output text > key.pem`
	// writes it: with a final newline, which OpenSSH needs.
	if err := os.WriteFile(pem, []byte(*key.KeyMaterial+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "other")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	sg := e.group(t, vpc, "ssh")
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), KeyName: aws.String("learner"),
		NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(subnets[0]),
			Groups: []string{sg}, AssociatePublicIpAddress: aws.Bool(true)}}})
	defer e.terminateAll(t, ids...)
	pub := aws.ToString(e.instance(t, ids[0]).PublicIpAddress)
	if pub == "" {
		t.Fatal("no public IP")
	}
	ssh := func(keyFile string) (string, error) {
		c := exec.Command("ip", "netns", "exec", inet.ns, "ssh", "-i", keyFile, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=2", "-o", "LogLevel=ERROR", "admin@"+pub, "hostname; id -un")
		out, err := c.CombinedOutput()
		return string(out), err
	}
	if out, err := ssh(pem); err == nil || !strings.Contains(out, "timed out") {
		t.Fatalf("ssh without the rule for port 22: %v %s", err, out)
	}
	if _, err := e.EC2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(sg),
		IpPermissions: []ec2types.IpPermission{tcpFromCIDR(22, "0.0.0.0/0")}}); err != nil {
		t.Fatal(err)
	}
	var out string
	deadline := time.Now().Add(20 * time.Second) // sshd starts with the instance
	for {
		out, err = ssh(pem)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh with the key pair: %v %s", err, out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	host := strings.Split(aws.ToString(e.instance(t, ids[0]).PrivateDnsName), ".")[0]
	if !strings.Contains(out, host) || !strings.Contains(out, "admin") {
		t.Fatalf("ssh ran as/on the wrong thing: %s (want host %s, user admin)", out, host)
	}
	if out, err := ssh(other); err == nil || !strings.Contains(out, "Permission denied") {
		t.Fatalf("ssh with another key: %v %s", err, out)
	}
}
