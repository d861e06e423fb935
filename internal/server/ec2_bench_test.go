package server_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/gureum/gureum/internal/awsproto/ec2query"
	"github.com/gureum/gureum/internal/server"
)

// benchEnv is a server whose account holds n instances (none driver) in
// a /16 subnet, and the AMI and subnet to launch more.
func benchEnv(b *testing.B, n int) (*ec2.Client, string, string, []string) {
	c, ami, subnet, ids, _ := benchEnvURL(b, n)
	return c, ami, subnet, ids
}

func benchEnvURL(b *testing.B, n int) (*ec2.Client, string, string, []string, string) {
	b.Helper()
	ec2query.Verify = false // the tests' cross-check; not part of what is measured
	srv, err := server.Open(server.Config{DataDir: b.TempDir(), Accounts: testAccounts, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler)
	b.Cleanup(func() { ts.Close(); srv.Close() })
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	b.Cleanup(tr.CloseIdleConnections)
	e := &testEnv{URL: ts.URL, srv: srv, ts: ts, Region: "us-east-1", HTTP: &http.Client{Transport: tr}}
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
	// Measure a settled account: the none driver moves each new instance
	// pending → running a moment after launch, and those writes are not
	// what the benchmarks measure.
	for deadline := time.Now().Add(time.Minute); ; {
		out, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5),
			Filters: []ec2types.Filter{{Name: aws.String("instance-state-name"), Values: []string{"pending"}}}})
		if err != nil {
			b.Fatal(err)
		}
		if len(out.Reservations) == 0 {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("instances still pending after a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	return c, ami, *s.Subnet.SubnetId, ids, ts.URL
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

// BenchmarkDescribeInstancesWire makes the same calls as signed HTTP
// requests and reads each response whole without decoding it: the
// server's latency, without the SDK's XML decoding (which, for a
// response of 1,000 instances, costs the client far more than the server).
func BenchmarkDescribeInstancesWire(b *testing.B) {
	_, _, _, ids, endpoint := benchEnvURL(b, 1000)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	cases := []struct {
		name string
		form func(i int) url.Values
	}{
		{"by-id", func(i int) url.Values { return url.Values{"InstanceId.1": {ids[i%len(ids)]}} }},
		{"filter-one", func(i int) url.Values {
			return url.Values{"Filter.1.Name": {"instance-id"}, "Filter.1.Value.1": {ids[i%len(ids)]}}
		}},
		{"page-of-50", func(int) url.Values { return url.Values{"MaxResults": {"50"}} }},
		{"all-1000", func(int) url.Values { return url.Values{} }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var lat []time.Duration
			i, size := 0, 0
			for b.Loop() {
				form := tc.form(i)
				form.Set("Action", "DescribeInstances")
				form.Set("Version", "2016-11-15")
				body := []byte(form.Encode())
				req, _ := http.NewRequest("POST", endpoint+"/", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
				sum := sha256.Sum256(body)
				start := time.Now()
				if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(sum[:]), "ec2", "us-east-1", start); err != nil {
					b.Fatal(err)
				}
				resp, err := hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(start))
				if resp.StatusCode != 200 {
					b.Fatalf("status %d", resp.StatusCode)
				}
				size = int(n)
				i++
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(size), "resp-bytes")
		})
	}
}

// BenchmarkDescribeInstancesSDKDecode is the Go SDK's side alone: the
// same DescribeInstances calls answered from a recording of gureum's
// response, with no server. The SDK figures minus these are gureum's.
func BenchmarkDescribeInstancesSDKDecode(b *testing.B) {
	c, _, _, _, endpoint := benchEnvURL(b, 1000)
	cases := []struct {
		name string
		in   *ec2.DescribeInstancesInput
	}{
		{"page-of-50", &ec2.DescribeInstancesInput{MaxResults: aws.Int32(50)}},
		{"all-1000", &ec2.DescribeInstancesInput{}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			rec := &recorder{next: http.DefaultTransport}
			if _, err := c.DescribeInstances(ctx(), tc.in, func(o *ec2.Options) {
				o.HTTPClient = &http.Client{Transport: rec}
			}); err != nil {
				b.Fatal(err)
			}
			if len(rec.body) == 0 {
				b.Fatalf("nothing recorded from %s", endpoint)
			}
			replay := &http.Client{Transport: replayer(rec.body)}
			var lat []time.Duration
			for b.Loop() {
				start := time.Now()
				out, err := c.DescribeInstances(ctx(), tc.in, func(o *ec2.Options) { o.HTTPClient = replay })
				if err != nil || len(out.Reservations) == 0 {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			reportLatency(b, lat)
			b.ReportMetric(float64(len(rec.body)), "resp-bytes")
		})
	}
}

// recorder keeps the body of the last response it passed on.
type recorder struct {
	next http.RoundTripper
	body []byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if r.body, err = io.ReadAll(resp.Body); err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(r.body))
	return resp, nil
}

// replayer answers every request with one recorded EC2 response body.
type replayer []byte

func (p replayer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"text/xml;charset=UTF-8"}},
		ContentLength: int64(len(p)), Body: io.NopCloser(bytes.NewReader(p)), Request: req}, nil
}
