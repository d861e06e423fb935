package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestVPCMetadataAndResolver: inside an instance, the metadata service
// answers at 169.254.169.254 (IMDSv1 and v2, HttpTokens required honoured)
// and the VPC's resolver at base + 2 answers the instances' private names.
func TestVPCMetadataAndResolver(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.30.0.0/16", "10.30.1.0/24")
	sg := e.group(t, vpc, "any")
	ami := minimalAMI(t, e)
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), SubnetId: aws.String(subnets[0]), SecurityGroupIds: []string{sg},
		UserData:        aws.String(b64("#!/bin/sh\necho hi\n")),
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateOptional}})
	// gureum's default, as new AWS accounts': HttpTokens required.
	req := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), SubnetId: aws.String(subnets[0]), SecurityGroupIds: []string{sg}})
	defer e.terminateAll(t, append(ids, req...)...)
	a, b := e.instance(t, ids[0]), e.instance(t, req[0])

	// The resolv.conf points at the VPC's resolver.
	if rc := e.must(t, ids[0], "cat /etc/resolv.conf"); !strings.Contains(rc, "nameserver 10.30.0.2") || !strings.Contains(rc, "search ec2.internal") {
		t.Fatalf("resolv.conf:\n%s", rc)
	}

	// IMDSv1 (the service may take a moment to open with the VPC).
	md := "169.254.169.254"
	deadline := time.Now().Add(5 * time.Second)
	for {
		code, body := e.request(t, ids[0], "GET", md, "/latest/meta-data/instance-id")
		if code == 200 && body == ids[0] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("IMDSv1 instance-id: %d %q", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for path, want := range map[string]string{
		"/latest/meta-data/local-ipv4":                  *a.PrivateIpAddress,
		"/latest/meta-data/mac":                         strings.ToLower(*a.NetworkInterfaces[0].MacAddress),
		"/latest/meta-data/instance-type":               string(a.InstanceType),
		"/latest/meta-data/ami-id":                      ami,
		"/latest/user-data":                             "#!/bin/sh\necho hi\n",
		"/latest/meta-data/placement/availability-zone": *a.Placement.AvailabilityZone,
	} {
		if code, body := e.request(t, ids[0], "GET", md, path); code != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", path, code, body, want)
		}
	}

	// IMDSv2: a token, then a GET with it; the instance that requires
	// tokens refuses a GET without one.
	code, tok := e.request(t, req[0], "PUT", md, "/latest/api/token", "X-aws-ec2-metadata-token-ttl-seconds: 60")
	if code != 200 || tok == "" {
		t.Fatalf("token PUT: %d %q", code, tok)
	}
	if code, _ := e.request(t, req[0], "GET", md, "/latest/meta-data/instance-id"); code != 401 {
		t.Fatalf("IMDSv1 with HttpTokens required: %d, want 401", code)
	}
	if code, body := e.request(t, req[0], "GET", md, "/latest/meta-data/instance-id", "X-aws-ec2-metadata-token: "+tok); code != 200 || body != req[0] {
		t.Fatalf("IMDSv2 GET: %d %q", code, body)
	}
	// A token is the instance's own: the other instance cannot use it.
	if code, _ := e.request(t, ids[0], "GET", md, "/latest/meta-data/instance-id", "X-aws-ec2-metadata-token: "+tok); code != 401 {
		t.Fatalf("another instance's token: %d, want 401", code)
	}

	// The resolver: each instance's private name, from the other one.
	out := e.must(t, ids[0], "nslookup "+*b.PrivateDnsName+" 2>&1")
	if !strings.Contains(out, *b.PrivateIpAddress) {
		t.Fatalf("nslookup %s:\n%s", *b.PrivateDnsName, out)
	}
	out, _ = e.sh(t, ids[0], "nslookup ip-10-30-1-250.ec2.internal 2>&1")
	if !strings.Contains(out, "NXDOMAIN") {
		t.Fatalf("nslookup of a name nobody has:\n%s", out)
	}
	// With enableDnsSupport off the resolver is silent.
	if _, err := e.EC2.ModifyVpcAttribute(ctx(), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc),
		EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	if out, code := e.sh(t, ids[0], "nslookup "+*b.PrivateDnsName+" 2>&1"); code == 0 {
		t.Fatalf("nslookup with enableDnsSupport false succeeded:\n%s", out)
	}
}
