package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestVerifyHeaderDocExamples checks the examples of "Signature Calculations
// for the Authorization Header: Transferring Payload in a Single Chunk".
func TestVerifyHeaderDocExamples(t *testing.T) {
	const content = "Welcome to Amazon S3."
	tests := []struct {
		name, head, body string
	}{
		{"GET Object", `
GET /test.txt HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Range: bytes=0-9
x-amz-content-sha256: ` + EmptySHA256 + `
x-amz-date: ` + docStamp + `
Authorization: AWS4-HMAC-SHA256 Credential=` + docKey + `/` + docScope + `,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41
`, ""},
		{"PUT Object", `
PUT /test%24file.text HTTP/1.1
Host: examplebucket.s3.amazonaws.com
Date: Fri, 24 May 2013 00:00:00 GMT
x-amz-date: ` + docStamp + `
x-amz-storage-class: REDUCED_REDUNDANCY
x-amz-content-sha256: 44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072
Content-Length: 21
Authorization: AWS4-HMAC-SHA256 Credential=` + docKey + `/` + docScope + `,SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd
`, content},
		{"GET Bucket Lifecycle", `
GET /?lifecycle HTTP/1.1
Host: examplebucket.s3.amazonaws.com
x-amz-content-sha256: ` + EmptySHA256 + `
x-amz-date: ` + docStamp + `
Authorization: AWS4-HMAC-SHA256 Credential=` + docKey + `/` + docScope + `,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543
`, ""},
		{"GET Bucket (List Objects)", `
GET /?max-keys=2&prefix=J HTTP/1.1
Host: examplebucket.s3.amazonaws.com
x-amz-content-sha256: ` + EmptySHA256 + `
x-amz-date: ` + docStamp + `
Authorization: AWS4-HMAC-SHA256 Credential=` + docKey + `/` + docScope + `,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7
`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rawRequest(t, tt.head, []byte(tt.body))
			a, err := newVerifier(docTime).Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			if !a.Verified || a.AccessKeyID != docKey || a.Region != "us-east-1" || a.Service != "s3" || !a.SignedAt.Equal(docTime) {
				t.Errorf("auth = %+v", a)
			}
			got, err := readBody(r)
			if err != nil || string(got) != tt.body {
				t.Errorf("body = %q, %v", got, err)
			}
		})
	}
}

// awkwardKeys are object keys whose paths test the canonical URI.
var awkwardKeys = []string{
	"plain.txt", "a b", "a+b", "100%", "50%2F", "ü/中/日本語", "a//b", "/leading", "//double-leading",
	"trailing/", "!*'()~=&:@$,;", "a?b#c", "dir/sub/key.tar.gz", "tab\there", "~tilde", "per%cent+plus space",
}

func TestVerifyHeaderSDK(t *testing.T) {
	body := []byte("hello, gureum")
	type request struct {
		method, target string
		body           []byte
		headers        map[string]string
		payload        string
	}
	var tests []request
	for _, key := range awkwardKeys {
		path := s3Path("bucket", key)
		tests = append(tests,
			request{"GET", path, nil, nil, EmptySHA256},
			request{"PUT", path, body, map[string]string{"Content-Type": "text/plain", "X-Amz-Meta-Note": "  two  spaces\tand tab  "}, sha256HexBytes(body)},
			request{"PUT", path, body, nil, UnsignedPayload},
			request{"DELETE", path + "?versionId=" + url.QueryEscape(key), nil, nil, EmptySHA256},
		)
	}
	tests = append(tests,
		request{"GET", "/bucket?list-type=2&prefix=a%20b%2Bc&delimiter=%2F&encoding-type=url", nil, nil, EmptySHA256},
		request{"GET", "/bucket?acl", nil, nil, EmptySHA256},
		request{"GET", "/?x-id=ListBuckets&max-buckets=10&b=2&a=1&a=0&A=3", nil, nil, EmptySHA256},
		request{"GET", "/bucket/k?response-content-disposition=" + url.QueryEscape(`attachment; filename="a b.txt"`), nil, nil, EmptySHA256},
		request{"POST", "/bucket?delete", []byte("<Delete/>"), map[string]string{"Content-Md5": "x"}, sha256Hex("<Delete/>")},
	)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" "+tt.payload[:8], func(t *testing.T) {
			r := sdkSign(t, clientRequest(t, tt.method, tt.target, tt.body, tt.headers), tt.payload, "s3", testTime, testCreds)
			a, err := newVerifier(testTime).Verify(r)
			if err != nil {
				t.Fatalf("%s %s: %v", tt.method, r.RequestURI, err)
			}
			want := Auth{AccessKeyID: testKey, Region: "us-east-1", Service: "s3", SignedAt: testTime, Verified: true, PayloadHash: tt.payload}
			if a.AccessKeyID != want.AccessKeyID || a.Region != want.Region || a.Service != want.Service ||
				!a.SignedAt.Equal(want.SignedAt) || a.Verified != want.Verified || a.PayloadHash != want.PayloadHash || a.Anonymous || a.Presigned {
				t.Errorf("auth = %+v, want %+v", a, want)
			}
			got, err := readBody(r)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Errorf("body = %q, %v", got, err)
			}
		})
	}
}

// TestVerifyHeaderSessionToken checks that the token of temporary
// credentials reaches Auth and must be signed.
func TestVerifyHeaderSessionToken(t *testing.T) {
	creds := testCreds
	creds.SessionToken = "the/token+of=the&session"
	r := sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, creds)
	a, err := newVerifier(testTime).Verify(r)
	if err != nil {
		t.Fatal(err)
	}
	if a.SecurityToken != creds.SessionToken {
		t.Errorf("SecurityToken = %q", a.SecurityToken)
	}
	r = sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, testCreds)
	r.Header.Set("X-Amz-Security-Token", "added-later")
	_, err = newVerifier(testTime).Verify(r)
	wantError(t, err, "AccessDenied", msgNotSigned, [2]string{"HeadersNotSigned", "x-amz-security-token"})
}

// TestVerifyHeaderOtherServices signs query-protocol requests the way the
// SDK signs IAM, STS and EC2: no x-amz-content-sha256, the hash of the form.
func TestVerifyHeaderOtherServices(t *testing.T) {
	for _, service := range []string{"iam", "sts", "ec2"} {
		t.Run(service, func(t *testing.T) {
			form := []byte("Action=GetCallerIdentity&Version=2011-06-15&Name=a%20b")
			req := clientRequest(t, "POST", "/", form, map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
			r := sdkSign(t, req, sha256HexBytes(form), service, testTime, testCreds)
			a, err := newVerifier(testTime).Verify(r)
			if err != nil {
				t.Fatal(err)
			}
			if a.Service != service || !a.Verified || a.PayloadHash != sha256HexBytes(form) {
				t.Errorf("auth = %+v", a)
			}
			if got, err := readBody(r); err != nil || !bytes.Equal(got, form) {
				t.Errorf("body = %q, %v", got, err)
			}

			// Another body than the signed one.
			req = clientRequest(t, "POST", "/", form, nil)
			r = sdkSign(t, req, sha256HexBytes(form), service, testTime, testCreds)
			r.Body = io.NopCloser(strings.NewReader("Action=DeleteUser"))
			_, err = newVerifier(testTime).Verify(r)
			wantError(t, err, "SignatureDoesNotMatch", msgMismatch)

			// A body over the limit.
			req = clientRequest(t, "POST", "/", form, nil)
			r = sdkSign(t, req, sha256HexBytes(form), service, testTime, testCreds)
			v := newVerifier(testTime)
			v.MaxBufferedBody = 10
			_, err = v.Verify(r)
			wantError(t, err, "RequestEntityTooLarge", "")
		})
	}
}

// edit changes a signed request before it is verified.
type edit func(r *http.Request)

func setHeader(name, value string) edit {
	return func(r *http.Request) {
		if value == "" {
			r.Header.Del(name)
		} else {
			r.Header.Set(name, value)
		}
	}
}

func replaceAuth(old, new string) edit {
	return func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
	}
}

func setAuth(value string) edit { return setHeader("Authorization", value) }

func TestVerifyHeaderErrors(t *testing.T) {
	day := testTime.Format(ShortDateFormat)
	malformed := func(detail string) string { return msgMalformedPrefix + detail }
	tests := []struct {
		name    string
		edit    edit
		code    string
		message string
		extra   [][2]string
	}{
		{"no change", func(*http.Request) {}, "", "", nil},
		{"signature in upper case", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-64]+strings.ToUpper(h[len(h)-64:]))
		}, "", "", nil},
		{"no spaces after the commas", replaceAuth(", ", ","), "", "", nil},
		{"spaces around everything", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			h = strings.ReplaceAll(h, ", ", " ,  ")
			h = strings.ReplaceAll(h, "=", " = ")
			r.Header.Set("Authorization", "  "+h+"  ")
		}, "", "", nil},
		{"components in another order", func(r *http.Request) {
			a, _ := parseAuthorization(r.Header.Get("Authorization"))
			r.Header.Set("Authorization", Algorithm+" Signature="+a.signature+", SignedHeaders="+a.signedHeadersRaw+", Credential="+testKey+"/"+a.scope.String())
		}, "", "", nil},
		{"no Credential", replaceAuth("Credential=", "Credentials="), "AuthorizationHeaderMalformed", "", nil},
		{"no Signature", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:strings.Index(h, ", Signature=")])
		}, "AuthorizationHeaderMalformed", malformed(msgComponents), nil},
		{"no SignedHeaders", func(r *http.Request) {
			a, _ := parseAuthorization(r.Header.Get("Authorization"))
			r.Header.Set("Authorization", Algorithm+" Credential="+testKey+"/"+a.scope.String()+", Signature="+a.signature)
		}, "AuthorizationHeaderMalformed", malformed(msgComponents), nil},
		{"a component without =", replaceAuth(", Signature=", ", Signature, x="), "AuthorizationHeaderMalformed", malformed(`the authorization component "Signature" is malformed.`), nil},
		{"only the algorithm", setAuth(Algorithm), "AuthorizationHeaderMalformed", malformed(msgComponents), nil},
		{"credential of four parts", replaceAuth("/us-east-1/", "/"), "AuthorizationHeaderMalformed", malformed(msgMalformedCred), nil},
		{"credential of six parts", replaceAuth("/aws4_request", "/aws4_request/x"), "AuthorizationHeaderMalformed", malformed(msgMalformedCred), nil},
		{"empty access key", replaceAuth("Credential="+testKey, "Credential="), "AuthorizationHeaderMalformed", malformed(msgMalformedCred), nil},
		{"scope date of seven digits", replaceAuth("/"+day+"/", "/"+day[:7]+"/"), "AuthorizationHeaderMalformed",
			malformed(`incorrect date format "` + day[:7] + `". This date in the credential must be in the format "yyyyMMdd".`), nil},
		{"scope date that is no date", replaceAuth("/"+day+"/", "/20261328/"), "AuthorizationHeaderMalformed",
			malformed(`incorrect date format "20261328". This date in the credential must be in the format "yyyyMMdd".`), nil},
		{"another terminator", replaceAuth("aws4_request", "aws4_reques"), "AuthorizationHeaderMalformed",
			malformed(`incorrect terminal "aws4_reques". This endpoint uses "aws4_request".`), nil},
		{"scope date not the request date", replaceAuth("/"+day+"/", "/20261127/"), "AuthorizationHeaderMalformed",
			malformed(`Invalid credential date "20261127". This date is not the same as X-Amz-Date: "` + day + `".`), nil},
		{"Signature Version 2 of another request", setAuth("AWS " + testKey + ":frJIUN8DYpKDtOLCwo//yllqDzg="), "SignatureDoesNotMatch", msgMismatch, nil},
		{"Signature Version 2 without a colon", setAuth("AWS " + testKey), "InvalidArgument", msgV2Header, nil},
		{"Bearer", setAuth("Bearer token"), "InvalidArgument", "Unsupported Authorization Type",
			[][2]string{{"ArgumentName", "Authorization"}, {"ArgumentValue", "Bearer token"}}},
		{"SigV4a", setAuth("AWS4-ECDSA-P256-SHA256 Credential=x"), "NotImplemented", "", nil},
		{"presigned parameters too", func(r *http.Request) {
			r.RequestURI += "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
		}, "InvalidArgument", msgOneMechanism, [][2]string{{"ArgumentName", "Authorization"}}},
		{"no x-amz-content-sha256", setHeader("X-Amz-Content-Sha256", ""), "InvalidRequest", msgSHA256Missing, nil},
		{"x-amz-content-sha256 of 63 digits", setHeader("X-Amz-Content-Sha256", EmptySHA256[1:]), "InvalidArgument", msgSHA256Invalid,
			[][2]string{{"ArgumentName", "x-amz-content-sha256"}, {"ArgumentValue", EmptySHA256[1:]}}},
		{"x-amz-content-sha256 in lower case", setHeader("X-Amz-Content-Sha256", "unsigned-payload"), "InvalidArgument", msgSHA256Invalid, nil},
		{"ECDSA chunks", setHeader("X-Amz-Content-Sha256", streamingECDSAPayload), "NotImplemented", "", nil},
		{"no date", setHeader("X-Amz-Date", ""), "AccessDenied", msgMissingDate, nil},
		{"x-amz-date in another format", setHeader("X-Amz-Date", "2026-11-28T12:30:45Z"), "AccessDenied", msgMissingDate, nil},
		{"an x-amz-* header not signed", setHeader("X-Amz-Meta-Size", "1"), "AccessDenied", msgNotSigned,
			[][2]string{{"HeadersNotSigned", "x-amz-meta-size"}}},
		{"two x-amz-* headers not signed", func(r *http.Request) {
			r.Header.Set("X-Amz-Tagging", "a=b")
			r.Header.Set("X-Amz-Acl", "public-read")
		}, "AccessDenied", msgNotSigned, [][2]string{{"HeadersNotSigned", "x-amz-acl, x-amz-tagging"}}},
		{"an unsigned header that is not x-amz-*", setHeader("X-Forwarded-For", "1.2.3.4"), "", "", nil},
		{"host not signed", replaceAuth("SignedHeaders=host;", "SignedHeaders="), "AccessDenied", msgNotSigned,
			[][2]string{{"HeadersNotSigned", "host"}}},
		{"unknown access key", replaceAuth(testKey, "AKIAUNKNOWN"), "InvalidAccessKeyId", msgUnknownKey,
			[][2]string{{"AWSAccessKeyId", "AKIAUNKNOWN"}}},
		{"another host", func(r *http.Request) { r.Host = "elsewhere:4566" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"another method", func(r *http.Request) { r.Method = "DELETE" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"another path", func(r *http.Request) { r.RequestURI = "/b/other?prefix=a%20b" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"another query", func(r *http.Request) { r.RequestURI = "/b/k?prefix=a%20c" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"one more parameter", func(r *http.Request) { r.RequestURI += "&versionId=null" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"an escaped slash for a slash", func(r *http.Request) { r.RequestURI = "/b%2Fk?prefix=a%20b" }, "SignatureDoesNotMatch", msgMismatch, nil},
		{"another value of a signed header", setHeader("X-Amz-Meta-Color", "blue"), "SignatureDoesNotMatch", msgMismatch, nil},
		{"short signature", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-2])
		}, "SignatureDoesNotMatch", msgMismatch, nil},
		{"signature not hex", func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-1]+"z")
		}, "SignatureDoesNotMatch", msgMismatch, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := clientRequest(t, "GET", "/b/k?prefix=a%20b", nil, map[string]string{"X-Amz-Meta-Color": "red"})
			r := sdkSign(t, req, EmptySHA256, "s3", testTime, testCreds)
			tt.edit(r)
			a, err := newVerifier(testTime).Verify(r)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Verify: %v (%+v)", err, asError(err))
				}
				if !a.Verified {
					t.Errorf("auth = %+v", a)
				}
				return
			}
			wantError(t, err, tt.code, tt.message, tt.extra...)
		})
	}
}

// TestVerifyHeaderMismatchStrings checks the strings S3 returns with
// SignatureDoesNotMatch, built here by hand from the documentation.
func TestVerifyHeaderMismatchStrings(t *testing.T) {
	other := testCreds
	other.SecretAccessKey = "another secret"
	req := clientRequest(t, "GET", "/b/a%20key?prefix=a%20b&a=1", nil, nil)
	r := sdkSign(t, req, EmptySHA256, "s3", testTime, other)
	_, err := newVerifier(testTime).Verify(r)
	stamp := testTime.Format(AmzDateFormat)
	canonical := "GET\n/b/a%20key\na=1&prefix=a%20b\n" +
		"host:" + testHost + "\nx-amz-content-sha256:" + EmptySHA256 + "\nx-amz-date:" + stamp + "\n\n" +
		"host;x-amz-content-sha256;x-amz-date\n" + EmptySHA256
	sts := "AWS4-HMAC-SHA256\n" + stamp + "\n20261128/us-east-1/s3/aws4_request\n" + sha256Hex(canonical)
	sig := r.Header.Get("Authorization")
	sig = sig[len(sig)-64:]
	wantError(t, err, "SignatureDoesNotMatch", msgMismatch,
		[2]string{"AWSAccessKeyId", testKey},
		[2]string{"StringToSign", sts},
		[2]string{"SignatureProvided", sig},
		[2]string{"StringToSignBytes", hexBytes(sts)},
		[2]string{"CanonicalRequest", canonical},
		[2]string{"CanonicalRequestBytes", hexBytes(canonical)})
	var names []string
	for _, kv := range asError(err).Extra {
		names = append(names, kv[0])
	}
	if got := strings.Join(names, ","); got != "AWSAccessKeyId,StringToSign,SignatureProvided,StringToSignBytes,CanonicalRequest,CanonicalRequestBytes" {
		t.Errorf("extras in the order %s", got)
	}
	if got := hexBytes("AWS4\n"); got != "41 57 53 34 0a" {
		t.Errorf("hexBytes = %q", got)
	}
}

// TestVerifyHeaderCanonical sends targets and headers by hand and reads
// the canonical request S3 would compute back from SignatureDoesNotMatch.
func TestVerifyHeaderCanonical(t *testing.T) {
	tests := []struct{ target, uri, query string }{
		{"/test-bucket?b=2&a=1", "/test-bucket", "a=1&b=2"},
		{"/test-bucket?a=2&a=1&a=&A=3", "/test-bucket", "A=3&a=&a=1&a=2"},
		{"/test-bucket?acl&b=", "/test-bucket", "acl=&b="},
		{"/test-bucket?a=b+c&d=e%2Bf&g=%20", "/test-bucket", "a=b%20c&d=e%2Bf&g=%20"},
		{"/test-bucket?k=1&k-x=2&k.y=3&k0=4", "/test-bucket", "k=1&k-x=2&k.y=3&k0=4"},
		{"/test-bucket?k=%c3%bc~!*'()&l=a=b&m=a:b/c", "/test-bucket", "k=%C3%BC~%21%2A%27%28%29&l=a%3Db&m=a%3Ab%2Fc"},
		{"/test-bucket?a&&b=1&", "/test-bucket", "a=&b=1"},
		{"/test-bucket?bad=%zz%4", "/test-bucket", "bad=%25zz%254"},
		{"/test-bucket/a%20b/a+b", "/test-bucket/a%20b/a%2Bb", ""},
		{"/test-bucket/%c3%bc/%E4%B8%AD", "/test-bucket/%C3%BC/%E4%B8%AD", ""},
		{"/test-bucket/!*'()~=&:@$,;", "/test-bucket/%21%2A%27%28%29~%3D%26%3A%40%24%2C%3B", ""},
		{"/test-bucket/%21%2A%27%28%29%7E%3D%26%3A", "/test-bucket/%21%2A%27%28%29~%3D%26%3A", ""},
		{"/test-bucket/a%2fb%2F", "/test-bucket/a%2Fb%2F", ""},
		{"/test-bucket//a//b/", "/test-bucket//a//b/", ""},
		{"/test-bucket/./../x", "/test-bucket/./../x", ""},
		{"http://" + testHost + "/test-bucket/abs?x=1", "/test-bucket/abs", "x=1"},
		{"http://" + testHost, "/", ""},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			const signed = "host;x-amz-content-sha256;x-amz-date;x-amz-meta-s"
			stamp := testTime.Format(AmzDateFormat)
			head := "GET " + tt.target + " HTTP/1.1\nHost: " + testHost + "\nx-amz-content-sha256: UNSIGNED-PAYLOAD\nx-amz-date: " + stamp +
				"\nx-amz-meta-s:  a   b \t c  \nX-Amz-Meta-S: second\nAuthorization: AWS4-HMAC-SHA256 Credential=" + testKey + "/20261128/us-east-1/s3/aws4_request, SignedHeaders=" + signed + ", Signature=00\n"
			r := rawRequest(t, head, nil)
			_, err := newVerifier(testTime).Verify(r)
			want := strings.Join([]string{"GET", tt.uri, tt.query, "host:" + testHost, "x-amz-content-sha256:UNSIGNED-PAYLOAD",
				"x-amz-date:" + stamp, "x-amz-meta-s:a b c,second", "", signed, UnsignedPayload}, "\n")
			wantError(t, err, "SignatureDoesNotMatch", msgMismatch, [2]string{"CanonicalRequest", want}, [2]string{"SignatureProvided", "00"})
		})
	}
}

func TestVerifyHeaderTime(t *testing.T) {
	tests := []struct {
		name   string
		offset time.Duration // server time minus request time
		edit   edit
		code   string
	}{
		{"now", 0, nil, ""},
		{"15 minutes late", 15 * time.Minute, nil, ""},
		{"15 minutes early", -15 * time.Minute, nil, ""},
		{"15 minutes and a second late", 15*time.Minute + time.Second, nil, "RequestTimeTooSkewed"},
		{"15 minutes and a second early", -15*time.Minute - time.Second, nil, "RequestTimeTooSkewed"},
		// S3 looks at the key and the signature before the time.
		{"too late with a bad signature", time.Hour, replaceAuth("Signature=", "Signature=0"), "SignatureDoesNotMatch"},
		{"too late with an unknown key", time.Hour, replaceAuth(testKey, "AKIAUNKNOWN"), "InvalidAccessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, testCreds)
			if tt.edit != nil {
				tt.edit(r)
			}
			now := testTime.Add(tt.offset)
			_, err := newVerifier(now).Verify(r)
			if errCode(err) != tt.code {
				t.Fatalf("error = %v, want %s", err, tt.code)
			}
			if tt.code == "RequestTimeTooSkewed" {
				wantError(t, err, tt.code, msgSkewed,
					[2]string{"RequestTime", testTime.Format(AmzDateFormat)},
					[2]string{"ServerTime", now.Format(serverTimeFormat)},
					[2]string{"MaxAllowedSkewMilliseconds", "900000"})
			}
		})
	}

	// The Date header when there is no x-amz-date.
	stamp := docTime.Format(http.TimeFormat)
	req := clientRequest(t, "GET", "/b/k", nil, map[string]string{"Date": stamp})
	r := sdkSign(t, req, EmptySHA256, "s3", docTime, testCreds)
	r.Header.Del("X-Amz-Date")
	// Sign again without x-amz-date: the SDK always adds it, so do it by hand.
	a, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		t.Fatal(err)
	}
	signed := []string{"date", "host", "x-amz-content-sha256"}
	canonical := canonicalRequest(r, "/b/k", "", signed, "date;host;x-amz-content-sha256", EmptySHA256, true)
	sig := Sign(SigningKey(testSecret, "20130524", "us-east-1", "s3"), stringToSign(docStamp, a.scope, canonical))
	r.Header.Set("Authorization", Algorithm+" Credential="+testKey+"/"+docScope+", SignedHeaders=date;host;x-amz-content-sha256, Signature="+sig)
	if _, err := newVerifier(docTime.Add(time.Minute)).Verify(r); err != nil {
		t.Fatalf("Date header: %v", err)
	}
	_, err2 := newVerifier(docTime.Add(time.Hour)).Verify(r)
	wantError(t, err2, "RequestTimeTooSkewed", msgSkewed, [2]string{"RequestTime", stamp})
}

func TestVerifyPayloadHash(t *testing.T) {
	body := []byte("the payload")
	other := []byte("another payload")
	r := sdkSign(t, clientRequest(t, "PUT", "/b/k", body, nil), sha256HexBytes(body), "s3", testTime, testCreds)
	r.Body = io.NopCloser(bytes.NewReader(other))
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	got, err := readBody(r)
	if !bytes.Equal(got, other) {
		t.Errorf("body = %q", got)
	}
	wantError(t, err, "XAmzContentSHA256Mismatch", msgSHA256Mismatch,
		[2]string{"ClientComputedContentSHA256", sha256HexBytes(body)},
		[2]string{"S3ComputedContentSHA256", sha256HexBytes(other)})
	if _, again := r.Body.Read(make([]byte, 8)); errCode(again) != "XAmzContentSHA256Mismatch" {
		t.Errorf("read after the error = %v", again)
	}

	// A hash in upper case is the same hash.
	upper := strings.ToUpper(sha256HexBytes(body))
	r = sdkSign(t, clientRequest(t, "PUT", "/b/k", body, nil), upper, "s3", testTime, testCreds)
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	if _, err := readBody(r); err != nil {
		t.Fatal(err)
	}

	// A GET without a body whose hash is not the hash of nothing.
	r = sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), sha256HexBytes(body), "s3", testTime, testCreds)
	_, err = newVerifier(testTime).Verify(r)
	wantError(t, err, "XAmzContentSHA256Mismatch", "", [2]string{"S3ComputedContentSHA256", EmptySHA256})

	// Close reaches the original body.
	closed := false
	r = sdkSign(t, clientRequest(t, "PUT", "/b/k", body, nil), sha256HexBytes(body), "s3", testTime, testCreds)
	r.Body = closeFunc{bytes.NewReader(body), func() { closed = true }}
	if _, err := newVerifier(testTime).Verify(r); err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if !closed {
		t.Error("Close did not close the original body")
	}
}

type closeFunc struct {
	io.Reader
	close func()
}

func (c closeFunc) Close() error { c.close(); return nil }

func TestVerifyAnonymous(t *testing.T) {
	r := rawRequest(t, "GET /b/k HTTP/1.1\nHost: x\n", nil)
	a, err := newVerifier(testTime).Verify(r)
	if err != nil || !a.Anonymous || a.Verified {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	r = rawRequest(t, "GET /b/k HTTP/1.1\nHost: x\nAuthorization:   \n", nil)
	if a, err := newVerifier(testTime).Verify(r); err != nil || !a.Anonymous {
		t.Fatalf("empty Authorization: %+v, %v", a, err)
	}
	r = rawRequest(t, "PUT /b/k HTTP/1.1\nHost: x\nx-amz-content-sha256: "+StreamingSignedPayload+"\nContent-Length: 0\n", nil)
	_, err = newVerifier(testTime).Verify(r)
	wantError(t, err, "InvalidRequest", msgAnonymousSigned)
	r = rawRequest(t, "GET /b/k?AWSAccessKeyId=AKIA&Signature=x&Expires=1 HTTP/1.1\nHost: x\n", nil)
	v := newVerifier(testTime)
	v.DisableV2 = true
	_, err = v.Verify(r)
	wantError(t, err, "InvalidRequest", msgV2)
}

func TestAcceptUnknownKeys(t *testing.T) {
	stranger := testCreds
	stranger.AccessKeyID = "AKIASTRANGER"
	r := sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, stranger)
	v := newVerifier(testTime)
	v.AcceptUnknownKeys = true
	a, err := v.Verify(r)
	if err != nil || a.Verified || a.AccessKeyID != "AKIASTRANGER" || a.Anonymous {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	// A known key is still verified.
	other := testCreds
	other.SecretAccessKey = "wrong"
	r = sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, other)
	_, err = v.Verify(r)
	wantError(t, err, "SignatureDoesNotMatch", "")
	// The clock and the payload still count.
	r = sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime.Add(-time.Hour), stranger)
	_, err = v.Verify(r)
	wantError(t, err, "RequestTimeTooSkewed", "")
	// Without Lookup every key is unknown.
	_, err = (&Verifier{Now: v.Now}).Verify(sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, testCreds))
	wantError(t, err, "InvalidAccessKeyId", "")
}

func TestLookupFailure(t *testing.T) {
	boom := errors.New("store is down")
	v := &Verifier{Lookup: func(context.Context, string) (string, error) { return "", boom }, Now: func() time.Time { return testTime }}
	r := sdkSign(t, clientRequest(t, "GET", "/b/k", nil, nil), EmptySHA256, "s3", testTime, testCreds)
	if _, err := v.Verify(r); !errors.Is(err, boom) {
		t.Fatalf("error = %v", err)
	}
}

func TestScope(t *testing.T) {
	r := sdkSign(t, clientRequest(t, "POST", "/", []byte("Action=ListUsers"), nil), sha256Hex("Action=ListUsers"), "iam", testTime, testCreds)
	if region, service, ok := Scope(r); !ok || region != "us-east-1" || service != "iam" {
		t.Errorf("Scope = %s %s %v", region, service, ok)
	}
	p := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), time.Minute, testTime, testCreds)
	if region, service, ok := Scope(p); !ok || region != "us-east-1" || service != "s3" {
		t.Errorf("Scope = %s %s %v", region, service, ok)
	}
	if _, _, ok := Scope(rawRequest(t, "GET / HTTP/1.1\nHost: x\n", nil)); ok {
		t.Error("Scope of an anonymous request")
	}
}
