package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum/gureum/internal/server"
)

func TestAcceptAnyKey(t *testing.T) {
	e := newEnvWith(t, server.Config{AcceptAnyKey: true})
	anyKey := e.client("AKIAANYTHING12345678", "whatever-secret", "us-east-1")
	if _, err := anyKey.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("anykey")}); err != nil {
		t.Fatalf("unknown key with --accept-any-key: %v", err)
	}
	// It acted as the default account's root: that account sees the bucket.
	out, err := e.S3.ListBuckets(ctx(), &s3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "anykey" {
		t.Fatalf("root's buckets = %+v, %v", out, err)
	}
	// Known keys are still verified.
	wrong := e.client("test", "not-the-secret", "us-east-1")
	_, err = wrong.ListBuckets(ctx(), &s3.ListBucketsInput{})
	wantCode(t, err, "SignatureDoesNotMatch")
	// Malformed authorization is still rejected.
	req := signed(t, e, "GET", "/", "AKIAANYTHING12345678", "x", time.Now(), "")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=garbage")
	resp, se, _ := doRaw(t, req)
	if resp.StatusCode != 400 || se.Code != "AuthorizationHeaderMalformed" {
		t.Fatalf("malformed with any-key: %d %+v", resp.StatusCode, se)
	}
}

func TestUnknownKeyRejectedByDefault(t *testing.T) {
	e := newEnv(t)
	_, err := e.client("AKIAANYTHING12345678", "whatever", "us-east-1").ListBuckets(ctx(), &s3.ListBucketsInput{})
	wantCode(t, err, "InvalidAccessKeyId")
}

func TestVirtualHostedStyle(t *testing.T) {
	e := newEnv(t)
	e.bucket("vhost")
	e.put("vhost", "dir/file.txt", "virtual")
	port := e.URL[strings.LastIndex(e.URL, ":")+1:]
	for _, host := range []string{"vhost.s3.localhost:" + port, "vhost.localhost:" + port} {
		req2, _ := http.NewRequest("GET", e.URL+"/dir/file.txt", nil)
		req2.Host = host
		req2 = resign(t, req2)
		resp, err := http.DefaultClient.Do(req2)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "virtual" {
			t.Fatalf("%s: %d %s", host, resp.StatusCode, b)
		}
	}
}
