package server_test

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	gec2 "github.com/gureum/gureum/internal/ec2"
	"github.com/gureum/gureum/internal/server"
)

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	var parts []string
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

func TestEC2KeyPairs(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	k, err := c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("lab")})
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(*k.KeyMaterial))
	if blk == nil || blk.Type != "RSA PRIVATE KEY" {
		t.Fatalf("material: %q", *k.KeyMaterial)
	}
	priv, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	p8, _ := x509.MarshalPKCS8PrivateKey(priv)
	sum := sha1.Sum(p8)
	if *k.KeyFingerprint != colonHex(sum[:]) || !strings.HasPrefix(*k.KeyPairId, "key-") {
		t.Fatalf("fingerprint %s, want %s", *k.KeyFingerprint, colonHex(sum[:]))
	}
	_, err = c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("lab")})
	ae := wantCode(t, err, "InvalidKeyPair.Duplicate")
	if ae.ErrorMessage() != "The keypair 'lab' already exists." {
		t.Fatal(ae.ErrorMessage())
	}
	ed, err := c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("ed"), KeyType: ec2types.KeyTypeEd25519})
	if err != nil || !strings.Contains(*ed.KeyMaterial, "BEGIN OPENSSH PRIVATE KEY") {
		t.Fatalf("ed25519: %+v %v", ed, err)
	}
	// Imported RSA: MD5 of the DER public key.
	pubDER, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	md := md5.Sum(pubDER)
	d, err := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"lab"}, IncludePublicKey: aws.Bool(true)})
	if err != nil || len(d.KeyPairs) != 1 || !strings.HasPrefix(*d.KeyPairs[0].PublicKey, "ssh-rsa ") || d.KeyPairs[0].KeyType != ec2types.KeyTypeRsa {
		t.Fatalf("describe: %+v %v", d, err)
	}
	line := strings.Fields(*d.KeyPairs[0].PublicKey)
	im, err := c.ImportKeyPair(ctx(), &ec2.ImportKeyPairInput{KeyName: aws.String("imported"), PublicKeyMaterial: []byte(line[0] + " " + line[1] + " me@host\n")})
	if err != nil || *im.KeyFingerprint != colonHex(md[:]) {
		t.Fatalf("import: %+v %v (want %s)", im, err, colonHex(md[:]))
	}
	// Imported ed25519: base64 SHA-256 of the key blob.
	dd, _ := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"ed"}, IncludePublicKey: aws.Bool(true)})
	f := strings.Fields(*dd.KeyPairs[0].PublicKey)
	blob, _ := base64.StdEncoding.DecodeString(f[1])
	h := sha256.Sum256(blob)
	if *dd.KeyPairs[0].KeyFingerprint != base64.StdEncoding.EncodeToString(h[:]) || *ed.KeyFingerprint != *dd.KeyPairs[0].KeyFingerprint {
		t.Fatalf("ed25519 fingerprint %s", *ed.KeyFingerprint)
	}
	_, err = c.ImportKeyPair(ctx(), &ec2.ImportKeyPairInput{KeyName: aws.String("bad"), PublicKeyMaterial: []byte("nonsense")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{KeyNames: []string{"nope"}})
	ae = wantCode(t, err, "InvalidKeyPair.NotFound")
	if ae.ErrorMessage() != "The key pair 'nope' does not exist" {
		t.Fatal(ae.ErrorMessage())
	}
	all, _ := c.DescribeKeyPairs(ctx(), &ec2.DescribeKeyPairsInput{Filters: []ec2types.Filter{{Name: aws.String("key-type"), Values: []string{"ed25519"}}}})
	if len(all.KeyPairs) != 1 || all.KeyPairs[0].PublicKey != nil {
		t.Fatalf("filter: %+v", all.KeyPairs)
	}
	if _, err := c.DeleteKeyPair(ctx(), &ec2.DeleteKeyPairInput{KeyName: aws.String("lab")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteKeyPair(ctx(), &ec2.DeleteKeyPairInput{KeyName: aws.String("lab")}); err != nil {
		t.Fatal("deleting a missing name succeeds on AWS:", err)
	}
	_, err = c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("x"), KeyType: "dsa"})
	wantCode(t, err, "InvalidParameterValue")
}

func amazonImage(t *testing.T, c *ec2.Client, namePrefix, arch string) string {
	t.Helper()
	out, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{
		{Name: aws.String("name"), Values: []string{namePrefix + "*"}}, {Name: aws.String("architecture"), Values: []string{arch}}}})
	if err != nil || len(out.Images) != 1 {
		t.Fatalf("images %s %s: %+v %v", namePrefix, arch, out, err)
	}
	return *out.Images[0].ImageId
}

func TestEC2Images(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	out, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}})
	if err != nil || len(out.Images) < 6 {
		t.Fatalf("%+v %v", out, err)
	}
	for _, im := range out.Images {
		if im.State != ec2types.ImageStateAvailable || !*im.Public || *im.ImageOwnerAlias != "amazon" || *im.RootDeviceName != "/dev/xvda" ||
			im.VirtualizationType != ec2types.VirtualizationTypeHvm || len(im.BlockDeviceMappings) != 1 || !strings.HasPrefix(*im.ImageId, "ami-") {
			t.Fatalf("image: %+v", im)
		}
	}
	al := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	again := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	if al != again {
		t.Fatal("ids not stable")
	}
	self, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(self.Images) != 0 {
		t.Fatalf("self: %+v %v", self, err)
	}
	_, err = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{"ami-00000000000000000"}})
	ae := wantCode(t, err, "InvalidAMIID.NotFound")
	if ae.ErrorMessage() != "The image id '[ami-00000000000000000]' does not exist" {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{"bogus"}})
	wantCode(t, err, "InvalidAMIID.Malformed")
}

func TestEC2InstanceLifecycle(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	if _, err := c.CreateKeyPair(ctx(), &ec2.CreateKeyPairInput{KeyName: aws.String("lab")}); err != nil {
		t.Fatal(err)
	}
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), KeyName: aws.String("lab"), UserData: aws.String(base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n"))),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	inst := run.Instances[0]
	id := *inst.InstanceId
	if inst.State.Name != ec2types.InstanceStateNamePending || *inst.State.Code != 0 || !strings.HasPrefix(*run.ReservationId, "r-") ||
		!strings.HasPrefix(*inst.PrivateIpAddress, "172.31.") || inst.PublicIpAddress == nil || *inst.KeyName != "lab" ||
		!strings.HasSuffix(*inst.PrivateDnsName, ".ec2.internal") || len(inst.NetworkInterfaces) != 1 || len(inst.SecurityGroups) != 1 ||
		*inst.SecurityGroups[0].GroupName != "default" || *inst.Placement.AvailabilityZone != "us-east-1a" || inst.Architecture != ec2types.ArchitectureValuesX8664 {
		t.Fatalf("launched: %+v", inst)
	}
	privIP, pubIP := *inst.PrivateIpAddress, *inst.PublicIpAddress
	waitRunning(t, c, id)
	st, err := c.DescribeInstanceStatus(ctx(), &ec2.DescribeInstanceStatusInput{InstanceIds: []string{id}})
	if err != nil || len(st.InstanceStatuses) != 1 || st.InstanceStatuses[0].InstanceStatus.Status != ec2types.SummaryStatusOk {
		t.Fatalf("status: %+v %v", st, err)
	}
	co, err := c.GetConsoleOutput(ctx(), &ec2.GetConsoleOutputInput{InstanceId: aws.String(id)})
	if err != nil || co.Output == nil {
		t.Fatalf("console: %+v %v", co, err)
	}
	// Type and user data only change while stopped.
	_, err = c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &ec2types.AttributeValue{Value: aws.String("t3.small")}})
	wantCode(t, err, "IncorrectInstanceState")
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	ae := wantCode(t, err, "OperationNotPermitted")
	if ae.ErrorMessage() != "The instance '"+id+"' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again." {
		t.Fatal(ae.ErrorMessage())
	}
	stop, err := c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{id}})
	if err != nil || stop.StoppingInstances[0].CurrentState.Name != ec2types.InstanceStateNameStopping || *stop.StoppingInstances[0].PreviousState.Code != 16 {
		t.Fatalf("stop: %+v %v", stop, err)
	}
	sw := ec2.NewInstanceStoppedWaiter(c, func(o *ec2.InstanceStoppedWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := sw.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	got := d.Reservations[0].Instances[0]
	if got.PublicIpAddress != nil || *got.PrivateIpAddress != privIP || !strings.HasPrefix(*got.StateTransitionReason, "User initiated (") ||
		*got.StateReason.Code != "Client.UserInitiatedShutdown" || *got.State.Code != 80 {
		t.Fatalf("stopped: %+v", got)
	}
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &ec2types.AttributeValue{Value: aws.String("t3.small")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), UserData: &ec2types.SecureBlobAttributeValue{Value: []byte("new data")}}); err != nil {
		t.Fatal(err)
	}
	ud, err := c.DescribeInstanceAttribute(ctx(), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: ec2types.InstanceAttributeNameUserData})
	if err != nil || *ud.UserData.Value != base64.StdEncoding.EncodeToString([]byte("new data")) {
		t.Fatalf("user data: %+v %v", ud, err)
	}
	ty, err := c.DescribeInstanceAttribute(ctx(), &ec2.DescribeInstanceAttributeInput{InstanceId: aws.String(id), Attribute: ec2types.InstanceAttributeNameInstanceType})
	if err != nil || *ty.InstanceType.Value != "t3.small" {
		t.Fatalf("type: %+v %v", ty, err)
	}
	_, err = c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), InstanceType: &ec2types.AttributeValue{Value: aws.String("t4g.small")}})
	wantCode(t, err, "InvalidInstanceAttributeValue")
	if _, err := c.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, id)
	d, err = c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil {
		t.Fatal(err)
	}
	got = d.Reservations[0].Instances[0]
	if got.PrivateIpAddress == nil || *got.PrivateIpAddress != privIP || got.PublicIpAddress == nil || got.InstanceType != "t3.small" {
		t.Fatalf("restarted: %+v", got)
	}
	_ = pubIP
	// Filters.
	f, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:Name"), Values: []string{"web"}},
		{Name: aws.String("instance-state-name"), Values: []string{"running"}}, {Name: aws.String("private-ip-address"), Values: []string{privIP}}}})
	if err != nil || len(f.Reservations) != 1 {
		t.Fatalf("filters: %+v %v", f, err)
	}
	f, _ = c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-state-code"), Values: []string{"80"}}}})
	if len(f.Reservations) != 0 {
		t.Fatal("state-code filter")
	}
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id), DisableApiTermination: &ec2types.AttributeBooleanValue{Value: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	term, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || term.TerminatingInstances[0].CurrentState.Name != ec2types.InstanceStateNameShuttingDown {
		t.Fatalf("terminate: %+v %v", term, err)
	}
	tw := ec2.NewInstanceTerminatedWaiter(c, func(o *ec2.InstanceTerminatedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second
	})
	if err := tw.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	// The private IP went back to the subnet; the ENI is gone.
	enis, _ := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{})
	if enis != nil && len(enis.NetworkInterfaces) != 0 {
		t.Fatalf("ENIs left: %+v", enis.NetworkInterfaces)
	}
	_, err = c.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{id}})
	wantCode(t, err, "IncorrectInstanceState")
	_, err = c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("too late")})
	if ae := wantCode(t, err, "InvalidParameterValue"); ae.ErrorMessage() != "Invalid value '"+id+"' for instanceId. Instance is not in state 'running' or 'stopping' or 'stopped'" {
		t.Fatal(ae.ErrorMessage())
	}
}

func TestEC2InstanceValidation(t *testing.T) {
	// No retention: terminated instances vanish at once (the end of the test).
	e := newEnvWith(t, server.Config{EC2Timings: gec2.Timings{TerminatedRetention: -1}})
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	arm := amazonImage(t, c, "al2023-ami-2023", "arm64")
	v, _ := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	vpc := *v.Vpc.VpcId
	sub, _ := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpc), CidrBlock: aws.String("10.0.1.0/28"), AvailabilityZone: aws.String("us-east-1b")})
	subnet := *sub.Subnet.SubnetId
	// The default groups of both VPCs, as instances launched there show them.
	probe := func(subnetID *string) string {
		r, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1), SubnetId: subnetID})
		if err != nil {
			t.Fatal(err)
		}
		return *r.Instances[0].SecurityGroups[0].GroupId
	}
	customSG, defaultSG := probe(aws.String(subnet)), probe(nil)
	dv, err := c.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(dv.Vpcs) != 1 {
		t.Fatal(dv, err)
	}
	defaultVPC := *dv.Vpcs[0].VpcId
	base := func() *ec2.RunInstancesInput {
		return &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	}
	cases := []struct {
		name string
		mod  func(*ec2.RunInstancesInput)
		code string
		msg  string
	}{
		{"no such AMI", func(i *ec2.RunInstancesInput) { i.ImageId = aws.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound", "The image id '[ami-0123456789abcdef0]' does not exist"},
		{"no such subnet", func(i *ec2.RunInstancesInput) { i.SubnetId = aws.String("subnet-0123456789abcdef0") }, "InvalidSubnetID.NotFound", "The subnet ID 'subnet-0123456789abcdef0' does not exist"},
		{"no such group", func(i *ec2.RunInstancesInput) { i.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist in VPC '" + defaultVPC + "'"},
		{"no such key", func(i *ec2.RunInstancesInput) { i.KeyName = aws.String("nokey") }, "InvalidKeyPair.NotFound", "The key pair 'nokey' does not exist"},
		{"group name in custom subnet", func(i *ec2.RunInstancesInput) {
			i.SubnetId = aws.String(subnet)
			i.SecurityGroups = []string{"default"}
		}, "InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet"},
		{"unknown group name", func(i *ec2.RunInstancesInput) { i.SecurityGroups = []string{"web"} }, "InvalidGroup.NotFound", ""},
		{"subnet and interfaces", func(i *ec2.RunInstancesInput) {
			i.SubnetId = aws.String(subnet)
			i.NetworkInterfaces = []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: aws.String(subnet)}}
		}, "InvalidParameterCombination", "Network interfaces and an instance-level subnet ID may not be specified on the same request"},
		{"architecture", func(i *ec2.RunInstancesInput) { i.ImageId = aws.String(arm) }, "InvalidParameterValue", ""},
		{"too many", func(i *ec2.RunInstancesInput) {
			i.SubnetId = aws.String(subnet)
			i.MinCount, i.MaxCount = aws.Int32(12), aws.Int32(12)
		}, "InsufficientFreeAddressesInSubnet", ""},
		{"address outside", func(i *ec2.RunInstancesInput) {
			i.SubnetId = aws.String(subnet)
			i.PrivateIpAddress = aws.String("10.0.2.9")
		}, "InvalidParameterValue", ""},
	}
	{
		cases = append(cases,
			struct {
				name string
				mod  func(*ec2.RunInstancesInput)
				code string
				msg  string
			}{"other VPC's group, default VPC", func(i *ec2.RunInstancesInput) { i.SecurityGroupIds = []string{customSG} }, "InvalidParameter", ""},
			struct {
				name string
				mod  func(*ec2.RunInstancesInput)
				code string
				msg  string
			}{"default VPC's group, custom subnet", func(i *ec2.RunInstancesInput) {
				i.SubnetId = aws.String(subnet)
				i.SecurityGroupIds = []string{defaultSG}
			}, "InvalidParameter",
				"Security group " + defaultSG + " and subnet " + subnet + " belong to different networks."})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mod(in)
			_, err := c.RunInstances(ctx(), in)
			ae := wantCode(t, err, tc.code)
			if tc.msg != "" && ae.ErrorMessage() != tc.msg {
				t.Fatalf("message %q, want %q", ae.ErrorMessage(), tc.msg)
			}
		})
	}
	// A custom subnet: addresses from it, no public IP unless asked.
	in := base()
	in.SubnetId, in.MinCount, in.MaxCount = aws.String(subnet), aws.Int32(2), aws.Int32(20)
	run, err := c.RunInstances(ctx(), in)
	if err != nil || len(run.Instances) != 10 {
		t.Fatalf("fill the /28: %d %v", len(run.Instances), err)
	}
	for _, i := range run.Instances {
		if i.PublicIpAddress != nil || !strings.HasPrefix(*i.PrivateIpAddress, "10.0.1.") || *i.Placement.AvailabilityZone != "us-east-1b" || *i.VpcId != vpc {
			t.Fatalf("custom subnet instance: %+v", i)
		}
	}
	if *run.Instances[0].PrivateIpAddress != "10.0.1.5" {
		t.Fatal(*run.Instances[0].PrivateIpAddress)
	}
	_, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: "t3.micro", SubnetId: aws.String(subnet)})
	wantCode(t, err, "InsufficientFreeAddressesInSubnet")
	// ClientToken: the same reservation again.
	tok := &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: "t3.micro", ClientToken: aws.String("once")}
	a, err := c.RunInstances(ctx(), tok)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.RunInstances(ctx(), tok)
	if err != nil || *a.Instances[0].InstanceId != *b.Instances[0].InstanceId || *a.ReservationId != *b.ReservationId {
		t.Fatalf("client token: %v", err)
	}
	// AssociatePublicIpAddress through the interface spec, with the VPC's own group.
	ni := &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(1), MaxCount: aws.Int32(1), InstanceType: "t3.micro",
		NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), AssociatePublicIpAddress: aws.Bool(true)}}}
	p, err := c.RunInstances(ctx(), ni)
	if err != nil || p.Instances[0].PublicIpAddress == nil {
		t.Fatalf("public via interface: %+v %v", p, err)
	}
	// Terminate everything; with no retention they vanish.
	all, _ := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{})
	var ids []string
	for _, r := range all.Reservations {
		for _, i := range r.Instances {
			ids = append(ids, *i.InstanceId)
		}
	}
	waitRunning(t, c, ids...)
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: ids}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		all, _ = c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{})
		if len(all.Reservations) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instances did not vanish: %d reservations", len(all.Reservations))
		}
		time.Sleep(200 * time.Millisecond)
	}
	s2, _ := c.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{subnet}})
	if *s2.Subnets[0].AvailableIpAddressCount != 11 {
		t.Fatalf("addresses not returned: %d", *s2.Subnets[0].AvailableIpAddressCount)
	}
}

func TestEC2ImageFromInstance(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "debian-12", "arm64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t4g.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)
	img, err := c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("my-app v1"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeImage, Tags: []ec2types.Tag{{Key: aws.String("app"), Value: aws.String("web")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("my-app v1")})
	wantCode(t, err, "InvalidAMIName.Duplicate")
	_, err = c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{"ami-00000000000000001", "ami-00000000000000002"}})
	if ae := wantCode(t, err, "InvalidAMIID.NotFound"); ae.ErrorMessage() != "The image ids '[ami-00000000000000001, ami-00000000000000002]' do not exist" {
		t.Fatal(ae.ErrorMessage())
	}
	iw := ec2.NewImageAvailableWaiter(c, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := iw.Wait(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	self, _ := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}, Filters: []ec2types.Filter{{Name: aws.String("tag:app"), Values: []string{"web"}}}})
	if len(self.Images) != 1 || self.Images[0].Architecture != ec2types.ArchitectureValuesArm64 || *self.Images[0].Public || *self.Images[0].OwnerId != "000000000000" {
		t.Fatalf("self images: %+v", self.Images)
	}
	if _, err := c.ModifyImageAttribute(ctx(), &ec2.ModifyImageAttributeInput{ImageId: img.ImageId,
		LaunchPermission: &ec2types.LaunchPermissionModifications{Add: []ec2types.LaunchPermission{{UserId: aws.String("111111111111")}}}}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.DescribeImageAttribute(ctx(), &ec2.DescribeImageAttributeInput{ImageId: img.ImageId, Attribute: ec2types.ImageAttributeNameLaunchPermission})
	if err != nil || len(lp.LaunchPermissions) != 1 || *lp.LaunchPermissions[0].UserId != "111111111111" {
		t.Fatalf("launch permission: %+v %v", lp, err)
	}
	r2, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: img.ImageId, InstanceType: "t4g.small", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil || *r2.Instances[0].ImageId != *img.ImageId {
		t.Fatalf("run from image: %v", err)
	}
	if _, err := c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: img.ImageId}); err != nil {
		t.Fatal(err)
	}
	// As on AWS, a recently deregistered image asked for by id is shown
	// in state deregistered for a while; listings no longer have it.
	gone, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*img.ImageId}})
	if err != nil || len(gone.Images) != 1 || gone.Images[0].State != ec2types.ImageStateDeregistered {
		t.Fatalf("a just-deregistered image by id: %+v %v", gone, err)
	}
	mine, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(mine.Images) != 0 {
		t.Fatalf("own images after deregistering: %+v %v", mine, err)
	}
	attr, err := c.DescribeImageAttribute(ctx(), &ec2.DescribeImageAttributeInput{ImageId: aws.String(ami), Attribute: ec2types.ImageAttributeNameProductCodes})
	if err != nil || attr.ProductCodes == nil || len(attr.ProductCodes) != 0 {
		t.Fatalf("productCodes: %+v %v", attr, err)
	}
	_, err = c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: aws.String(ami)})
	wantCode(t, err, "AuthFailure")
}

func TestEC2InstanceTypes(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	out, err := c.DescribeInstanceTypes(ctx(), &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"t3.micro", "m7g.large"}})
	if err != nil || len(out.InstanceTypes) != 2 {
		t.Fatalf("%+v %v", out, err)
	}
	for _, it := range out.InstanceTypes {
		switch it.InstanceType {
		case "t3.micro":
			if *it.VCpuInfo.DefaultVCpus != 2 || *it.MemoryInfo.SizeInMiB != 1024 || it.ProcessorInfo.SupportedArchitectures[0] != ec2types.ArchitectureTypeX8664 || !*it.FreeTierEligible {
				t.Fatalf("t3.micro: %+v", it)
			}
		case "m7g.large":
			if *it.VCpuInfo.DefaultVCpus != 2 || *it.MemoryInfo.SizeInMiB != 8192 || it.ProcessorInfo.SupportedArchitectures[0] != ec2types.ArchitectureTypeArm64 {
				t.Fatalf("m7g.large: %+v", it)
			}
		}
	}
	arm, err := c.DescribeInstanceTypes(ctx(), &ec2.DescribeInstanceTypesInput{Filters: []ec2types.Filter{{Name: aws.String("processor-info.supported-architecture"), Values: []string{"arm64"}}}})
	if err != nil || len(arm.InstanceTypes) < 10 {
		t.Fatalf("arm: %d %v", len(arm.InstanceTypes), err)
	}
	_, err = c.DescribeInstanceTypes(ctx(), &ec2.DescribeInstanceTypesInput{InstanceTypes: []ec2types.InstanceType{"t9.huge"}})
	wantCode(t, err, "InvalidInstanceType")
	off, err := c.DescribeInstanceTypeOfferings(ctx(), &ec2.DescribeInstanceTypeOfferingsInput{LocationType: ec2types.LocationTypeAvailabilityZone,
		Filters: []ec2types.Filter{{Name: aws.String("instance-type"), Values: []string{"t3.micro"}}}})
	if err != nil || len(off.InstanceTypeOfferings) != 6 {
		t.Fatalf("offerings: %+v %v", off, err)
	}
}

func TestEC2InstanceNetworkInterfaces(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	inst := run.Instances[0]
	waitRunning(t, c, *inst.InstanceId)
	primary := *inst.NetworkInterfaces[0].NetworkInterfaceId
	d, err := c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{primary}})
	if err != nil || d.NetworkInterfaces[0].Status != ec2types.NetworkInterfaceStatusInUse || *d.NetworkInterfaces[0].Attachment.InstanceId != *inst.InstanceId ||
		d.NetworkInterfaces[0].Association == nil || *d.NetworkInterfaces[0].Association.IpOwnerId != "amazon" {
		t.Fatalf("primary ENI: %+v %v", d, err)
	}
	n, err := c.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{SubnetId: inst.SubnetId, Description: aws.String("second")})
	if err != nil || n.NetworkInterface.Status != ec2types.NetworkInterfaceStatusAvailable {
		t.Fatalf("create: %+v %v", n, err)
	}
	eni := *n.NetworkInterface.NetworkInterfaceId
	at, err := c.AttachNetworkInterface(ctx(), &ec2.AttachNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni), InstanceId: inst.InstanceId, DeviceIndex: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni)})
	wantCode(t, err, "InvalidNetworkInterface.InUse")
	di, _ := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{*inst.InstanceId}})
	if len(di.Reservations[0].Instances[0].NetworkInterfaces) != 2 {
		t.Fatalf("instance ENIs: %+v", di.Reservations[0].Instances[0].NetworkInterfaces)
	}
	sg := *inst.SecurityGroups[0].GroupId
	if _, err := c.ModifyNetworkInterfaceAttribute(ctx(), &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: []string{sg}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.ModifyNetworkInterfaceAttribute(ctx(), &ec2.ModifyNetworkInterfaceAttributeInput{NetworkInterfaceId: aws.String(eni), Groups: []string{"sg-0123456789abcdef0"}})
	wantCode(t, err, "InvalidGroup.NotFound")
	if _, err := c.DetachNetworkInterface(ctx(), &ec2.DetachNetworkInterfaceInput{AttachmentId: at.AttachmentId}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(eni)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{NetworkInterfaceIds: []string{eni}})
	wantCode(t, err, "InvalidNetworkInterfaceID.NotFound")
}

// TestEC2ListingReflectsChanges: a listing after a change shows it (the
// listing reuses each instance's rendered element only while the records
// it came from are unchanged).
func TestEC2ListingReflectsChanges(t *testing.T) {
	// A terminated instance's record goes at once.
	e := newEnvWith(t, server.Config{EC2Timings: gec2.Timings{TerminatedRetention: -1}})
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(2), MaxCount: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	a, b := *run.Instances[0].InstanceId, *run.Instances[1].InstanceId
	waitRunning(t, c, a, b)
	list := func() map[string]ec2types.Instance {
		t.Helper()
		out, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]ec2types.Instance{}
		for _, r := range out.Reservations {
			for _, i := range r.Instances {
				m[*i.InstanceId] = i
			}
		}
		return m
	}
	before := list()
	if len(before[a].Tags) != 0 || before[b].State.Name != ec2types.InstanceStateNameRunning {
		t.Fatalf("before: %+v %+v", before[a].Tags, before[b].State)
	}
	list() // a second listing, from the rendered elements
	if _, err := c.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{a}, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("web")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{b}}); err != nil {
		t.Fatal(err)
	}
	after := list()
	if len(after[a].Tags) != 1 || aws.ToString(after[a].Tags[0].Value) != "web" {
		t.Fatalf("tag not listed: %+v", after[a].Tags)
	}
	if st := after[b].State.Name; st != ec2types.InstanceStateNameStopping && st != ec2types.InstanceStateNameStopped {
		t.Fatalf("state after stop: %s", st)
	}
	if after[b].PublicIpAddress != nil {
		t.Fatalf("a stopped instance keeps its public IP in the listing: %s", *after[b].PublicIpAddress)
	}
	// An Elastic IP changes only a's network interface, not its record.
	eip, err := c.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AssociateAddress(ctx(), &ec2.AssociateAddressInput{AllocationId: eip.AllocationId, InstanceId: aws.String(a)}); err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(list()[a].PublicIpAddress); got != *eip.PublicIp {
		t.Fatalf("listing after AssociateAddress: public IP %q, want %q", got, *eip.PublicIp)
	}
	// One more instance, then one fewer.
	more, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	third := *more.Instances[0].InstanceId
	if l := list(); len(l) != 3 || l[third].State == nil {
		t.Fatalf("listing after a launch: %d instances, %s missing", len(l), third)
	}
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{third}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		l := list()
		if _, ok := l[third]; !ok {
			if len(l) != 2 {
				t.Fatalf("listing after %s vanished: %d instances", third, len(l))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still listed", third)
		}
	}
}
