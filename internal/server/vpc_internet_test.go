package server_test

import (
	"context"
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
)

// internetHostIP is the "internet host" the tests place in gureum's
// (isolated) internet namespace: a documentation address, outside the
// public IP pool.
const internetHostIP = "192.0.2.10"

// internet is gureum's isolated internet namespace, with a web server on
// internetHostIP:8080 whose /cgi-bin/ip answers the caller's address.
type internet struct {
	ns string // the namespace's name under /run/netns
}

// newInternet starts the internet host; it is stopped when the test ends.
func newInternet(t *testing.T, e *dockerEnv) *internet {
	t.Helper()
	ns := "gureum-" + e.Driver.Owner() + "-internet"
	// The namespace's file appears before the namespace is mounted on it
	// (ip -n then fails with "Invalid argument"): wait until it is usable.
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gureum's internet namespace %s did not appear: %v: %s", ns, err, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Fatalf("the internet host needs busybox (apt-get install busybox-static): %v", err)
	}
	if out, err := exec.Command("ip", "-n", ns, "addr", "replace", internetHostIP+"/32", "dev", "lo").CombinedOutput(); err != nil {
		t.Fatalf("ip addr replace: %v: %s", err, out)
	}
	root := t.TempDir()
	cgi := filepath.Join(root, "cgi-bin")
	if err := os.MkdirAll(cgi, 0o755); err != nil {
		t.Fatal(err)
	}
	script := "#!" + busybox + " sh\necho 'Content-Type: text/plain'\necho\necho \"$REMOTE_ADDR\"\n"
	if err := os.WriteFile(filepath.Join(cgi, "ip"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("hello from the internet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, busybox, "httpd", "-f", "-p", internetHostIP+":8080", "-h", root)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return &internet{ns: ns}
}

// get asks http://addr/ from the internet namespace with nc and returns the
// body, or "" when nothing answered within 2 s.
func (n *internet) get(t testing.TB, addr string) string {
	t.Helper()
	host, port, ok := strings.Cut(addr, ":")
	if !ok {
		port = "80"
	}
	busybox, _ := exec.LookPath("busybox")
	// nc -w bounds the connect and the last read; the context the rest (a
	// half-open connection once kept nc waiting for minutes).
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, "ip", "netns", "exec", n.ns, busybox, "nc", "-w", "2", host, port)
	c.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
	out, err := c.Output()
	if err != nil {
		return ""
	}
	_, body, _ := strings.Cut(string(out), "\r\n\r\n")
	return strings.TrimSpace(body)
}

// reachesFromInternet polls until the internet gets want from addr.
func (n *internet) reaches(t testing.TB, addr, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if got := n.get(t, addr); got == want {
			return time.Since(start)
		} else if time.Since(start) > within {
			t.Fatalf("from the internet, %s answered %q after %s, want %q", addr, got, within, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// blocked asserts the internet gets no answer from addr (after a moment
// for the last change to apply).
func (n *internet) blocked(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		got := n.get(t, addr)
		if got == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the internet reached %s (%q), want it blocked", addr, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestVPCInternet: the classic two-tier VPC. The public instance's web
// server answers on its public IP from the internet only with the route
// to the internet gateway and the security group rule; the private
// instance reaches the internet only through the NAT gateway, seen as the
// NAT's Elastic IP; an Elastic IP moved between instances follows them.
func TestVPCInternet(t *testing.T) {
	e := newNetEnv(t)
	inet := newInternet(t, e)
	hostURL := "http://" + internetHostIP + ":8080"

	vpc, subnets := e.vpcWithSubnets(t, "10.50.0.0/16", "10.50.1.0/24", "10.50.2.0/24")
	public, private := subnets[0], subnets[1]
	if _, err := e.EC2.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(public),
		MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	igw, err := e.EC2.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{})
	if err != nil {
		t.Fatal(err)
	}
	igwID := igw.InternetGateway.InternetGatewayId
	if _, err := e.EC2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: igwID, VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	rtPublic := e.routeTable(t, vpc, public)
	web := e.group(t, vpc, "web", tcpFromCIDR(80, "0.0.0.0/0"))
	w := e.launchIn(t, public, webUserData("web"), web)
	p := e.launchIn(t, private, nil, e.group(t, vpc, "private"))
	defer e.terminateAll(t, *w.InstanceId, *p.InstanceId)
	if w.PublicIpAddress == nil || p.PublicIpAddress != nil {
		t.Fatalf("public IPs: web %v, private %v", w.PublicIpAddress, p.PublicIpAddress)
	}
	pub := *w.PublicIpAddress

	// No route to the gateway yet: no internet either way.
	inet.blocked(t, pub)
	if got := e.fetch(t, *w.InstanceId, hostURL, 1); got != "" {
		t.Fatalf("web reached the internet without a route: %q", got)
	}
	if _, err := e.EC2.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtPublic), DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igwID}); err != nil {
		t.Fatal(err)
	}
	took := inet.reaches(t, pub, "hello from web", 5*time.Second)
	t.Logf("CreateRoute 0.0.0.0/0 → igw: the internet reaches the public IP in %s", took)
	if got := e.reachesSource(t, *w.InstanceId, hostURL); got != pub {
		t.Fatalf("the internet host saw web as %q, want its public IP %s", got, pub)
	}
	// The rule goes: the next request times out, with no restart.
	if _, err := e.EC2.RevokeSecurityGroupIngress(ctx(), &ec2.RevokeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{tcpFromCIDR(80, "0.0.0.0/0")}}); err != nil {
		t.Fatal(err)
	}
	inet.blocked(t, pub)
	if _, err := e.EC2.AuthorizeSecurityGroupIngress(ctx(), &ec2.AuthorizeSecurityGroupIngressInput{GroupId: aws.String(web),
		IpPermissions: []ec2types.IpPermission{tcpFromCIDR(80, "0.0.0.0/0")}}); err != nil {
		t.Fatal(err)
	}
	inet.reaches(t, pub, "hello from web", 5*time.Second)

	// The private instance: no internet until its route points at a NAT
	// gateway; then the internet host sees the NAT's Elastic IP.
	if got := e.fetch(t, *p.InstanceId, hostURL, 1); got != "" {
		t.Fatalf("the private instance reached the internet without a NAT: %q", got)
	}
	eip, err := e.EC2.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	nat, err := e.EC2.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(public), AllocationId: eip.AllocationId})
	if err != nil {
		t.Fatal(err)
	}
	natID := nat.NatGateway.NatGatewayId
	waiter := ec2.NewNatGatewayAvailableWaiter(e.EC2, func(o *ec2.NatGatewayAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	if err := waiter.Wait(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{*natID}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	rtPrivate := e.routeTable(t, vpc, private)
	if got := e.fetch(t, *p.InstanceId, hostURL, 1); got != "" {
		t.Fatalf("the private instance reached the internet with no route to the NAT: %q", got)
	}
	if _, err := e.EC2.CreateRoute(ctx(), &ec2.CreateRouteInput{RouteTableId: aws.String(rtPrivate), DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: natID}); err != nil {
		t.Fatal(err)
	}
	if got := e.reachesSource(t, *p.InstanceId, hostURL); got != *eip.PublicIp {
		t.Fatalf("the internet host saw the private instance as %q, want the NAT's Elastic IP %s", got, *eip.PublicIp)
	}
	// The NAT is outbound only: the Elastic IP opens nothing inward.
	inet.blocked(t, *eip.PublicIp)

	// An Elastic IP moved between instances: it answers for web, then for
	// a second web server.
	w2 := e.launchIn(t, public, webUserData("web2"), web)
	defer e.terminateAll(t, *w2.InstanceId)
	eip2, err := e.EC2.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip2.AllocationId, InstanceId: w.InstanceId}); err != nil {
		t.Fatal(err)
	}
	inet.reaches(t, *eip2.PublicIp, "hello from web", 15*time.Second)
	inet.blocked(t, pub) // the auto-assigned public IP went with the association, as on AWS
	if _, err := e.EC2.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip2.AllocationId, InstanceId: w2.InstanceId,
		AllowReassociation: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// An attempt that races the move can be pinned by conntrack to the
	// old mapping until nc gives up (up to 5 s): allow a few attempts.
	inet.reaches(t, *eip2.PublicIp, "hello from web2", 15*time.Second)

	// Without the route the public subnet is cut off again.
	if _, err := e.EC2.DeleteRoute(ctx(), &ec2.DeleteRouteInput{RouteTableId: aws.String(rtPublic), DestinationCidrBlock: aws.String("0.0.0.0/0")}); err != nil {
		t.Fatal(err)
	}
	inet.blocked(t, *eip2.PublicIp)
	if _, err := e.EC2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: natID}); err != nil {
		t.Fatal(err)
	}
}

// routeTable creates a route table in vpc associated with subnet.
func (e *dockerEnv) routeTable(t *testing.T, vpc, subnet string) string {
	t.Helper()
	rt, err := e.EC2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.AssociateRouteTable(ctx(), &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(subnet)}); err != nil {
		t.Fatal(err)
	}
	return *rt.RouteTable.RouteTableId
}

// reachesSource polls the internet host's /cgi-bin/ip from an instance
// until it answers, and returns the address the host saw.
func (e *dockerEnv) reachesSource(t testing.TB, from, hostURL string) string {
	t.Helper()
	hostport := strings.TrimPrefix(hostURL, "http://")
	host, port, _ := strings.Cut(hostport, ":")
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, code := e.sh(t, from, fmt.Sprintf("printf 'GET /cgi-bin/ip HTTP/1.0\\r\\n\\r\\n' | timeout -s KILL 4 nc -w 1 %s %s 2>&1", host, port))
		// The CGI's own header ends with a bare "\n\n": the address is
		// the last line.
		lines := strings.Fields(out)
		if code == 0 && strings.HasPrefix(out, "HTTP/1.") && len(lines) > 0 {
			return lines[len(lines)-1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach the internet host %s: %q", from, hostURL, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
