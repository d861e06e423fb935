package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/gureum/gureum/internal/accounts"
	"github.com/gureum/gureum/internal/awsproto/ec2query"
	"github.com/gureum/gureum/internal/server"
)

// testEnv is a gureum server on a free loopback port, with state in a
// temporary directory, and SDK clients for its accounts.
type testEnv struct {
	t   *testing.T
	URL string
	// HTTP is the SDK clients' own HTTP client (see newEnvWith).
	HTTP   *http.Client
	srv    *server.Server
	ts     *httptest.Server
	S3     *s3.Client // the default account's root
	Alt    *s3.Client // another account's root
	Region string
}

var testAccounts = []accounts.Account{
	{ID: accounts.DefaultID, AccessKey: "test", SecretKey: "test"},
	{ID: "111111111111", AccessKey: "AKIAALTALTALTALTALT1", SecretKey: "alt-secret"},
}

// Every EC2 response of the tests is encoded by both the fast encoder and
// encoding/xml, and a difference fails the request.
func init() { ec2query.Verify = true }

func newEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvIn(t, t.TempDir())
}

func newEnvIn(t *testing.T, dir string) *testEnv {
	t.Helper()
	return newEnvWith(t, server.Config{DataDir: dir})
}

// newEnvWith starts a server with cfg; accounts, logger and version are
// filled in.
func newEnvWith(t *testing.T, cfg server.Config) *testEnv {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg.Accounts, cfg.Logger, cfg.Version = append([]accounts.Account(nil), testAccounts...), log, "test"
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	e := &testEnv{t: t, URL: ts.URL, srv: srv, ts: ts, Region: "us-east-1", HTTP: &http.Client{Transport: bufferedTransport{tr}}}
	e.S3 = e.client("test", "test", "us-east-1")
	e.Alt = e.client(testAccounts[1].AccessKey, testAccounts[1].SecretKey, "us-east-1")
	return e
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// client returns an SDK client with the given keys, path-style.
func (e *testEnv) client(ak, sk, region string, opts ...func(*s3.Options)) *s3.Client {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:  e.HTTP,
	}
	return s3.NewFromConfig(cfg, append([]func(*s3.Options){func(o *s3.Options) {
		o.BaseEndpoint = aws.String(e.URL)
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1
	}}, opts...)...)
}

func (e *testEnv) bucket(name string) string {
	e.t.Helper()
	_, err := e.S3.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)})
	if err != nil {
		e.t.Fatalf("CreateBucket %s: %v", name, err)
	}
	return name
}

func (e *testEnv) put(bucket, key, body string) *s3.PutObjectOutput {
	e.t.Helper()
	out, err := e.S3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: stringsReader(body)})
	if err != nil {
		e.t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return out
}

func (e *testEnv) get(bucket, key string) string {
	e.t.Helper()
	out, err := e.S3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		e.t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// wantCode asserts err is an AWS API error with the given code.
func wantCode(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want error code %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	return ae
}

// wantStatus asserts err carries an HTTP status.
func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
	if re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %d (%v)", status, re.HTTPStatusCode(), err)
	}
}

func ctx() context.Context { return context.Background() }

func stringsReader(s string) io.Reader { return &strReader{s: s} }

// strReader is a seekable string reader (the SDK needs seekable bodies to
// compute payload hashes and retry).
type strReader struct {
	s string
	i int64
}

func (r *strReader) Read(p []byte) (int, error) {
	if r.i >= int64(len(r.s)) {
		return 0, io.EOF
	}
	n := copy(p, r.s[r.i:])
	r.i += int64(n)
	return n, nil
}

func (r *strReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		r.i = off
	case io.SeekCurrent:
		r.i += off
	case io.SeekEnd:
		r.i = int64(len(r.s)) + off
	}
	return r.i, nil
}

// bufferedTransport reads each response whole before handing it to the
// SDK. smithy-go closes a request's body as soon as the round trip
// returns; under heavy load net/http's write loop can still be reading it
// then, fail, and close the connection under the response being decoded
// ("use of closed network connection"). Reading the response first (and
// retrying the request once if that read fails) keeps the tests about
// gureum.
type bufferedTransport struct{ http.RoundTripper }

func (t bufferedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := t.RoundTripper.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			resp.Body = io.NopCloser(bytes.NewReader(b))
			return resp, nil
		}
		if attempt > 0 || r.GetBody == nil {
			return nil, err
		}
		body, gerr := r.GetBody()
		if gerr != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.Body = body
	}
}

// waitRunning waits (SDK waiter, up to 30 s) until the instances are running.
func waitRunning(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewInstanceRunningWaiter(c, func(o *ec2.InstanceRunningWaiterOptions) { o.MinDelay, o.MaxDelay = 200*time.Millisecond, time.Second })
	if err := w.Wait(ctx(), &ec2.DescribeInstancesInput{InstanceIds: ids}, 30*time.Second); err != nil {
		t.Fatalf("waiting for %v to run: %v", ids, err)
	}
}

// postSigned POSTs body to gureum's root, signed with SigV4 for service
// in region with the keys, with the headers given as name, value pairs,
// and returns the response with its body read.
func (e *testEnv) postSigned(service, region, ak, sk string, body []byte, header ...string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, e.URL+"/", bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, hex.EncodeToString(sum[:]), service, region, time.Now()); err != nil {
		return nil, nil, err
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}
