package server_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// These tests replay what Terraform's AWS provider (v5) calls for each S3
// resource of the inventory in IAC-CALLS.md: create, read with every side
// read and the "absent" codes it tolerates, update, read, delete, and the
// read that must then say the thing is gone.

// tfBucketRead is aws_s3_bucket's refresh: HeadBucket, then one read per
// configuration, each with the codes Terraform takes as "not configured".
// It returns what each read found (nil for absent) so that callers can
// assert on it.
func tfBucketRead(t *testing.T, c *s3.Client, bucket string) map[string]any {
	t.Helper()
	b := aws.String(bucket)
	if _, err := c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: b}); err != nil {
		t.Fatalf("HeadBucket: %v", err)
	}
	got := map[string]any{}
	// absent runs one read; an error with one of the codes is "absent",
	// any other error fails as it fails Terraform.
	absent := func(name string, out any, err error, codes ...string) {
		t.Helper()
		if err == nil {
			got[name] = out
			return
		}
		codes = append(codes, "NotImplemented", "XNotImplemented")
		for _, c := range codes {
			if apiCode(err) == c {
				got[name] = nil
				return
			}
		}
		t.Fatalf("%s: %v", name, err)
	}
	pol, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
	absent("policy", pol, err, "NoSuchBucketPolicy")
	acl, err := c.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: b})
	absent("acl", acl, err)
	if acl.Owner == nil || acl.Owner.ID == nil || len(acl.Grants) == 0 {
		t.Fatalf("GetBucketAcl: owner and grants needed: %+v", acl)
	}
	cors, err := c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: b})
	absent("cors", cors, err, "NoSuchCORSConfiguration")
	web, err := c.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: b})
	absent("website", web, err, "NoSuchWebsiteConfiguration", "MethodNotAllowed")
	ver, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
	absent("versioning", ver, err)
	acc, err := c.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
	absent("accelerate", acc, err, "MethodNotAllowed", "UnsupportedArgument")
	pay, err := c.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: b})
	absent("payer", pay, err)
	if pay.Payer == "" {
		t.Fatal("GetBucketRequestPayment: no Payer")
	}
	logging, err := c.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: b})
	absent("logging", logging, err)
	lc, err := c.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
	absent("lifecycle", lc, err, "NoSuchLifecycleConfiguration")
	rep, err := c.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: b})
	absent("replication", rep, err, "ReplicationConfigurationNotFoundError")
	// v5 takes ServerSideEncryptionConfigurationNotFoundError as fatal
	// here: the default SSE-S3 configuration must always be answered.
	enc, err := c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
	absent("encryption", enc, err)
	if enc == nil || enc.ServerSideEncryptionConfiguration == nil || len(enc.ServerSideEncryptionConfiguration.Rules) == 0 ||
		enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault == nil {
		t.Fatalf("GetBucketEncryption: %+v", enc)
	}
	lock, err := c.GetObjectLockConfiguration(ctx(), &s3.GetObjectLockConfigurationInput{Bucket: b})
	absent("objectlock", lock, err, "ObjectLockConfigurationNotFoundError", "MethodNotAllowed")
	tags, err := c.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: b})
	absent("tags", tags, err, "NoSuchTagSet")
	return got
}

// apiCode is the AWS error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// tfBucketRegion is the provider's region lookup: an anonymous, unsigned
// HEAD of the bucket, read for x-amz-bucket-region whatever the status.
func tfBucketRegion(e *testEnv, bucket string) string {
	resp, _ := e.send(http.MethodHead, e.URL+"/"+bucket, "", nil)
	return resp.Header.Get("x-amz-bucket-region")
}

func TestIaCS3Bucket(t *testing.T) {
	e := newEnv(t)
	c := e.S3
	const name = "iac-bucket"
	b := aws.String(name)
	// Create: in us-east-1, HeadBucket first; a missing bucket is 404.
	_, err := c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: b})
	wantCode(t, err, "NotFound")
	wantStatus(t, err, 404)
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: b, ACL: s3types.BucketCannedACLPrivate}); err != nil {
		t.Fatal(err)
	}
	// A second create by the owner succeeds in us-east-1 (AWS's legacy
	// answer, which is why the provider calls HeadBucket first there) and
	// is BucketAlreadyOwnedByYou elsewhere.
	if _, err := c.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: b}); err != nil {
		t.Fatalf("re-create in us-east-1: %v", err)
	}
	eu := e.client("test", "test", "eu-west-1")
	euCfg := &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraintEuWest1}
	if _, err := eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("iac-eu"), CreateBucketConfiguration: euCfg}); err != nil {
		t.Fatal(err)
	}
	_, err = eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("iac-eu"), CreateBucketConfiguration: euCfg})
	wantCode(t, err, "BucketAlreadyOwnedByYou")
	if r := tfBucketRegion(e, "iac-eu"); r != "eu-west-1" {
		t.Fatalf("region lookup: %q", r)
	}
	if r := tfBucketRegion(e, name); r != "us-east-1" {
		t.Fatalf("region lookup: %q", r)
	}
	// Read of a new bucket: nothing configured but the defaults.
	got := tfBucketRead(t, c, name)
	for _, k := range []string{"policy", "cors", "website", "lifecycle", "replication", "objectlock", "tags"} {
		if got[k] != nil {
			t.Errorf("new bucket has %s: %+v", k, got[k])
		}
	}
	if v := got["versioning"].(*s3.GetBucketVersioningOutput); v.Status != "" || v.MFADelete != "" {
		t.Errorf("new bucket versioning: %+v", v)
	}
	if a := got["accelerate"].(*s3.GetBucketAccelerateConfigurationOutput); a.Status != "" {
		t.Errorf("new bucket acceleration: %+v", a)
	}
	if p := got["payer"].(*s3.GetBucketRequestPaymentOutput); p.Payer != s3types.PayerBucketOwner {
		t.Errorf("payer: %+v", p)
	}
	if l := got["logging"].(*s3.GetBucketLoggingOutput); l.LoggingEnabled != nil {
		t.Errorf("logging: %+v", l)
	}
	if sse := got["encryption"].(*s3.GetBucketEncryptionOutput).ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; sse.SSEAlgorithm != "AES256" {
		t.Errorf("default encryption: %+v", sse)
	}

	// Update: the in-resource (deprecated) arguments, each a Put.
	e.bucket("iac-logs")
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"r","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::iac-bucket/*"}]}`
	steps := []struct {
		name string
		run  func() error
	}{
		{"policy", func() error {
			_, err := c.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(policy)})
			return err
		}},
		{"cors", func() error {
			_, err := c.PutBucketCors(ctx(), &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{
				{AllowedMethods: []string{"GET", "PUT"}, AllowedOrigins: []string{"https://example.com"}, AllowedHeaders: []string{"*"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(3000)}}}})
			return err
		}},
		{"website", func() error {
			_, err := c.PutBucketWebsite(ctx(), &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: &s3types.WebsiteConfiguration{
				IndexDocument: &s3types.IndexDocument{Suffix: aws.String("index.html")}, ErrorDocument: &s3types.ErrorDocument{Key: aws.String("error.html")}}})
			return err
		}},
		{"versioning", func() error {
			_, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
			return err
		}},
		{"acl", func() error {
			if _, err := c.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
				Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
				return err
			}
			_, err := c.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: b, ACL: s3types.BucketCannedACLPrivate})
			return err
		}},
		{"logging", func() error {
			_, err := c.PutBucketLogging(ctx(), &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{
				LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String("iac-logs"), TargetPrefix: aws.String("log/")}}})
			return err
		}},
		{"lifecycle", func() error {
			_, err := c.PutBucketLifecycleConfiguration(ctx(), &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{
				Rules: []s3types.LifecycleRule{{ID: aws.String("expire"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
					Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(7)}}}}})
			return err
		}},
		{"accelerate", func() error {
			_, err := c.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: b, AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: s3types.BucketAccelerateStatusEnabled}})
			return err
		}},
		{"request payment", func() error {
			_, err := c.PutBucketRequestPayment(ctx(), &s3.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: s3types.PayerRequester}})
			return err
		}},
		{"encryption", func() error {
			_, err := c.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
				Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms,
					KMSMasterKeyID: aws.String("arn:aws:kms:us-east-1:000000000000:key/11111111-2222-3333-4444-555555555555")}, BucketKeyEnabled: aws.Bool(true)}}}})
			return err
		}},
		{"replication", func() error {
			dst := e.bucket("iac-replica")
			if _, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String(dst), VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
				return err
			}
			_, err := c.PutBucketReplication(ctx(), &s3.PutBucketReplicationInput{Bucket: b, ReplicationConfiguration: &s3types.ReplicationConfiguration{
				Role: aws.String("arn:aws:iam::000000000000:role/replication"),
				Rules: []s3types.ReplicationRule{{ID: aws.String("all"), Status: s3types.ReplicationRuleStatusEnabled, Priority: aws.Int32(1),
					Filter: &s3types.ReplicationRuleFilter{Prefix: aws.String("")}, DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
					Destination: &s3types.Destination{Bucket: aws.String("arn:aws:s3:::" + dst)}}}}})
			return err
		}},
		{"tags", func() error {
			_, err := c.PutBucketTagging(ctx(), &s3.PutBucketTaggingInput{Bucket: b, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{
				{Key: aws.String("Name"), Value: aws.String("iac")}, {Key: aws.String("env"), Value: aws.String("test")}}}})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("update %s: %v", s.name, err)
		}
	}
	got = tfBucketRead(t, c, name)
	for k, v := range got {
		if v == nil && k != "objectlock" { // the bucket was made without Object Lock
			t.Errorf("after update, %s reads as absent", k)
		}
	}
	if p := got["policy"].(*s3.GetBucketPolicyOutput); !strings.Contains(aws.ToString(p.Policy), `"s3:GetObject"`) {
		t.Errorf("policy: %s", aws.ToString(p.Policy))
	}
	if r := got["cors"].(*s3.GetBucketCorsOutput).CORSRules; len(r) != 1 || aws.ToInt32(r[0].MaxAgeSeconds) != 3000 || len(r[0].ExposeHeaders) != 1 {
		t.Errorf("cors: %+v", r)
	}
	if w := got["website"].(*s3.GetBucketWebsiteOutput); aws.ToString(w.IndexDocument.Suffix) != "index.html" || aws.ToString(w.ErrorDocument.Key) != "error.html" {
		t.Errorf("website: %+v", w)
	}
	if v := got["versioning"].(*s3.GetBucketVersioningOutput); v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning: %+v", v)
	}
	if a := got["accelerate"].(*s3.GetBucketAccelerateConfigurationOutput); a.Status != s3types.BucketAccelerateStatusEnabled {
		t.Errorf("acceleration: %+v", a)
	}
	if p := got["payer"].(*s3.GetBucketRequestPaymentOutput); p.Payer != s3types.PayerRequester {
		t.Errorf("payer: %+v", p)
	}
	if l := got["logging"].(*s3.GetBucketLoggingOutput).LoggingEnabled; l == nil || aws.ToString(l.TargetBucket) != "iac-logs" || aws.ToString(l.TargetPrefix) != "log/" {
		t.Errorf("logging: %+v", l)
	}
	if r := got["lifecycle"].(*s3.GetBucketLifecycleConfigurationOutput).Rules; len(r) != 1 || aws.ToString(r[0].ID) != "expire" || aws.ToInt32(r[0].Expiration.Days) != 7 ||
		r[0].Filter == nil || aws.ToString(r[0].Filter.Prefix) != "tmp/" {
		t.Errorf("lifecycle: %+v", r)
	}
	if r := got["replication"].(*s3.GetBucketReplicationOutput).ReplicationConfiguration; r == nil || aws.ToString(r.Role) == "" || len(r.Rules) != 1 ||
		aws.ToString(r.Rules[0].Destination.Bucket) != "arn:aws:s3:::iac-replica" || r.Rules[0].Status != s3types.ReplicationRuleStatusEnabled {
		t.Errorf("replication: %+v", r)
	}
	if r := got["encryption"].(*s3.GetBucketEncryptionOutput).ServerSideEncryptionConfiguration.Rules[0]; r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != "aws:kms" ||
		!strings.HasSuffix(aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID), "555555555555") || !aws.ToBool(r.BucketKeyEnabled) {
		t.Errorf("encryption: %+v", r)
	}
	if ts := got["tags"].(*s3.GetBucketTaggingOutput).TagSet; len(ts) != 2 {
		t.Errorf("tags: %+v", ts)
	}

	// Update back: each removable configuration is deleted; tags go with
	// DeleteBucketTagging when none are left.
	for name, del := range map[string]func() error{
		"policy": func() error {
			_, err := c.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: b})
			return err
		},
		"cors": func() error { _, err := c.DeleteBucketCors(ctx(), &s3.DeleteBucketCorsInput{Bucket: b}); return err },
		"website": func() error {
			_, err := c.DeleteBucketWebsite(ctx(), &s3.DeleteBucketWebsiteInput{Bucket: b})
			return err
		},
		"lifecycle": func() error {
			_, err := c.DeleteBucketLifecycle(ctx(), &s3.DeleteBucketLifecycleInput{Bucket: b})
			return err
		},
		"replication": func() error {
			_, err := c.DeleteBucketReplication(ctx(), &s3.DeleteBucketReplicationInput{Bucket: b})
			return err
		},
		"encryption": func() error {
			_, err := c.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: b})
			return err
		},
		"tags": func() error {
			_, err := c.DeleteBucketTagging(ctx(), &s3.DeleteBucketTaggingInput{Bucket: b})
			return err
		},
	} {
		if err := del(); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
	}
	got = tfBucketRead(t, c, name)
	for _, k := range []string{"policy", "cors", "website", "lifecycle", "replication", "tags"} {
		if got[k] != nil {
			t.Errorf("after delete, %s: %+v", k, got[k])
		}
	}
	if sse := got["encryption"].(*s3.GetBucketEncryptionOutput).ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault; sse.SSEAlgorithm != "AES256" {
		t.Errorf("encryption after DeleteBucketEncryption (AWS resets to SSE-S3): %+v", sse)
	}

	// Delete with force_destroy: BucketNotEmpty, then every version and
	// delete marker goes in DeleteObjects with BypassGovernanceRetention,
	// then the delete again, then HeadBucket until 404.
	e.put(name, "a", "1")
	e.put(name, "a", "2")
	if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: aws.String("a")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: b})
	wantCode(t, err, "BucketNotEmpty")
	vs, err := c.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: b})
	if err != nil || len(vs.Versions) != 2 || len(vs.DeleteMarkers) != 1 {
		t.Fatalf("ListObjectVersions: %+v %v", vs, err)
	}
	var ids []s3types.ObjectIdentifier
	for _, v := range vs.Versions {
		ids = append(ids, s3types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range vs.DeleteMarkers {
		ids = append(ids, s3types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
	}
	dout, err := c.DeleteObjects(ctx(), &s3.DeleteObjectsInput{Bucket: b, BypassGovernanceRetention: aws.Bool(true), Delete: &s3types.Delete{Objects: ids, Quiet: aws.Bool(true)}})
	if err != nil || len(dout.Errors) != 0 {
		t.Fatalf("DeleteObjects: %+v %v", dout, err)
	}
	if _, err := c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: b})
	wantStatus(t, err, 404)
	_, err = c.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: b})
	wantCode(t, err, "NoSuchBucket")
	// Reads of a deleted bucket: NoSuchBucket, which means "gone".
	_, err = c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
	wantCode(t, err, "NoSuchBucket")
	_, err = c.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: b})
	wantCode(t, err, "NoSuchBucket")
	_, err = c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
	wantCode(t, err, "NoSuchBucket")
}

// tfSplitResource is a standalone aws_s3_bucket_* resource: put, read,
// put again (update), read, delete, then the read that must answer one of
// the absent codes (or, for Get-only configurations, the default).
type tfSplitResource struct {
	name    string
	put     func(c *s3.Client, b *string, update bool) error
	read    func(c *s3.Client, b *string, update bool) error // checks the put's value
	del     func(c *s3.Client, b *string) error
	gone    func(c *s3.Client, b *string) error // after delete: nil if absent as Terraform sees it
	absentC string                              // the code gone's read answers, "" if none
}

func TestIaCS3BucketSplitResources(t *testing.T) {
	e := newEnv(t)
	c := e.S3
	e.bucket("iac-split-logs")
	oneCode := func(code string, f func(c *s3.Client, b *string) error) func(c *s3.Client, b *string) error {
		return func(c *s3.Client, b *string) error {
			err := f(c, b)
			if apiCode(err) != code {
				t.Errorf("after delete: want %s, got %v", code, err)
			}
			return nil
		}
	}
	check := func(ok bool, format string, args ...any) error {
		if !ok {
			t.Errorf(format, args...)
		}
		return nil
	}
	pick := func(update bool, a, b string) string {
		if update {
			return b
		}
		return a
	}
	resources := []tfSplitResource{
		{name: "aws_s3_bucket_versioning",
			put: func(c *s3.Client, b *string, update bool) error {
				st := s3types.BucketVersioningStatus(pick(update, "Enabled", "Suspended"))
				_, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: st}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(string(out.Status) == pick(update, "Enabled", "Suspended"), "versioning: %+v", out)
			},
			// Delete of an enabled bucket's versioning suspends it.
			del: func(c *s3.Client, b *string) error {
				_, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: "Suspended"}})
				return err
			},
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.Status == "Suspended", "versioning after delete: %+v", out)
			},
		},
		{name: "aws_s3_bucket_policy",
			put: func(c *s3.Client, b *string, update bool) error {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"` + pick(update, "s3:GetObject", "s3:ListBucket") + `","Resource":"arn:aws:s3:::` + *b + pick(update, "/*", "") + `"}]}`
				// Public policies need the bucket's block lifted.
				if _, err := c.PutPublicAccessBlock(ctx(), &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
					BlockPublicAcls: aws.Bool(false), BlockPublicPolicy: aws.Bool(false), IgnorePublicAcls: aws.Bool(false), RestrictPublicBuckets: aws.Bool(false)}}); err != nil {
					return err
				}
				_, err := c.PutBucketPolicy(ctx(), &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(doc)})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(strings.Contains(aws.ToString(out.Policy), pick(update, "s3:GetObject", "s3:ListBucket")), "policy: %s", aws.ToString(out.Policy))
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketPolicy(ctx(), &s3.DeleteBucketPolicyInput{Bucket: b})
				return err
			},
			gone: oneCode("NoSuchBucketPolicy", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_public_access_block",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutPublicAccessBlock(ctx(), &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
					BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(!update), IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(update)}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: b})
				if err != nil {
					return err
				}
				p := out.PublicAccessBlockConfiguration
				return check(p != nil && aws.ToBool(p.BlockPublicAcls) && aws.ToBool(p.BlockPublicPolicy) == !update && aws.ToBool(p.RestrictPublicBuckets) == update, "public access block: %+v", p)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeletePublicAccessBlock(ctx(), &s3.DeletePublicAccessBlockInput{Bucket: b})
				return err
			},
			gone: oneCode("NoSuchPublicAccessBlockConfiguration", func(c *s3.Client, b *string) error {
				_, err := c.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_ownership_controls",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
					Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnership(pick(update, "BucketOwnerPreferred", "ObjectWriter"))}}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: b})
				if err != nil {
					return err
				}
				r := out.OwnershipControls.Rules
				return check(len(r) == 1 && string(r[0].ObjectOwnership) == pick(update, "BucketOwnerPreferred", "ObjectWriter"), "ownership: %+v", r)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketOwnershipControls(ctx(), &s3.DeleteBucketOwnershipControlsInput{Bucket: b})
				return err
			},
			gone: oneCode("OwnershipControlsNotFoundError", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_acl",
			put: func(c *s3.Client, b *string, update bool) error {
				if !update {
					// The documented pairing: ownership controls that allow ACLs.
					if _, err := c.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
						Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
						return err
					}
					_, err := c.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: b, ACL: s3types.BucketCannedACLPrivate})
					return err
				}
				// access_control_policy: the owner from GetBucketAcl, grants in XML.
				cur, err := c.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: b})
				if err != nil {
					return err
				}
				_, err = c.PutBucketAcl(ctx(), &s3.PutBucketAclInput{Bucket: b, AccessControlPolicy: &s3types.AccessControlPolicy{Owner: cur.Owner, Grants: []s3types.Grant{
					{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: cur.Owner.ID}, Permission: s3types.PermissionFullControl},
					{Grantee: &s3types.Grantee{Type: s3types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/s3/LogDelivery")}, Permission: s3types.PermissionWrite},
				}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: b})
				if err != nil {
					return err
				}
				want := 1
				if update {
					want = 2
				}
				return check(out.Owner != nil && aws.ToString(out.Owner.ID) != "" && len(out.Grants) == want, "acl: %+v", out)
			},
			// Terraform's delete of an ACL only forgets it.
			del:  func(c *s3.Client, b *string) error { return nil },
			gone: func(c *s3.Client, b *string) error { return nil },
		},
		{name: "aws_s3_bucket_cors_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutBucketCors(ctx(), &s3.PutBucketCorsInput{Bucket: b, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: []s3types.CORSRule{
					{ID: aws.String("r"), AllowedMethods: []string{pick(update, "GET", "PUT")}, AllowedOrigins: []string{"*"}}}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(len(out.CORSRules) == 1 && aws.ToString(out.CORSRules[0].ID) == "r" && out.CORSRules[0].AllowedMethods[0] == pick(update, "GET", "PUT"), "cors: %+v", out.CORSRules)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketCors(ctx(), &s3.DeleteBucketCorsInput{Bucket: b})
				return err
			},
			gone: oneCode("NoSuchCORSConfiguration", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_website_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				cfg := &s3types.WebsiteConfiguration{IndexDocument: &s3types.IndexDocument{Suffix: aws.String(pick(update, "index.html", "home.html"))}}
				if update {
					cfg.RoutingRules = []s3types.RoutingRule{{Condition: &s3types.Condition{KeyPrefixEquals: aws.String("docs/")}, Redirect: &s3types.Redirect{ReplaceKeyPrefixWith: aws.String("documents/")}}}
				}
				_, err := c.PutBucketWebsite(ctx(), &s3.PutBucketWebsiteInput{Bucket: b, WebsiteConfiguration: cfg})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: b})
				if err != nil {
					return err
				}
				n := 0
				if update {
					n = 1
				}
				return check(aws.ToString(out.IndexDocument.Suffix) == pick(update, "index.html", "home.html") && len(out.RoutingRules) == n, "website: %+v", out)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketWebsite(ctx(), &s3.DeleteBucketWebsiteInput{Bucket: b})
				return err
			},
			gone: oneCode("NoSuchWebsiteConfiguration", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_lifecycle_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				rule := s3types.LifecycleRule{ID: aws.String("r"), Status: s3types.ExpirationStatusEnabled, Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
					Expiration:                     &s3types.LifecycleExpiration{Days: aws.Int32(30)},
					AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(2)}}
				if update {
					rule.Filter = &s3types.LifecycleRuleFilter{And: &s3types.LifecycleRuleAndOperator{Prefix: aws.String("logs/"), Tags: []s3types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}
					rule.AbortIncompleteMultipartUpload = nil
				}
				in := &s3.PutBucketLifecycleConfigurationInput{Bucket: b, LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{rule}}}
				if update {
					in.TransitionDefaultMinimumObjectSize = s3types.TransitionDefaultMinimumObjectSizeVariesByStorageClass
				}
				_, err := c.PutBucketLifecycleConfiguration(ctx(), in)
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
				if err != nil {
					return err
				}
				if len(out.Rules) != 1 || out.Rules[0].Filter == nil {
					return check(false, "lifecycle: %+v", out.Rules)
				}
				// transition_default_minimum_object_size is read back.
				if want := pick(update, "all_storage_classes_128K", "varies_by_storage_class"); string(out.TransitionDefaultMinimumObjectSize) != want {
					return check(false, "TransitionDefaultMinimumObjectSize = %q, want %q", out.TransitionDefaultMinimumObjectSize, want)
				}
				f := out.Rules[0].Filter
				if update {
					return check(f.And != nil && len(f.And.Tags) == 1 && out.Rules[0].AbortIncompleteMultipartUpload == nil, "lifecycle filter: %+v", f)
				}
				return check(aws.ToString(f.Prefix) == "logs/" && aws.ToInt32(out.Rules[0].AbortIncompleteMultipartUpload.DaysAfterInitiation) == 2, "lifecycle filter: %+v", f)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketLifecycle(ctx(), &s3.DeleteBucketLifecycleInput{Bucket: b})
				return err
			},
			gone: oneCode("NoSuchLifecycleConfiguration", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
				return err
			}),
		},
		{name: "aws_s3_bucket_server_side_encryption_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				def := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms}
				if update {
					def = &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAes256}
				}
				_, err := c.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: b, ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
					Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: def}}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
				if err != nil {
					return err
				}
				r := out.ServerSideEncryptionConfiguration.Rules
				return check(len(r) == 1 && string(r[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm) == pick(update, "aws:kms", "AES256"), "encryption: %+v", r)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: b})
				return err
			},
			// AWS resets the bucket to SSE-S3; the resource reads that as
			// a configuration it no longer manages (it is deleted from state).
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm == "AES256", "encryption after delete: %+v", out)
			},
		},
		{name: "aws_s3_bucket_logging",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutBucketLogging(ctx(), &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{
					LoggingEnabled: &s3types.LoggingEnabled{TargetBucket: aws.String("iac-split-logs"), TargetPrefix: aws.String(pick(update, "a/", "b/"))}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.LoggingEnabled != nil && aws.ToString(out.LoggingEnabled.TargetPrefix) == pick(update, "a/", "b/"), "logging: %+v", out.LoggingEnabled)
			},
			// Delete is a Put of an empty status; the read then has no
			// LoggingEnabled, which the finder turns into NotFound.
			del: func(c *s3.Client, b *string) error {
				_, err := c.PutBucketLogging(ctx(), &s3.PutBucketLoggingInput{Bucket: b, BucketLoggingStatus: &s3types.BucketLoggingStatus{}})
				return err
			},
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.LoggingEnabled == nil, "logging after delete: %+v", out.LoggingEnabled)
			},
		},
		{name: "aws_s3_bucket_notification",
			put: func(c *s3.Client, b *string, update bool) error {
				cfg := &s3types.NotificationConfiguration{TopicConfigurations: []s3types.TopicConfiguration{{Id: aws.String("t"),
					TopicArn: aws.String("arn:aws:sns:us-east-1:000000000000:uploads"), Events: []s3types.Event{s3types.EventS3ObjectCreated}}}}
				if update {
					cfg.EventBridgeConfiguration = &s3types.EventBridgeConfiguration{}
				}
				_, err := c.PutBucketNotificationConfiguration(ctx(), &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: cfg})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketNotificationConfiguration(ctx(), &s3.GetBucketNotificationConfigurationInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(len(out.TopicConfigurations) == 1 && (out.EventBridgeConfiguration != nil) == update, "notification: %+v", out)
			},
			// Delete puts an empty configuration.
			del: func(c *s3.Client, b *string) error {
				_, err := c.PutBucketNotificationConfiguration(ctx(), &s3.PutBucketNotificationConfigurationInput{Bucket: b, NotificationConfiguration: &s3types.NotificationConfiguration{}})
				return err
			},
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketNotificationConfiguration(ctx(), &s3.GetBucketNotificationConfigurationInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(len(out.TopicConfigurations) == 0 && out.EventBridgeConfiguration == nil, "notification after delete: %+v", out)
			},
		},
		{name: "aws_s3_bucket_accelerate_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: b, AccelerateConfiguration: &s3types.AccelerateConfiguration{
					Status: s3types.BucketAccelerateStatus(pick(update, "Enabled", "Suspended"))}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(string(out.Status) == pick(update, "Enabled", "Suspended"), "acceleration: %+v", out)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.PutBucketAccelerateConfiguration(ctx(), &s3.PutBucketAccelerateConfigurationInput{Bucket: b, AccelerateConfiguration: &s3types.AccelerateConfiguration{Status: "Suspended"}})
				return err
			},
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.Status == "Suspended", "acceleration after delete: %+v", out)
			},
		},
		{name: "aws_s3_bucket_request_payment_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				_, err := c.PutBucketRequestPayment(ctx(), &s3.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{
					Payer: s3types.Payer(pick(update, "Requester", "BucketOwner"))}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(string(out.Payer) == pick(update, "Requester", "BucketOwner"), "payer: %+v", out)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.PutBucketRequestPayment(ctx(), &s3.PutBucketRequestPaymentInput{Bucket: b, RequestPaymentConfiguration: &s3types.RequestPaymentConfiguration{Payer: "BucketOwner"}})
				return err
			},
			gone: func(c *s3.Client, b *string) error {
				out, err := c.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: b})
				if err != nil {
					return err
				}
				return check(out.Payer == "BucketOwner", "payer after delete: %+v", out)
			},
		},
		{name: "aws_s3_bucket_replication_configuration",
			put: func(c *s3.Client, b *string, update bool) error {
				for _, v := range []*string{b, aws.String("iac-split-replica")} {
					if _, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: v, VersioningConfiguration: &s3types.VersioningConfiguration{Status: "Enabled"}}); err != nil {
						return err
					}
				}
				_, err := c.PutBucketReplication(ctx(), &s3.PutBucketReplicationInput{Bucket: b, ReplicationConfiguration: &s3types.ReplicationConfiguration{
					Role: aws.String("arn:aws:iam::000000000000:role/replication"),
					Rules: []s3types.ReplicationRule{{ID: aws.String("r"), Status: s3types.ReplicationRuleStatusEnabled, Priority: aws.Int32(1),
						Filter:                  &s3types.ReplicationRuleFilter{Prefix: aws.String(pick(update, "a/", "b/"))},
						DeleteMarkerReplication: &s3types.DeleteMarkerReplication{Status: s3types.DeleteMarkerReplicationStatusDisabled},
						Destination:             &s3types.Destination{Bucket: aws.String("arn:aws:s3:::iac-split-replica"), StorageClass: s3types.StorageClassStandard}}}}})
				return err
			},
			read: func(c *s3.Client, b *string, update bool) error {
				out, err := c.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: b})
				if err != nil {
					return err
				}
				r := out.ReplicationConfiguration.Rules
				return check(len(r) == 1 && r[0].Filter != nil && aws.ToString(r[0].Filter.Prefix) == pick(update, "a/", "b/") && r[0].Destination.StorageClass == "STANDARD", "replication: %+v", r)
			},
			del: func(c *s3.Client, b *string) error {
				_, err := c.DeleteBucketReplication(ctx(), &s3.DeleteBucketReplicationInput{Bucket: b})
				return err
			},
			gone: oneCode("ReplicationConfigurationNotFoundError", func(c *s3.Client, b *string) error {
				_, err := c.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: b})
				return err
			}),
		},
	}
	e.bucket("iac-split-replica")
	for _, r := range resources {
		t.Run(r.name, func(t *testing.T) {
			b := aws.String("iac-split-" + strings.ReplaceAll(strings.TrimPrefix(r.name, "aws_s3_bucket_"), "_", "-"))
			if len(*b) > 63 {
				t.Fatal(*b)
			}
			e.bucket(*b)
			for _, update := range []bool{false, true} {
				if err := r.put(c, b, update); err != nil {
					t.Fatalf("put (update %v): %v", update, err)
				}
				if err := r.read(c, b, update); err != nil {
					t.Fatalf("read (update %v): %v", update, err)
				}
			}
			if err := r.del(c, b); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if err := r.gone(c, b); err != nil {
				t.Fatalf("read after delete: %v", err)
			}
		})
	}
	// Every standalone read maps NoSuchBucket to "gone" too.
	for _, read := range []func(b *string) error{
		func(b *string) error {
			_, err := c.GetBucketPolicy(ctx(), &s3.GetBucketPolicyInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetPublicAccessBlock(ctx(), &s3.GetPublicAccessBlockInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketOwnershipControls(ctx(), &s3.GetBucketOwnershipControlsInput{Bucket: b})
			return err
		},
		func(b *string) error { _, err := c.GetBucketCors(ctx(), &s3.GetBucketCorsInput{Bucket: b}); return err },
		func(b *string) error {
			_, err := c.GetBucketWebsite(ctx(), &s3.GetBucketWebsiteInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketLifecycleConfiguration(ctx(), &s3.GetBucketLifecycleConfigurationInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: b})
			return err
		},
		func(b *string) error { _, err := c.GetBucketAcl(ctx(), &s3.GetBucketAclInput{Bucket: b}); return err },
		func(b *string) error {
			_, err := c.GetBucketLogging(ctx(), &s3.GetBucketLoggingInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketNotificationConfiguration(ctx(), &s3.GetBucketNotificationConfigurationInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketAccelerateConfiguration(ctx(), &s3.GetBucketAccelerateConfigurationInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketRequestPayment(ctx(), &s3.GetBucketRequestPaymentInput{Bucket: b})
			return err
		},
		func(b *string) error {
			_, err := c.GetBucketReplication(ctx(), &s3.GetBucketReplicationInput{Bucket: b})
			return err
		},
	} {
		wantCode(t, read(aws.String("iac-no-such-bucket")), "NoSuchBucket")
	}
}

func TestIaCS3Object(t *testing.T) {
	e := newEnv(t)
	c := e.S3
	b := aws.String(e.bucket("iac-objects"))
	k := aws.String("dir/obj.txt")
	// Create: the uploader's PutObject, with metadata, tags in a header,
	// SSE and a checksum.
	put, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: b, Key: k, Body: stringsReader("hello"), ContentType: aws.String("text/plain"),
		CacheControl: aws.String("max-age=60"), Metadata: map[string]string{"owner": "iac"}, Tagging: aws.String("a=1&b=2"),
		ServerSideEncryption: s3types.ServerSideEncryptionAes256, ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32})
	if err != nil || aws.ToString(put.ETag) == "" {
		t.Fatalf("PutObject: %+v %v", put, err)
	}
	// Read: HeadObject with the checksum mode, then GetObjectTagging.
	read := func(wantTags int) *s3.HeadObjectOutput {
		t.Helper()
		h, err := c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: b, Key: k, ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("HeadObject: %v", err)
		}
		if strings.Trim(aws.ToString(h.ETag), `"`) == "" || aws.ToString(h.ContentType) != "text/plain" || h.Metadata["owner"] != "iac" ||
			h.ServerSideEncryption != s3types.ServerSideEncryptionAes256 || aws.ToString(h.CacheControl) != "max-age=60" || h.LastModified == nil {
			t.Fatalf("HeadObject: %+v", h)
		}
		tg, err := c.GetObjectTagging(ctx(), &s3.GetObjectTaggingInput{Bucket: b, Key: k})
		if err != nil || len(tg.TagSet) != wantTags {
			t.Fatalf("GetObjectTagging: %+v %v", tg, err)
		}
		return h
	}
	h := read(2)
	if aws.ToString(h.ChecksumCRC32) == "" {
		t.Errorf("HeadObject with ChecksumMode ENABLED: no ChecksumCRC32")
	}
	// Update: tags (put, then delete when none are left), the ACL.
	if _, err := c.PutObjectTagging(ctx(), &s3.PutObjectTaggingInput{Bucket: b, Key: k, Tagging: &s3types.Tagging{TagSet: []s3types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}}}); err != nil {
		t.Fatal(err)
	}
	read(1)
	if _, err := c.DeleteObjectTagging(ctx(), &s3.DeleteObjectTaggingInput{Bucket: b, Key: k}); err != nil {
		t.Fatal(err)
	}
	read(0)
	// ACLs are disabled on a new bucket: only bucket-owner-full-control
	// style writes pass.
	_, err = c.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: b, Key: k, ACL: s3types.ObjectCannedACLPublicRead})
	wantCode(t, err, "AccessControlListNotSupported")
	// Setting an ACL fails even as bucket-owner-full-control (s3_object's
	// PutObjectAcl after an upload); the object write itself may carry it.
	_, err = c.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: b, Key: k, ACL: s3types.ObjectCannedACLBucketOwnerFullControl})
	wantCode(t, err, "AccessControlListNotSupported")
	if _, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: b, Key: aws.String("bofc"), Body: strings.NewReader("x"), ACL: s3types.ObjectCannedACLBucketOwnerFullControl}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketOwnershipControls(ctx(), &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &s3types.OwnershipControls{
		Rules: []s3types.OwnershipControlsRule{{ObjectOwnership: s3types.ObjectOwnershipBucketOwnerPreferred}}}}); err != nil {
		t.Fatal(err)
	}
	// The bucket's default Block Public Access refuses public ACLs.
	_, err = c.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: b, Key: k, ACL: s3types.ObjectCannedACLAuthenticatedRead})
	wantCode(t, err, "AccessDenied")
	cur, err := c.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: b, Key: k})
	if err != nil || cur.Owner == nil {
		t.Fatalf("GetObjectAcl: %+v %v", cur, err)
	}
	if _, err := c.PutObjectAcl(ctx(), &s3.PutObjectAclInput{Bucket: b, Key: k, AccessControlPolicy: &s3types.AccessControlPolicy{Owner: cur.Owner, Grants: []s3types.Grant{
		{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: cur.Owner.ID}, Permission: s3types.PermissionFullControl},
		{Grantee: &s3types.Grantee{Type: s3types.TypeCanonicalUser, ID: cur.Owner.ID}, Permission: s3types.PermissionReadAcp},
	}}}); err != nil {
		t.Fatal(err)
	}
	acl, err := c.GetObjectAcl(ctx(), &s3.GetObjectAclInput{Bucket: b, Key: k})
	if err != nil || len(acl.Grants) != 2 {
		t.Fatalf("GetObjectAcl: %+v %v", acl, err)
	}
	// A content change is a new PutObject; the ETag changes.
	put2, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: b, Key: k, Body: stringsReader("hello again"), ContentType: aws.String("text/plain"),
		CacheControl: aws.String("max-age=60"), Metadata: map[string]string{"owner": "iac"}, ServerSideEncryption: s3types.ServerSideEncryptionAes256})
	if err != nil || aws.ToString(put2.ETag) == aws.ToString(put.ETag) {
		t.Fatalf("PutObject again: %+v %v", put2, err)
	}
	read(0)
	// Delete (no version_id): DeleteObject, then HeadObject answers 404.
	if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: k}); err != nil {
		t.Fatal(err)
	}
	_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: b, Key: k})
	wantCode(t, err, "NotFound")
	wantStatus(t, err, 404)
	// Deleting what is gone is no error.
	if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: k}); err != nil {
		t.Fatal(err)
	}

	// In a versioned bucket the object has a version_id, and delete lists
	// the key's versions and delete markers and deletes each by ID.
	if _, err := c.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: b, VersioningConfiguration: &s3types.VersioningConfiguration{Status: "Enabled"}}); err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{"v1", "v2"} {
		out, err := c.PutObject(ctx(), &s3.PutObjectInput{Bucket: b, Key: k, Body: stringsReader(body)})
		if err != nil || aws.ToString(out.VersionId) == "" {
			t.Fatalf("versioned PutObject: %+v %v", out, err)
		}
	}
	// A key that shares the prefix must survive.
	e.put("iac-objects", "dir/obj.txt.bak", "keep")
	vs, err := c.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: b, Prefix: k})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, v := range vs.Versions {
		if aws.ToString(v.Key) != *k {
			continue
		}
		n++
		if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: k, VersionId: v.VersionId, BypassGovernanceRetention: aws.Bool(true)}); err != nil {
			t.Fatalf("delete version: %v", err)
		}
	}
	for _, m := range vs.DeleteMarkers {
		if aws.ToString(m.Key) != *k {
			continue
		}
		if _, err := c.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: b, Key: k, VersionId: m.VersionId}); err != nil {
			t.Fatalf("delete marker: %v", err)
		}
	}
	if n != 2 {
		t.Fatalf("versions of the key: %d, want 2", n)
	}
	_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: b, Key: k})
	wantStatus(t, err, 404)
	if got := e.get("iac-objects", "dir/obj.txt.bak"); got != "keep" {
		t.Fatal(got)
	}
	// A missing bucket: a HEAD has no body to name NoSuchBucket; the 404
	// is what Terraform checks.
	_, err = c.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("iac-none"), Key: k})
	wantStatus(t, err, 404)
}
