package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestBucketLogging: no logging is an empty BucketLoggingStatus; logging
// needs an existing target bucket of the same owner.
func TestBucketLogging(t *testing.T) {
	e := newEnv(t)
	e.bucket("src")
	e.bucket("logs")
	out, err := e.S3.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: aws.String("src")})
	if err != nil || out.LoggingEnabled != nil {
		t.Fatalf("GetBucketLogging = %+v, %v", out, err)
	}
	put := func(c *s3.Client, target string) error {
		_, err := c.PutBucketLogging(ctx(), &s3.PutBucketLoggingInput{Bucket: aws.String("src"), BucketLoggingStatus: &s3types.BucketLoggingStatus{
			LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String(target), TargetPrefix: aws.String("src/")}}})
		return err
	}
	if err := put(e.S3, "logs"); err != nil {
		t.Fatal(err)
	}
	out, err = e.S3.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: aws.String("src")})
	if err != nil || out.LoggingEnabled == nil || aws.ToString(out.LoggingEnabled.TargetBucket) != "logs" || aws.ToString(out.LoggingEnabled.TargetPrefix) != "src/" {
		t.Fatalf("GetBucketLogging = %+v, %v", out.LoggingEnabled, err)
	}
	ae := wantCode(t, put(e.S3, "nologs"), "InvalidTargetBucketForLogging")
	if ae.ErrorMessage() != "The target bucket for logging does not exist" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	if _, err := e.Alt.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("altlogs")}); err != nil {
		t.Fatal(err)
	}
	wantCode(t, put(e.S3, "altlogs"), "InvalidTargetBucketForLogging")
	wantCode(t, put(e.Alt, "logs"), "AccessDenied")
	// An empty status turns logging off.
	if _, err := e.S3.PutBucketLogging(ctx(), &s3.PutBucketLoggingInput{Bucket: aws.String("src"), BucketLoggingStatus: &s3types.BucketLoggingStatus{}}); err != nil {
		t.Fatal(err)
	}
	out, err = e.S3.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: aws.String("src")})
	if err != nil || out.LoggingEnabled != nil {
		t.Fatalf("after disabling: %+v, %v", out.LoggingEnabled, err)
	}
	_, err = e.S3.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: aws.String("none")})
	wantCode(t, err, "NoSuchBucket")
}

// TestBucketAccelerateAndRequestPayment: acceleration is empty until set,
// then Enabled or Suspended; the payer is BucketOwner until set.
func TestBucketAccelerateAndRequestPayment(t *testing.T) {
	e := newEnv(t)
	e.bucket("acc")
	acc, err := e.S3.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: aws.String("acc")})
	if err != nil || acc.Status != "" {
		t.Fatalf("accelerate = %q, %v", acc.Status, err)
	}
	for _, st := range []s3types.BucketAccelerateStatus{s3types.BucketAccelerateStatusEnabled, s3types.BucketAccelerateStatusSuspended} {
		if _, err := e.S3.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("acc"),
			AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: st}}); err != nil {
			t.Fatal(err)
		}
		acc, err = e.S3.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: aws.String("acc")})
		if err != nil || acc.Status != st {
			t.Fatalf("accelerate = %q, %v; want %q", acc.Status, err, st)
		}
	}
	_, err = e.S3.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("acc"),
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: "Fast"}})
	wantCode(t, err, "MalformedXML")
	e.bucket("a.b")
	_, err = e.S3.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: aws.String("a.b"),
		AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusEnabled}})
	wantCode(t, err, "InvalidRequest")

	pay, err := e.S3.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: aws.String("acc")})
	if err != nil || pay.Payer != s3types.PayerBucketOwner {
		t.Fatalf("payer = %q, %v", pay.Payer, err)
	}
	for _, p := range []s3types.Payer{s3types.PayerRequester, s3types.PayerBucketOwner} {
		if _, err := e.S3.PutBucketRequestPayment(ctx(), &s3.PutBucketRequestPaymentInput{Bucket: aws.String("acc"),
			RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: p}}); err != nil {
			t.Fatal(err)
		}
		pay, err = e.S3.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: aws.String("acc")})
		if err != nil || pay.Payer != p {
			t.Fatalf("payer = %q, %v; want %q", pay.Payer, err, p)
		}
	}
	_, err = e.S3.PutBucketRequestPayment(ctx(), &s3.PutBucketRequestPaymentInput{Bucket: aws.String("acc"),
		RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: "Nobody"}})
	wantCode(t, err, "MalformedXML")
}

// TestBucketReplication: absent is ReplicationConfigurationNotFoundError;
// both buckets need versioning enabled and the destination must exist.
func TestBucketReplication(t *testing.T) {
	e := newEnv(t)
	e.bucket("primary")
	e.bucket("replica")
	get := func() (*s3.GetBucketReplicationOutput, error) {
		return e.S3.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: aws.String("primary")})
	}
	_, err := get()
	ae := wantCode(t, err, "ReplicationConfigurationNotFoundError")
	wantStatus(t, err, 404)
	if ae.ErrorMessage() != "The replication configuration was not found" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	put := func(dest string) error {
		_, err := e.S3.PutBucketReplication(ctx(), &s3.PutBucketReplicationInput{Bucket: aws.String("primary"), ReplicationConfiguration: &s3types.ReplicationConfiguration{
			Role: aws.String("arn:aws:iam::000000000000:role/replication"),
			Rules: []s3types.ReplicationRule{{ID: aws.String("all"), Status: s3types.ReplicationRuleStatusEnabled, Priority: aws.Int32(1),
				Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String("")},
				DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
				Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::" + dest), StorageClass: s3types.StorageClassStandardIa}}},
		}})
		return err
	}
	ae = wantCode(t, put("replica"), "InvalidRequest")
	if ae.ErrorMessage() != "Versioning must be 'Enabled' on the bucket to apply a replication configuration" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	enable := func(b string) {
		if _, err := e.S3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String(b),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
			t.Fatal(err)
		}
	}
	enable("primary")
	ae = wantCode(t, put("replica"), "InvalidRequest")
	if ae.ErrorMessage() != "Destination bucket must have versioning enabled." {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	wantCode(t, put("noreplica"), "InvalidRequest")
	enable("replica")
	if err := put("replica"); err != nil {
		t.Fatal(err)
	}
	out, err := get()
	if err != nil {
		t.Fatal(err)
	}
	rc := out.ReplicationConfiguration
	if aws.ToString(rc.Role) != "arn:aws:iam::000000000000:role/replication" || len(rc.Rules) != 1 || aws.ToString(rc.Rules[0].ID) != "all" ||
		aws.ToString(rc.Rules[0].Destination.Bucket) != "arn:aws:s3:::replica" || rc.Rules[0].Destination.StorageClass != s3types.StorageClassStandardIa ||
		aws.ToInt32(rc.Rules[0].Priority) != 1 || rc.Rules[0].Status != s3types.ReplicationRuleStatusEnabled {
		t.Fatalf("replication = %+v", rc)
	}
	if _, err := e.S3.DeleteBucketReplication(ctx(), &s3.DeleteBucketReplicationInput{Bucket: aws.String("primary")}); err != nil {
		t.Fatal(err)
	}
	_, err = get()
	wantCode(t, err, "ReplicationConfigurationNotFoundError")
}

// TestBucketNotificationConfiguration: empty until set, kept as put,
// emptied by an empty configuration.
func TestBucketNotificationConfiguration(t *testing.T) {
	e := newEnv(t)
	e.bucket("events")
	get := func() *s3.GetBucketNotificationConfigurationOutput {
		t.Helper()
		out, err := e.S3.GetBucketNotificationConfiguration(ctx(), &s3.GetBucketNotificationConfigurationInput{Bucket: aws.String("events")})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if out := get(); len(out.QueueConfigurations)+len(out.TopicConfigurations)+len(out.LambdaFunctionConfigurations) != 0 || out.EventBridgeConfiguration != nil {
		t.Fatalf("notifications = %+v", out)
	}
	put := func(events ...s3types.Event) error {
		cfg := &s3types.NotificationConfiguration{}
		if len(events) > 0 {
			cfg.QueueConfigurations = []s3types.QueueConfiguration{{Id: aws.String("q"), QueueArn: aws.String("arn:aws:sqs:us-east-1:000000000000:uploads"), Events: events,
				Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{{Name: s3types.FilterRuleNamePrefix, Value: aws.String("in/")}}}}}}
		}
		_, err := e.S3.PutBucketNotificationConfiguration(ctx(), &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String("events"), NotificationConfiguration: cfg})
		return err
	}
	if err := put(s3types.EventS3ObjectCreated, s3types.EventS3ObjectRemovedDelete); err != nil {
		t.Fatal(err)
	}
	out := get()
	if len(out.QueueConfigurations) != 1 {
		t.Fatalf("notifications = %+v", out)
	}
	q := out.QueueConfigurations[0]
	if aws.ToString(q.Id) != "q" || aws.ToString(q.QueueArn) != "arn:aws:sqs:us-east-1:000000000000:uploads" || len(q.Events) != 2 ||
		q.Filter == nil || len(q.Filter.Key.FilterRules) != 1 || aws.ToString(q.Filter.Key.FilterRules[0].Value) != "in/" {
		t.Fatalf("queue = %+v", q)
	}
	wantCode(t, put("s3:Object:Teleported"), "InvalidArgument")
	if err := put(); err != nil {
		t.Fatal(err)
	}
	if out := get(); len(out.QueueConfigurations) != 0 {
		t.Fatalf("after emptying: %+v", out)
	}
}

// TestObjectLockConfigurationAbsent: a bucket without Object Lock answers
// ObjectLockConfigurationNotFoundError, which Terraform and Ansible take
// as "not configured".
func TestObjectLockConfigurationAbsent(t *testing.T) {
	e := newEnv(t)
	e.bucket("nolock")
	_, err := e.S3.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: aws.String("nolock")})
	ae := wantCode(t, err, "ObjectLockConfigurationNotFoundError")
	wantStatus(t, err, 404)
	if ae.ErrorMessage() != "Object Lock configuration does not exist for this bucket" {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
	_, err = e.S3.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: aws.String("nobucket")})
	wantCode(t, err, "NoSuchBucket")
}

// TestBucketRegionHeadUnsigned: Terraform finds a bucket's region with an
// anonymous, unsigned HEAD /<bucket>: S3 answers x-amz-bucket-region even
// when it denies access (403), and 404 for a missing bucket.
func TestBucketRegionHeadUnsigned(t *testing.T) {
	e := newEnv(t)
	e.bucket("east")
	eu := e.client("test", "test", "eu-west-1")
	if _, err := eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("west"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}}); err != nil {
		t.Fatal(err)
	}
	for bucket, region := range map[string]string{"east": "us-east-1", "west": "eu-west-1"} {
		resp, body := e.send(http.MethodHead, e.URL+"/"+bucket, "", nil)
		if resp.StatusCode != 403 || resp.Header.Get("x-amz-bucket-region") != region || body != "" {
			t.Errorf("HEAD /%s: %d region %q", bucket, resp.StatusCode, resp.Header.Get("x-amz-bucket-region"))
		}
		// Signed, by the owner: 200 with the region.
		out, err := e.S3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String(bucket)})
		if err != nil || aws.ToString(out.BucketRegion) != region {
			t.Errorf("HeadBucket %s: %v, %v", bucket, out, err)
		}
	}
	// Another account denied: 403, still with the region.
	_, err := e.Alt.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("east")})
	wantStatus(t, err, 403)
	resp, _ := e.send(http.MethodHead, e.URL+"/nobucket", "", nil)
	if resp.StatusCode != 404 || resp.Header.Get("x-amz-bucket-region") != "" {
		t.Fatalf("HEAD /nobucket: %d %v", resp.StatusCode, resp.Header)
	}
	// Virtual-hosted, as Terraform's region lookup addresses it.
	resp, _ = e.send(http.MethodHead, e.URL+"/", "west.s3.localhost:"+strings.TrimPrefix(e.URL[strings.LastIndex(e.URL, ":"):], ":"), nil)
	if resp.StatusCode != 403 || resp.Header.Get("x-amz-bucket-region") != "eu-west-1" {
		t.Fatalf("virtual-hosted HEAD: %d %v", resp.StatusCode, resp.Header)
	}
}
