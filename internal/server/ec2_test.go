package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gureum/gureum/internal/server"
)

func (e *testEnv) ec2(ak, sk string) *ec2.Client {
	return ec2.NewFromConfig(e.awsConfig(ak, sk, ""), func(o *ec2.Options) { o.RetryMaxAttempts = 1 })
}

func TestEC2DefaultVPCAndRegions(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	azs, err := c.DescribeAvailabilityZones(ctx(), &ec2.DescribeAvailabilityZonesInput{})
	if err != nil || len(azs.AvailabilityZones) != 6 || *azs.AvailabilityZones[0].ZoneName != "us-east-1a" {
		t.Fatalf("zones: %+v %v", azs, err)
	}
	vpcs, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 || *vpcs.Vpcs[0].CidrBlock != "172.31.0.0/16" || !strings.HasPrefix(*vpcs.Vpcs[0].VpcId, "vpc-") || len(*vpcs.Vpcs[0].VpcId) != 21 {
		t.Fatalf("default VPC: %+v %v", vpcs, err)
	}
	def := *vpcs.Vpcs[0].VpcId
	subs, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{def}}}})
	if err != nil || len(subs.Subnets) != 6 {
		t.Fatalf("default subnets: %+v %v", subs, err)
	}
	for _, s := range subs.Subnets {
		if !*s.DefaultForAz || !*s.MapPublicIpOnLaunch || *s.AvailableIpAddressCount != 4091 {
			t.Fatalf("default subnet: %+v", s)
		}
	}
	_, err = c.CreateDefaultVpc(ctx(), &ec2.CreateDefaultVpcInput{})
	wantCode(t, err, "DefaultVpcAlreadyExists")
	dopt, err := c.DescribeDhcpOptions(ctx(), &ec2.DescribeDhcpOptionsInput{DhcpOptionsIds: []string{*vpcs.Vpcs[0].DhcpOptionsId}})
	if err != nil || len(dopt.DhcpOptions) != 1 || len(dopt.DhcpOptions[0].DhcpConfigurations) != 2 ||
		*dopt.DhcpOptions[0].DhcpConfigurations[0].Values[0].Value != "ec2.internal" {
		t.Fatalf("DHCP options: %+v %v", dopt, err)
	}
	regions, err := c.DescribeRegions(ctx(), &ec2.DescribeRegionsInput{})
	if err != nil || len(regions.Regions) < 10 {
		t.Fatalf("regions: %v %v", regions, err)
	}
	// Another region has its own default VPC.
	eu := ec2.NewFromConfig(e.awsConfig("test", "test", ""), func(o *ec2.Options) { o.Region = "eu-west-1"; o.RetryMaxAttempts = 1 })
	euv, err := eu.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	if err != nil || len(euv.Vpcs) != 1 || *euv.Vpcs[0].VpcId == def {
		t.Fatalf("eu-west-1: %+v %v", euv, err)
	}
	_, err = c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
}

func TestEC2VpcAndSubnets(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	_, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/8")})
	ae := wantCode(t, err, "InvalidVpc.Range")
	if ae.ErrorMessage() != "The CIDR '10.0.0.0/8' is invalid." {
		t.Fatal(ae.ErrorMessage())
	}
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: []ec2types.TagSpecification{
		{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("lab")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	vpc := *v.Vpc.VpcId
	if len(v.Vpc.Tags) != 1 || *v.Vpc.Tags[0].Value != "lab" || *v.Vpc.IsDefault {
		t.Fatalf("vpc: %+v", v.Vpc)
	}
	pub, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/24"), AvailabilityZone: aws.String("us-east-1a")})
	if err != nil || *pub.Subnet.AvailableIpAddressCount != 251 {
		t.Fatalf("subnet: %+v %v", pub, err)
	}
	_, err = c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.128/25")})
	ae = wantCode(t, err, "InvalidSubnet.Conflict")
	if ae.ErrorMessage() != "The CIDR '10.0.1.128/25' conflicts with another subnet" {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.1.0.0/24")})
	wantCode(t, err, "InvalidSubnet.Range")
	_, err = c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-0123456789abcdef0"), CidrBlock: aws.String("10.1.0.0/24")})
	ae = wantCode(t, err, "InvalidVpcID.NotFound")
	if ae.ErrorMessage() != "The vpc ID 'vpc-0123456789abcdef0' does not exist" {
		t.Fatal(ae.ErrorMessage())
	}
	priv, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.2.0/24"), AvailabilityZone: aws.String("us-east-1b")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: pub.Subnet.SubnetId, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	ds, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{*pub.Subnet.SubnetId}})
	if err != nil || !*ds.Subnets[0].MapPublicIpOnLaunch {
		t.Fatalf("after modify: %+v %v", ds, err)
	}
	if _, err := c.ModifyVpcAttribute(ctx(), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(vpc), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	at, err := c.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(vpc), Attribute: ec2types.VpcAttributeNameEnableDnsHostnames})
	if err != nil || !*at.EnableDnsHostnames.Value {
		t.Fatalf("vpc attribute: %+v %v", at, err)
	}
	// Tags and tag filters.
	if _, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{*priv.Subnet.SubnetId}, Tags: []ec2types.Tag{{Key: aws.String("tier"), Value: aws.String("private")}}}); err != nil {
		t.Fatal(err)
	}
	f, err := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:tier"), Values: []string{"priv*"}}}})
	if err != nil || len(f.Subnets) != 1 || *f.Subnets[0].SubnetId != *priv.Subnet.SubnetId {
		t.Fatalf("tag filter: %+v %v", f, err)
	}
	tags, err := c.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []ec2types.Filter{{Name: aws.String("resource-type"), Values: []string{"subnet"}}}})
	if err != nil || len(tags.Tags) != 1 {
		t.Fatalf("DescribeTags: %+v %v", tags, err)
	}
	_, err = c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("bogus"), Values: []string{"x"}}}})
	wantCode(t, err, "InvalidParameterValue")
	// A VPC with subnets cannot go.
	_, err = c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpc)})
	wantCode(t, err, "DependencyViolation")
	for _, s := range []string{*pub.Subnet.SubnetId, *priv.Subnet.SubnetId} {
		if _, err := c.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpc)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{vpc}})
	wantCode(t, err, "InvalidVpcID.NotFound")
}

// TestEC2SurvivesRestart: resources persist, and an instance caught
// pending by a restart is brought to running by the new process.
func TestEC2SurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	e := newEnvWith(t, server.Config{DataDir: dir})
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.9.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil || len(imgs.Images) == 0 {
		t.Fatalf("images: %v %v", imgs, err)
	}
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	if run.Instances[0].State.Name != ec2types.InstanceStateNamePending {
		t.Fatalf("state at launch: %v", run.Instances[0].State.Name)
	}
	e.ts.Close()
	e.srv.Close()

	e2 := newEnvWith(t, server.Config{DataDir: dir})
	c2 := e2.ec2("test", "test")
	if _, err := c2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{*v.Vpc.VpcId}}); err != nil {
		t.Fatalf("VPC after restart: %v", err)
	}
	waitRunning(t, c2, id)
}

// TestEC2Permissions: EC2 calls are judged by IAM policies, and DryRun
// answers whether the caller could.
func TestEC2Permissions(t *testing.T) {
	e := newEnv(t)
	_, key := e.newUser("viewer", "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess")
	c := e.ec2(*key.AccessKeyId, *key.SecretAccessKey)
	if _, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Fatalf("read-only describe: %v", err)
	}
	_, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	wantCode(t, err, "UnauthorizedOperation")
	_, err = c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, err, "UnauthorizedOperation")
	_, err = e.ec2("test", "test").CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), DryRun: aws.Bool(true)})
	wantCode(t, err, "DryRunOperation")
	_, nokey := e.newUser("nobody")
	_, err = e.ec2(*nokey.AccessKeyId, *nokey.SecretAccessKey).DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	ae := wantCode(t, err, "UnauthorizedOperation")
	// A Describe acts on no particular resource, and AWS names none.
	want := "You are not authorized to perform this operation. User: arn:aws:iam::000000000000:user/nobody is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows the ec2:DescribeVpcs action"
	if ae.ErrorMessage() != want {
		t.Fatalf("message:\n got %s\nwant %s", ae.ErrorMessage(), want)
	}
}

// TestEC2InstanceProfile: RunInstances takes an IAM instance profile that
// exists, by name or ARN, and refuses one that does not.
func TestEC2InstanceProfile(t *testing.T) {
	e := newEnv(t)
	im := e.rootIAM()
	if _, err := im.CreateRole(ctx(), &iam.CreateRoleInput{RoleName: aws.String("web"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
		t.Fatal(err)
	}
	ip, err := im.CreateInstanceProfile(ctx(), &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-profile")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.AddRoleToInstanceProfile(ctx(), &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	c := e.ec2("test", "test")
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil {
		t.Fatal(err)
	}
	run := func(p *ec2types.IamInstanceProfileSpecification) (*ec2.RunInstancesOutput, error) {
		return c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(1), IamInstanceProfile: p})
	}
	out, err := run(&ec2types.IamInstanceProfileSpecification{Name: aws.String("web-profile")})
	if err != nil {
		t.Fatal(err)
	}
	got := out.Instances[0].IamInstanceProfile
	if got == nil || *got.Arn != *ip.InstanceProfile.Arn || *got.Id != *ip.InstanceProfile.InstanceProfileId {
		t.Fatalf("profile: %+v", got)
	}
	if _, err := run(&ec2types.IamInstanceProfileSpecification{Arn: ip.InstanceProfile.Arn}); err != nil {
		t.Fatalf("by ARN: %v", err)
	}
	_, err = run(&ec2types.IamInstanceProfileSpecification{Name: aws.String("nope")})
	ae := wantCode(t, err, "InvalidParameterValue")
	if ae.ErrorMessage() != "Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name" {
		t.Fatal(ae.ErrorMessage())
	}
}

// TestEC2SharedImage: an image shared by launch permission is visible to
// and launchable by the other account, and stops being so when unshared.
func TestEC2SharedImage(t *testing.T) {
	e := newEnv(t)
	owner := e.ec2("test", "test")
	other := e.ec2(testAccounts[1].AccessKey, testAccounts[1].SecretKey)
	imgs, err := owner.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := owner.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(t, owner, *run.Instances[0].InstanceId)
	img, err := owner.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: run.Instances[0].InstanceId, Name: aws.String("golden")})
	if err != nil {
		t.Fatal(err)
	}
	id := *img.ImageId
	if _, err := other.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{id}}); err == nil {
		t.Fatal("an unshared image is visible to another account")
	}
	if _, err := owner.ModifyImageAttribute(ctx(), &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
		LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{UserId: aws.String("111111111111")}}}}); err != nil {
		t.Fatal(err)
	}
	seen, err := other.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	if err != nil || len(seen.Images) != 1 || *seen.Images[0].OwnerId != "000000000000" {
		t.Fatalf("shared image: %+v %v", seen, err)
	}
	iw := ec2.NewImageAvailableWaiter(owner, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay = 200 * time.Millisecond
		o.MaxDelay = time.Second
	})
	if err := iw.Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := other.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(id), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}); err != nil {
		t.Fatalf("launch from a shared image: %v", err)
	}
	if _, err := owner.ModifyImageAttribute(ctx(), &ec2.ModifyImageAttributeInput{ImageId: aws.String(id),
		LaunchPermission: &ec2types.LaunchPermissionModifications{Remove: []ec2types.LaunchPermission{{UserId: aws.String("111111111111")}}}}); err != nil {
		t.Fatal(err)
	}
	_, err = other.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{id}})
	wantCode(t, err, "InvalidAMIID.NotFound")
}

// TestEC2ClientTokens: a retried create with the same client token gets
// the first resource; the token with other parameters is refused.
func TestEC2ClientTokens(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.4.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.5.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: v.Vpc.VpcId, ClientToken: aws.String("tok-1")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: v.Vpc.VpcId, ClientToken: aws.String("tok-1")})
	if err != nil || *b.RouteTable.RouteTableId != *a.RouteTable.RouteTableId {
		t.Fatalf("retry: %v %v", b, err)
	}
	_, err = c.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: v2.Vpc.VpcId, ClientToken: aws.String("tok-1")})
	if ae := wantCode(t, err, "IdempotentParameterMismatch"); ae.ErrorMessage() != "Arguments on this idempotent request are inconsistent with arguments used in previous request(s)." {
		t.Fatal(ae.ErrorMessage())
	}
	n1, err := c.CreateNetworkAcl(ctx(), &ec2.CreateNetworkAclInput{VpcId: v.Vpc.VpcId, ClientToken: aws.String("tok-2")})
	if err != nil {
		t.Fatal(err)
	}
	n2, err := c.CreateNetworkAcl(ctx(), &ec2.CreateNetworkAclInput{VpcId: v.Vpc.VpcId, ClientToken: aws.String("tok-2")})
	if err != nil || *n1.NetworkAcl.NetworkAclId != *n2.NetworkAcl.NetworkAclId {
		t.Fatalf("acl retry: %v %v", n2, err)
	}
}

// TestEC2ResourcePermissions: a policy naming one instance's ARN allows
// acting on that instance only.
func TestEC2ResourcePermissions(t *testing.T) {
	e := newEnv(t)
	root := e.ec2("test", "test")
	imgs, err := root.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil {
		t.Fatal(err)
	}
	run, err := root.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: imgs.Images[0].ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := *run.Instances[0].InstanceId, *run.Instances[1].InstanceId
	_, key := e.newUser("operator")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:StopInstances","ec2:StartInstances"],"Resource":"arn:aws:ec2:us-east-1:000000000000:instance/` + mine + `"},{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}`
	if _, err := e.rootIAM().PutUserPolicy(ctx(), &iam.PutUserPolicyInput{UserName: aws.String("operator"), PolicyName: aws.String("one"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	op := e.ec2(*key.AccessKeyId, *key.SecretAccessKey)
	waitRunning(t, op, mine, theirs)
	if _, err := op.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{mine}}); err != nil {
		t.Fatalf("stop the allowed instance: %v", err)
	}
	_, err = op.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{theirs}})
	ae := wantCode(t, err, "UnauthorizedOperation")
	want := "You are not authorized to perform this operation. User: arn:aws:iam::000000000000:user/operator is not authorized to perform: ec2:StopInstances on resource: arn:aws:ec2:us-east-1:000000000000:instance/" + theirs + " because no identity-based policy allows the ec2:StopInstances action"
	if ae.ErrorMessage() != want {
		t.Fatalf("message:\n got %s\nwant %s", ae.ErrorMessage(), want)
	}
	_, err = op.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{mine}})
	wantCode(t, err, "UnauthorizedOperation")
}
