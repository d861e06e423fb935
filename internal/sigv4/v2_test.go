package sigv4

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestVerifyV2DocExamples checks the examples of "Authenticating Requests
// (AWS Signature Version 2)".
func TestVerifyV2DocExamples(t *testing.T) {
	tests := []struct {
		name, head string
		now        time.Time
	}{
		{"Object GET", `
GET /photos/puppy.jpg HTTP/1.1
Host: awsexamplebucket1.us-west-1.s3.amazonaws.com
Date: Tue, 27 Mar 2007 19:36:42 +0000
Authorization: AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=
`, time.Date(2007, 3, 27, 19, 36, 42, 0, time.UTC)},
		{"Object PUT", `
PUT /photos/puppy.jpg HTTP/1.1
Content-Type: image/jpeg
Content-Length: 0
Host: awsexamplebucket1.us-west-1.s3.amazonaws.com
Date: Tue, 27 Mar 2007 21:15:45 +0000
Authorization: AWS AKIAIOSFODNN7EXAMPLE:iqRzw+ileNPu1fhspnRs8nOjjIA=
`, time.Date(2007, 3, 27, 21, 15, 45, 0, time.UTC)},
		{"List", `
GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1
User-Agent: Mozilla/5.0
Host: awsexamplebucket1.us-west-1.s3.amazonaws.com
Date: Tue, 27 Mar 2007 19:42:41 +0000
Authorization: AWS AKIAIOSFODNN7EXAMPLE:m0WP8eCtspQl5Ahe6L1SozdX9YA=
`, time.Date(2007, 3, 27, 19, 42, 41, 0, time.UTC)},
		{"Object GET, path style", `
GET /awsexamplebucket1/photos/puppy.jpg HTTP/1.1
Host: s3.us-west-1.amazonaws.com
Date: Tue, 27 Mar 2007 19:36:42 +0000
Authorization: AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=
`, time.Date(2007, 3, 27, 19, 36, 42, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := newVerifier(tt.now).Verify(rawRequest(t, tt.head, nil))
			if err != nil {
				t.Fatal(err)
			}
			if !a.Verified || a.AccessKeyID != docKey || a.SignatureVersion != SignatureV2 || a.Service != "s3" || !a.SignedAt.Equal(tt.now) {
				t.Errorf("auth = %+v", a)
			}
			_, err = newVerifier(tt.now.Add(time.Hour)).Verify(rawRequest(t, tt.head, nil))
			wantError(t, err, "RequestTimeTooSkewed", msgSkewed)
			v := newVerifier(tt.now)
			v.DisableV2 = true
			_, err = v.Verify(rawRequest(t, tt.head, nil))
			wantError(t, err, "InvalidRequest", msgV2)
		})
	}
}

// signV2 signs a request the way boto 2 and s3cmd do.
func signV2(r *http.Request, resource string) { signV2Date(r, resource, false) }

// signV2Date signs as signV2; withDate keeps the Date header in the string
// to sign even beside x-amz-date, as botocore does.
func signV2Date(r *http.Request, resource string, withDate bool) {
	var amz []string
	for k, v := range r.Header {
		if lk := strings.ToLower(k); strings.HasPrefix(lk, "x-amz-") {
			amz = append(amz, lk+":"+strings.TrimSpace(strings.Join(v, ","))+"\n")
		}
	}
	slices.Sort(amz)
	date := r.Header.Get("Date")
	if r.Header.Get("X-Amz-Date") != "" && !withDate {
		date = ""
	}
	sts := r.Method + "\n" + r.Header.Get("Content-Md5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n" + strings.Join(amz, "") + resource
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write([]byte(sts))
	r.Header.Set("Authorization", "AWS "+testKey+":"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
}

func TestVerifyV2(t *testing.T) {
	stamp := testTime.Format(http.TimeFormat)
	tests := []struct {
		name, target, host, resource string
		headers                      map[string]string
		code                         string
	}{
		{"path style", "/bucket/a%20b", testHost, "/bucket/a%20b", nil, ""},
		{"path-style bucket signed with its slash", "/bucket?prefix=x", testHost, "/bucket/", nil, ""},
		{"path-style bucket signed as sent", "/bucket?acl", testHost, "/bucket?acl", nil, ""},
		{"path-style bucket, another bucket signed", "/bucket", testHost, "/other/", nil, "SignatureDoesNotMatch"},
		{"virtual host", "/a%20b", "bucket.localhost:4566", "/bucket/a%20b", nil, ""},
		{"sub-resources", "/bucket/k?versionId=3&acl&prefix=x&uploadId=u%20v", testHost, "/bucket/k?acl&uploadId=u v&versionId=3", nil, ""},
		{"amz headers", "/bucket/k", testHost, "/bucket/k", map[string]string{"X-Amz-Meta-A": " one ", "X-Amz-Date": stamp, "Content-Type": "text/plain", "Content-Md5": "xyz"}, ""},
		{"another resource", "/bucket/k", testHost, "/bucket/other", nil, "SignatureDoesNotMatch"},
		{"a sub-resource left out", "/bucket/k?acl", testHost, "/bucket/k", nil, "SignatureDoesNotMatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawRequest(t, "GET "+tt.target+" HTTP/1.1\nHost: "+tt.host+"\nDate: "+stamp+"\n", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			signV2(r, tt.resource)
			a, err := newVerifier(testTime).Verify(r)
			if errCode(err) != tt.code {
				t.Fatalf("error = %v, want %q", err, tt.code)
			}
			if err == nil && (!a.Verified || a.AccessKeyID != testKey) {
				t.Errorf("auth = %+v", a)
			}
			if err != nil {
				wantError(t, err, tt.code, msgMismatch, [2]string{"AWSAccessKeyId", testKey}, [2]string{"CanonicalRequest", ""})
			}
		})
	}
	if !slices.IsSorted(v2SubResources) {
		t.Error("v2SubResources is not sorted")
	}
}

// TestVerifyV2DateBesideAmzDate: botocore signs the Date header even when
// x-amz-date is set; such a request verifies, and its x-amz-date decides
// the clock check.
func TestVerifyV2DateBesideAmzDate(t *testing.T) {
	stamp := testTime.Format(http.TimeFormat)
	for _, tc := range []struct {
		amzDate, code string
	}{
		{stamp, ""},
		{"Tue, 07 Jul 2010 21:53:04 GMT", "RequestTimeTooSkewed"},
	} {
		r := rawRequest(t, "GET /bucket/k HTTP/1.1\nHost: "+testHost+"\nDate: "+stamp+"\nX-Amz-Date: "+tc.amzDate+"\n", nil)
		signV2Date(r, "/bucket/k", true)
		if _, err := newVerifier(testTime).Verify(r); errCode(err) != tc.code {
			t.Errorf("x-amz-date %s: error %v, want %q", tc.amzDate, err, tc.code)
		}
	}
	// An empty x-amz-date is a missing date, though Date is there (S3:
	// 403 AccessDenied), not a fall back to Date.
	r0 := rawRequest(t, "GET /bucket/k HTTP/1.1\nHost: "+testHost+"\nDate: "+stamp+"\n", nil)
	r0.Header["X-Amz-Date"] = []string{""}
	signV2Date(r0, "/bucket/k", true)
	if _, err := newVerifier(testTime).Verify(r0); errCode(err) != "AccessDenied" {
		t.Errorf("empty x-amz-date: %v, want AccessDenied", err)
	}
	// A signature over neither form still fails.
	r := rawRequest(t, "GET /bucket/k HTTP/1.1\nHost: "+testHost+"\nDate: "+stamp+"\nX-Amz-Date: "+stamp+"\n", nil)
	signV2Date(r, "/bucket/other", true)
	if _, err := newVerifier(testTime).Verify(r); errCode(err) != "SignatureDoesNotMatch" {
		t.Errorf("wrong resource: %v", err)
	}
}

func TestVerifyV2Query(t *testing.T) {
	expires := testTime.Add(time.Hour).Unix()
	sts := "GET\n\n\n" + itoa(expires) + "\nx-amz-security-token:tok\n/bucket/photos/puppy.jpg"
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write([]byte(sts))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	q := url.Values{"AWSAccessKeyId": {testKey}, "Expires": {itoa(expires)}, "Signature": {sig}, "x-amz-security-token": {"tok"}}
	r := rawRequest(t, "GET /bucket/photos/puppy.jpg?"+q.Encode()+" HTTP/1.1\nHost: "+testHost+"\n", nil)
	a, err := newVerifier(testTime).Verify(r)
	if err != nil || !a.Presigned || !a.Verified || a.SecurityToken != "tok" {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	r = rawRequest(t, "GET /bucket/photos/puppy.jpg?"+q.Encode()+" HTTP/1.1\nHost: "+testHost+"\n", nil)
	_, err = newVerifier(testTime.Add(2 * time.Hour)).Verify(r)
	wantError(t, err, "AccessDenied", msgExpired, [2]string{"Expires", testTime.Add(time.Hour).Format(serverTimeFormat)})
	q.Del("Expires")
	r = rawRequest(t, "GET /bucket/photos/puppy.jpg?"+q.Encode()+" HTTP/1.1\nHost: "+testHost+"\n", nil)
	_, err = newVerifier(testTime).Verify(r)
	wantError(t, err, "AccessDenied", "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
