package server_test

import (
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func putWebsite(t *testing.T, c *s3.Client, bucket string, cfg *s3types.WebsiteConfiguration) error {
	t.Helper()
	_, err := c.PutBucketWebsite(ctx(), &s3.PutBucketWebsiteInput{Bucket: aws.String(bucket), WebsiteConfiguration: cfg})
	return err
}

// publicSite makes a bucket whose objects anyone may read (Block Public
// Access off, a policy allowing s3:GetObject to "*"), and, with list,
// s3:ListBucket too (so a missing page is 404, not 403).
func (e *testEnv) publicSite(name string, list bool) {
	e.t.Helper()
	e.bucket(name)
	if _, err := e.S3.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: aws.String(name)}); err != nil {
		e.t.Fatal(err)
	}
	stmt := `{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + name + `/*"}`
	if list {
		stmt += `,{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::` + name + `"}`
	}
	if _, err := e.S3.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: aws.String(name),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[` + stmt + `]}`)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *testEnv) putHTML(bucket, key, body string) {
	e.t.Helper()
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: stringsReader(body), ContentType: aws.String("text/html")}); err != nil {
		e.t.Fatal(err)
	}
}

// web requests path from a bucket's website endpoint, as a browser does.
func (e *testEnv) web(method, bucket, path string, h map[string]string) (*http.Response, string) {
	e.t.Helper()
	u, _ := url.Parse(e.URL)
	return e.send(method, e.URL+path, bucket+".s3-website-us-east-1.localhost:"+u.Port(), h)
}

// TestBucketWebsiteConfiguration: Put, Get and Delete, with S3's absent
// code and its refusals.
func TestBucketWebsiteConfiguration(t *testing.T) {
	e := newEnv(t)
	e.bucket("site")
	_, err := e.S3.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	ae := wantCode(t, err, "NoSuchWebsiteConfiguration")
	wantStatus(t, err, 404)
	if ae.ErrorMessage() != "The specified bucket does not have a website configuration" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	rules := []s3types.RoutingRule{
		{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/")}, Redirect: &s3types.Redirect{ReplaceKeyPrefixWith: aws.String("documents/")}},
		{Condition: &s3types.Condition{HttpErrorCodeReturnedEquals: aws.String("404")},
			Redirect: &s3types.Redirect{HostName: aws.String("example.com"), Protocol: s3types.ProtocolHttps, HttpRedirectCode: aws.String("302"), ReplaceKeyWith: aws.String("missing.html")}},
	}
	cfg := &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")},
		ErrorDocument: &s3types.ErrorDocument{Key: aws.String("404.html")}, RoutingRules: rules}
	if err := putWebsite(t, e.S3, "site", cfg); err != nil {
		t.Fatal(err)
	}
	out, err := e.S3.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.IndexDocument.Suffix) != "index.html" || aws.ToString(out.ErrorDocument.Key) != "404.html" || out.RedirectAllRequestsTo != nil || len(out.RoutingRules) != 2 {
		t.Fatalf("website = %+v", out)
	}
	r0, r1 := out.RoutingRules[0], out.RoutingRules[1]
	if aws.ToString(r0.Condition.KeyPrefixEquals) != "docs/" || aws.ToString(r0.Redirect.ReplaceKeyPrefixWith) != "documents/" ||
		aws.ToString(r1.Condition.HttpErrorCodeReturnedEquals) != "404" || aws.ToString(r1.Redirect.HostName) != "example.com" ||
		r1.Redirect.Protocol != s3types.ProtocolHttps || aws.ToString(r1.Redirect.HttpRedirectCode) != "302" || aws.ToString(r1.Redirect.ReplaceKeyWith) != "missing.html" {
		t.Fatalf("rules = %+v %+v", r0, r1)
	}
	// Replaced whole.
	if err := putWebsite(t, e.S3, "site", &s3types.WebsiteConfiguration{RedirectAllRequestsTo: &s3types.RedirectAllRequestsTo{HostName: aws.String("example.com")}}); err != nil {
		t.Fatal(err)
	}
	out, err = e.S3.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	if err != nil || out.IndexDocument != nil || aws.ToString(out.RedirectAllRequestsTo.HostName) != "example.com" {
		t.Fatalf("website = %+v, %v", out, err)
	}

	index := &s3types.IndexDocument{Suffix: aws.String("index.html")}
	rule := func(r s3types.Redirect) s3types.RoutingRule { return s3types.RoutingRule{Redirect: &r} }
	many := make([]s3types.RoutingRule, 51)
	for i := range many {
		many[i] = rule(s3types.Redirect{HostName: aws.String("example.com")})
	}
	for _, c := range []struct {
		name string
		cfg  *s3types.WebsiteConfiguration
		code string
		msg  string
	}{
		{"empty", &s3types.WebsiteConfiguration{}, "InvalidArgument", "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"},
		{"suffix", &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("a/index.html")}}, "InvalidArgument", "The IndexDocument Suffix is not well formed"},
		{"both", &s3types.WebsiteConfiguration{IndexDocument: index, RedirectAllRequestsTo: &s3types.RedirectAllRequestsTo{HostName: aws.String("example.com")}},
			"InvalidArgument", "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."},
		{"many", &s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: many}, "InvalidRequest",
			"51 routing rules provided, the number of routing rules in a website configuration is limited to 50."},
		{"code 300", &s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{rule(s3types.Redirect{HttpRedirectCode: aws.String("300")})}},
			"InvalidRequest", "The provided HTTP redirect code (300) is not valid. Valid codes are 3XX except 300."},
		{"two keys", &s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{rule(s3types.Redirect{ReplaceKeyWith: aws.String("a"), ReplaceKeyPrefixWith: aws.String("b/")})}},
			"InvalidRequest", "You can only define ReplaceKeyPrefix or ReplaceKey but not both."},
		{"on 302", &s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{{
			Condition: &s3types.Condition{HttpErrorCodeReturnedEquals: aws.String("302")}, Redirect: &s3types.Redirect{HostName: aws.String("example.com")}}}},
			"InvalidRequest", "The provided HTTP error code (302) is not valid. Valid codes are 4XX or 5XX."},
		{"empty condition", &s3types.WebsiteConfiguration{IndexDocument: index, RoutingRules: []s3types.RoutingRule{{
			Condition: &s3types.Condition{}, Redirect: &s3types.Redirect{HostName: aws.String("example.com")}}}},
			"InvalidRequest", "Condition cannot be empty. To redirect all requests without a condition, the condition element shouldn't be present."},
	} {
		err := putWebsite(t, e.S3, "site", c.cfg)
		ae := wantCode(t, err, c.code)
		if ae.ErrorMessage() != c.msg {
			t.Errorf("%s: message %q, want %q", c.name, ae.ErrorMessage(), c.msg)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := e.S3.DeleteBucketWebsite(ctx(), &s3.DeleteBucketWebsiteInput{Bucket: aws.String("site")}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.S3.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: aws.String("site")})
	wantCode(t, err, "NoSuchWebsiteConfiguration")
	_, err = e.S3.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: aws.String("nosite")})
	wantCode(t, err, "NoSuchBucket")
	wantCode(t, putWebsite(t, e.Alt, "site", &s3types.WebsiteConfiguration{IndexDocument: index}), "AccessDenied")
}

// TestWebsiteEndpoint: a public site served on its website endpoint by
// Host: index documents, the folder redirect, the error document with the
// error's status, object redirects and S3's HTML error pages.
func TestWebsiteEndpoint(t *testing.T) {
	e := newEnv(t)
	e.publicSite("www", true)
	e.putHTML("www", "index.html", "<h1>home</h1>")
	e.putHTML("www", "docs/index.html", "<h1>docs</h1>")
	e.putHTML("www", "about.html", "<h1>about</h1>")
	e.putHTML("www", "404.html", "<h1>not here</h1>")
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("www"), Key: aws.String("old.html"), Body: stringsReader(""),
		WebsiteRedirectLocation: aws.String("/about.html")}); err != nil {
		t.Fatal(err)
	}
	// Before there is a configuration.
	resp, body := e.web("GET", "www", "/", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "<li>Code: NoSuchWebsiteConfiguration</li>") ||
		!strings.Contains(body, "<li>Message: The specified bucket does not have a website configuration</li>") || !strings.Contains(body, "<li>BucketName: www</li>") {
		t.Fatalf("no configuration: %d %s", resp.StatusCode, body)
	}
	if err := putWebsite(t, e.S3, "www", &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")},
		ErrorDocument: &s3types.ErrorDocument{Key: aws.String("404.html")}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path, body string
	}{{"/", "<h1>home</h1>"}, {"/docs/", "<h1>docs</h1>"}, {"/about.html", "<h1>about</h1>"}} {
		resp, body := e.web("GET", "www", c.path, nil)
		if resp.StatusCode != 200 || body != c.body || resp.Header.Get("Content-Type") != "text/html" || resp.Header.Get("ETag") == "" {
			t.Errorf("GET %s: %d %q %v", c.path, resp.StatusCode, body, resp.Header)
		}
	}
	// Every form of the endpoint's name.
	u, _ := url.Parse(e.URL)
	for _, host := range []string{"www.s3-website.us-east-1.localhost", "www.s3-website.localhost", "WWW.S3-Website-us-east-1.localhost"} {
		resp, body := e.send("GET", e.URL+"/", host+":"+u.Port(), nil)
		if resp.StatusCode != 200 || body != "<h1>home</h1>" {
			t.Errorf("host %s: %d %s", host, resp.StatusCode, body)
		}
	}
	// A folder without its slash.
	resp, _ = e.web("GET", "www", "/docs", nil)
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/docs/" {
		t.Fatalf("/docs: %d %v", resp.StatusCode, resp.Header)
	}
	// An object's own redirect.
	resp, _ = e.web("GET", "www", "/old.html", nil)
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "/about.html" {
		t.Fatalf("/old.html: %d %v", resp.StatusCode, resp.Header)
	}
	// A missing page: the error document, with 404.
	resp, body = e.web("GET", "www", "/nope.html", nil)
	if resp.StatusCode != 404 || body != "<h1>not here</h1>" || resp.Header.Get("Content-Type") != "text/html" {
		t.Fatalf("missing: %d %s", resp.StatusCode, body)
	}
	// HEAD: status and headers alone.
	resp, body = e.web("HEAD", "www", "/", nil)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != "13" {
		t.Fatalf("HEAD: %d %v", resp.StatusCode, resp.Header)
	}
	// Conditional GET.
	etag := resp.Header.Get("ETag")
	resp, _ = e.web("GET", "www", "/", map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 304 {
		t.Fatalf("If-None-Match: %d", resp.StatusCode)
	}
	// Only GET and HEAD.
	resp, body = e.web("POST", "www", "/", nil)
	if resp.StatusCode != 405 || !strings.Contains(body, "<title>405 Method Not Allowed</title>") || !strings.Contains(body, "<li>Code: MethodNotAllowed</li>") ||
		!strings.Contains(body, "<li>Method: POST</li>") || !strings.Contains(body, "<li>ResourceType: OBJECT</li>") {
		t.Fatalf("POST: %d %s", resp.StatusCode, body)
	}

	// Without the error document: S3's page, and for the error document
	// itself missing, both errors.
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("www"), Key: aws.String("404.html")}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.web("GET", "www", "/nope.html", nil)
	if resp.StatusCode != 404 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("missing error document: %d %v", resp.StatusCode, resp.Header)
	}
	for _, want := range []string{"<head><title>404 Not Found</title></head>", "<h1>404 Not Found</h1>", "<li>Code: NoSuchKey</li>",
		"<li>Message: The specified key does not exist.</li>", "<li>Key: nope.html</li>", "<li>RequestId: " + resp.Header.Get("x-amz-request-id") + "</li>",
		"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>", "<li>Key: 404.html</li>", "<hr/>"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if err := putWebsite(t, e.S3, "www", &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}); err != nil {
		t.Fatal(err)
	}
	resp, body = e.web("GET", "www", "/nope/", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "<li>Key: nope/index.html</li>") || strings.Contains(body, "<h3>") {
		t.Fatalf("no error document: %d %s", resp.StatusCode, body)
	}

	// No such bucket.
	resp, body = e.web("GET", "nobucket", "/", nil)
	if resp.StatusCode != 404 || !strings.Contains(body, "<li>Code: NoSuchBucket</li>") || !strings.Contains(body, "<li>BucketName: nobucket</li>") {
		t.Fatalf("no bucket: %d %s", resp.StatusCode, body)
	}
}

// TestWebsiteAccess: the website endpoint reads as an anonymous caller. A
// bucket left private answers 403 AccessDenied pages; one that lets anyone
// read objects but not list answers 403 for a missing page (with its
// error document); a signed request gains nothing.
func TestWebsiteAccess(t *testing.T) {
	e := newEnv(t)
	e.bucket("private")
	e.putHTML("private", "index.html", "secret")
	cfg := &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &s3types.ErrorDocument{Key: aws.String("error.html")}}
	if err := putWebsite(t, e.S3, "private", cfg); err != nil {
		t.Fatal(err)
	}
	resp, body := e.web("GET", "private", "/", nil)
	if resp.StatusCode != 403 {
		t.Fatalf("private: %d %s", resp.StatusCode, body)
	}
	for _, want := range []string{"<title>403 Forbidden</title>", "<li>Code: AccessDenied</li>", "<li>Message: Access Denied</li>",
		"<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "secret") {
		t.Fatal("private content served")
	}
	// The owner's signature does not matter on the website endpoint.
	ps, err := s3.NewPresignClient(e.S3).PresignGetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("private"), Key: aws.String("index.html")})
	if err != nil {
		t.Fatal(err)
	}
	pu, _ := url.Parse(ps.URL)
	u, _ := url.Parse(e.URL)
	resp, _ = e.send("GET", e.URL+pu.RequestURI(), "private.s3-website-us-east-1.localhost:"+u.Port(), nil)
	if resp.StatusCode != 403 {
		t.Fatalf("presigned on the website endpoint: %d", resp.StatusCode)
	}

	// Readable objects, no listing: a missing page is 403, served with
	// the error document and that status.
	e.publicSite("pub", false)
	e.putHTML("pub", "index.html", "home")
	e.putHTML("pub", "error.html", "oops")
	if err := putWebsite(t, e.S3, "pub", cfg); err != nil {
		t.Fatal(err)
	}
	resp, body = e.web("GET", "pub", "/missing", nil)
	if resp.StatusCode != 403 || body != "oops" {
		t.Fatalf("missing without list: %d %s", resp.StatusCode, body)
	}
	// Block Public Access shuts the site.
	setPAB(t, e.S3, "pub", false, false, false, true)
	resp, body = e.web("GET", "pub", "/", nil)
	if resp.StatusCode != 403 || !strings.Contains(body, "<li>Code: AccessDenied</li>") {
		t.Fatalf("RestrictPublicBuckets: %d %s", resp.StatusCode, body)
	}
}

// TestWebsiteRedirects: RedirectAllRequestsTo and routing rules (by key
// prefix before the read, by error code after it).
func TestWebsiteRedirects(t *testing.T) {
	e := newEnv(t)
	e.publicSite("old", true)
	if err := putWebsite(t, e.S3, "old", &s3types.WebsiteConfiguration{RedirectAllRequestsTo: &s3types.RedirectAllRequestsTo{HostName: aws.String("new.example.com"), Protocol: s3types.ProtocolHttps}}); err != nil {
		t.Fatal(err)
	}
	resp, _ := e.web("GET", "old", "/a/b.html", nil)
	if resp.StatusCode != 301 || resp.Header.Get("Location") != "https://new.example.com/a/b.html" {
		t.Fatalf("redirect all: %d %v", resp.StatusCode, resp.Header)
	}

	e.publicSite("docs", true)
	e.putHTML("docs", "index.html", "home")
	e.putHTML("docs", "documents/intro.html", "intro")
	if err := putWebsite(t, e.S3, "docs", &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")},
		RoutingRules: []s3types.RoutingRule{
			{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/")}, Redirect: &s3types.Redirect{ReplaceKeyPrefixWith: aws.String("documents/")}},
			{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("images/"), HttpErrorCodeReturnedEquals: aws.String("404")},
				Redirect: &s3types.Redirect{HostName: aws.String("img.example.com"), ReplaceKeyPrefixWith: aws.String("")}},
			{Condition: &s3types.Condition{HttpErrorCodeReturnedEquals: aws.String("404")},
				Redirect: &s3types.Redirect{HostName: aws.String("example.com"), Protocol: s3types.ProtocolHttps, HttpRedirectCode: aws.String("302"), ReplaceKeyWith: aws.String("missing.html")}},
		}}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.URL)
	host := "docs.s3-website-us-east-1.localhost:" + u.Port()
	for _, c := range []struct {
		path     string
		status   int
		location string
	}{
		{"/docs/intro.html", 301, "http://" + host + "/documents/intro.html"},
		{"/images/cat.png", 301, "http://img.example.com/cat.png"},
		{"/gone.html", 302, "https://example.com/missing.html"},
		{"/documents/intro.html", 200, ""},
	} {
		resp, _ := e.web("GET", "docs", c.path, nil)
		if resp.StatusCode != c.status || resp.Header.Get("Location") != c.location {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, resp.StatusCode, resp.Header.Get("Location"), c.status, c.location)
		}
	}
}

// TestWebsiteCurl: the website endpoint as curl (a browser's requests)
// sees it.
func TestWebsiteCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	e := newEnv(t)
	e.publicSite("curl", true)
	e.putHTML("curl", "index.html", "hello from curl")
	if err := putWebsite(t, e.S3, "curl", &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}}); err != nil {
		t.Fatal(err)
	}
	if err := putCORS(t, e.S3, "curl", s3types.CORSRule{AllowedOrigins: []string{"http://localhost:8080"}, AllowedMethods: []string{"GET"}}); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(e.URL)
	host := "curl.s3-website-us-east-1.localhost:" + u.Port()
	out, err := exec.Command(curl, "-sS", "-i", "--resolve", host+":127.0.0.1", "http://"+host+"/").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "HTTP/1.1 200") || !strings.HasSuffix(string(out), "hello from curl") {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	// A preflight, as a page on localhost:8080 sends it.
	out, err = exec.Command(curl, "-sS", "-i", "-X", "OPTIONS", "-H", "Origin: http://localhost:8080", "-H", "Access-Control-Request-Method: GET",
		e.URL+"/curl/index.html").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "HTTP/1.1 200") || !strings.Contains(string(out), "Access-Control-Allow-Origin: http://localhost:8080") {
		t.Fatalf("curl preflight: %v\n%s", err, out)
	}
}
