package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum/gureum/internal/compute/docker/amibuild"
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

// TestVPCRoleCredentialsAgainstS3: a Debian instance with an instance
// profile takes its role's credentials from the metadata service (IMDSv2)
// and uses them against gureum's S3 at the endpoint every VPC has; the
// role's policy is enforced exactly: GetObject on one bucket, nothing else.
func TestVPCRoleCredentialsAgainstS3(t *testing.T) {
	e := newNetEnv(t)
	needAMI(t, e.Docker, amibuild.DebianDocker)
	ami := amiByName(t, e.EC2, "debian-12-amd64-docker-gureum")
	im := e.iam("test", "test", "")
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := im.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::readable-bucket/*"}]}`
	if _, err := im.PutRolePolicy(ctx(), &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("read"), PolicyDocument: aws.String(pol)}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	if _, err := im.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("reader"), RoleName: aws.String("reader")}); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"readable-bucket", "secret-bucket"} {
		if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("hello.txt"), Body: strings.NewReader("hello from " + b)}); err != nil {
			t.Fatal(err)
		}
	}
	vpc, subnets := e.vpcWithSubnets(t, "10.40.0.0/16", "10.40.1.0/24")
	sg := e.group(t, vpc, "none")
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), SubnetId: aws.String(subnets[0]), SecurityGroupIds: []string{sg},
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String("reader")}})
	defer e.terminateAll(t, ids...)

	script := `set -e
. /etc/profile.d/gureum.sh
md=http://169.254.169.254
tok=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' $md/latest/api/token)
role=$(curl -sf -H "X-aws-ec2-metadata-token: $tok" $md/latest/meta-data/iam/security-credentials/)
curl -sf -H "X-aws-ec2-metadata-token: $tok" $md/latest/meta-data/iam/security-credentials/$role > /tmp/creds.json
eval "$(python3 -c 'import json; c=json.load(open("/tmp/creds.json")); print("ak=%s sk=%s st=%s" % (c["AccessKeyId"], c["SecretAccessKey"], c["Token"]))')"
s3() { curl -s -o /tmp/body -w '%{http_code}' --aws-sigv4 "aws:amz:$AWS_DEFAULT_REGION:s3" --user "$ak:$sk" -H "x-amz-security-token: $st" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; echo " $(cat /tmp/body | head -c 200)"; }
echo "role=$role"
echo "get-readable=$(s3 $AWS_ENDPOINT_URL/readable-bucket/hello.txt)"
echo "get-secret=$(s3 $AWS_ENDPOINT_URL/secret-bucket/hello.txt)"
echo "put-readable=$(s3 -X PUT --data-binary x $AWS_ENDPOINT_URL/readable-bucket/new.txt)"
`
	var out string
	deadline := time.Now().Add(20 * time.Second)
	for {
		var code int
		out, code = e.shIn(t, ids[0], "bash -s", []byte(script))
		if code == 0 && strings.Contains(out, "get-readable=") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the script in the instance failed (%d):\n%s", code, out)
		}
		time.Sleep(500 * time.Millisecond)
	}
	for _, want := range []string{"role=reader", "get-readable=200 hello from readable-bucket", "get-secret=403", "put-readable=403"} {
		if !strings.Contains(out, want) {
			t.Errorf("inside the instance: want %q in\n%s", want, out)
		}
	}
}

// TestVPCDhcpOptions: an instance launched in a VPC with a DHCP options
// set gets its domain names and name servers (AmazonProvidedDNS being
// the VPC's resolver) in resolv.conf.
func TestVPCDhcpOptions(t *testing.T) {
	e := newNetEnv(t)
	vpc, subnets := e.vpcWithSubnets(t, "10.31.0.0/16", "10.31.1.0/24")
	d, err := e.EC2.CreateDhcpOptions(ctx(), &ec2.CreateDhcpOptionsInput{DhcpConfigurations: []ec2types.NewDhcpConfiguration{
		{Key: aws.String("domain-name"), Values: []string{"corp.example"}},
		{Key: aws.String("domain-name-servers"), Values: []string{"AmazonProvidedDNS", "10.31.0.53"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.EC2.AssociateDhcpOptions(ctx(), &ec2.AssociateDhcpOptionsInput{DhcpOptionsId: d.DhcpOptions.DhcpOptionsId, VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	i := e.launchIn(t, subnets[0], nil, e.group(t, vpc, "none"))
	defer e.terminateAll(t, *i.InstanceId)
	rc := e.must(t, *i.InstanceId, "cat /etc/resolv.conf")
	for _, want := range []string{"search corp.example", "nameserver 10.31.0.2", "nameserver 10.31.0.53"} {
		if !strings.Contains(rc, want) {
			t.Errorf("resolv.conf lacks %q:\n%s", want, rc)
		}
	}
}
