package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/server"
)

// The VPC data-plane tests run instances (containers of the minimal AMI)
// in real VPC networks: a namespace per VPC, named gureum-<owner>-…, with
// gureum's internet isolated (nothing leaves the machine). They act only
// through the EC2 API and commands run inside instances, and end with a
// leak check: no namespace, link or nftables table of the server's is
// left once it closed.

// needNetplane skips a test that needs the Linux data plane (root), or
// fails it where GUREUM_REQUIRE_NETPLANE=1 or CI=true.
func needNetplane(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("GUREUM_REQUIRE_NETPLANE") == "1" || os.Getenv("CI") == "true" {
		t.Fatal("the VPC data plane needs root, and GUREUM_REQUIRE_NETPLANE=1 / CI=true do not skip it")
	}
	t.Skip("the VPC data plane needs root")
}

// newNetEnv starts gureum with containers and the Linux data plane, and
// checks for leaks after it closed.
func newNetEnv(t *testing.T) *dockerEnv {
	t.Helper()
	needNetplane(t)
	var prefix string
	t.Cleanup(func() {
		if prefix != "" {
			checkNetLeaks(t, prefix)
		}
	})
	e := newDockerEnv(t, "", func(c *server.Config) {
		c.Netplane, c.Internet, c.Ephemeral = "linux", "isolated", true
	})
	if e.srv.Netplane.Name() != "linux" {
		t.Fatalf("netplane %s, want linux", e.srv.Netplane.Name())
	}
	prefix = "gureum-" + e.Driver.Owner() + "-"
	return e
}

// checkNetLeaks fails the test if a namespace with prefix, or a link or
// nftables table naming it, is left on the host.
func checkNetLeaks(t testing.TB, prefix string) {
	t.Helper()
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			t.Errorf("leaked network namespace %s", filepath.Join("/run/netns", e.Name()))
		}
	}
	if out, err := exec.Command("nft", "list", "tables").CombinedOutput(); err == nil && strings.Contains(string(out), strings.TrimSuffix(prefix, "-")) {
		t.Errorf("leaked nftables table on the host:\n%s", out)
	}
}

// vpcWithSubnets creates a VPC and subnets of it, removed when the test
// ends (before the server closes).
func (e *dockerEnv) vpcWithSubnets(t *testing.T, cidr string, subnets ...string) (string, []string) {
	t.Helper()
	v, err := e.EC2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	var ids []string
	for _, c := range subnets {
		s, err := e.EC2.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String(c)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, *s.Subnet.SubnetId)
	}
	return vpc, ids
}

// group creates a security group in vpc with ingress rules.
func (e *dockerEnv) group(t *testing.T, vpc, name string, in ...ec2types.IpPermission) string {
	t.Helper()
	g, err := e.EC2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{VpcId: aws.String(vpc), GroupName: aws.String(name), Description: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if len(in) > 0 {
		if _, err := e.EC2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: in}); err != nil {
			t.Fatal(err)
		}
	}
	return *g.GroupId
}

func tcpFromGroup(port int32, group string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		UserIdGroupPairs: []ec2types.UserIdGroupPair{{GroupId: aws.String(group)}}}
}

func tcpFromCIDR(port int32, cidr string) ec2types.IpPermission {
	return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port),
		IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
}

// webUserData serves "hello from <name>" on port 80 with BusyBox httpd.
func webUserData(name string) *string {
	s := fmt.Sprintf("#!/bin/sh\nmkdir -p /www && echo 'hello from %s' > /www/index.html && httpd -p 80 -h /www\n", name)
	return aws.String(b64(s))
}

// launchIn runs one minimal instance in a subnet with groups.
func (e *dockerEnv) launchIn(t *testing.T, subnet string, userData *string, groups ...string) ec2types.Instance {
	t.Helper()
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(minimalAMI(t, e)), SubnetId: aws.String(subnet),
		SecurityGroupIds: groups, UserData: userData})
	return e.instance(t, ids[0])
}

// fetch asks url's server (http://ip[:port]/) for "/" with BusyBox nc
// (the minimal AMI's wget crashes: Debian's busybox-static 1.35 wget
// segfaults). It returns the body, or "" when nothing answered within
// timeout seconds.
func (e *dockerEnv) fetch(t testing.TB, from, url string, timeout int) string {
	t.Helper()
	hostport := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), "/")
	host, port, ok := strings.Cut(hostport, ":")
	if !ok {
		port = "80"
	}
	// nc -w bounds the connect and the last read; timeout bounds the rest
	// (a half-open connection once kept nc waiting for minutes).
	out, code := e.sh(t, from, fmt.Sprintf("printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout -s KILL %d nc -w %d %s %s 2>&1", timeout+3, timeout, host, port))
	if code != 0 {
		return ""
	}
	_, body, ok := strings.Cut(out, "\r\n\r\n")
	if !ok {
		return ""
	}
	return strings.TrimSpace(body)
}

// reaches waits until from fetches want from url (the data plane applies
// changes asynchronously, within milliseconds), failing after within.
func (e *dockerEnv) reaches(t testing.TB, from, url, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		got := e.fetch(t, from, url, 1)
		if got == want {
			return time.Since(start)
		}
		if time.Since(start) > within {
			t.Fatalf("%s: %s answered %q after %s, want %q", from, url, got, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// blocked asserts that from does not get an answer from url, after
// giving the data plane a moment to apply the last change.
func (e *dockerEnv) blocked(t testing.TB, from, url string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := e.fetch(t, from, url, 1)
		if got == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s reached %s (%q), want it blocked", from, url, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// request sends an HTTP/1.0 request with nc from inside an instance and
// returns the status code and body ("", 0 when nothing answered).
func (e *dockerEnv) request(t testing.TB, from, method, hostport, path string, headers ...string) (int, string) {
	t.Helper()
	host, port, _ := strings.Cut(hostport, ":")
	if port == "" {
		port = "80"
	}
	req := method + " " + path + " HTTP/1.0\\r\\n"
	for _, h := range headers {
		req += h + "\\r\\n"
	}
	req += "\\r\\n"
	out, code := e.sh(t, from, fmt.Sprintf("printf '%s' | timeout -s KILL 5 nc -w 2 %s %s 2>&1", req, host, port))
	if code != 0 {
		return 0, ""
	}
	head, body, _ := strings.Cut(out, "\r\n\r\n")
	var status int
	fmt.Sscanf(head, "HTTP/1.%d %d", new(int), &status)
	return status, body
}
