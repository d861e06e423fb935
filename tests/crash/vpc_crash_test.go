package crash

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestKillDuringVPCChange kills gureum (SIGKILL) right after a security
// group change and while the data plane of its VPC has been torn down
// behind its back (as a host reboot does), restarts it on the same data
// directory, and checks that the rebuilt data plane matches the store:
// the rule the API acknowledged filters as recorded, in both directions.
// Then it deletes the VPC and checks that nothing of it is left.
func TestKillDuringVPCChange(t *testing.T) {
	if os.Geteuid() != 0 || exec.Command("docker", "version").Run() != nil {
		if os.Getenv("CI") == "true" || os.Getenv("GUREUM_REQUIRE_NETPLANE") == "1" {
			t.Fatal("the VPC data plane needs root and a Docker Engine, and CI does not skip it")
		}
		t.Skip("needs root and a Docker Engine")
	}
	bin := buildGureum(t)
	if out, err := exec.Command(bin, "ami", "build", "minimal").CombinedOutput(); err != nil {
		t.Fatalf("building the minimal AMI: %v %s", err, out)
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	flags := []string{"--compute", "docker", "--netplane", "linux", "--internet", "isolated"}
	g := startGureum(t, bin, dataDir, 1, flags...)
	c := ec2Client("http://" + g.addr)
	ctx := context.Background()

	vpcOut, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.80.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpc := vpcOut.Vpc.VpcId
	sub, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc, CidrBlock: aws.String("10.80.1.0/24")})
	if err != nil {
		t.Fatal(err)
	}
	group := func(name string) string {
		out, err := c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: vpc, GroupName: aws.String(name), Description: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.GroupId
	}
	webSG, clientSG, otherSG := group("web"), group("clients"), group("others")
	imgs, err := c.DescribeImages(ctx, &ec2.DescribeImagesInput{Owners: []string{"amazon"},
		Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"busybox-minimal-gureum-x86_64"}}}})
	if err != nil || len(imgs.Images) != 1 {
		t.Fatalf("minimal AMI: %v %v", imgs, err)
	}
	launch := func(sg, userData string) string {
		out, err := c.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: sub.Subnet.SubnetId, SecurityGroupIds: []string{sg},
			UserData: aws.String(base64.StdEncoding.EncodeToString([]byte(userData)))})
		if err != nil {
			t.Fatal(err)
		}
		return *out.Instances[0].InstanceId
	}
	web := launch(webSG, "#!/bin/sh\nmkdir -p /www && echo hello > /www/index.html && httpd -p 80 -h /www\n")
	client, other := launch(clientSG, ""), launch(otherSG, "")
	ids := []string{web, client, other}
	t.Cleanup(func() { removeContainers(ids) })
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := w.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, time.Minute); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{web}})
	if err != nil {
		t.Fatal(err)
	}
	webIP := *d.Reservations[0].Instances[0].PrivateIpAddress
	ns := vpcNamespace(t, *vpc)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	eventually(t, "the client is blocked before the rule", func() bool { return !get(client, webIP) })

	// The change, then at once a SIGKILL, and the VPC's network torn down
	// while gureum is gone.
	if _, err := c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(webSG),
		IpPermissions: []ec2types.IpPermission{{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(80), ToPort: aws.Int32(80),
			UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(clientSG)}}}}}); err != nil {
		t.Fatal(err)
	}
	g.kill(t)
	if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
		t.Fatalf("tearing the VPC's network down: %v %s", err, out)
	}
	if get(client, webIP) {
		t.Fatal("the client reached web with the VPC's network gone")
	}

	// Restarted, gureum rebuilds the data plane from the store.
	start := time.Now()
	g = startGureum(t, bin, dataDir, 2, flags...)
	c = ec2Client("http://" + g.addr)
	eventually(t, "the client reaches web after the restart", func() bool { return get(client, webIP) })
	t.Logf("restart → the rebuilt VPC network carries the recorded rule in %s", time.Since(start))
	if get(other, webIP) {
		t.Fatal("an instance outside the referenced group reached web after the restart")
	}
	if _, err := os.Stat(filepath.Join("/run/netns", ns)); err != nil {
		t.Fatalf("the VPC's namespace was not rebuilt: %v", err)
	}

	// Deleting the VPC's last resources leaves nothing of it.
	if _, err := c.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	tw := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	if err := tw.Wait(ctx, &ec2.DescribeInstancesInput{InstanceIds: ids}, time.Minute); err != nil {
		t.Fatal(err)
	}
	for _, sg := range []string{webSG, clientSG, otherSG} {
		if _, err := c.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(sg)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: sub.Subnet.SubnetId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the deleted VPC's namespace is removed", func() bool {
		_, err := os.Stat(filepath.Join("/run/netns", ns))
		return os.IsNotExist(err)
	})
	// gureum's own namespaces (its internet, the default VPC's) remain
	// while its data directory does; the test removes them.
	g.kill(t)
	prefix := strings.TrimSuffix(ns, *vpc)
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			exec.Command("ip", "netns", "del", e.Name()).Run()
		}
	}
}

func ec2Client(endpoint string) *ec2.Client {
	return ec2.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")},
		func(o *ec2.Options) { o.BaseEndpoint = aws.String(endpoint) })
}

// vpcNamespace finds the namespace gureum made for a VPC.
func vpcNamespace(t *testing.T, vpc string) string {
	t.Helper()
	var ns string
	eventually(t, "the VPC's namespace appears", func() bool {
		ents, _ := os.ReadDir("/run/netns")
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "gureum-") && strings.HasSuffix(e.Name(), "-"+vpc) {
				ns = e.Name()
				return true
			}
		}
		return false
	})
	return ns
}

// get reports whether instance from gets web's page (BusyBox nc: the
// minimal AMI's wget crashes).
func get(from, ip string) bool {
	out, err := exec.Command("docker", "exec", from, "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout -s KILL 4 nc -w 1 "+ip+" 80").Output()
	return err == nil && strings.Contains(string(out), "hello")
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after 20s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// removeContainers removes the instances' containers whatever happened.
func removeContainers(ids []string) {
	for _, id := range ids {
		exec.Command("docker", "rm", "-f", "-v", id).Run()
	}
}
