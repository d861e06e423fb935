package sigv4

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// sdkServer is an S3 stand-in that verifies every request, keeps objects
// by their raw path and records what Verify said.
type sdkServer struct {
	*httptest.Server
	v       *Verifier
	mu      sync.Mutex
	objects map[string][]byte
	auths   []*Auth
	errs    []error
}

func newSDKServer(t *testing.T) *sdkServer {
	s := &sdkServer{v: &Verifier{Lookup: lookupOf(map[string]string{testKey: testSecret})}, objects: map[string][]byte{}}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *sdkServer) fail(w http.ResponseWriter, err error) {
	s.mu.Lock()
	s.errs = append(s.errs, err)
	s.mu.Unlock()
	e := asError(err)
	if e == nil {
		e = &Error{Code: "InternalError", Message: err.Error(), Status: 500}
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(e.Status)
	fmt.Fprintf(w, "<Error><Code>%s</Code><Message>%s</Message></Error>", e.Code, e.Message)
}

func (s *sdkServer) serve(w http.ResponseWriter, r *http.Request) {
	a, err := s.v.Verify(r)
	if err != nil {
		s.fail(w, err)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.auths = append(s.auths, a)
	key := r.URL.Path
	switch {
	case r.Method == http.MethodPut:
		s.objects[key] = data
		w.Header().Set("ETag", `"etag"`)
	case r.Method == http.MethodGet && r.URL.Query().Has("list-type"):
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<ListBucketResult><Name>bucket</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`)
	case r.Method == http.MethodGet:
		d, ok := s.objects[key]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "<Error><Code>NoSuchKey</Code><Message>no</Message></Error>")
			return
		}
		w.Write(d)
	case r.Method == http.MethodDelete:
		delete(s.objects, key)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *sdkServer) errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.errs...)
}

func (s *sdkServer) client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(s.URL),
		UsePathStyle:               true,
		HTTPClient:                 s.Client(),
		RetryMaxAttempts:           1,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return testCreds, nil
		}),
	})
}

func (s *sdkServer) lastAuth(t *testing.T) *Auth {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) > 0 {
		t.Fatalf("server errors: %v", s.errs)
	}
	return s.auths[len(s.auths)-1]
}

// TestSDKClient runs the real S3 client of aws-sdk-go-v2 against Verify:
// header signatures over awkward keys, aws-chunked uploads with trailing
// checksums (which the SDK sends over TLS), and presigned URLs.
func TestSDKClient(t *testing.T) {
	srv := newSDKServer(t)
	c := srv.client()
	ctx := context.Background()
	for i, key := range awkwardKeys {
		data := bytes.Repeat([]byte(fmt.Sprintf("%d:%s;", i, key)), 1000*(i+1))
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key), Body: bytes.NewReader(data),
			Metadata: map[string]string{"note": "value  with   spaces"}, ContentType: aws.String("text/plain")})
		if err != nil {
			t.Fatalf("PutObject %q: %v", key, err)
		}
		a := srv.lastAuth(t)
		if !a.Verified || !a.Streaming || a.PayloadHash != StreamingUnsignedPayloadTrailer {
			t.Errorf("PutObject %q: auth = %+v", key, a)
		}
		sum := make([]byte, 4)
		binary.BigEndian.PutUint32(sum, crc32.ChecksumIEEE(data))
		if got, want := a.Trailer.Get("x-amz-checksum-crc32"), base64.StdEncoding.EncodeToString(sum); got != want {
			t.Errorf("PutObject %q: trailer crc32 %q, want %q (%v)", key, got, want, a.Trailer)
		}

		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject %q: %v", key, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if !bytes.Equal(got, data) {
			t.Errorf("GetObject %q: %d bytes, want %d", key, len(got), len(data))
		}
		if _, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("bucket"), Prefix: aws.String(key), Delimiter: aws.String("/")}); err != nil {
			t.Fatalf("ListObjectsV2 %q: %v", key, err)
		}
		if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("bucket"), Key: aws.String(key), VersionId: aws.String("v 1+2")}); err != nil {
			t.Fatalf("DeleteObject %q: %v", key, err)
		}
	}

	// A stream that cannot seek, of a known length: the SDK sends it in
	// the chunked transfer coding, around aws-chunked.
	data := bytes.Repeat([]byte("stream"), 50000)
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("stream"),
		Body: io.MultiReader(bytes.NewReader(data)), ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		t.Fatalf("PutObject of a stream: %v", err)
	}
	// Of an unknown length, as S3 does, it is refused: aws-chunked needs
	// x-amz-decoded-content-length.
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("stream2"), Body: io.MultiReader(bytes.NewReader(data))})
	if err == nil || !strings.Contains(err.Error(), "MissingContentLength") {
		t.Errorf("stream of unknown length: %v", err)
	}
	srv.mu.Lock()
	srv.errs = nil
	a, stored := srv.auths[len(srv.auths)-1], srv.objects["/bucket/stream"]
	srv.mu.Unlock()
	if !a.Streaming || a.Trailer.Get("x-amz-checksum-crc32") == "" {
		t.Errorf("stream: auth = %+v", a)
	}
	if !bytes.Equal(stored, data) {
		t.Errorf("stream: stored %d bytes", len(stored))
	}

	// Presigned URLs of the presign client.
	p := s3.NewPresignClient(c, s3.WithPresignExpires(10*time.Minute))
	put, err := p.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("bucket"), Key: aws.String("pre signed/ü+.txt")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(put.Method, put.URL, strings.NewReader("presigned body"))
	for k, vs := range put.SignedHeader {
		if k != "Host" {
			req.Header[k] = vs
		}
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %s %v", resp.Status, srv.errors())
	}
	if a := srv.lastAuth(t); !a.Presigned || !a.Verified {
		t.Errorf("presigned PUT: auth = %+v", a)
	}
	get, err := p.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("pre signed/ü+.txt"),
		ResponseContentDisposition: aws.String(`attachment; filename="x y.txt"`)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err = srv.Client().Get(get.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "presigned body" {
		t.Fatalf("presigned GET: %s %q %v", resp.Status, body, srv.errors())
	}

	// Another secret is refused with S3's code, which the SDK reports. (A
	// new client: the SDK caches signing keys by access key id.)
	bad := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true, HTTPClient: srv.Client(), RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testKey, SecretAccessKey: "wrong"}, nil
		})})
	_, err = bad.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("stream")})
	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: %v (server: %v)", err, srv.errors())
	}
}
