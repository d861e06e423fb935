package server_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/operation"
	"github.com/gureum/gureum/internal/request"
	s3svc "github.com/gureum/gureum/internal/s3"
)

// In-process calls through Invoke, as the console makes them: the same
// operations, as the same IAM user, get the same decisions, errors and
// outputs as over HTTP.

// invoker calls one service's operations in-process as a principal.
type invoker struct {
	t      *testing.T
	svc    *operation.Service
	decode func(url.Values, any) error
	ctx    context.Context
}

func (iv invoker) call(name string, params url.Values) (any, error) {
	iv.t.Helper()
	op, err := iv.svc.Lookup(name)
	if err != nil {
		return nil, err
	}
	in := op.NewInput()
	if err := iv.decode(params, in); err != nil {
		iv.t.Fatalf("%s: %v", name, err)
	}
	return iv.svc.Call(iv.ctx, op, in)
}

// field reads an exported field of an output by path.
func field(v any, path ...string) reflect.Value {
	r := reflect.ValueOf(v)
	for _, p := range path {
		for r.Kind() == reflect.Pointer {
			r = r.Elem()
		}
		r = r.FieldByName(p)
	}
	return r
}

// sameError checks that the in-process error is the one HTTP gave.
func sameError(t *testing.T, what string, inproc, wire error) {
	t.Helper()
	var ae *awsproto.Error
	var se smithy.APIError
	if !errors.As(inproc, &ae) || !errors.As(wire, &se) {
		t.Fatalf("%s: in-process %v, over HTTP %v", what, inproc, wire)
	}
	if ae.Code != se.ErrorCode() || ae.Message != se.ErrorMessage() {
		t.Fatalf("%s: in-process %s %q, over HTTP %s %q", what, ae.Code, ae.Message, se.ErrorCode(), se.ErrorMessage())
	}
}

func TestInvokeInProcessAsIAMUser(t *testing.T) {
	e := newEnv(t)
	root := e.rootIAM()
	if _, err := root.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("dev")}); err != nil {
		t.Fatal(err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:Describe*","ec2:CreateTags"],"Resource":"*"},` +
		`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::inv/*"},` +
		`{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::inv/*","Condition":{"StringEquals":{"s3:x-amz-acl":"private"}}}]}`
	ak, sk, p := e.inlineKey("dev", pol)
	inctx := request.With(context.Background(), &request.Context{ID: "in-process", Start: time.Now(), Region: "us-east-1", Principal: p})

	// EC2: allowed reads and denied writes, both ways.
	ec := e.ec2(ak, sk)
	wire, err := ec.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	ev := invoker{t, e.srv.EC2.Operations(), query.DecodeEC2, inctx}
	out, err := ev.call("DescribeVpcs", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	vpcs := field(out, "Vpcs")
	if vpcs.Len() != len(wire.Vpcs) || vpcs.Len() != 1 || field(vpcs.Index(0).Interface(), "VpcID").String() != *wire.Vpcs[0].VpcId {
		t.Fatalf("DescribeVpcs: in-process %d VPCs, over HTTP %+v", vpcs.Len(), wire.Vpcs)
	}
	_, wireErr := ec.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.7.0.0/16")})
	_, inErr := ev.call("CreateVpc", url.Values{"CidrBlock": {"10.7.0.0/16"}})
	sameError(t, "CreateVpc", inErr, wireErr)
	// The resource a denial names comes from the typed input.
	_, wireErr = ec.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: wire.Vpcs[0].VpcId})
	_, inErr = ev.call("DeleteVpc", url.Values{"VpcId": {*wire.Vpcs[0].VpcId}})
	sameError(t, "DeleteVpc", inErr, wireErr)
	// Validation is the same too.
	_, wireErr = ec.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{flt("no-such-filter", "x")}})
	_, inErr = ev.call("DescribeVpcs", url.Values{"Filter.1.Name": {"no-such-filter"}, "Filter.1.Value.1": {"x"}})
	sameError(t, "DescribeVpcs with an unknown filter", inErr, wireErr)

	// STS: who am I, both ways.
	sw, err := e.sts(ak, sk, "").GetCallerIdentity(ctx(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	sv := invoker{t, e.srv.STS.Operations(), query.Decode, inctx}
	id, err := sv.call("GetCallerIdentity", url.Values{})
	if err != nil || field(id, "Arn").String() != *sw.Arn || field(id, "Account").String() != *sw.Account || field(id, "UserID").String() != *sw.UserId {
		t.Fatalf("GetCallerIdentity: in-process %+v %v, over HTTP %+v", id, err, sw)
	}
	_, wireErr = e.sts(ak, sk, "").GetAccessKeyInfo(ctx(), &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(ak)})
	_, inErr = sv.call("GetAccessKeyInfo", url.Values{"AccessKeyId": {ak}})
	sameError(t, "GetAccessKeyInfo", inErr, wireErr)
	// S3: typed inputs of its own package, the same bucket policy,
	// condition keys and key-existence rule.
	e.bucket("inv")
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("inv"), Key: aws.String("a.txt"), Body: strings.NewReader("hi")}); err != nil {
		t.Fatal(err)
	}
	us3 := e.s3As(ak, sk, "")
	so := e.srv.S3.Operations()
	got, err := so.Invoke(inctx, "GetObject", &s3svc.GetObjectInput{Bucket: "inv", Key: "a.txt"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.(*s3svc.GetObjectOutput).Body)
	got.(*s3svc.GetObjectOutput).Body.Close()
	wo, err := us3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("inv"), Key: aws.String("a.txt")})
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := io.ReadAll(wo.Body)
	wo.Body.Close()
	if string(b) != "hi" || string(wb) != "hi" {
		t.Fatalf("GetObject: in-process %q, over HTTP %q", b, wb)
	}
	// s3:x-amz-acl comes from the typed input's headers.
	_, wireErr = us3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("inv"), Key: aws.String("b.txt"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLPublicRead})
	_, inErr = so.Invoke(inctx, "PutObject", &s3svc.PutObjectInput{Bucket: "inv", Key: "b.txt", Header: http.Header{"X-Amz-Acl": {"public-read"}}, Body: io.NopCloser(strings.NewReader("x"))})
	sameError(t, "PutObject public-read", inErr, wireErr)
	inctx2 := request.With(context.Background(), &request.Context{ID: "in-process-2", Start: time.Now(), Region: "us-east-1", Principal: p})
	if _, err := so.Invoke(inctx2, "PutObject", &s3svc.PutObjectInput{Bucket: "inv", Key: "c.txt", Header: http.Header{"X-Amz-Acl": {"private"}},
		ContentLength: aws.Int64(1), Body: io.NopCloser(strings.NewReader("x"))}); err != nil {
		t.Fatalf("PutObject private in-process: %v", err)
	}
	if o, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("inv"), Key: aws.String("c.txt")}); err != nil {
		t.Fatalf("the in-process upload: %v", err)
	} else {
		o.Body.Close()
	}
	// Without s3:ListBucket a missing key is AccessDenied, both ways.
	_, wireErr = us3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("inv"), Key: aws.String("nope")})
	inctx3 := request.With(context.Background(), &request.Context{ID: "in-process-3", Start: time.Now(), Region: "us-east-1", Principal: p})
	_, inErr = so.Invoke(inctx3, "GetObject", &s3svc.GetObjectInput{Bucket: "inv", Key: "nope"})
	sameError(t, "GetObject of a missing key", inErr, wireErr)

	_, err = sv.call("NoSuchOperation", url.Values{})
	var ae *awsproto.Error
	if !errors.As(err, &ae) || ae.Code != "InvalidAction" {
		t.Fatalf("unknown operation: %v", err)
	}
}
