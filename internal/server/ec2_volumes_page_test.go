package server_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
)

// TestEC2DescribeVolumesMaxResults: the aws CLI v2 sends MaxResults=1000
// with describe-volumes; AWS answers at most 500 items instead of an
// error, and still refuses fewer than 5.
func TestEC2DescribeVolumesMaxResults(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	if _, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(1000)}); err != nil {
		t.Fatalf("MaxResults 1000: %v", err)
	}
	_, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(4)})
	wantCode(t, err, "InvalidParameterValue")
}
