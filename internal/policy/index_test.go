package policy

import (
	"fmt"
	"reflect"
	"testing"
)

// TestActionIndexAgreesWithFullScan: Evaluate through a policy's action
// index decides, and records matched statements, exactly as a visit of
// every statement does — for actions in any case, Action and NotAction,
// wildcards, repeated and alternating actions, and past the index's bound.
func TestActionIndexAgreesWithFullScan(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Get","Effect":"Allow","Action":["s3:Get*","s3:List?ucket"],"Resource":"*"},
		{"Sid":"NotIAM","Effect":"Allow","NotAction":"iam:*","Resource":"arn:aws:s3:::amzn-s3-demo-bucket/*"},
		{"Sid":"DenyDelete","Effect":"Deny","Action":"s3:DeleteObject*","Resource":"*"},
		{"Sid":"Exact","Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"},
		{"Sid":"Any","Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::other/*"}]}`
	indexed := ids(t, doc)
	scanned := ids(t, doc)
	for i := range scanned {
		scanned[i].Policy.byAction = nil // no index: every statement is visited
	}
	actions := []string{"s3:GetObject", "S3:GETOBJECT", "s3:ListBucket", "s3:ListBuckets", "s3:DeleteObject",
		"s3:DeleteObjectVersion", "s3:PutObject", "iam:CreateUser", "ec2:DescribeInstances", "ec2:describeinstances",
		"ec2:DescribeVpcs", "sts:AssumeRole"}
	for i := 0; i < maxIndexedActions+20; i++ { // more actions than the index keeps
		actions = append(actions, fmt.Sprintf("s3:GetThing%d", i))
	}
	resources := []string{objectA, bucketA, "arn:aws:s3:::other/x"}
	for round := 0; round < 2; round++ { // the second round answers from the index
		for _, a := range actions {
			for _, res := range resources {
				req := Request{Principal: alice, Action: a, Resource: res}
				got := Evaluate(&Input{Identity: indexed}, &req)
				want := Evaluate(&Input{Identity: scanned}, &req)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s on %s: indexed %+v, full scan %+v", a, res, got, want)
				}
			}
		}
	}
	// Alternating actions still answer from the right entries.
	for i := 0; i < 10; i++ {
		for _, a := range []string{"s3:GetObject", "s3:DeleteObject", "iam:CreateUser"} {
			req := Request{Principal: alice, Action: a, Resource: objectA}
			if got, want := Evaluate(&Input{Identity: indexed}, &req), Evaluate(&Input{Identity: scanned}, &req); !reflect.DeepEqual(got, want) {
				t.Fatalf("alternating %s: indexed %+v, full scan %+v", a, got, want)
			}
		}
	}
	if n := indexed[0].Policy.byAction.n.Load(); n > maxIndexedActions {
		t.Fatalf("the index holds %d actions, more than its bound %d", n, maxIndexedActions)
	}
}
