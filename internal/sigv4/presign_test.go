package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// docPresigned is the example of "Authenticating Requests: Using Query
// Parameters (AWS Signature Version 4)".
const docPresigned = "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
	"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
	"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

func docPresignedRequest(t *testing.T, target string) *http.Request {
	return rawRequest(t, "GET "+target+" HTTP/1.1\nHost: examplebucket.s3.amazonaws.com\n", nil)
}

func TestVerifyPresignedDocExample(t *testing.T) {
	tests := []struct {
		name string
		now  time.Time
		code string
	}{
		{"at the signing time", docTime, ""},
		{"at the last second", docTime.Add(86400 * time.Second), ""},
		{"a second later", docTime.Add(86401 * time.Second), "AccessDenied"},
		{"15 minutes before", docTime.Add(-15 * time.Minute), ""},
		{"more than 15 minutes before", docTime.Add(-16 * time.Minute), "AccessDenied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := newVerifier(tt.now).Verify(docPresignedRequest(t, docPresigned))
			if errCode(err) != tt.code {
				t.Fatalf("error = %v, want %q", err, tt.code)
			}
			if err == nil && (!a.Presigned || !a.Verified || a.AccessKeyID != docKey || a.PayloadHash != UnsignedPayload) {
				t.Errorf("auth = %+v", a)
			}
		})
	}
	_, err := newVerifier(docTime.Add(86401 * time.Second)).Verify(docPresignedRequest(t, docPresigned))
	wantError(t, err, "AccessDenied", msgExpired,
		[2]string{"X-Amz-Expires", "86400"}, [2]string{"Expires", "2013-05-25T00:00:00Z"}, [2]string{"ServerTime", "2013-05-25T00:00:01Z"})
	_, err = newVerifier(docTime.Add(-16 * time.Minute)).Verify(docPresignedRequest(t, docPresigned))
	wantError(t, err, "AccessDenied", msgNotYetValid, [2]string{"X-Amz-Date", docStamp}, [2]string{"ServerTime", "2013-05-23T23:44:00Z"})

	// S3 accepts the names of the parameters in any letter case.
	lower := strings.NewReplacer("X-Amz-Algorithm", "x-amz-algorithm", "X-Amz-Credential", "X-AMZ-CREDENTIAL",
		"X-Amz-Signature", "x-amz-SIGNATURE").Replace(docPresigned)
	canonical := "GET\n/test.txt\n" + canonicalQuery(parseQuery(strings.SplitN(lower, "?", 2)[1]), true) +
		"\nhost:examplebucket.s3.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD"
	sig := Sign(SigningKey(docSecret, "20130524", "us-east-1", "s3"), Algorithm+"\n"+docStamp+"\n"+docScope+"\n"+sha256Hex(canonical))
	lower = lower[:strings.LastIndex(lower, "=")+1] + sig
	if _, err := newVerifier(docTime).Verify(docPresignedRequest(t, lower)); err != nil {
		t.Errorf("names in another case: %v", err)
	}
	// A second X-Amz-Signature appended to a valid URL does not ride
	// along unsigned: the URL no longer verifies.
	for _, extra := range []string{"&X-Amz-Signature=0000", "&x-amz-signature=" + docPresigned[strings.LastIndex(docPresigned, "=")+1:]} {
		_, err := newVerifier(docTime).Verify(docPresignedRequest(t, docPresigned+extra))
		if errCode(err) != "SignatureDoesNotMatch" {
			t.Errorf("with %s appended: %v", extra, err)
		}
	}
}

func TestVerifyPresignedSDK(t *testing.T) {
	body := []byte("presigned content")
	for _, key := range awkwardKeys {
		for _, method := range []string{"GET", "PUT", "HEAD", "DELETE"} {
			t.Run(method+" "+key, func(t *testing.T) {
				var b []byte
				if method == "PUT" {
					b = body
				}
				req := clientRequest(t, method, s3Path("bucket", key)+"?x-id=PutObject&response-content-type=text%2Fplain", b,
					map[string]string{"X-Amz-Meta-Color": "red", "Content-Type": "text/plain"})
				r := sdkPresign(t, req, time.Hour, testTime, testCreds)
				a, err := newVerifier(testTime.Add(30 * time.Minute)).Verify(r)
				if err != nil {
					t.Fatalf("%s: %v", r.RequestURI, err)
				}
				if !a.Presigned || !a.Verified || a.AccessKeyID != testKey || a.PayloadHash != UnsignedPayload || !a.SignedAt.Equal(testTime) {
					t.Errorf("auth = %+v", a)
				}
				if got, err := readBody(r); err != nil || !bytes.Equal(got, b) {
					t.Errorf("body = %q, %v", got, err)
				}
			})
		}
	}

	creds := testCreds
	creds.SessionToken = "token/with+odd=chars"
	r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), time.Minute, testTime, creds)
	a, err := newVerifier(testTime).Verify(r)
	if err != nil || a.SecurityToken != creds.SessionToken {
		t.Fatalf("auth = %+v, %v", a, err)
	}
}

// TestVerifyPresignedEndToEnd sends SDK presigned URLs through net/http to
// a server that verifies them.
func TestVerifyPresignedEndToEnd(t *testing.T) {
	v := newVerifier(testTime)
	var stored []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := v.Verify(r)
		if err != nil {
			http.Error(w, errCode(err), http.StatusForbidden)
			return
		}
		data, err := io.ReadAll(r.Body)
		if err != nil || !a.Presigned {
			http.Error(w, errCode(err), http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodPut {
			stored = data
		}
		w.Write(stored)
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	presign := func(method, key string, body []byte) string {
		req, err := http.NewRequest(method, srv.URL+s3Path("bucket", key), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = int64(len(body))
		r := sdkPresignURL(t, req, testTime)
		if !strings.HasPrefix(r, "http://"+u.Host) {
			t.Fatalf("URL %s", r)
		}
		return r
	}
	for _, key := range awkwardKeys {
		body := []byte("content of " + key)
		put, err := http.NewRequest("PUT", presign("PUT", key, body), bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(put)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("PUT %q: %s", key, resp.Status)
		}
		resp, err = http.Get(presign("GET", key, nil))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, body) {
			t.Fatalf("GET %q: %s %q", key, resp.Status, got)
		}
	}
}

func sdkPresignURL(t *testing.T, req *http.Request, at time.Time) string {
	t.Helper()
	uri, _ := presignURL(t, req, at, testCreds)
	return uri
}

func TestVerifyPresignedErrors(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(q url.Values)
		code    string
		message string
	}{
		{"no change", func(url.Values) {}, "", ""},
		{"no X-Amz-Algorithm", del("X-Amz-Algorithm"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"no X-Amz-Credential", del("X-Amz-Credential"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"no X-Amz-Signature", del("X-Amz-Signature"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"no X-Amz-Date", del("X-Amz-Date"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"no X-Amz-SignedHeaders", del("X-Amz-SignedHeaders"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"no X-Amz-Expires", del("X-Amz-Expires"), "AuthorizationQueryParametersError", msgQueryRequired},
		{"another algorithm", set("X-Amz-Algorithm", "AWS4-HMAC-SHA1"), "AuthorizationQueryParametersError", msgQueryAlgorithm},
		{"SigV4a", set("X-Amz-Algorithm", "AWS4-ECDSA-P256-SHA256"), "NotImplemented", ""},
		{"X-Amz-Date in another format", set("X-Amz-Date", "2026-11-28T12:30:45Z"), "AuthorizationQueryParametersError", msgQueryDate},
		{"X-Amz-Expires=604801", set("X-Amz-Expires", "604801"), "AuthorizationQueryParametersError", msgExpiresWeek},
		{"X-Amz-Expires huge", set("X-Amz-Expires", "99999999999999999999999"), "AuthorizationQueryParametersError", msgExpiresWeek},
		{"X-Amz-Expires=-1", set("X-Amz-Expires", "-1"), "AuthorizationQueryParametersError", msgExpiresNegative},
		{"X-Amz-Expires=1h", set("X-Amz-Expires", "1h"), "AuthorizationQueryParametersError", msgExpiresNumber},
		{"X-Amz-Expires empty", set("X-Amz-Expires", ""), "AuthorizationQueryParametersError", msgExpiresNumber},
		{"credential of four parts", set("X-Amz-Credential", testKey+"/20261128/s3/aws4_request"), "AuthorizationQueryParametersError",
			msgCredentialPrefix + msgMalformedCred},
		{"another terminator", set("X-Amz-Credential", testKey+"/20261128/us-east-1/s3/aws5_request"), "AuthorizationQueryParametersError",
			msgCredentialPrefix + `incorrect terminal "aws5_request". This endpoint uses "aws4_request".`},
		{"scope date not X-Amz-Date", set("X-Amz-Credential", testKey+"/20261127/us-east-1/s3/aws4_request"), "AuthorizationQueryParametersError",
			`Invalid credential date "20261127". This date is not the same as X-Amz-Date: "20261128".`},
		{"unknown access key", set("X-Amz-Credential", "AKIAUNKNOWN/20261128/us-east-1/s3/aws4_request"), "InvalidAccessKeyId", msgUnknownKey},
		{"another value of a parameter", set("x-id", "DeleteObject"), "SignatureDoesNotMatch", msgMismatch},
		{"one more parameter", set("versionId", "null"), "SignatureDoesNotMatch", msgMismatch},
		{"another expiry", set("X-Amz-Expires", "301"), "SignatureDoesNotMatch", msgMismatch},
		{"host not signed", set("X-Amz-SignedHeaders", "content-length;x-amz-meta-color"), "AccessDenied", msgNotSigned},
		{"bad signature", set("X-Amz-Signature", "00"), "SignatureDoesNotMatch", msgMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := clientRequest(t, "PUT", "/bucket/key?x-id=PutObject", []byte("x"), map[string]string{"X-Amz-Meta-Color": "red"})
			r := sdkPresign(t, req, 300*time.Second, testTime, testCreds)
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Get("X-Amz-SignedHeaders"); got != "content-length;host;x-amz-meta-color" {
				t.Fatalf("signed headers %q", got)
			}
			tt.edit(q)
			r.RequestURI = r.URL.Path + "?" + q.Encode()
			_, err = newVerifier(testTime).Verify(r)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantError(t, err, tt.code, tt.message)
		})
	}

	t.Run("an x-amz-* header not signed", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), time.Minute, testTime, testCreds)
		r.Header.Set("X-Amz-Meta-Size", "1")
		_, err := newVerifier(testTime).Verify(r)
		wantError(t, err, "AccessDenied", msgNotSigned, [2]string{"HeadersNotSigned", "x-amz-meta-size"})
	})
	t.Run("a signed header of another value", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, map[string]string{"X-Amz-Meta-Color": "red"}), time.Minute, testTime, testCreds)
		r.Header.Set("X-Amz-Meta-Color", "blue")
		_, err := newVerifier(testTime).Verify(r)
		wantError(t, err, "SignatureDoesNotMatch", msgMismatch)
	})
	t.Run("the names of the parameters in lower case", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), time.Minute, testTime, testCreds)
		i := strings.Index(r.RequestURI, "&X-Amz-Signature=")
		r.RequestURI = strings.ReplaceAll(r.RequestURI[:i], "X-Amz-", "x-amz-") + r.RequestURI[i:]
		_, err := newVerifier(testTime).Verify(r)
		wantError(t, err, "SignatureDoesNotMatch", msgMismatch)
	})
	t.Run("X-Amz-Expires=0", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), 0, testTime, testCreds)
		_, err := newVerifier(testTime).Verify(r)
		wantError(t, err, "AccessDenied", msgExpired, [2]string{"X-Amz-Expires", "0"})
	})
	t.Run("a week", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), 7*24*time.Hour, testTime, testCreds)
		if _, err := newVerifier(testTime.Add(7 * 24 * time.Hour)).Verify(r); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("expired, with a bad signature", func(t *testing.T) {
		r := sdkPresign(t, clientRequest(t, "GET", "/b/k", nil, nil), time.Minute, testTime, testCreds)
		r.RequestURI = strings.Replace(r.RequestURI, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
		_, err := newVerifier(testTime.Add(time.Hour)).Verify(r)
		wantError(t, err, "SignatureDoesNotMatch", msgMismatch)
	})
	t.Run("a signed x-amz-content-sha256", func(t *testing.T) {
		body := []byte("signed body")
		req := clientRequest(t, "PUT", "/b/k", body, map[string]string{"X-Amz-Content-Sha256": sha256HexBytes(body)})
		r := sdkPresign(t, req, time.Minute, testTime, testCreds)
		r.Body = io.NopCloser(strings.NewReader("other body!"))
		a, err := newVerifier(testTime).Verify(r)
		if err != nil || a.PayloadHash != sha256HexBytes(body) {
			t.Fatalf("auth = %+v, %v", a, err)
		}
		_, err = readBody(r)
		wantError(t, err, "XAmzContentSHA256Mismatch", msgSHA256Mismatch)
	})
}

func del(name string) func(url.Values) { return func(q url.Values) { q.Del(name) } }

func set(name, value string) func(url.Values) { return func(q url.Values) { q.Set(name, value) } }
