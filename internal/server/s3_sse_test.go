package server_test

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/gureum/gureum/internal/server"
	"github.com/gureum/gureum/internal/tlsca"
)

// newTLSEnv is newEnvWith served over HTTPS with the certificate of the
// local CA gureum makes in its data directory (as --tls-listen does); the
// SDK clients trust that CA and nothing else.
func newTLSEnv(t *testing.T, cfg server.Config) *testEnv {
	t.Helper()
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Accounts, cfg.Logger, cfg.Version = append(cfg.Accounts, testAccounts...), slog.New(slog.NewTextHandler(io.Discard, nil)), "test"
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts, tr := serveTLS(t, srv, cfg.DataDir)
	e := &testEnv{t: t, URL: ts.URL, srv: srv, ts: ts, Region: "us-east-1", HTTP: &http.Client{Transport: bufferedTransport{tr}}}
	e.S3 = e.client("test", "test", "us-east-1")
	e.Alt = e.client(testAccounts[1].AccessKey, testAccounts[1].SecretKey, "us-east-1")
	return e
}

// serveTLS serves srv over HTTPS with the certificate of gureum's CA in
// dataDir and returns the server and a transport that trusts that CA and
// nothing else; both end with the test.
func serveTLS(tb testing.TB, srv *server.Server, dataDir string) (*httptest.Server, *http.Transport) {
	tb.Helper()
	files := tlsca.ForDataDir(dataDir)
	cert, err := tlsca.Ensure(files, "us-east-1", time.Now())
	if err != nil {
		tb.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv.Handler)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	tb.Cleanup(func() {
		ts.Close()
		srv.Close()
	})
	pem, err := os.ReadFile(files.CA())
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		tb.Fatal("the CA is not PEM")
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, MaxIdleConnsPerHost: 4}
	tb.Cleanup(tr.CloseIdleConnections)
	return ts, tr
}

// sseKey is a random SSE-C key with the headers' forms of it.
type sseKey struct{ raw, b64, md5 string }

func newSSEKey(t *testing.T) sseKey {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(k)
	return sseKey{raw: string(k), b64: base64.StdEncoding.EncodeToString(k), md5: base64.StdEncoding.EncodeToString(sum[:])}
}

// apiError is err's code and HTTP status.
func apiError(err error) (string, int) {
	var ae smithy.APIError
	code := ""
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	var re interface{ HTTPStatusCode() int }
	status := 0
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return code, status
}

func wantAPIError(t *testing.T, what string, err error, code string, status int) {
	t.Helper()
	if c, s := apiError(err); c != code || s != status {
		t.Fatalf("%s: %v (code %q, status %d), want %s %d", what, err, c, s, code, status)
	}
}

// blobsHold reports whether any file under the data directory's blobs
// holds needle.
func blobsHold(t *testing.T, dataDir string, needle []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(filepath.Join(dataDir, "blobs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found = found || bytes.Contains(b, needle)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestSSEC: objects with customer-provided keys, over HTTPS with the
// generated CA: stored encrypted (no plaintext in the blob files or the
// metadata database), read back with the key (whole, ranges, a part of a
// multipart object), refused without it or with another, copied to and
// from SSE-C; S3's errors for the rest; and refused over plain HTTP.
func TestSSEC(t *testing.T) {
	dir := t.TempDir()
	e := newTLSEnv(t, server.Config{DataDir: dir})
	c := e.S3
	bucket := e.bucket("ssec")
	k, other := newSSEKey(t), newSSEKey(t)
	withKey := func(key sseKey) (algo, k64, sum *string) {
		return aws.String("AES256"), aws.String(key.b64), aws.String(key.md5)
	}
	// A marker that would show in plaintext; big enough for a blob file,
	// and a small one kept inline in the metadata.
	secret := bytes.Repeat([]byte("TOP-SECRET-PLANS "), 8000)
	small := []byte("SMALL-SECRET-NOTE")
	for key, body := range map[string][]byte{"big": secret, "small": small} {
		a, kk, sum := withKey(k)
		out, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
			SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum})
		if err != nil {
			t.Fatalf("PUT %s: %v", key, err)
		}
		if aws.ToString(out.SSECustomerAlgorithm) != "AES256" || aws.ToString(out.SSECustomerKeyMD5) != k.md5 || out.ServerSideEncryption != "" {
			t.Fatalf("PUT %s answered %q %q %q", key, aws.ToString(out.SSECustomerAlgorithm), aws.ToString(out.SSECustomerKeyMD5), out.ServerSideEncryption)
		}
	}
	if blobsHold(t, dir, []byte("TOP-SECRET-PLANS")) {
		t.Fatal("the SSE-C object's plaintext is in a blob file")
	}
	if db, err := os.ReadFile(filepath.Join(dir, "meta.db")); err != nil || bytes.Contains(db, small) || bytes.Contains(db, []byte(k.raw)) || bytes.Contains(db, []byte(k.b64)) {
		t.Fatalf("the metadata holds the small object's plaintext or the key (%v)", err)
	}
	get := func(key string, rng *string, kk *sseKey) ([]byte, *s3.GetObjectOutput, error) {
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Range: rng}
		if kk != nil {
			in.SSECustomerAlgorithm, in.SSECustomerKey, in.SSECustomerKeyMD5 = withKey(*kk)
		}
		out, err := c.GetObject(ctx(), in)
		if err != nil {
			return nil, nil, err
		}
		defer out.Body.Close()
		b, err := io.ReadAll(out.Body)
		return b, out, err
	}
	for key, body := range map[string][]byte{"big": secret, "small": small} {
		b, out, err := get(key, nil, &k)
		if err != nil || !bytes.Equal(b, body) || aws.ToString(out.SSECustomerKeyMD5) != k.md5 {
			t.Fatalf("GET %s with the key: %d bytes, %v", key, len(b), err)
		}
		// Ranges anywhere, across AES blocks.
		for _, r := range [][2]int{{0, 0}, {5, min(40, len(body)-1)}, {15, 16}, {len(body) - 3, len(body) - 1}} {
			b, _, err := get(key, aws.String("bytes="+itoa(r[0])+"-"+itoa(r[1])), &k)
			if err != nil || !bytes.Equal(b, body[r[0]:r[1]+1]) {
				t.Fatalf("GET %s range %v: %q %v", key, r, b, err)
			}
		}
		_, _, err = get(key, nil, nil)
		wantAPIError(t, "GET without the key", err, "InvalidRequest", 400)
		_, _, err = get(key, nil, &other)
		wantAPIError(t, "GET with another key", err, "AccessDenied", 403)
		_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		wantAPIError(t, "HEAD without the key", err, "BadRequest", 400)
		a, kk, sum := withKey(k)
		h, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum})
		if err != nil || aws.ToInt64(h.ContentLength) != int64(len(body)) {
			t.Fatalf("HEAD with the key: %v", err)
		}
	}
	// The key's headers, wrong.
	bad := []struct {
		what           string
		algo, key, sum string
		code           string
	}{
		{"another algorithm", "AES128", k.b64, k.md5, "InvalidArgument"},
		{"a short key", "AES256", base64.StdEncoding.EncodeToString([]byte("short")), k.md5, "InvalidArgument"},
		{"a wrong MD5", "AES256", k.b64, other.md5, "InvalidArgument"},
		{"no MD5", "AES256", k.b64, "", "InvalidArgument"},
		{"no key", "AES256", "", k.md5, "InvalidArgument"},
	}
	for _, b := range bad {
		in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("bad"), Body: strings.NewReader("x"), SSECustomerAlgorithm: aws.String(b.algo)}
		if b.key != "" {
			in.SSECustomerKey = aws.String(b.key)
		}
		if b.sum != "" {
			in.SSECustomerKeyMD5 = aws.String(b.sum)
		}
		_, err := c.PutObject(ctx(), in)
		wantAPIError(t, b.what, err, b.code, 400)
	}
	a, kk, sum := withKey(k)
	_, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("both"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum, ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	wantAPIError(t, "SSE-C with x-amz-server-side-encryption", err, "InvalidArgument", 400)
	_, err = c.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String(bucket), Key: aws.String("big"), ObjectAttributes: []s3types.ObjectAttributes{s3types.ObjectAttributesObjectSize}})
	wantAPIError(t, "attributes without the key", err, "InvalidRequest", 400)
	// The key on an object stored without one.
	e.put(bucket, "plain", "plain bytes")
	_, _, err = get("plain", nil, &k)
	wantAPIError(t, "GET of a plain object with a key", err, "InvalidRequest", 400)

	// Copies: SSE-C to SSE-C with another key, SSE-C to plain, plain to
	// SSE-C; a copy from an SSE-C source without its key is refused.
	a2, k2, s2 := withKey(other)
	if _, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy-other"), CopySource: aws.String(bucket + "/big"),
		CopySourceSSECustomerAlgorithm: a, CopySourceSSECustomerKey: kk, CopySourceSSECustomerKeyMD5: sum,
		SSECustomerAlgorithm: a2, SSECustomerKey: k2, SSECustomerKeyMD5: s2}); err != nil {
		t.Fatalf("copy SSE-C → SSE-C: %v", err)
	}
	if b, _, err := get("copy-other", nil, &other); err != nil || !bytes.Equal(b, secret) {
		t.Fatalf("the copy with the other key: %v", err)
	}
	if _, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy-plain"), CopySource: aws.String(bucket + "/big"),
		CopySourceSSECustomerAlgorithm: a, CopySourceSSECustomerKey: kk, CopySourceSSECustomerKeyMD5: sum}); err != nil {
		t.Fatalf("copy SSE-C → plain: %v", err)
	}
	if got := e.get(bucket, "copy-plain"); got != string(secret) {
		t.Fatal("the plain copy differs")
	}
	_, err = c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("copy-nokey"), CopySource: aws.String(bucket + "/big")})
	wantAPIError(t, "copy from SSE-C without the key", err, "InvalidRequest", 400)

	// Multipart: every part with the upload's key; another key refused.
	mp, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"),
		SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum})
	if err != nil || aws.ToString(mp.SSECustomerKeyMD5) != k.md5 {
		t.Fatalf("CreateMultipartUpload: %v", err)
	}
	part1 := bytes.Repeat([]byte("PART-ONE-SECRET "), 5<<20/16)
	part2 := []byte("PART-TWO-SECRET")
	var parts []s3types.CompletedPart
	for i, p := range [][]byte{part1, part2} {
		up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)),
			Body: bytes.NewReader(p), SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum})
		if err != nil {
			t.Fatalf("UploadPart %d: %v", i+1, err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	_, err = c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(3),
		Body: strings.NewReader("x"), SSECustomerAlgorithm: a2, SSECustomerKey: k2, SSECustomerKeyMD5: s2})
	wantAPIError(t, "a part with another key", err, "InvalidArgument", 400)
	_, err = c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(3),
		Body: strings.NewReader("x")})
	wantAPIError(t, "a part without the key", err, "InvalidRequest", 400)
	if _, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	whole := append(append([]byte{}, part1...), part2...)
	if b, _, err := get("mp", nil, &k); err != nil || !bytes.Equal(b, whole) {
		t.Fatalf("the multipart object: %d bytes, %v", len(b), err)
	}
	if b, _, err := get("mp", aws.String("bytes="+itoa(len(part1)-4)+"-"+itoa(len(part1)+3)), &k); err != nil || !bytes.Equal(b, whole[len(part1)-4:len(part1)+4]) {
		t.Fatalf("a range across the parts: %q %v", b, err)
	}
	if blobsHold(t, dir, []byte("PART-ONE-SECRET")) || blobsHold(t, dir, []byte("PART-TWO-SECRET")) {
		t.Fatal("a part's plaintext is in a blob file")
	}
	// The transfer manager (parallel parts) round-trips a larger object.
	big := make([]byte, 17<<20)
	_, _ = rand.Read(big)
	if _, err := manager.NewUploader(c).Upload(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("managed"), Body: bytes.NewReader(big),
		SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum}); err != nil {
		t.Fatal(err)
	}
	if b, _, err := get("managed", nil, &k); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("the managed upload: %v", err)
	}

	// Over plain HTTP, S3 refuses the key.
	plain := newEnvIn(t, t.TempDir())
	pb := plain.bucket("ssec-http")
	_, err = plain.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(pb), Key: aws.String("k"), Body: strings.NewReader("x"),
		SSECustomerAlgorithm: a, SSECustomerKey: kk, SSECustomerKeyMD5: sum})
	wantAPIError(t, "SSE-C over HTTP", err, "InvalidRequest", 400)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestHTTPSTrailingChecksums: over HTTPS the SDK sends bodies unsigned,
// aws-chunked, with the checksum in a trailer; the transfer manager's
// parallel parts and a PutObject verify against it.
func TestHTTPSTrailingChecksums(t *testing.T) {
	e := newTLSEnv(t, server.Config{})
	b := e.bucket("trailers")
	big := make([]byte, 17<<20)
	_, _ = rand.Read(big)
	if _, err := manager.NewUploader(e.S3).Upload(ctx(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("managed"), Body: bytes.NewReader(big),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32c}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(b, "managed"); got != string(big) {
		t.Fatal("the managed upload differs")
	}
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("one"), Body: bytes.NewReader(big[:1<<20]),
		ChecksumAlgorithm: s3types.ChecksumAlgorithmSha256}); err != nil {
		t.Fatal(err)
	}
}

// TestObjectLock: a bucket created with Object Lock (versioning on for
// good), default retention, retention and legal holds set per version,
// GOVERNANCE bypassed only with the header and the permission, COMPLIANCE
// by nobody, lifecycle and DeleteObjects held too; S3's errors for a
// bucket without it; Content-MD5 or a checksum required.
func TestObjectLock(t *testing.T) {
	e := newTLSEnv(t, server.Config{})
	c := e.S3
	const bucket = "locked-bucket"
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(bucket), ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if v, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: aws.String(bucket)}); err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Fatalf("versioning: %+v %v", v, err)
	}
	lc, err := c.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil || lc.ObjectLockConfiguration.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled || lc.ObjectLockConfiguration.Rule != nil {
		t.Fatalf("lock configuration: %+v %v", lc, err)
	}
	_, err = c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}})
	wantAPIError(t, "suspend versioning", err, "InvalidBucketState", 409)

	// A bucket without Object Lock.
	plain := e.bucket("unlocked")
	_, err = c.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: aws.String(plain)})
	wantAPIError(t, "no configuration", err, "ObjectLockConfigurationNotFoundError", 404)
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(plain), Key: aws.String("k"), Body: strings.NewReader("x"),
		ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(time.Now().Add(time.Hour))})
	wantAPIError(t, "lock headers on an unlocked bucket", err, "InvalidRequest", 400)
	rule := func(mode s3types.ObjectLockRetentionMode, days, years *int32) *s3types.ObjectLockConfiguration {
		return &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled,
			Rule: &s3types.ObjectLockRule{DefaultRetention: &s3types.DefaultRetention{Mode: mode, Days: days, Years: years}}}
	}
	_, err = c.PutObjectLockConfiguration(ctx(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(plain), ObjectLockConfiguration: rule("GOVERNANCE", aws.Int32(1), nil)})
	wantAPIError(t, "lock on an unversioned bucket", err, "InvalidBucketState", 409)
	_, err = c.PutObjectLockConfiguration(ctx(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket), ObjectLockConfiguration: rule("GOVERNANCE", aws.Int32(0), nil)})
	wantAPIError(t, "zero days", err, "InvalidArgument", 400)
	_, err = c.PutObjectLockConfiguration(ctx(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket), ObjectLockConfiguration: rule("GOVERNANCE", aws.Int32(1), aws.Int32(1))})
	wantAPIError(t, "days and years", err, "MalformedXML", 400)

	// Default retention: GOVERNANCE for a day.
	if _, err := c.PutObjectLockConfiguration(ctx(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket), ObjectLockConfiguration: rule("GOVERNANCE", aws.Int32(1), nil)}); err != nil {
		t.Fatal(err)
	}
	// With the default retention, a PUT needs Content-MD5 or a checksum.
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), Body: strings.NewReader("governed")},
		func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
	wantAPIError(t, "default retention without a checksum", err, "InvalidRequest", 400)
	put, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), Body: strings.NewReader("governed"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov")})
	if err != nil || h.ObjectLockMode != s3types.ObjectLockModeGovernance || h.ObjectLockRetainUntilDate == nil ||
		h.ObjectLockRetainUntilDate.Sub(time.Now().AddDate(0, 0, 1)).Abs() > time.Minute {
		t.Fatalf("default retention: %+v %v", h, err)
	}
	// Its version cannot be deleted; the key can (a delete marker).
	_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: put.VersionId})
	wantAPIError(t, "delete a GOVERNANCE version", err, "AccessDenied", 403)
	if d, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov")}); err != nil || !aws.ToBool(d.DeleteMarker) {
		t.Fatalf("a delete marker: %+v %v", d, err)
	}
	dr, err := c.DeleteObjects(ctx(), &s3.DeleteObjectsInput{Bucket: aws.String(bucket), Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: aws.String("gov"), VersionId: put.VersionId}}}})
	if err != nil || len(dr.Errors) != 1 || aws.ToString(dr.Errors[0].Code) != "AccessDenied" {
		t.Fatalf("DeleteObjects of a locked version: %+v %v", dr, err)
	}
	// A user without s3:BypassGovernanceRetention cannot bypass it.
	if _, err := e.rootIAM().CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String("deleter")}); err != nil {
		t.Fatal(err)
	}
	ak, sk, _ := e.inlineKey("deleter", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:DeleteObjectVersion","s3:DeleteObject"],"Resource":"*"}]}`)
	deleter := e.client(ak, sk, "us-east-1")
	_, err = deleter.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: put.VersionId, BypassGovernanceRetention: aws.Bool(true)})
	wantAPIError(t, "bypass without the permission", err, "AccessDenied", 403)
	// The root may.
	if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov"), VersionId: put.VersionId, BypassGovernanceRetention: aws.Bool(true)}); err != nil {
		t.Fatalf("bypass as the root: %v", err)
	}

	// COMPLIANCE: extended, never shortened, never deleted.
	comp, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("comp"), Body: strings.NewReader("complied"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
		ObjectLockMode: s3types.ObjectLockModeCompliance, ObjectLockRetainUntilDate: aws.Time(time.Now().Add(2 * time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.GetObjectRetention(ctx(), &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("comp"), VersionId: comp.VersionId})
	if err != nil || r.Retention.Mode != s3types.ObjectLockRetentionModeCompliance {
		t.Fatalf("retention: %+v %v", r, err)
	}
	for _, until := range []time.Duration{time.Hour, 3 * time.Hour} {
		_, err = c.PutObjectRetention(ctx(), &s3.PutObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("comp"), VersionId: comp.VersionId, BypassGovernanceRetention: aws.Bool(true),
			Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(until))}})
		if until == time.Hour {
			wantAPIError(t, "shorten COMPLIANCE", err, "AccessDenied", 403)
		} else if err != nil {
			t.Fatalf("extend COMPLIANCE: %v", err)
		}
	}
	_, err = c.PutObjectRetention(ctx(), &s3.PutObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("comp"), VersionId: comp.VersionId, BypassGovernanceRetention: aws.Bool(true),
		Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(4 * time.Hour))}})
	wantAPIError(t, "COMPLIANCE to GOVERNANCE", err, "AccessDenied", 403)
	_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("comp"), VersionId: comp.VersionId, BypassGovernanceRetention: aws.Bool(true)})
	wantAPIError(t, "delete COMPLIANCE with bypass", err, "AccessDenied", 403)
	_, err = c.PutObjectRetention(ctx(), &s3.PutObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("comp"), VersionId: comp.VersionId,
		Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(-time.Hour))}})
	wantAPIError(t, "a date in the past", err, "InvalidArgument", 400)
	// GOVERNANCE to COMPLIANCE is a change of mode: it needs the bypass.
	gv, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("gov2"), Body: strings.NewReader("g"), ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32,
		ObjectLockMode: s3types.ObjectLockModeGovernance, ObjectLockRetainUntilDate: aws.Time(time.Now().Add(time.Hour))})
	if err != nil {
		t.Fatal(err)
	}
	for _, bypass := range []bool{false, true} {
		_, err = c.PutObjectRetention(ctx(), &s3.PutObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("gov2"), VersionId: gv.VersionId, BypassGovernanceRetention: aws.Bool(bypass),
			Retention: &s3types.ObjectLockRetention{Mode: s3types.ObjectLockRetentionModeCompliance, RetainUntilDate: aws.Time(time.Now().Add(2 * time.Hour))}})
		if !bypass {
			wantAPIError(t, "GOVERNANCE to COMPLIANCE without the bypass", err, "AccessDenied", 403)
		} else if err != nil {
			t.Fatalf("GOVERNANCE to COMPLIANCE with the bypass: %v", err)
		}
	}

	// Legal hold: holds even without retention, even against bypass.
	if _, err := c.PutObjectLockConfiguration(ctx(), &s3.PutObjectLockConfigurationInput{Bucket: aws.String(bucket),
		ObjectLockConfiguration: &s3types.ObjectLockConfiguration{ObjectLockEnabled: s3types.ObjectLockEnabledEnabled}}); err != nil {
		t.Fatal(err)
	}
	held, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("held"), Body: strings.NewReader("held"), ContentMD5: aws.String(md5b64("held"))})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetObjectRetention(ctx(), &s3.GetObjectRetentionInput{Bucket: aws.String(bucket), Key: aws.String("held")})
	wantAPIError(t, "no retention", err, "NoSuchObjectLockConfiguration", 404)
	_, err = c.GetObjectLegalHold(ctx(), &s3.GetObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String("held")})
	wantAPIError(t, "no legal hold", err, "NoSuchObjectLockConfiguration", 404)
	if _, err := c.PutObjectLegalHold(ctx(), &s3.PutObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String("held"),
		LegalHold: &s3types.ObjectLockLegalHold{Status: s3types.ObjectLockLegalHoldStatusOn}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("held"), VersionId: held.VersionId, BypassGovernanceRetention: aws.Bool(true)})
	wantAPIError(t, "delete under legal hold", err, "AccessDenied", 403)
	if _, err := c.PutObjectLegalHold(ctx(), &s3.PutObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String("held"),
		LegalHold: &s3types.ObjectLockLegalHold{Status: s3types.ObjectLockLegalHoldStatusOff}}); err != nil {
		t.Fatal(err)
	}
	if lh, err := c.GetObjectLegalHold(ctx(), &s3.GetObjectLegalHoldInput{Bucket: aws.String(bucket), Key: aws.String("held")}); err != nil || lh.LegalHold.Status != s3types.ObjectLockLegalHoldStatusOff {
		t.Fatalf("legal hold off: %+v %v", lh, err)
	}
	if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("held"), VersionId: held.VersionId}); err != nil {
		t.Fatalf("delete after the hold: %v", err)
	}

	// A multipart upload with a legal hold keeps it.
	mp, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
	if err != nil {
		t.Fatal(err)
	}
	done, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1)}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("mp"), VersionId: done.VersionId})
	wantAPIError(t, "delete a held multipart object", err, "AccessDenied", 403)

	// A PUT with Object Lock parameters must carry Content-MD5 or a
	// checksum (the SDK adds one unless told not to).
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("nomd5"), Body: strings.NewReader("x"), ObjectLockLegalHoldStatus: s3types.ObjectLockLegalHoldStatusOn},
		func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired })
	wantAPIError(t, "no Content-MD5 nor checksum", err, "InvalidRequest", 400)
}

func md5b64(s string) string {
	sum := md5.Sum([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// kmsJSON calls a KMS operation as ak/sk (kms_test.go's client) and
// returns its answer's fields.
func (e *testEnv) kmsJSON(ak, sk, op string, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	return out, e.kmsAs(ak, sk).call(op, in, &out)
}

// TestSSEKMS: objects encrypted with data keys from gureum's KMS, over
// HTTPS: a named key, the AWS managed alias/aws/s3, the bucket's default;
// multipart and copies; no plaintext at rest; the caller needs
// kms:GenerateDataKey to write and kms:Decrypt to read (not to HEAD);
// a disabled or missing key gets S3's KMS errors.
func TestSSEKMS(t *testing.T) {
	dir := t.TempDir()
	e := newTLSEnv(t, server.Config{DataDir: dir})
	c := e.S3
	bucket := e.bucket("ssekms")
	key, err := e.kmsJSON("test", "test", "CreateKey", map[string]any{"Description": "objects"})
	if err != nil {
		t.Fatal(err)
	}
	arn := key["KeyMetadata"].(map[string]any)["Arn"].(string)
	keyID := key["KeyMetadata"].(map[string]any)["KeyId"].(string)
	secret := bytes.Repeat([]byte("KMS-PROTECTED-PLANS "), 5000)
	put, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("named"), Body: bytes.NewReader(secret),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(keyID), BucketKeyEnabled: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if put.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(put.SSEKMSKeyId) != arn || !aws.ToBool(put.BucketKeyEnabled) {
		t.Fatalf("PUT answered %q %q %v", put.ServerSideEncryption, aws.ToString(put.SSEKMSKeyId), aws.ToBool(put.BucketKeyEnabled))
	}
	if blobsHold(t, dir, []byte("KMS-PROTECTED-PLANS")) {
		t.Fatal("the SSE-KMS object's plaintext is in a blob file")
	}
	got, err := c.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("named"), Range: aws.String("bytes=7-30")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if !bytes.Equal(b, secret[7:31]) || aws.ToString(got.SSEKMSKeyId) != arn {
		t.Fatalf("GET range: %q %s", b, aws.ToString(got.SSEKMSKeyId))
	}
	// DSSE-KMS: two layers, two data keys.
	ds, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("dsse"), Body: bytes.NewReader(secret),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKmsDsse, SSEKMSKeyId: aws.String(arn)})
	if err != nil || ds.ServerSideEncryption != s3types.ServerSideEncryptionAwsKmsDsse {
		t.Fatalf("DSSE PUT: %+v %v", ds, err)
	}
	if got := e.get(bucket, "dsse"); got != string(secret) {
		t.Fatal("the DSSE object differs")
	}
	// aws:kms without a key: the account's AWS managed key, alias/aws/s3.
	def, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("managed"), Body: strings.NewReader("managed-key secret"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := e.kmsJSON("test", "test", "DescribeKey", map[string]any{"KeyId": "alias/aws/s3"})
	if err != nil || aws.ToString(def.SSEKMSKeyId) != desc["KeyMetadata"].(map[string]any)["Arn"] || desc["KeyMetadata"].(map[string]any)["KeyManager"] != "AWS" {
		t.Fatalf("the AWS managed key: %s %v %v", aws.ToString(def.SSEKMSKeyId), desc, err)
	}
	if got := e.get(bucket, "managed"); got != "managed-key secret" {
		t.Fatalf("managed: %q", got)
	}
	// The bucket's default encryption, with the key.
	if _, err := c.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String(bucket), ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
		Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String(arn)}}}}}); err != nil {
		t.Fatal(err)
	}
	byDefault, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("default"), Body: strings.NewReader("DEFAULT-ENCRYPTED-NOTE")})
	if err != nil || byDefault.ServerSideEncryption != s3types.ServerSideEncryptionAwsKms || aws.ToString(byDefault.SSEKMSKeyId) != arn {
		t.Fatalf("default encryption: %+v %v", byDefault, err)
	}
	if db, err := os.ReadFile(filepath.Join(dir, "meta.db")); err != nil || bytes.Contains(db, []byte("DEFAULT-ENCRYPTED-NOTE")) {
		t.Fatalf("the small SSE-KMS object's plaintext is in the metadata (%v)", err)
	}
	// Multipart, and a copy to SSE-C and back.
	mp, err := c.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(arn)})
	if err != nil || aws.ToString(mp.SSEKMSKeyId) != arn {
		t.Fatalf("CreateMultipartUpload: %+v %v", mp, err)
	}
	p1 := bytes.Repeat([]byte("MULTIPART-KMS-ONE "), 5<<20/18+1)
	var parts []s3types.CompletedPart
	for i, p := range [][]byte{p1, []byte("MULTIPART-KMS-TWO")} {
		up, err := c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(p)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(int32(i + 1))})
	}
	// A part cannot choose its encryption: the upload did.
	_, err = c.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(3), Body: strings.NewReader("x")},
		func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, smithyhttp.AddHeaderValue("X-Amz-Server-Side-Encryption", "aws:kms"))
		})
	wantAPIError(t, "UploadPart with x-amz-server-side-encryption", err, "InvalidArgument", 400)
	if _, err := c.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(bucket, "mp"); got != string(p1)+"MULTIPART-KMS-TWO" {
		t.Fatal("the multipart SSE-KMS object differs")
	}
	if blobsHold(t, dir, []byte("MULTIPART-KMS-ONE")) {
		t.Fatal("a part's plaintext is in a blob file")
	}
	ck := newSSEKey(t)
	if _, err := c.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("to-ssec"), CopySource: aws.String(bucket + "/named"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(ck.b64), SSECustomerKeyMD5: aws.String(ck.md5)}); err != nil {
		t.Fatalf("copy SSE-KMS → SSE-C: %v", err)
	}

	// Permissions: an IAM user with s3:* only may not use the key; with
	// kms:GenerateDataKey it writes, with kms:Decrypt it reads; HEAD needs
	// neither.
	for _, u := range []struct{ name, kmsActions string }{{"s3only", ""}, {"writer", `,"kms:GenerateDataKey"`}, {"reader", `,"kms:GenerateDataKey","kms:Decrypt"`}} {
		if _, err := e.rootIAM().CreateUser(ctx(), &iam.CreateUserInput{UserName: aws.String(u.name)}); err != nil {
			t.Fatal(err)
		}
		ak, sk, _ := e.inlineKey(u.name, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"`+u.kmsActions+`],"Resource":"*"}]}`)
		uc := e.client(ak, sk, "us-east-1")
		_, err := uc.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("by-" + u.name), Body: strings.NewReader("x"),
			ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(arn)})
		if u.name == "s3only" {
			wantAPIError(t, "PUT without kms:GenerateDataKey", err, "AccessDenied", 403)
			continue
		} else if err != nil {
			t.Fatalf("PUT as %s: %v", u.name, err)
		}
		if _, err := uc.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("named")}); err != nil {
			t.Fatalf("HEAD as %s: %v", u.name, err)
		}
		_, err = uc.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("named")})
		if u.name == "writer" {
			wantAPIError(t, "GET without kms:Decrypt", err, "AccessDenied", 403)
		} else if err != nil {
			t.Fatalf("GET as %s: %v", u.name, err)
		}
	}

	// A key that does not exist; a disabled key, for writes and reads.
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("nokey"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String("arn:aws:kms:us-east-1:000000000000:key/00000000-0000-0000-0000-000000000000")})
	wantAPIError(t, "a missing key", err, "KMS.NotFoundException", 400)
	if _, err := e.kmsJSON("test", "test", "DisableKey", map[string]any{"KeyId": keyID}); err != nil {
		t.Fatal(err)
	}
	_, err = c.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("disabled"), Body: strings.NewReader("x"),
		ServerSideEncryption: s3types.ServerSideEncryptionAwsKms, SSEKMSKeyId: aws.String(arn)})
	wantAPIError(t, "a disabled key", err, "KMS.DisabledException", 400)
	_, err = c.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String("named")})
	wantAPIError(t, "GET with the key disabled", err, "KMS.DisabledException", 400)
	if _, err := e.kmsJSON("test", "test", "EnableKey", map[string]any{"KeyId": keyID}); err != nil {
		t.Fatal(err)
	}
	if got := e.get(bucket, "named"); got != string(secret) {
		t.Fatal("GET after EnableKey differs")
	}
}
