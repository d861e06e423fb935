package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
)

// The key, time and scope of the examples in the AWS documentation.
const (
	docKey    = "AKIAIOSFODNN7EXAMPLE"
	docSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	docStamp  = "20130524T000000Z"
	docScope  = "20130524/us-east-1/s3/aws4_request"
)

var docTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// The key of the tests that sign with the SDK.
const (
	testKey    = "AKIAGUREUMTEST000001"
	testSecret = "gureum/secret+key=with/odd+chars"
	testHost   = "localhost:4566"
)

var testTime = time.Date(2026, 11, 28, 12, 30, 45, 0, time.UTC)

func lookupOf(keys map[string]string) KeyLookup {
	return func(_ context.Context, id string) (string, error) {
		if s, ok := keys[id]; ok {
			return s, nil
		}
		return "", fmt.Errorf("lookup %q: %w", id, ErrUnknownAccessKey)
	}
}

// newVerifier verifies the doc key and the test key with the clock at now.
func newVerifier(now time.Time) *Verifier {
	return &Verifier{
		Lookup: lookupOf(map[string]string{docKey: docSecret, testKey: testSecret}),
		Now:    func() time.Time { return now },
	}
}

var testCreds = aws.Credentials{AccessKeyID: testKey, SecretAccessKey: testSecret}

// s3Path escapes a bucket and key as the SDK's S3 client does.
func s3Path(bucket, key string) string {
	p := "/" + bucket
	if key != "" {
		p += "/" + httpbinding.EscapePath(key, false)
	}
	return p
}

func sha256HexBytes(b []byte) string { return sha256Hex(string(b)) }

// clientRequest builds an outgoing request for target (path and query,
// already escaped) on testHost.
func clientRequest(t testing.TB, method, target string, body []byte, headers map[string]string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://"+testHost+target, rd)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.EscapedPath() + "?" + req.URL.RawQuery; strings.TrimSuffix(got, "?") != target {
		t.Fatalf("net/url changed the target %q to %q", target, got)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return req
}

// sdkSign signs req with the SDK's signer as the S3 client does and
// returns the request as a server reads it off the wire.
func sdkSign(t testing.TB, req *http.Request, payloadHash, service string, at time.Time, creds aws.Credentials) *http.Request {
	t.Helper()
	if service == "s3" && req.Header.Get("X-Amz-Content-Sha256") == "" {
		req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" })
	if err := signer.SignHTTP(context.Background(), creds, req, payloadHash, service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return onTheWire(t, req)
}

// sdkPresign presigns req for expires and returns the request a client
// makes with the URL and the headers the SDK says to send.
func sdkPresign(t testing.TB, req *http.Request, expires time.Duration, at time.Time, creds aws.Credentials) *http.Request {
	t.Helper()
	q := req.URL.Query()
	q.Set("X-Amz-Expires", fmt.Sprint(int(expires/time.Second)))
	req.URL.RawQuery = q.Encode()
	uri, hdr := presignURL(t, req, at, creds)
	out, err := http.NewRequest(req.Method, uri, req.Body)
	if err != nil {
		t.Fatal(err)
	}
	out.ContentLength = req.ContentLength
	for k, vs := range hdr {
		if k == "Host" {
			continue
		}
		for _, v := range vs {
			out.Header.Add(k, v)
		}
	}
	return onTheWire(t, out)
}

// presignURL presigns req with the SDK as the S3 presign client does; the
// query of req must have X-Amz-Expires.
func presignURL(t testing.TB, req *http.Request, at time.Time, creds aws.Credentials) (string, http.Header) {
	t.Helper()
	if req.URL.Query().Get("X-Amz-Expires") == "" {
		q := req.URL.Query()
		q.Set("X-Amz-Expires", "300")
		req.URL.RawQuery = q.Encode()
	}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	uri, hdr, err := signer.PresignHTTP(context.Background(), creds, req, UnsignedPayload, "s3", "us-east-1", at)
	if err != nil {
		t.Fatal(err)
	}
	return uri, hdr
}

// onTheWire writes req in HTTP/1.1 and reads it back as a server does, so
// that Host, RequestURI, Content-Length and Transfer-Encoding are where
// net/http puts them.
func onTheWire(t testing.TB, req *http.Request) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	if err := req.Write(&buf); err != nil {
		t.Fatal(err)
	}
	r, err := http.ReadRequest(bufio.NewReader(&buf))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rawRequest parses a request written by hand.
func rawRequest(t testing.TB, head string, body []byte) *http.Request {
	t.Helper()
	head = strings.ReplaceAll(strings.TrimLeft(head, "\n"), "\n", "\r\n")
	r, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(head+"\r\n"), bytes.NewReader(body))))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// errCode is the S3 code of err, "" for nil and "?" for a foreign error.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if e := asError(err); e != nil {
		return e.Code
	}
	return "?" + err.Error()
}

// readBody reads r.Body to its end.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	return io.ReadAll(r.Body)
}

// wantError checks the code, the message and the extras named in extra.
func wantError(t *testing.T, err error, code, message string, extra ...[2]string) {
	t.Helper()
	e := asError(err)
	if e == nil {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Message, code)
	}
	if message != "" && e.Message != message {
		t.Errorf("message = %q\nwant %q", e.Message, message)
	}
	for _, kv := range extra {
		if got := e.Field(kv[0]); got != kv[1] {
			t.Errorf("%s = %q, want %q", kv[0], got, kv[1])
		}
	}
}
