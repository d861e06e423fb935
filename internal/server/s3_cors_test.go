package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// send makes a plain HTTP request as a browser would (unsigned), returning
// the response with its body read.
func (e *testEnv) send(method, url, host string, header map[string]string) (*http.Response, string) {
	e.t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func putCORS(t *testing.T, c *s3.Client, bucket string, rules ...s3types.CORSRule) error {
	t.Helper()
	_, err := c.PutBucketCors(ctx(), &s3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}})
	return err
}

// TestBucketCorsConfiguration: Put, Get and Delete, NoSuchCORSConfiguration
// when there is none, and S3's refusals.
func TestBucketCorsConfiguration(t *testing.T) {
	e := newEnv(t)
	e.bucket("cors")
	_, err := e.S3.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: aws.String("cors")})
	ae := wantCode(t, err, "NoSuchCORSConfiguration")
	wantStatus(t, err, 404)
	if ae.ErrorMessage() != "The CORS configuration does not exist" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	rule := s3types.CORSRule{ID: aws.String("web"), AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag", "x-amz-request-id"}, MaxAgeSeconds: aws.Int32(600)}
	if err := putCORS(t, e.S3, "cors", rule, s3types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.S3.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: aws.String("cors")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CORSRules) != 2 {
		t.Fatalf("rules = %+v", out.CORSRules)
	}
	got := out.CORSRules[0]
	if aws.ToString(got.ID) != "web" || strings.Join(got.AllowedMethods, ",") != "GET,PUT" || strings.Join(got.AllowedOrigins, ",") != "https://app.example" ||
		strings.Join(got.AllowedHeaders, ",") != "*" || strings.Join(got.ExposeHeaders, ",") != "ETag,x-amz-request-id" || aws.ToInt32(got.MaxAgeSeconds) != 600 {
		t.Fatalf("rule = %+v", got)
	}
	if out.CORSRules[1].MaxAgeSeconds != nil || out.CORSRules[1].ID != nil {
		t.Fatalf("second rule = %+v", out.CORSRules[1])
	}

	for _, c := range []struct {
		name string
		rule s3types.CORSRule
		code string
		msg  string
	}{
		{"method", s3types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}, "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is PATCH"},
		{"origin wildcards", s3types.CORSRule{AllowedOrigins: []string{"https://*.*.example"}, AllowedMethods: []string{"GET"}}, "InvalidRequest", `AllowedOrigin "https://*.*.example" can not have more than one wildcard.`},
		{"header wildcards", s3types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"x-*-*"}}, "InvalidRequest", `AllowedHeader "x-*-*" can not have more than one wildcard.`},
	} {
		err := putCORS(t, e.S3, "cors", c.rule)
		ae := wantCode(t, err, c.code)
		if c.msg != "" && ae.ErrorMessage() != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, ae.ErrorMessage(), c.msg)
		}
	}
	if err := putCORS(t, e.S3, "cors"); err == nil {
		t.Fatal("no rules accepted")
	}

	for i := 0; i < 2; i++ {
		if _, err := e.S3.DeleteBucketCors(ctx(), &s3.DeleteBucketCorsInput{Bucket: aws.String("cors")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.S3.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: aws.String("cors")})
	wantCode(t, err, "NoSuchCORSConfiguration")
	_, err = e.S3.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: aws.String("nocors")})
	wantCode(t, err, "NoSuchBucket")
	// Only the owner (or those allowed s3:PutBucketCORS) may set them.
	err = putCORS(t, e.Alt, "cors", rule)
	wantCode(t, err, "AccessDenied")
}

// TestCORSPreflight: browsers' unsigned OPTIONS requests, answered by the
// bucket's rules as S3 answers them.
func TestCORSPreflight(t *testing.T) {
	e := newEnv(t)
	e.bucket("app")
	e.bucket("plain")
	if err := putCORS(t, e.S3, "app",
		s3types.CORSRule{AllowedOrigins: []string{"https://*.example.com"}, AllowedMethods: []string{"PUT", "POST", "DELETE"},
			AllowedHeaders: []string{"Content-Type", "x-amz-*"}, ExposeHeaders: []string{"ETag", "x-amz-version-id"}, MaxAgeSeconds: aws.Int32(3000)},
		s3types.CORSRule{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET", "HEAD"}},
	); err != nil {
		t.Fatal(err)
	}
	preflight := func(path string, h map[string]string) (*http.Response, string) {
		return e.send(http.MethodOptions, e.URL+path, "", h)
	}

	// Chrome's preflight of a PUT with a content type and an SDK header.
	resp, body := preflight("/app/uploads/photo.jpg", map[string]string{
		"Origin": "https://www.example.com", "Access-Control-Request-Method": "PUT",
		"Access-Control-Request-Headers": "content-type,x-amz-date,X-Amz-Content-Sha256",
	})
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("preflight: %d %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://www.example.com",
		"Access-Control-Allow-Methods":     "PUT, POST, DELETE",
		"Access-Control-Allow-Headers":     "content-type, x-amz-date, x-amz-content-sha256",
		"Access-Control-Expose-Headers":    "ETag, x-amz-version-id",
		"Access-Control-Max-Age":           "3000",
		"Access-Control-Allow-Credentials": "true",
		"Vary":                             "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if resp.Header.Get("x-amz-request-id") == "" {
		t.Error("no x-amz-request-id")
	}

	// A rule allowing any origin answers "*" and allows no credentials.
	resp, _ = preflight("/app/index.html", map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET, HEAD" || resp.Header.Get("Access-Control-Max-Age") != "" {
		t.Fatalf("wildcard preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// On the bucket itself (a POST upload form).
	resp, _ = preflight("/app", map[string]string{"Origin": "https://a.example.com", "Access-Control-Request-Method": "POST"})
	if resp.StatusCode != 200 {
		t.Fatalf("bucket preflight: %d", resp.StatusCode)
	}

	notAllowed := "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
	for _, c := range []struct {
		name, path string
		h          map[string]string
		status     int
		code, msg  string
		extra      string
	}{
		{"origin", "/app/k", map[string]string{"Origin": "https://evil.test", "Access-Control-Request-Method": "PUT"}, 403, "AccessForbidden", notAllowed, "<Method>PUT</Method><ResourceType>OBJECT</ResourceType>"},
		{"method", "/app/k", map[string]string{"Origin": "https://www.example.com", "Access-Control-Request-Method": "GET"}, 200, "", "", ""},
		{"header", "/app/k", map[string]string{"Origin": "https://www.example.com", "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"}, 403, "AccessForbidden", notAllowed, ""},
		{"bucket", "/app", map[string]string{"Origin": "https://evil.test", "Access-Control-Request-Method": "DELETE"}, 403, "AccessForbidden", notAllowed, "<ResourceType>BUCKET</ResourceType>"},
		{"no rules", "/plain/k", map[string]string{"Origin": "https://www.example.com", "Access-Control-Request-Method": "GET"}, 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", ""},
		{"no bucket", "/nowhere/k", map[string]string{"Origin": "https://www.example.com", "Access-Control-Request-Method": "GET"}, 403, "AccessForbidden", "CORSResponse: Bucket not found", ""},
		{"no origin", "/app/k", map[string]string{"Access-Control-Request-Method": "GET"}, 400, "BadRequest", "Insufficient information. Origin request header needed.", ""},
		{"no method", "/app/k", map[string]string{"Origin": "https://www.example.com"}, 400, "BadRequest", "Invalid Access-Control-Request-Method: null", ""},
	} {
		resp, body := preflight(c.path, c.h)
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, resp.StatusCode, c.status, body)
			continue
		}
		if c.code == "" {
			// GET is allowed by the second rule, for any origin.
			continue
		}
		if !strings.Contains(body, "<Code>"+c.code+"</Code>") || !strings.Contains(body, "<Message>"+xmlEscape(c.msg)+"</Message>") || !strings.Contains(body, c.extra) {
			t.Errorf("%s: body %s", c.name, body)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: Access-Control-Allow-Origin %q on a refusal", c.name, resp.Header.Get("Access-Control-Allow-Origin"))
		}
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestCORSOnRequests: an actual cross-origin request (a presigned GET, an
// anonymous GET of a private object) gets the Access-Control-* headers of
// the rule that allows its origin and method, on success and on error;
// requests without Origin, or from another origin, get none.
func TestCORSOnRequests(t *testing.T) {
	e := newEnv(t)
	e.bucket("web")
	e.put("web", "data.json", `{"ok":true}`)
	if err := putCORS(t, e.S3, "web", s3types.CORSRule{AllowedOrigins: []string{"https://app.example"}, AllowedMethods: []string{"GET"},
		ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(60)}); err != nil {
		t.Fatal(err)
	}
	ps, err := s3.NewPresignClient(e.S3).PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("web"), Key: aws.String("data.json")}, s3.WithPresignExpires(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.send(http.MethodGet, ps.URL, "", map[string]string{"Origin": "https://app.example"})
	if resp.StatusCode != 200 || body != `{"ok":true}` {
		t.Fatalf("presigned GET: %d %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin": "https://app.example", "Access-Control-Allow-Methods": "GET",
		"Access-Control-Expose-Headers": "ETag", "Access-Control-Max-Age": "60", "Access-Control-Allow-Credentials": "true",
		"Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	// A denied request from an allowed origin still carries them, so the
	// browser lets the page read the error.
	resp, body = e.send(http.MethodGet, e.URL+"/web/data.json", "", map[string]string{"Origin": "https://app.example"})
	if resp.StatusCode != 403 || !strings.Contains(body, "<Code>AccessDenied</Code>") || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Fatalf("anonymous GET: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	for _, h := range []map[string]string{nil, {"Origin": "https://other.example"}} {
		resp, _ = e.send(http.MethodGet, ps.URL, "", h)
		if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" || resp.Header.Get("Vary") != "" {
			t.Fatalf("origin %v: %d %v", h, resp.StatusCode, resp.Header)
		}
	}
	// The method must be allowed too.
	resp, _ = e.send(http.MethodDelete, e.URL+"/web/data.json", "", map[string]string{"Origin": "https://app.example"})
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("DELETE got CORS headers: %v", resp.Header)
	}
}
