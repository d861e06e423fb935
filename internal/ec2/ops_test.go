package ec2

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store/bolt"
)

// Package tests: the operation table, resources from typed inputs, and
// handlers called through Invoke over a real bolt store, without HTTP.

// recorder is an Authorizer that records what it is asked and denies
// the actions in deny.
type recorder struct {
	asked []string
	deny  map[string]bool
}

func (r *recorder) Authorize(_ context.Context, action, resource string, _ policy.Context) error {
	r.asked = append(r.asked, action+" "+resource)
	if r.deny[action] {
		return awsproto.New(403, "AccessDenied", "User: arn:aws:iam::000000000000:user/u is not authorized to perform: "+action)
	}
	return nil
}

func newTestService(t *testing.T, auth Authorizer) *Service {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "state.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return New(Config{Store: db, Auth: auth})
}

func testCtx() context.Context {
	return request.With(context.Background(), &request.Context{ID: "test", Region: "us-east-1",
		Principal: request.Principal{Type: request.User, Account: "000000000000", ARN: "arn:aws:iam::000000000000:user/u"}})
}

// noDryRun are the operations whose input has no DryRun in AWS's model.
var noDryRun = map[string]bool{
	"DescribeVpcClassicLinkDnsSupport": true, "DescribeIamInstanceProfileAssociations": true, "AssociateIamInstanceProfile": true,
	"ReplaceIamInstanceProfileAssociation": true, "DisassociateIamInstanceProfile": true, "AssociateSubnetCidrBlock": true,
	"DisassociateSubnetCidrBlock": true,
}

func TestEveryInputHasDryRun(t *testing.T) {
	s := newTestService(t, &recorder{})
	for name, op := range s.Operations().Ops {
		f, ok := reflect.TypeOf(op.NewInput()).Elem().FieldByName("DryRun")
		if noDryRun[name] {
			if ok {
				t.Errorf("%s: AWS's model has no DryRun", name)
			}
			continue
		}
		if !ok || f.Type.Kind() != reflect.Bool {
			t.Errorf("%s: its input has no DryRun bool, so a DryRun call of it would run", name)
		}
	}
}

func TestResourcesFromTypedInput(t *testing.T) {
	sc := scope{"000000000000", "us-east-1"}
	ctx := testCtx()
	for _, c := range []struct {
		action string
		in     any
		want   []string
	}{
		{"DescribeInstances", &describeInstancesInput{InstanceId: []string{"i-1"}}, nil},
		{"TerminateInstances", &instanceIDsInput{InstanceId: []string{"i-1", "i-2"}},
			[]string{ec2ARN(sc, "instance", "i-1"), ec2ARN(sc, "instance", "i-2")}},
		{"CreateSubnet", &createSubnetInput{VpcId: "vpc-1"}, []string{ec2ARN(sc, "subnet", "*"), ec2ARN(sc, "vpc", "vpc-1")}},
		{"CreateTags", &createTagsInput{ResourceId: []string{"vpc-1", "i-2", "bogus"}}, []string{ec2ARN(sc, "vpc", "vpc-1"), ec2ARN(sc, "instance", "i-2")}},
		{"RunInstances", &runInstancesInput{ImageId: "ami-1", SubnetId: "subnet-1", KeyName: "k"},
			[]string{ec2ARN(sc, "instance", "*"), ec2ARN(sc, "subnet", "subnet-1"), ec2ARN(sc, "image", "ami-1"), ec2ARN(sc, "key-pair", "k")}},
	} {
		var got []string
		if f := resources(c.action); f != nil {
			got = f(ctx, c.in)
		}
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", c.action, got, c.want)
		}
	}
}

func TestInvokeAuthorizesThenRuns(t *testing.T) {
	auth := &recorder{deny: map[string]bool{"ec2:DeleteVpc": true}}
	s := newTestService(t, auth)
	ctx := testCtx()
	out, err := s.Operations().Invoke(ctx, "CreateVpc", &createVpcInput{CidrBlock: "10.1.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	vpc := out.(*vpcOutput).Vpc
	if vpc.CidrBlock != "10.1.0.0/16" || vpc.State != "available" || len(vpc.CidrAssociation) != 1 {
		t.Fatalf("vpc: %+v", vpc)
	}
	if !slices.Contains(auth.asked, "ec2:CreateVpc arn:aws:ec2:us-east-1:000000000000:vpc/*") {
		t.Fatalf("asked: %v", auth.asked)
	}
	// A denial is EC2's UnauthorizedOperation, and nothing runs.
	_, err = s.Operations().Invoke(ctx, "DeleteVpc", &vpcIDInput{VpcId: vpc.VpcID})
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != "UnauthorizedOperation" || ae.Status != 403 {
		t.Fatalf("denied: %v", err)
	}
	d, err := s.Operations().Invoke(ctx, "DescribeVpcs", &describeVpcsInput{VpcId: []string{vpc.VpcID}})
	if err != nil || len(d.(*describeVpcsOutput).Vpcs) != 1 {
		t.Fatalf("still there: %+v %v", d, err)
	}
	// DryRun: authorized, then DryRunOperation, and nothing runs.
	_, err = s.Operations().Invoke(ctx, "CreateVpc", &createVpcInput{CidrBlock: "10.2.0.0/16", DryRun: true})
	if !errors.As(err, &ae) || ae.Code != "DryRunOperation" {
		t.Fatalf("dry run: %v", err)
	}
	_, err = s.Operations().Invoke(ctx, "Bogus", &struct{}{})
	if !errors.As(err, &ae) || ae.Code != "InvalidAction" {
		t.Fatalf("unknown: %v", err)
	}
}

// Handler table: each case is one call and the error code it must give
// (empty: success), over one store, in order.
func TestHandlerTable(t *testing.T) {
	s := newTestService(t, &recorder{})
	ctx := testCtx()
	out, err := s.Operations().Invoke(ctx, "CreateVpc", &createVpcInput{CidrBlock: "10.3.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	vpc := out.(*vpcOutput).Vpc.VpcID
	for _, c := range []struct {
		op   string
		in   any
		code string
	}{
		{"CreateVpc", &createVpcInput{}, "MissingParameter"},
		{"CreateVpc", &createVpcInput{CidrBlock: "10.0.0.0/8"}, "InvalidVpc.Range"},
		{"CreateVpc", &createVpcInput{CidrBlock: "nonsense"}, "InvalidParameterValue"},
		{"CreateSubnet", &createSubnetInput{VpcId: vpc, CidrBlock: "10.3.1.0/24"}, ""},
		{"CreateSubnet", &createSubnetInput{VpcId: vpc, CidrBlock: "10.3.1.0/25"}, "InvalidSubnet.Conflict"},
		{"CreateSubnet", &createSubnetInput{VpcId: vpc, CidrBlock: "10.4.1.0/24"}, "InvalidSubnet.Range"},
		{"CreateSubnet", &createSubnetInput{VpcId: "vpc-0123456789abcdef0", CidrBlock: "10.3.2.0/24"}, "InvalidVpcID.NotFound"},
		{"CreateSubnet", &createSubnetInput{VpcId: vpc, CidrBlock: "10.3.2.0/24", Ipv6CidrBlock: "2001:db8::/64"}, "InvalidSubnet.Range"},
		{"AssociateVpcCidrBlock", &associateVpcCidrInput{VpcId: vpc, AmazonProvidedIpv6CidrBlock: true}, ""},
		{"AssociateVpcCidrBlock", &associateVpcCidrInput{VpcId: vpc, AmazonProvidedIpv6CidrBlock: true, CidrBlock: "10.9.0.0/16"}, "InvalidParameterCombination"},
		{"DisassociateSubnetCidrBlock", &disassociateSubnetCidrInput{AssociationId: "subnet-cidr-assoc-0123"}, "InvalidSubnetCidrBlockAssociationID.NotFound"},
		{"DeleteVpc", &vpcIDInput{VpcId: vpc}, "DependencyViolation"},
		{"DescribeSpotInstanceRequests", &describeSpotRequestsInput{SpotInstanceRequestId: []string{"sir-0123"}}, "InvalidSpotInstanceRequestID.NotFound"},
		{"GetIpamPoolAllocations", &getIpamPoolAllocationsInput{IpamPoolId: "ipam-pool-1"}, "InvalidIpamPoolId.NotFound"},
	} {
		_, err := s.Operations().Invoke(ctx, c.op, c.in)
		var ae *awsproto.Error
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s %+v: %v", c.op, c.in, err)
		case c.code != "" && (!errors.As(err, &ae) || ae.Code != c.code):
			t.Errorf("%s %+v: got %v, want %s", c.op, c.in, err, c.code)
		}
	}
}
