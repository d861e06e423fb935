package server_test

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/request"
)

// TestIAMInvokeInProcess: IAM's operations called in-process through
// Operations().Invoke, as an IAM user in the context, get the decisions,
// errors and outputs the same user gets over HTTP: GetUser on itself is
// allowed by its inline policy, CreateUser and GetUser on another user are
// AccessDenied with the same message (the resource, with the other user's
// path, computed from the typed input both ways).
func TestIAMInvokeInProcess(t *testing.T) {
	e := newEnv(t)
	root := e.rootIAM()
	for _, u := range []*iam.CreateUserInput{
		{UserName: aws.String("auditor"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("sec")}}},
		{UserName: aws.String("other"), Path: aws.String("/team/")},
	} {
		if _, err := root.CreateUser(ctx(), u); err != nil {
			t.Fatal(err)
		}
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUserTags"],"Resource":"arn:aws:iam::000000000000:user/auditor"}]}`
	ak, sk, p := e.inlineKey("auditor", pol)
	inctx := request.With(context.Background(), &request.Context{ID: "in-process", Start: time.Now(), Region: "us-east-1", Service: "iam", Principal: p})
	ops := e.srv.IAM.Operations()
	iv := invoker{t, ops, query.Decode, inctx}
	c := e.iam(ak, sk, "")

	// GetUser on itself: allowed, the same user both ways (named, and
	// the caller when no name is given).
	wire, err := c.GetUser(ctx(), &iam.GetUserInput{})
	if err != nil {
		t.Fatal(err)
	}
	op, err := ops.Lookup("GetUser")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []url.Values{{}, {"UserName": {"auditor"}}} {
		typed := op.NewInput()
		if err := query.Decode(in, typed); err != nil {
			t.Fatal(err)
		}
		out, err := ops.Invoke(inctx, "GetUser", typed)
		if err != nil {
			t.Fatalf("GetUser %v: %v", in, err)
		}
		u := field(out, "User")
		created := time.Time(field(out, "User", "CreateDate").Interface().(query.Time))
		if field(u.Interface(), "UserName").String() != *wire.User.UserName || field(u.Interface(), "UserID").String() != *wire.User.UserId ||
			field(u.Interface(), "Arn").String() != *wire.User.Arn || field(u.Interface(), "Path").String() != *wire.User.Path ||
			!created.Truncate(time.Second).Equal(wire.User.CreateDate.Truncate(time.Second)) || len(wire.User.Tags) != 1 ||
			field(u.Interface(), "Tags").Len() != 1 || field(u.Interface(), "Tags").Index(0).FieldByName("Value").String() != *wire.User.Tags[0].Value {
			t.Fatalf("GetUser %v: in-process %+v, over HTTP %+v", in, u.Interface(), *wire.User)
		}
	}
	tags, err := c.ListUserTags(ctx(), &iam.ListUserTagsInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	out, err := iv.call("ListUserTags", url.Values{"UserName": {"auditor"}})
	if err != nil || field(out, "Tags").Len() != len(tags.Tags) || field(out, "Tags").Index(0).FieldByName("Key").String() != *tags.Tags[0].Key {
		t.Fatalf("ListUserTags: in-process %+v %v, over HTTP %+v", out, err, tags.Tags)
	}

	// Denied both ways, with the same message.
	_, wireErr := c.CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("mallory")})
	_, inErr := iv.call("CreateUser", url.Values{"UserName": {"mallory"}})
	sameError(t, "CreateUser", inErr, wireErr)
	_, wireErr = c.GetUser(ctx(), &iam.GetUserInput{UserName: aws.String("other")})
	_, inErr = iv.call("GetUser", url.Values{"UserName": {"other"}})
	sameError(t, "GetUser of another user", inErr, wireErr)
	var ae *awsproto.Error
	const denied = "User: arn:aws:iam::000000000000:user/auditor is not authorized to perform: iam:GetUser on resource: arn:aws:iam::000000000000:user/team/other "
	if !errors.As(inErr, &ae) || ae.Code != "AccessDenied" || !strings.HasPrefix(ae.Message, denied) {
		t.Fatalf("GetUser of another user: %v", inErr)
	}
	_, inErr = ops.Invoke(inctx, "NoSuchOperation", &struct{}{})
	if code, msg := iamForm(t, e, ak, sk, url.Values{"Action": {"NoSuchOperation"}}); !errors.As(inErr, &ae) || ae.Code != code || ae.Message != msg {
		t.Fatalf("unknown operation: in-process %v, over HTTP %s %q", inErr, code, msg)
	}

	// The input is decoded before authorization: a request missing a
	// required member is a ValidationError, even from a caller the
	// operation would deny, as AWS answers.
	if code, msg := iamForm(t, e, ak, sk, url.Values{"Action": {"CreateUser"}}); code != "ValidationError" ||
		msg != "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null" {
		t.Fatalf("CreateUser without UserName: %s %q", code, msg)
	}
}

// iamForm sends params to IAM as a form signed with the keys and returns
// the error's code and message ("" for a success).
func iamForm(t *testing.T, e *testEnv, ak, sk string, params url.Values) (code, message string) {
	t.Helper()
	params.Set("Version", "2010-05-08")
	resp, b, err := e.postSigned("iam", "us-east-1", ak, sk, []byte(params.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == http.StatusOK {
		return "", ""
	}
	var er struct {
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	if err := xml.Unmarshal(b, &er); err != nil {
		t.Fatalf("%s: %d %s", params.Get("Action"), resp.StatusCode, b)
	}
	return er.Code, er.Message
}
