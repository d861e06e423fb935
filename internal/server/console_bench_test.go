package server_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// BenchmarkConsolePages: server time per console page with 1,000 objects
// in a folder and 100 instances (the handler called in-process, so the
// time is the server's: the operations, the template, no socket).
func BenchmarkConsolePages(b *testing.B) {
	_, _, _, _, base := benchEnvURL(b, 100) // 100 instances, settled
	e := &testEnv{URL: base, Region: "us-east-1", HTTP: &http.Client{}}
	s3c := e.client("test", "test", "us-east-1")
	if _, err := s3c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("many")}); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		if _, err := s3c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("many"), Key: aws.String(fmt.Sprintf("folder/object-%04d.txt", i)), Body: strings.NewReader("x")}); err != nil {
			b.Fatal(err)
		}
	}
	resp, err := http.PostForm(base+"/_console/signin", url.Values{"kind": {"root"}, "access_key_id": {"test"}, "secret_access_key": {"test"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	var cookie *http.Cookie
	for r := resp.Request.Response; r != nil; r = r.Request.Response {
		for _, ck := range r.Cookies() {
			cookie = ck
		}
	}
	if cookie == nil {
		b.Fatal("no session cookie")
	}
	cl := &http.Client{}
	for _, page := range []string{"/_console/s3/bucket/many?prefix=folder/", "/_console/ec2/instances", "/_console/s3", "/_console/vpc"} {
		b.Run(strings.Trim(strings.NewReplacer("/_console/", "", "?", "-", "/", "-", "=", "").Replace(page), "-"), func(b *testing.B) {
			var times []time.Duration
			for b.Loop() {
				r, _ := http.NewRequest("GET", base+page, nil)
				r.AddCookie(cookie)
				start := time.Now()
				resp, err := cl.Do(r)
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				times = append(times, time.Since(start))
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("%s: %d", page, resp.StatusCode)
				}
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
