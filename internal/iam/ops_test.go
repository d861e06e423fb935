package iam

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestOperationsAuthorized: every IAM operation served names the resource
// it is authorized on, and every name is a real IAM operation (from
// botocore's model when it is installed).
func TestOperationsAuthorized(t *testing.T) {
	s := New(Config{})
	for name, o := range s.ops {
		if o.serve == nil || o.resource == nil {
			t.Errorf("%s: missing handler or resource", name)
		}
	}
	model := botocoreIAM(t)
	if model == nil {
		return
	}
	for name := range s.ops {
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
		if _, ok := s.ops[name]; !ok {
			t.Errorf("%s is not served", name)
		}
	}
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
