package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/gureum/gureum/internal/server"
)

// lifecycleDay is the scaled day of these tests: an action "1 day" after
// an object's creation is due at the second boundary after it, so within
// 2 s, and the worker runs at each boundary.
const lifecycleDay = time.Second

func newLifecycleEnv(t *testing.T) *testEnv {
	t.Helper()
	return newEnvWith(t, server.Config{LifecycleDay: lifecycleDay})
}

func putLifecycle(t *testing.T, e *testEnv, bucket string, rules ...s3types.LifecycleRule) error {
	t.Helper()
	_, err := e.S3.PutBucketLifecycleConfiguration(ctx(), &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucket),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: rules}})
	return err
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *testEnv) exists(bucket, key string) bool {
	_, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	return err == nil
}

func (e *testEnv) versions(bucket, prefix string) (versions, markers int) {
	e.t.Helper()
	out, err := e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(out.Versions), len(out.DeleteMarkers)
}

// TestBucketLifecycleConfiguration: absent, Put, Get (what was put, an ID
// made for a rule without one, transitions kept), Delete.
func TestBucketLifecycleConfiguration(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("lcc")
	_, err := e.S3.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcc")})
	ae := wantCode(t, err, "NoSuchLifecycleConfiguration")
	wantStatus(t, err, 404)
	if ae.ErrorMessage() != "The lifecycle configuration does not exist" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	date := time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC)
	err = putLifecycle(t, e, "lcc",
		s3types.LifecycleRule{ID: aws.String("logs"), Status: s3types.ExpirationStatusEnabled,
			Filter:      &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{Prefix: aws.String("logs/"), Tags: []s3types.Tag{{Key: aws.String("t"), Value: aws.String("1")}}, ObjectSizeGreaterThan: aws.Int64(10)}},
			Expiration:  &s3types.LifecycleExpiration{Days: aws.Int32(365)},
			Transitions: []s3types.Transition{{Days: aws.Int32(30), StorageClass: s3types.TransitionStorageClassStandardIa}, {Days: aws.Int32(90), StorageClass: s3types.TransitionStorageClassGlacier}},
		},
		s3types.LifecycleRule{Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration:                     &s3types.LifecycleExpiration{Date: &date},
			NoncurrentVersionExpiration:    &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(7), NewerNoncurrentVersions: aws.Int32(3)},
			NoncurrentVersionTransitions:   []s3types.NoncurrentVersionTransition{{NoncurrentDays: aws.Int32(30), StorageClass: s3types.TransitionStorageClassGlacierIr}},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)},
		})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.S3.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcc")})
	if err != nil {
		t.Fatal(err)
	}
	if got.TransitionDefaultMinimumObjectSize != s3types.TransitionDefaultMinimumObjectSizeAllStorageClasses128k {
		t.Fatalf("TransitionDefaultMinimumObjectSize %q", got.TransitionDefaultMinimumObjectSize)
	}
	if len(got.Rules) != 2 {
		t.Fatalf("rules %+v", got.Rules)
	}
	r0, r1 := got.Rules[0], got.Rules[1]
	if aws.ToString(r0.ID) != "logs" || r0.Filter == nil || r0.Filter.And == nil || aws.ToString(r0.Filter.And.Prefix) != "logs/" ||
		len(r0.Filter.And.Tags) != 1 || aws.ToInt64(r0.Filter.And.ObjectSizeGreaterThan) != 10 || aws.ToInt32(r0.Expiration.Days) != 365 ||
		len(r0.Transitions) != 2 || r0.Transitions[1].StorageClass != s3types.TransitionStorageClassGlacier {
		t.Fatalf("rule 0 %+v", r0)
	}
	if len(aws.ToString(r1.ID)) == 0 || r1.Status != s3types.ExpirationStatusDisabled || r1.Expiration == nil || !aws.ToTime(r1.Expiration.Date).Equal(date) ||
		aws.ToInt32(r1.NoncurrentVersionExpiration.NewerNoncurrentVersions) != 3 || aws.ToInt32(r1.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 2 ||
		len(r1.NoncurrentVersionTransitions) != 1 || r1.Filter == nil || aws.ToString(r1.Filter.Prefix) != "" {
		t.Fatalf("rule 1 %+v", r1)
	}
	if _, err := e.S3.DeleteBucketLifecycle(ctx(), &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcc")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcc")})
	wantCode(t, err, "NoSuchLifecycleConfiguration")
	if _, err := e.S3.DeleteBucketLifecycle(ctx(), &s3.DeleteBucketLifecycleInput{Bucket: aws.String("lcc")}); err != nil {
		t.Fatalf("second delete: %v", err)
	}
	_, err = e.S3.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("nobucket")})
	wantCode(t, err, "NoSuchBucket")
}

// TestBucketLifecycleValidation: S3's refusals, with its codes and
// messages.
func TestBucketLifecycleValidation(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("lcv")
	all := &s3types.LifecycleRuleFilter{Prefix: aws.String("")}
	enabled := s3types.ExpirationStatusEnabled
	for _, c := range []struct {
		name  string
		rules []s3types.LifecycleRule
		code  string
		msg   string
	}{
		{"days 0", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(0)}}},
			"InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"same id", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
			{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(2)}}},
			"InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"},
		{"long id", []s3types.LifecycleRule{{ID: aws.String(strings.Repeat("x", 256)), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}},
			"InvalidArgument", "ID length should not exceed allowed limit of 255"},
		{"date not midnight", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Date: aws.Time(time.Date(2040, 1, 1, 12, 0, 0, 0, time.UTC))}}},
			"InvalidArgument", "'Date' must be at midnight GMT"},
		{"delete marker with days", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1), ExpiredObjectDeleteMarker: aws.Bool(true)}}},
			"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"},
		{"filter and prefix", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, Prefix: aws.String("x"), Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}},
			"MalformedXML", ""},
		{"no action", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all}},
			"InvalidRequest", "At least one action needs to be specified in a rule"},
		{"noncurrent 0", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(0)}}},
			"InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"abort 0", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: all, AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(0)}}},
			"InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"abort with tag", []s3types.LifecycleRule{{ID: aws.String("a"), Status: enabled, Filter: &s3types.LifecycleRuleFilter{Tag: &s3types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}}},
			"InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."},
		{"status", []s3types.LifecycleRule{{ID: aws.String("a"), Status: "On", Filter: all, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}},
			"MalformedXML", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := putLifecycle(t, e, "lcv", c.rules...)
			ae := wantCode(t, err, c.code)
			wantStatus(t, err, 400)
			if c.msg != "" && ae.ErrorMessage() != c.msg {
				t.Fatalf("message %q, want %q", ae.ErrorMessage(), c.msg)
			}
		})
	}
	_, err := e.S3.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("lcv")})
	wantCode(t, err, "NoSuchLifecycleConfiguration")
}

// TestLifecycleExpiration: objects a rule selects by prefix or by tag are
// deleted once due, and carry x-amz-expiration until then; a disabled
// rule and unselected objects are left alone.
func TestLifecycleExpiration(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("exp")
	err := putLifecycle(t, e, "exp",
		s3types.LifecycleRule{ID: aws.String("tmp"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("tagged"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Tag: &s3types.Tag{Key: aws.String("class"), Value: aws.String("scratch")}},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("off"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("keep/")},
			Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	put := e.put("exp", "tmp/a", "x")
	exp := aws.ToString(put.Expiration)
	if !strings.HasPrefix(exp, `expiry-date="`) || !strings.HasSuffix(exp, `GMT", rule-id="tmp"`) {
		t.Fatalf("PutObject x-amz-expiration %q", exp)
	}
	date, err := time.Parse(time.RFC1123, strings.TrimSuffix(strings.TrimPrefix(exp, `expiry-date="`), `", rule-id="tmp"`))
	if err != nil {
		t.Fatal(err)
	}
	if lead := time.Until(date); lead <= lifecycleDay || lead > 2*lifecycleDay+500*time.Millisecond || !date.Equal(date.Truncate(lifecycleDay)) {
		t.Fatalf("expiry-date %s is not the boundary after 1 day (in %s)", date, lead)
	}
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("exp"), Key: aws.String("other/tagged"), Body: stringsReader("x"), Tagging: aws.String("class=scratch")}); err != nil {
		t.Fatal(err)
	}
	e.put("exp", "other/plain", "x")
	e.put("exp", "keep/a", "x")
	head, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("exp"), Key: aws.String("other/tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(head.Expiration), `rule-id="tagged"`) {
		t.Fatalf("HeadObject x-amz-expiration %q", aws.ToString(head.Expiration))
	}
	get, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("exp"), Key: aws.String("tmp/a")})
	if err != nil {
		t.Fatal(err)
	}
	get.Body.Close()
	if aws.ToString(get.Expiration) != exp {
		t.Fatalf("GetObject x-amz-expiration %q, want %q", aws.ToString(get.Expiration), exp)
	}
	cp, err := e.S3.CopyObject(ctx(), &s3.CopyObjectInput{Bucket: aws.String("exp"), Key: aws.String("tmp/copy"), CopySource: aws.String("exp/other/plain")})
	if err != nil || !strings.HasSuffix(aws.ToString(cp.Expiration), `rule-id="tmp"`) {
		t.Fatalf("CopyObject x-amz-expiration %q, %v", aws.ToString(cp.Expiration), err)
	}
	for _, k := range []string{"other/plain", "keep/a"} {
		h, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("exp"), Key: aws.String(k)})
		if err != nil || h.Expiration != nil {
			t.Fatalf("%s: x-amz-expiration %q, %v", k, aws.ToString(h.Expiration), err)
		}
	}
	eventually(t, 6*time.Second, "tmp/a and other/tagged expired", func() bool {
		return !e.exists("exp", "tmp/a") && !e.exists("exp", "other/tagged") && !e.exists("exp", "tmp/copy")
	})
	if time.Now().Before(date) {
		t.Fatalf("expired before its expiry-date %s", date)
	}
	time.Sleep(2 * lifecycleDay)
	for _, k := range []string{"other/plain", "keep/a"} {
		if !e.exists("exp", k) {
			t.Fatalf("%s was removed", k)
		}
	}
	if v, m := e.versions("exp", "tmp/"); v+m != 0 {
		t.Fatalf("unversioned expiration left %d versions, %d delete markers", v, m)
	}
}

// TestLifecycleVersioned: expiring a current version on a versioned bucket
// adds a delete marker; noncurrent versions go NoncurrentDays after they
// were replaced, keeping NewerNoncurrentVersions; a delete marker left
// alone is removed.
func TestLifecycleVersioned(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("ver")
	if _, err := e.S3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	// exp/: the current version expires after 1 day, then the
	// noncurrent one after another; nc/: noncurrent versions after 1
	// day, the newest one kept; dm/: lone delete markers only.
	err := putLifecycle(t, e, "ver",
		s3types.LifecycleRule{ID: aws.String("exp"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("exp/")},
			Expiration:                  &s3types.LifecycleExpiration{Days: aws.Int32(1)},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("nc"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("nc/")},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1), NewerNoncurrentVersions: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("dm"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("dm/")},
			Expiration: &s3types.LifecycleExpiration{ExpiredObjectDeleteMarker: aws.Bool(true)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	e.put("ver", "exp/a", "1")
	for _, b := range []string{"1", "2", "3"} {
		e.put("ver", "nc/a", b)
	}
	// dm/a: a delete marker alone (the key never had a version) is
	// expired; dm/b: a delete marker over a version is not.
	e.put("ver", "dm/b", "1")
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("dm/a")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("dm/b")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 6*time.Second, "exp/a hidden by a delete marker", func() bool {
		v, m := e.versions("ver", "exp/")
		return v == 1 && m == 1 && !e.exists("ver", "exp/a")
	})
	eventually(t, 8*time.Second, "exp/a's versions and delete marker removed", func() bool {
		v, m := e.versions("ver", "exp/")
		return v == 0 && m == 0
	})
	eventually(t, 6*time.Second, "nc/a down to the current version and one noncurrent", func() bool {
		v, _ := e.versions("ver", "nc/")
		return v == 2
	})
	if got := e.get("ver", "nc/a"); got != "3" {
		t.Fatalf("nc/a is %q", got)
	}
	var out *s3.ListObjectVersionsOutput
	eventually(t, 6*time.Second, "dm/a's lone delete marker removed", func() bool {
		out, err = e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("ver"), Prefix: aws.String("dm/")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.DeleteMarkers) == 1
	})
	if len(out.DeleteMarkers) != 1 || aws.ToString(out.DeleteMarkers[0].Key) != "dm/b" || len(out.Versions) != 1 {
		t.Fatalf("dm/: %d versions, delete markers %+v", len(out.Versions), out.DeleteMarkers)
	}
	time.Sleep(2 * lifecycleDay)
	if v, _ := e.versions("ver", "nc/"); v != 2 {
		t.Fatalf("nc/a has %d versions, want 2 (NewerNoncurrentVersions)", v)
	}
}

// TestLifecycleAbortMultipartUpload: an incomplete upload is aborted
// DaysAfterInitiation after it began; a disabled rule does nothing.
func TestLifecycleAbortMultipartUpload(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("mpu")
	err := putLifecycle(t, e, "mpu",
		s3types.LifecycleRule{ID: aws.String("abort"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("up/")},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
		s3types.LifecycleRule{ID: aws.String("off"), Status: s3types.ExpirationStatusDisabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("keep/")},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	start := func(key string) string {
		c, err := e.S3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpu"), Key: aws.String(key)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpu"), Key: aws.String(key), UploadId: c.UploadId,
			PartNumber: aws.Int32(1), Body: stringsReader("part")}); err != nil {
			t.Fatal(err)
		}
		return aws.ToString(c.UploadId)
	}
	up := start("up/a")
	start("keep/a")
	eventually(t, 6*time.Second, "up/a aborted", func() bool {
		out, err := e.S3.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpu")})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Uploads) == 1 && aws.ToString(out.Uploads[0].Key) == "keep/a"
	})
	_, err = e.S3.ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String("mpu"), Key: aws.String("up/a"), UploadId: aws.String(up)})
	wantCode(t, err, "NoSuchUpload")
}

// TestLifecycleDisabled: a configuration whose rules are all disabled
// removes nothing, and deleting the configuration stops the rules.
func TestLifecycleDisabled(t *testing.T) {
	e := newLifecycleEnv(t)
	e.bucket("off")
	if err := putLifecycle(t, e, "off", s3types.LifecycleRule{ID: aws.String("off"), Status: s3types.ExpirationStatusDisabled,
		Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("")}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	e.put("off", "a", "x")
	if err := putLifecycle(t, e, "off", s3types.LifecycleRule{ID: aws.String("on"), Status: s3types.ExpirationStatusEnabled,
		Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("b")}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	e.put("off", "b", "x")
	if _, err := e.S3.DeleteBucketLifecycle(ctx(), &s3.DeleteBucketLifecycleInput{Bucket: aws.String("off")}); err != nil {
		t.Fatal(err)
	}
	h, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("off"), Key: aws.String("b")})
	if err != nil || h.Expiration != nil {
		t.Fatalf("x-amz-expiration %q after DeleteBucketLifecycle, %v", aws.ToString(h.Expiration), err)
	}
	time.Sleep(3 * lifecycleDay)
	if !e.exists("off", "a") || !e.exists("off", "b") {
		t.Fatal("an object was removed without an enabled rule")
	}
}
