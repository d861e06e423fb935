package server_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum/gureum/internal/server"
)

type s3Error struct {
	Code, Message, StringToSign, AWSAccessKeyId, RequestId, HostId string
	MaxAllowedSkewMilliseconds                                     string
}

func doRaw(t *testing.T, req *http.Request) (*http.Response, s3Error, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var e s3Error
	_ = xml.Unmarshal(b, &e)
	return resp, e, b
}

func signed(t *testing.T, e *testEnv, method, path, ak, sk string, at time.Time, body string) *http.Request {
	t.Helper()
	req, _ := http.NewRequest(method, e.URL+path, strings.NewReader(body))
	sum := sha256.Sum256([]byte(body))
	h := hex.EncodeToString(sum[:])
	req.Header.Set("x-amz-content-sha256", h)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, h, "s3", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return req
}

func TestSigV4Errors(t *testing.T) {
	e := newEnv(t)
	e.bucket("auth")
	e.put("auth", "k", "secret data")

	resp, se, _ := doRaw(t, signed(t, e, "GET", "/auth/k", "test", "wrong", time.Now(), ""))
	if resp.StatusCode != 403 || se.Code != "SignatureDoesNotMatch" || !strings.HasPrefix(se.StringToSign, "AWS4-HMAC-SHA256\n") || se.AWSAccessKeyId != "test" {
		t.Fatalf("bad secret: %d %+v", resp.StatusCode, se)
	}
	if resp.Header.Get("x-amz-request-id") == "" || resp.Header.Get("x-amz-id-2") == "" || se.RequestId == "" {
		t.Fatalf("missing request ids: %v", resp.Header)
	}
	resp, se, _ = doRaw(t, signed(t, e, "GET", "/auth/k", "AKIANOBODY", "x", time.Now(), ""))
	if resp.StatusCode != 403 || se.Code != "InvalidAccessKeyId" {
		t.Fatalf("unknown key: %d %+v", resp.StatusCode, se)
	}
	resp, se, _ = doRaw(t, signed(t, e, "GET", "/auth/k", "test", "test", time.Now().Add(-20*time.Minute), ""))
	if resp.StatusCode != 403 || se.Code != "RequestTimeTooSkewed" || se.MaxAllowedSkewMilliseconds != "900000" {
		t.Fatalf("skew: %d %+v", resp.StatusCode, se)
	}
	req := signed(t, e, "GET", "/auth/k", "test", "test", time.Now(), "")
	req.Header.Set("Authorization", strings.Replace(req.Header.Get("Authorization"), "Credential=test/", "Credential=test", 1))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 400 || se.Code != "AuthorizationHeaderMalformed" {
		t.Fatalf("malformed: %d %+v", resp.StatusCode, se)
	}
	// A body that does not match its signed hash.
	req = signed(t, e, "PUT", "/auth/k2", "test", "test", time.Now(), "original")
	req.Body = io.NopCloser(strings.NewReader("tampered"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 400 || se.Code != "XAmzContentSHA256Mismatch" {
		t.Fatalf("tampered body: %d %+v", resp.StatusCode, se)
	}
	if _, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("auth"), Key: aws.String("k2")}); err == nil {
		t.Fatal("tampered PUT stored an object")
	}
	// Anonymous requests are denied (no public access without a policy).
	resp, se, _ = doRaw(t, mustReq("GET", e.URL+"/auth/k"))
	if resp.StatusCode != 403 || se.Code != "AccessDenied" {
		t.Fatalf("anonymous: %d %+v", resp.StatusCode, se)
	}
	// A good signature works.
	resp, _, body := doRaw(t, signed(t, e, "GET", "/auth/k", "test", "test", time.Now(), ""))
	if resp.StatusCode != 200 || string(body) != "secret data" {
		t.Fatalf("signed GET: %d %q", resp.StatusCode, body)
	}
}

func mustReq(method, url string) *http.Request {
	r, _ := http.NewRequest(method, url, nil)
	return r
}

func TestPresignedURLs(t *testing.T) {
	e := newEnv(t)
	e.bucket("pre")
	e.put("pre", "a b/c+d.txt", "presigned body")
	ps := s3.NewPresignClient(e.S3)
	get, err := ps.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("a b/c+d.txt")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, _, body := doRaw(t, mustReq("GET", get.URL))
	if resp.StatusCode != 200 || string(body) != "presigned body" {
		t.Fatalf("presigned GET: %d %q", resp.StatusCode, body)
	}
	put, err := ps.PresignPutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("pre"), Key: aws.String("up.txt")})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", put.URL, strings.NewReader("uploaded"))
	resp, se, _ := doRaw(t, req)
	if resp.StatusCode != 200 {
		t.Fatalf("presigned PUT: %d %+v", resp.StatusCode, se)
	}
	if got := e.get("pre", "up.txt"); got != "uploaded" {
		t.Fatalf("presigned PUT stored %q", got)
	}
	// Tampering with the URL breaks the signature.
	resp, se, _ = doRaw(t, mustReq("GET", strings.Replace(get.URL, "c%2Bd", "c%2Be", 1)))
	if resp.StatusCode != 403 || se.Code != "SignatureDoesNotMatch" {
		t.Fatalf("tampered URL: %d %+v", resp.StatusCode, se)
	}
	// Expiry is enforced.
	old, err := ps.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("a b/c+d.txt")}, s3.WithPresignExpires(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	resp, se, _ = doRaw(t, mustReq("GET", old.URL))
	if resp.StatusCode != 403 || se.Code != "AccessDenied" || se.Message != "Request has expired" {
		t.Fatalf("expired URL: %d %+v", resp.StatusCode, se)
	}
	// More than seven days is refused.
	week, _ := ps.PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("pre"), Key: aws.String("up.txt")}, s3.WithPresignExpires(8*24*time.Hour))
	resp, se, _ = doRaw(t, mustReq("GET", week.URL))
	if resp.StatusCode != 400 || se.Code != "AuthorizationQueryParametersError" {
		t.Fatalf("8-day URL: %d %+v", resp.StatusCode, se)
	}
}

// postForm builds a browser-form upload signed with SigV4, as an HTML page
// made by a backend would.
func postForm(t *testing.T, e *testEnv, bucket string, fields map[string]string, conditions []any, file []byte) *http.Request {
	t.Helper()
	return postFormAs(t, e, "test", "test", bucket, fields, conditions, file)
}

// postFormAs is postForm signed with the given keys.
func postFormAs(t *testing.T, e *testEnv, ak, sk, bucket string, fields map[string]string, conditions []any, file []byte) *http.Request {
	t.Helper()
	now := time.Now().UTC()
	cred := ak + "/" + now.Format("20060102") + "/us-east-1/s3/aws4_request"
	fields["x-amz-algorithm"] = "AWS4-HMAC-SHA256"
	fields["x-amz-credential"] = cred
	fields["x-amz-date"] = now.Format("20060102T150405Z")
	conds := append([]any{map[string]string{"bucket": bucket}, map[string]string{"x-amz-algorithm": "AWS4-HMAC-SHA256"},
		map[string]string{"x-amz-credential": cred}, map[string]string{"x-amz-date": fields["x-amz-date"]}}, conditions...)
	pol, _ := json.Marshal(map[string]any{"expiration": now.Add(time.Hour).Format(time.RFC3339), "conditions": conds})
	fields["policy"] = base64.StdEncoding.EncodeToString(pol)
	mac := func(k []byte, s string) []byte { h := hmac.New(sha256.New, k); h.Write([]byte(s)); return h.Sum(nil) }
	key := mac(mac(mac(mac([]byte("AWS4"+sk), now.Format("20060102")), "us-east-1"), "s3"), "aws4_request")
	fields["x-amz-signature"] = hex.EncodeToString(mac(key, fields["policy"]))
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", "cat.png")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", e.URL+"/"+bucket, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func TestBrowserPostUpload(t *testing.T) {
	e := newEnv(t)
	e.bucket("post")
	req := postForm(t, e, "post", map[string]string{"key": "uploads/${filename}", "Content-Type": "image/png"},
		[]any{[]any{"starts-with", "$key", "uploads/"}, []any{"eq", "$Content-Type", "image/png"}, []any{"content-length-range", 1, 1000}}, []byte("PNG DATA"))
	resp, se, _ := doRaw(t, req)
	if resp.StatusCode != 204 {
		t.Fatalf("POST: %d %+v", resp.StatusCode, se)
	}
	h, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("post"), Key: aws.String("uploads/cat.png")})
	if err != nil || aws.ToString(h.ContentType) != "image/png" {
		t.Fatalf("uploaded object: %+v, %v", h, err)
	}
	req = postForm(t, e, "post", map[string]string{"key": "x", "success_action_status": "201"},
		[]any{map[string]string{"key": "x"}, map[string]string{"success_action_status": "201"}}, []byte("data"))
	resp, _, body := doRaw(t, req)
	if resp.StatusCode != 201 || !bytes.Contains(body, []byte("<PostResponse><Location>")) || !bytes.Contains(body, []byte("<Key>x</Key>")) {
		// S3's PostResponse has no namespace: clients find <Key> unqualified.
		t.Fatalf("POST 201: %d %s", resp.StatusCode, body)
	}
	// The form's tagging field tags the object.
	doc := `<Tagging><TagSet><Tag><Key>team</Key><Value>web</Value></Tag><Tag><Key>env</Key><Value>dev</Value></Tag></TagSet></Tagging>`
	req = postForm(t, e, "post", map[string]string{"key": "tagged", "tagging": doc},
		[]any{map[string]string{"key": "tagged"}, map[string]string{"tagging": doc}}, []byte("data"))
	if resp, se, _ := doRaw(t, req); resp.StatusCode != 204 {
		t.Fatalf("POST with tagging: %d %+v", resp.StatusCode, se)
	}
	tags, err := e.S3.GetObjectTagging(ctx(), &s3.GetObjectTaggingInput{Bucket: aws.String("post"), Key: aws.String("tagged")})
	if err != nil || len(tags.TagSet) != 2 || aws.ToString(tags.TagSet[0].Key) != "team" || aws.ToString(tags.TagSet[1].Value) != "dev" {
		t.Fatalf("tags of the POSTed object: %+v %v", tags, err)
	}
	req = postForm(t, e, "post", map[string]string{"key": "badtags", "tagging": "<Tagging><TagSet>"},
		[]any{map[string]string{"key": "badtags"}, []any{"starts-with", "$tagging", ""}}, []byte("data"))
	if resp, se, _ := doRaw(t, req); resp.StatusCode != 400 || se.Code != "MalformedXML" {
		t.Fatalf("POST with malformed tagging: %d %+v", resp.StatusCode, se)
	}
	req = postForm(t, e, "post", map[string]string{"key": "other/x"}, []any{[]any{"starts-with", "$key", "uploads/"}}, []byte("data"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 403 || se.Code != "AccessDenied" || !strings.Contains(se.Message, "Policy Condition failed") {
		t.Fatalf("condition: %d %+v", resp.StatusCode, se)
	}
	req = postForm(t, e, "post", map[string]string{"key": "uploads/big"}, []any{[]any{"starts-with", "$key", "uploads/"}, []any{"content-length-range", 1, 3}}, []byte("too large"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 400 || se.Code != "EntityTooLarge" {
		t.Fatalf("too large: %d %+v", resp.StatusCode, se)
	}
	req = postForm(t, e, "post", map[string]string{"key": "uploads/y", "extra": "1"}, []any{[]any{"starts-with", "$key", "uploads/"}}, []byte("d"))
	resp, se, _ = doRaw(t, req)
	if resp.StatusCode != 403 || !strings.Contains(se.Message, "Extra input fields: extra") {
		t.Fatalf("extra field: %d %+v", resp.StatusCode, se)
	}
}

func TestEdgeEndpoints(t *testing.T) {
	e := newEnv(t)
	resp, _, body := doRaw(t, mustReq("GET", e.URL+"/_gureum/health"))
	var h struct {
		Status   string
		Version  string
		Services map[string]string
	}
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 || h.Services["s3"] != "running" || h.Version != "test" {
		t.Fatalf("health: %d %s", resp.StatusCode, body)
	}
	e.bucket("metrics")
	resp, _, body = doRaw(t, mustReq("GET", e.URL+"/_gureum/metrics"))
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`gureum_requests_total{service="s3",operation="CreateBucket",status="200"} 1`)) ||
		!bytes.Contains(body, []byte("gureum_request_duration_seconds_bucket")) || !bytes.Contains(body, []byte("gureum_sent_bytes_total")) {
		t.Fatalf("metrics: %s", body)
	}
	// A service gureum does not have answers with an AWS error, not a 404 page.
	req, _ := http.NewRequest("POST", e.URL+"/", strings.NewReader("Action=ListQueues&Version=2012-11-05"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte("Action=ListQueues&Version=2012-11-05"))
	v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(sum[:]), "sqs", "us-east-1", time.Now())
	resp, _, body = doRaw(t, req)
	if resp.StatusCode != 501 || !bytes.Contains(body, []byte("<Code>NotImplemented</Code>")) || !bytes.Contains(body, []byte("<ErrorResponse")) {
		t.Fatalf("unknown service: %d %s", resp.StatusCode, body)
	}
}

// resign signs req (empty body) as the root user, for the Host it carries.
func resign(t *testing.T, req *http.Request) *http.Request {
	t.Helper()
	h := hex.EncodeToString(func() []byte { s := sha256.Sum256(nil); return s[:] }())
	req.Header.Set("x-amz-content-sha256", h)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, h, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	return req
}

// TestEarlyErrorWithUnreadBody checks that an error decided before the body
// is read (here: anonymous PUT) is answered at once, not after the server
// waits for a body the client holds back (Expect: 100-continue).
func TestEarlyErrorWithUnreadBody(t *testing.T) {
	e := newEnv(t)
	e.bucket("early")
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("PUT", e.URL+"/early/k", pr)
	req.ContentLength = 123
	req.Header.Set("Expect", "100-continue")
	done := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			done <- resp
		}
	}()
	select {
	case resp := <-done:
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("status %d, want 403", resp.StatusCode)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("no answer without the body: the server waits for it")
	}
}

// TestUnsupportedHeaders: S3 answers 501 NotImplemented naming the
// header for a chunked transfer encoding (no Content-Length), and refuses
// customer-provided keys over plain HTTP.
func TestUnsupportedHeaders(t *testing.T) {
	e := newEnv(t)
	e.bucket("hdrs")
	req, _ := http.NewRequest("PUT", e.URL+"/hdrs/streamed", io.NopCloser(strings.NewReader("some bytes")))
	req.ContentLength = -1 // net/http sends Transfer-Encoding: chunked
	req.Header.Set("x-amz-content-sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, se, body := doRaw(t, req)
	if resp.StatusCode != 501 || se.Code != "NotImplemented" || !strings.Contains(string(body), "<Header>Transfer-Encoding</Header>") {
		t.Fatalf("chunked PUT: %d %s", resp.StatusCode, body)
	}
	if _, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("hdrs"), Key: aws.String("streamed")}); err == nil {
		t.Fatal("the refused PUT stored an object")
	}
	// Customer-provided keys: S3 refuses them over plain HTTP.
	key := bytes.Repeat([]byte("k"), 32)
	sum := md5.Sum(key)
	_, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("hdrs"), Key: aws.String("ssec"), Body: strings.NewReader("secret"),
		SSECustomerAlgorithm: aws.String("AES256"), SSECustomerKey: aws.String(base64.StdEncoding.EncodeToString(key)),
		SSECustomerKeyMD5: aws.String(base64.StdEncoding.EncodeToString(sum[:]))})
	if ae := wantCode(t, err, "InvalidRequest"); ae.ErrorMessage() != "Requests specifying Server Side Encryption with Customer provided keys must be made over a secure connection." {
		t.Fatal(ae.ErrorMessage())
	}
	if _, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("hdrs"), Key: aws.String("ssec")}); err == nil {
		t.Fatal("the refused SSE-C PUT stored an object")
	}
	// Object Lock is built (TestObjectLock); false asks for nothing.
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("unlocked"), ObjectLockEnabledForBucket: aws.Bool(false)}); err != nil {
		t.Fatalf("object lock false: %v", err)
	}
}

// TestAuthErrorsInEachServicesWords: a request signed too long ago is
// EC2's 400 RequestExpired for EC2; a service gureum does not serve that
// speaks JSON (Lambda) gets its NotImplemented in JSON the SDKs parse.
func TestAuthErrorsInEachServicesWords(t *testing.T) {
	e := newTLSEnv(t, server.Config{}) // over HTTPS with gureum's CA
	body := "Action=DescribeVpcs&Version=2016-11-15"
	req, _ := http.NewRequest("POST", e.URL+"/", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(sum[:]), "ec2", "us-east-1", time.Now().Add(-16*time.Minute)); err != nil {
		t.Fatal(err)
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "<Code>RequestExpired</Code>") || !strings.Contains(string(b), "Request has expired.") {
		t.Fatalf("EC2 signed 16 minutes ago: %d %s", resp.StatusCode, b)
	}
	req, _ = http.NewRequest("GET", e.URL+"/2015-03-31/functions/", nil)
	empty := sha256.Sum256(nil)
	if err := v4.NewSigner().SignHTTP(ctx(), aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, req, hex.EncodeToString(empty[:]), "lambda", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err = e.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var je struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}
	if resp.StatusCode != 501 || json.Unmarshal(b, &je) != nil || je.Type != "NotImplemented" || resp.Header.Get("x-amzn-ErrorType") != "NotImplemented" {
		t.Fatalf("Lambda: %d %s", resp.StatusCode, b)
	}
}
