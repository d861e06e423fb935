package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// docPolicy is the policy of "Example: Browser-Based Upload using HTTP POST
// (Using AWS Signature Version 4)", whose lines end in CRLF.
var docPolicy = base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(`{ "expiration": "2015-12-30T12:00:00.000Z",
  "conditions": [
    {"bucket": "sigv4examplebucket"},
    ["starts-with", "$key", "user/user1/"],
    {"acl": "public-read"},
    {"success_action_redirect": "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
    ["starts-with", "$Content-Type", "image/"],
    {"x-amz-meta-uuid": "14365123651274"},
    {"x-amz-server-side-encryption": "AES256"},
    ["starts-with", "$x-amz-meta-tag", ""],

    {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
    {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
    {"x-amz-date": "20151229T000000Z" }
  ]
}`, "\n", "\r\n")))

const docPolicySignature = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"

func docPostFields() map[string]string {
	return map[string]string{
		"key":              "user/user1/${filename}",
		"acl":              "public-read",
		"policy":           docPolicy,
		"x-amz-algorithm":  Algorithm,
		"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
		"x-amz-date":       "20151229T000000Z",
		"x-amz-signature":  docPolicySignature,
	}
}

func TestVerifyPostPolicy(t *testing.T) {
	ctx := context.Background()
	v := newVerifier(time.Date(2015, 12, 29, 1, 0, 0, 0, time.UTC))
	a, err := v.VerifyPostPolicy(ctx, docPostFields())
	if err != nil {
		t.Fatal(err)
	}
	if !a.Verified || a.AccessKeyID != docKey || a.Region != "us-east-1" || a.Service != "s3" || !a.SignedAt.Equal(time.Date(2015, 12, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("auth = %+v", a)
	}

	tests := []struct {
		name    string
		edit    func(f map[string]string)
		code    string
		message string
		extra   [][2]string
	}{
		{"no auth fields", func(f map[string]string) {
			for _, k := range []string{"policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"} {
				delete(f, k)
			}
		}, "", "", nil},
		{"no policy", func(f map[string]string) { delete(f, "policy") }, "InvalidArgument",
			"Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.",
			[][2]string{{"ArgumentName", "policy"}, {"ArgumentValue", ""}}},
		{"no signature", func(f map[string]string) { delete(f, "x-amz-signature") }, "InvalidArgument", "", [][2]string{{"ArgumentName", "x-amz-signature"}}},
		{"another algorithm", func(f map[string]string) { f["x-amz-algorithm"] = "AWS4-HMAC-SHA1" }, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported", nil},
		{"bad credential", func(f map[string]string) { f["x-amz-credential"] = "AKIA/20151229/s3/aws4_request" }, "InvalidArgument", msgMalformedCred,
			[][2]string{{"ArgumentName", "x-amz-credential"}}},
		{"bad date", func(f map[string]string) { f["x-amz-date"] = "2015-12-29" }, "InvalidArgument", "", [][2]string{{"ArgumentName", "X-Amz-Date"}}},
		{"unknown key", func(f map[string]string) {
			f["x-amz-credential"] = "AKIAUNKNOWN/20151229/us-east-1/s3/aws4_request"
		}, "InvalidAccessKeyId", msgUnknownKey, [][2]string{{"AWSAccessKeyId", "AKIAUNKNOWN"}}},
		{"another policy", func(f map[string]string) { f["policy"] = docPolicy[:len(docPolicy)-4] }, "SignatureDoesNotMatch", msgMismatch,
			[][2]string{{"StringToSign", docPolicy[:len(docPolicy)-4]}, {"SignatureProvided", docPolicySignature}, {"CanonicalRequest", ""}}},
		{"signature in upper case", func(f map[string]string) { f["x-amz-signature"] = strings.ToUpper(docPolicySignature) }, "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := docPostFields()
			tt.edit(f)
			a, err := v.VerifyPostPolicy(ctx, f)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if _, signed := f["policy"]; !signed && !a.Anonymous {
					t.Errorf("auth = %+v", a)
				}
				return
			}
			wantError(t, err, tt.code, tt.message, tt.extra...)
		})
	}
}

func TestVerifyPostPolicyV2(t *testing.T) {
	ctx := context.Background()
	policy := base64.StdEncoding.EncodeToString([]byte(`{"expiration": "2030-01-01T00:00:00Z", "conditions": [{"bucket": "b"}]}`))
	m := hmac.New(sha1.New, []byte(testSecret))
	m.Write([]byte(policy))
	sig := base64.StdEncoding.EncodeToString(m.Sum(nil))
	fields := func() map[string]string {
		return map[string]string{"key": "k", "awsaccesskeyid": testKey, "policy": policy, "signature": sig, "x-amz-security-token": "tok"}
	}
	v := newVerifier(testTime)
	a, err := v.VerifyPostPolicy(ctx, fields())
	if err != nil || !a.Verified || a.AccessKeyID != testKey || a.SecurityToken != "tok" || a.Service != "s3" {
		t.Fatalf("auth = %+v, %v", a, err)
	}
	f := fields()
	f["signature"] = base64.StdEncoding.EncodeToString(make([]byte, 20))
	_, err = v.VerifyPostPolicy(ctx, f)
	wantError(t, err, "SignatureDoesNotMatch", msgMismatch, [2]string{"StringToSign", policy})
	f = fields()
	f["signature"] = "not base64!"
	_, err = v.VerifyPostPolicy(ctx, f)
	wantError(t, err, "SignatureDoesNotMatch", msgMismatch)
	f = fields()
	delete(f, "policy")
	_, err = v.VerifyPostPolicy(ctx, f)
	wantError(t, err, "InvalidArgument", "", [2]string{"ArgumentName", "policy"})
	f = fields()
	f["awsaccesskeyid"] = "AKIAUNKNOWN"
	_, err = v.VerifyPostPolicy(ctx, f)
	wantError(t, err, "InvalidAccessKeyId", msgUnknownKey)
}
