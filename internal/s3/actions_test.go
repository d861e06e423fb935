package s3

import (
	"strings"
	"testing"
)

// TestEveryOperationHasAnAction holds the enforcement table to the route
// table: no S3 operation can go unauthorized for want of an entry.
func TestEveryOperationHasAnAction(t *testing.T) {
	s := New(Config{})
	for _, rt := range s.routes {
		a, ok := actions[rt.name]
		if !ok {
			t.Errorf("%s has no IAM action", rt.name)
			continue
		}
		if !strings.HasPrefix(a.action, "s3:") || (a.versioned != "" && !strings.HasPrefix(a.versioned, "s3:")) {
			t.Errorf("%s: malformed action %+v", rt.name, a)
		}
	}
	for name := range actions {
		found := strings.HasSuffix(name, "AccountPublicAccessBlock")
		for _, rt := range s.routes {
			found = found || rt.name == name
		}
		if !found {
			t.Errorf("action entry %s names no operation", name)
		}
	}
	for action, p := range aclPermission {
		switch p.perm {
		case "READ", "WRITE", "READ_ACP", "WRITE_ACP":
		default:
			t.Errorf("%s: ACL permission %s", action, p.perm)
		}
	}
}

func TestValidS3Action(t *testing.T) {
	for a, want := range map[string]bool{
		"*": true, "s3:*": true, "s3:GetObject": true, "S3:getobject": true, "s3:Get*": true, "s3:*Object": true, "s3:GetObjec?": true,
		"s3:BypassGovernanceRetention": true, "s3:ListAllMyBuckets": true,
		"s3:Bogus": false, "s3:Get*Nothing": false, "ec2:RunInstances": false, "s3": false, "s3:": false, "s3:GetObject2": false,
	} {
		if got := validS3Action(a); got != want {
			t.Errorf("validS3Action(%q) = %v, want %v", a, got, want)
		}
	}
}
