package s3

import (
	"net/http/httptest"
	"net/netip"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/request"
)

// TestS3Keys: every condition key S3 offers resolves from the request, the
// bucket and the object as the S3 and IAM references define it, and a key
// the request does not carry is absent (so Null and …IfExists see it so).
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html#amazons3-policy-keys
func TestS3Keys(t *testing.T) {
	start := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	rc := &request.Context{Start: start, Region: "eu-west-1", Operation: "ListObjectsV2", SourceIP: netip.MustParseAddr("192.0.2.7"),
		Secure: false, UserAgent: "aws-cli/2", Referer: "https://example.com/page", SignatureVersion: "AWS4-HMAC-SHA256", AuthType: "REST-HEADER"}
	r := httptest.NewRequest("GET", "http://photos.s3.amazonaws.com/?list-type=2&prefix=home%2Falice%2F&delimiter=%2F&versionId=v1", nil)
	r.Header.Set("x-amz-acl", "public-read")
	r.Header.Set("x-amz-server-side-encryption", "aws:kms")
	r.Header.Set("x-amz-tagging", "Project=blue&team=red&Team=green")
	b := &bucketRecord{Name: "photos", Account: "111122223333", Tags: []tag{{"Env", "prod"}}}
	obj := &versionRecord{Tags: []tag{{"Class", "secret"}}}
	rc.Sources = request.SourcesOf(r)
	keys := s3Keys(rc, b, obj)
	for _, c := range []struct {
		key  string
		want []string // nil: absent
	}{
		{"aws:currenttime", []string{"2026-11-28T12:00:00Z"}},
		{"aws:epochtime", []string{"1795867200"}},
		{"aws:securetransport", []string{"false"}},
		{"aws:sourceip", []string{"192.0.2.7"}},
		{"aws:useragent", []string{"aws-cli/2"}},
		{"aws:requestedregion", []string{"eu-west-1"}},
		{"aws:referer", []string{"https://example.com/page"}},
		{"aws:tokenissuetime", nil}, // long-term keys
		{"aws:resourcetag/env", []string{"prod"}},
		{"aws:resourcetag/other", nil},
		{"s3:signatureversion", []string{"AWS4-HMAC-SHA256"}},
		{"s3:authtype", []string{"REST-HEADER"}},
		{"s3:resourceaccount", []string{"111122223333"}},
		{"s3:existingobjecttag/class", []string{"secret"}},
		{"s3:existingobjecttag/env", nil},
		{"s3:prefix", []string{"home/alice/"}},
		{"s3:delimiter", []string{"/"}},
		{"s3:max-keys", nil}, // not in the request
		{"s3:versionid", []string{"v1"}},
		{"s3:x-amz-acl", []string{"public-read"}},
		{"s3:x-amz-server-side-encryption", []string{"aws:kms"}},
		{"s3:x-amz-storage-class", nil},
		{"s3:x-amz-date", nil}, // not a condition key
		{"s3:requestobjecttag/project", []string{"blue"}},
		{"s3:requestobjecttag/team", []string{"green"}}, // keys compare case-insensitively; the last wins
		{"s3:requestobjecttag/none", nil},
		{"s3:requestobjecttagkeys", []string{"Project", "Team", "team"}},
		{"s3:unknown", nil},
	} {
		got, ok := keys(c.key)
		sort.Strings(got)
		if ok != (c.want != nil) || (ok && !reflect.DeepEqual(got, c.want)) {
			t.Errorf("%s = %q, %v; want %q", c.key, got, ok, c.want)
		}
	}
	// Listing keys belong to listing operations only.
	rc.Operation = "GetObject"
	if v, ok := s3Keys(rc, b, obj)("s3:prefix"); ok {
		t.Errorf("s3:prefix on GetObject = %q", v)
	}
	// Without a bucket, an object or a request, their keys are absent.
	for _, k := range []string{"aws:resourcetag/env", "s3:resourceaccount", "s3:existingobjecttag/class", "s3:x-amz-acl", "s3:versionid"} {
		if v, ok := s3Keys(&request.Context{Start: start}, nil, nil)(k); ok {
			t.Errorf("%s without bucket, object or request = %q", k, v)
		}
	}
}
