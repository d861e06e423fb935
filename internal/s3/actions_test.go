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
