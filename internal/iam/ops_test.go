package iam

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gureum/gureum/internal/awsproto/query"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store/bolt"
)

// TestOperationsAuthorized: every IAM operation served is authorized as
// "iam:" and its name on a resource computed from members its typed
// input has, and every name is a real IAM operation (from botocore's
// model when it is installed).
func TestOperationsAuthorized(t *testing.T) {
	s := New(Config{})
	table := s.operationTable()
	for name, e := range table {
		o := s.ops.Ops[name]
		if o == nil || o.Handler == nil || o.Resources == nil || o.Action != "iam:"+name || o.Name != name {
			t.Errorf("%s: not registered as iam:%s with a handler and a resource", name, name)
			continue
		}
		if e.res.arn == nil {
			t.Errorf("%s: no resource", name)
		}
		in := reflect.TypeOf(o.NewInput()).Elem()
		for _, m := range e.res.members {
			f, ok := in.FieldByName(m)
			if !ok || !(f.Type.Kind() == reflect.String || f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String) {
				t.Errorf("%s: its resource reads %s, which %s has not as a string", name, m, in)
			}
		}
	}
	if len(table) != len(s.ops.Ops) {
		t.Errorf("%d operations in the table, %d served", len(table), len(s.ops.Ops))
	}
	model := botocoreIAM(t)
	if model == nil {
		return
	}
	for name := range s.ops.Ops {
		if _, ok := model[name]; !ok {
			t.Errorf("%s is not an IAM operation", name)
		}
	}
	// The operations the issue names.
	for _, name := range []string{"CreateUser", "GetUser", "ListUsers", "UpdateUser", "DeleteUser", "TagUser", "CreateAccessKey", "ListAccessKeys",
		"UpdateAccessKey", "DeleteAccessKey", "GetAccessKeyLastUsed", "CreateLoginProfile", "CreateGroup", "AddUserToGroup", "CreatePolicy", "GetPolicy",
		"GetPolicyVersion", "CreatePolicyVersion", "SetDefaultPolicyVersion", "DeletePolicyVersion", "DeletePolicy", "ListPolicies", "ListEntitiesForPolicy",
		"AttachUserPolicy", "AttachGroupPolicy", "AttachRolePolicy", "DetachUserPolicy", "PutUserPolicy", "PutGroupPolicy", "PutRolePolicy", "CreateRole",
		"CreateInstanceProfile", "CreateAccountAlias", "GetAccountAuthorizationDetails", "SimulatePrincipalPolicy", "SimulateCustomPolicy"} {
		if _, ok := s.ops.Ops[name]; !ok {
			t.Errorf("%s is not served", name)
		}
	}
}

// newTestService returns the service over a store in a temporary
// directory, and a context of the default account's root.
func newTestService(t *testing.T) (*Service, context.Context) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := request.With(context.Background(), &request.Context{ID: "req", Principal: request.Principal{
		Type: request.Root, Account: "000000000000", ARN: "arn:aws:iam::000000000000:root"}})
	return New(Config{Store: db}), ctx
}

// callForm decodes the form v as the query protocol does and invokes the
// operation its Action names.
func callForm(ctx context.Context, s *Service, v url.Values) (any, error) {
	o, err := s.ops.Lookup(v.Get("Action"))
	if err != nil {
		return nil, err
	}
	in := o.NewInput()
	if err := query.Decode(v, in); err != nil {
		return nil, err
	}
	return s.ops.Call(ctx, o, in)
}

// render is out as the query protocol writes it, the response to action.
func render(t *testing.T, action string, out any) string {
	t.Helper()
	w := httptest.NewRecorder()
	if err := query.Write(w, action, Namespace, "req", out); err != nil {
		t.Fatal(err)
	}
	return w.Body.String()
}

func botocoreIAM(t *testing.T) map[string]any {
	dirs := []string{"/usr/lib/python3/dist-packages/botocore"}
	if out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output(); err == nil {
		dirs = append([]string{strings.TrimSpace(string(out))}, dirs...)
	}
	for _, dir := range dirs {
		path := filepath.Join(dir, "data/iam/2010-05-08/service-2.json")
		b, err := os.ReadFile(path)
		if err != nil {
			f, gerr := os.Open(path + ".gz")
			if gerr != nil {
				continue
			}
			zr, gerr := gzip.NewReader(f)
			if gerr != nil {
				f.Close()
				continue
			}
			b, err = io.ReadAll(zr)
			f.Close()
			if err != nil {
				continue
			}
		}
		var m struct {
			Operations map[string]any `json:"operations"`
		}
		if json.Unmarshal(b, &m) == nil {
			return m.Operations
		}
	}
	t.Log("botocore's IAM model not found; names not checked against it")
	return nil
}
