package server_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/server"
)

// benchEnv is a server whose account holds n instances (none driver) in
// a /16 subnet, and the AMI and subnet to launch more.
func benchEnv(b *testing.B, n int) (*ec2.Client, string, string, []string) {
	b.Helper()
	srv, err := server.Open(server.Config{DataDir: b.TempDir(), Accounts: testAccounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler)
	b.Cleanup(func() { ts.Close(); srv.Close() })
	e := &testEnv{URL: ts.URL, srv: srv, ts: ts, Region: "us-east-1"}
	c := ec2.NewFromConfig(e.awsConfig("test", "test", ""), func(o *ec2.Options) { o.RetryMaxAttempts = 3 })
	imgs, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"x86_64"}}}})
	if err != nil || len(imgs.Images) == 0 {
		b.Fatal(err)
	}
	ami := *imgs.Images[0].ImageId
	v, err := c.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		b.Fatal(err)
	}
	s, err := c.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: v.Vpc.VpcId, CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil {
		b.Fatal(err)
	}
	var ids []string
	for len(ids) < n {
		r, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", SubnetId: s.Subnet.SubnetId,
			MinCount: aws.Int32(1), MaxCount: aws.Int32(int32(min(100, n-len(ids))))})
		if err != nil {
			b.Fatal(err)
		}
		for _, i := range r.Instances {
			ids = append(ids, *i.InstanceId)
		}
	}
	return c, ami, *s.Subnet.SubnetId, ids
}

func reportLatency(b *testing.B, d []time.Duration) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))]) / float64(time.Millisecond) }
	b.ReportMetric(ms(0.50), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

func BenchmarkRunInstances(b *testing.B) {
	c, ami, subnet, _ := benchEnv(b, 1000)
	in := &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: "t3.micro", SubnetId: aws.String(subnet), MinCount: aws.Int32(1), MaxCount: aws.Int32(1)}
	var lat []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := c.RunInstances(ctx(), in); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	reportLatency(b, lat)
}

func BenchmarkDescribeInstances(b *testing.B) {
	c, _, _, ids := benchEnv(b, 1000)
	cases := []struct {
		name string
		in   func(i int) *ec2.DescribeInstancesInput
	}{
		{"by-id", func(i int) *ec2.DescribeInstancesInput {
			return &ec2.DescribeInstancesInput{InstanceIds: []string{ids[i%len(ids)]}}
		}},
		{"filter-one", func(i int) *ec2.DescribeInstancesInput {
			return &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: []string{ids[i%len(ids)]}}}}
		}},
		{"page-of-50", func(int) *ec2.DescribeInstancesInput { return &ec2.DescribeInstancesInput{MaxResults: aws.Int32(50)} }},
		{"all-1000", func(int) *ec2.DescribeInstancesInput { return &ec2.DescribeInstancesInput{} }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var lat []time.Duration
			i := 0
			for b.Loop() {
				start := time.Now()
				if _, err := c.DescribeInstances(ctx(), tc.in(i)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				i++
			}
			reportLatency(b, lat)
		})
	}
}
