package server_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func TestCreateBucketNaming(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"photos", true}, {"a.b-c1", true}, {"ab", false}, {"Photos", false}, {"-photos", false},
		{"photos-", false}, {"pho..tos", false}, {"192.168.1.1", false}, {"xn--photos", false},
		{"photos-s3alias", false}, {"has_underscore", false}, {fmt.Sprintf("%064d", 1), false},
		{"sthree-x", false}, {"a.-b", false},
	} {
		_, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String(tc.name)})
		if tc.ok && err != nil {
			t.Errorf("%q: %v", tc.name, err)
		}
		if !tc.ok {
			wantCode(t, err, "InvalidBucketName")
		}
	}
}

func TestCreateBucketOwnershipAndNamespace(t *testing.T) {
	e := newEnv(t)
	e.bucket("shared-name")
	// Another account cannot take the name: one namespace across accounts.
	_, err := e.Alt.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("shared-name")})
	wantCode(t, err, "BucketAlreadyExists")
	wantStatus(t, err, 409)
	// In us-east-1, re-creating your own bucket succeeds (S3's legacy rule).
	if _, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("shared-name")}); err != nil {
		t.Fatalf("re-create own bucket in us-east-1: %v", err)
	}
	// Elsewhere it is BucketAlreadyOwnedByYou.
	eu := e.client("test", "test", "eu-west-1")
	_, err = eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("eu-bucket"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	wantCode(t, err, "BucketAlreadyOwnedByYou")
	// And the namespace spans regions.
	_, err = e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("eu-bucket")})
	if err == nil {
		t.Fatal("created a bucket whose name is taken in another region")
	}
}

func TestCreateBucketLocationConstraint(t *testing.T) {
	e := newEnv(t)
	// A constraint that differs from the endpoint's region.
	_, err := e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("lc1"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	wantCode(t, err, "IllegalLocationConstraintException")
	// No constraint outside us-east-1.
	eu := e.client("test", "test", "eu-west-1")
	_, err = eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("lc2")})
	wantCode(t, err, "IllegalLocationConstraintException")
	// us-east-1 is never a valid constraint.
	_, err = e.S3.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("lc3"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: "us-east-1"}})
	wantCode(t, err, "InvalidLocationConstraint")
	// Matching constraint works, and GetBucketLocation reports it.
	_, err = eu.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("lc4"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest1}})
	if err != nil {
		t.Fatal(err)
	}
	loc, err := eu.GetBucketLocation(ctx(), &s3.GetBucketLocationInput{Bucket: aws.String("lc4")})
	if err != nil || loc.LocationConstraint != types.BucketLocationConstraintEuWest1 {
		t.Fatalf("location = %v, %v", loc, err)
	}
	e.bucket("lc5")
	loc, err = e.S3.GetBucketLocation(ctx(), &s3.GetBucketLocationInput{Bucket: aws.String("lc5")})
	if err != nil || loc.LocationConstraint != "" {
		t.Fatalf("us-east-1 location = %q, %v; want empty", loc.LocationConstraint, err)
	}
	hb, err := eu.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("lc4")})
	if err != nil || aws.ToString(hb.BucketRegion) != "eu-west-1" {
		t.Fatalf("HeadBucket region = %v, %v", hb, err)
	}
}

func TestListBuckets(t *testing.T) {
	e := newEnv(t)
	for _, n := range []string{"b-3", "a-1", "a-2", "c-4"} {
		e.bucket(n)
	}
	if _, err := e.Alt.CreateBucket(ctx(), &s3.CreateBucketInput{Bucket: aws.String("alt-bucket")}); err != nil {
		t.Fatal(err)
	}
	out, err := e.S3.ListBuckets(ctx(), &s3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, *b.Name)
	}
	if fmt.Sprint(names) != "[a-1 a-2 b-3 c-4]" {
		t.Fatalf("buckets = %v (another account's must not show)", names)
	}
	if out.Owner == nil || len(aws.ToString(out.Owner.ID)) != 64 {
		t.Fatalf("owner = %+v", out.Owner)
	}
	// Prefix and pagination.
	out, err = e.S3.ListBuckets(ctx(), &s3.ListBucketsInput{Prefix: aws.String("a-"), MaxBuckets: aws.Int32(1)})
	if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "a-1" || out.ContinuationToken == nil {
		t.Fatalf("page 1 = %+v, %v", out, err)
	}
	out, err = e.S3.ListBuckets(ctx(), &s3.ListBucketsInput{Prefix: aws.String("a-"), MaxBuckets: aws.Int32(1), ContinuationToken: out.ContinuationToken})
	if err != nil || len(out.Buckets) != 1 || *out.Buckets[0].Name != "a-2" || out.ContinuationToken != nil {
		t.Fatalf("page 2 = %+v, %v", out, err)
	}
}

func TestHeadAndDeleteBucket(t *testing.T) {
	e := newEnv(t)
	_, err := e.S3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("missing")})
	wantStatus(t, err, 404)
	_, err = e.S3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("missing")})
	wantCode(t, err, "NoSuchBucket")
	e.bucket("full")
	e.put("full", "k", "v")
	_, err = e.S3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("full")})
	wantCode(t, err, "BucketNotEmpty")
	// Another account: 403, not the bucket.
	_, err = e.Alt.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("full")})
	wantStatus(t, err, 403)
	_, err = e.Alt.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("full")})
	wantCode(t, err, "AccessDenied")
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.S3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("full")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.HeadBucket(ctx(), &s3.HeadBucketInput{Bucket: aws.String("full")})
	wantStatus(t, err, 404)
}

func TestBucketTagging(t *testing.T) {
	e := newEnv(t)
	e.bucket("tags")
	_, err := e.S3.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	wantCode(t, err, "NoSuchTagSet")
	_, err = e.S3.PutBucketTagging(ctx(), &s3.PutBucketTaggingInput{Bucket: aws.String("tags"), Tagging: &types.Tagging{TagSet: []types.Tag{
		{Key: aws.String("env"), Value: aws.String("dev")}, {Key: aws.String("team"), Value: aws.String("cloud")}}}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.S3.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	if err != nil || len(out.TagSet) != 2 || *out.TagSet[0].Key != "env" || *out.TagSet[1].Value != "cloud" {
		t.Fatalf("tags = %+v, %v", out, err)
	}
	_, err = e.S3.PutBucketTagging(ctx(), &s3.PutBucketTaggingInput{Bucket: aws.String("tags"), Tagging: &types.Tagging{TagSet: []types.Tag{
		{Key: aws.String("dup"), Value: aws.String("1")}, {Key: aws.String("dup"), Value: aws.String("2")}}}})
	wantCode(t, err, "InvalidTag")
	if _, err := e.S3.DeleteBucketTagging(ctx(), &s3.DeleteBucketTaggingInput{Bucket: aws.String("tags")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.GetBucketTagging(ctx(), &s3.GetBucketTaggingInput{Bucket: aws.String("tags")})
	wantCode(t, err, "NoSuchTagSet")
}

func TestBucketVersioningConfig(t *testing.T) {
	e := newEnv(t)
	e.bucket("ver")
	out, err := e.S3.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: aws.String("ver")})
	if err != nil || out.Status != "" {
		t.Fatalf("new bucket versioning = %q, %v", out.Status, err)
	}
	for _, st := range []types.BucketVersioningStatus{types.BucketVersioningStatusEnabled, types.BucketVersioningStatusSuspended} {
		if _, err := e.S3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
			VersioningConfiguration: &types.VersioningConfiguration{Status: st}}); err != nil {
			t.Fatal(err)
		}
		out, err = e.S3.GetBucketVersioning(ctx(), &s3.GetBucketVersioningInput{Bucket: aws.String("ver")})
		if err != nil || out.Status != st {
			t.Fatalf("versioning = %q, %v; want %q", out.Status, err, st)
		}
	}
	_, err = e.S3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String("ver"),
		VersioningConfiguration: &types.VersioningConfiguration{Status: "Sideways"}})
	wantCode(t, err, "MalformedXML")
}

func TestUnimplementedOperation(t *testing.T) {
	e := newEnv(t)
	e.bucket("nix")
	_, err := e.S3.GetBucketAnalyticsConfiguration(ctx(), &s3.GetBucketAnalyticsConfigurationInput{Bucket: aws.String("nix"), Id: aws.String("a")})
	wantCode(t, err, "NotImplemented")
	wantStatus(t, err, 501)
}

// TestBucketEncryption: a bucket encrypts with SSE-S3 by default; its
// owner may set SSE-KMS (with a key) and return to the default.
func TestBucketEncryption(t *testing.T) {
	e := newEnv(t)
	e.bucket("enc")
	rule := func() types.ServerSideEncryptionRule {
		t.Helper()
		out, err := e.S3.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")})
		if err != nil || out.ServerSideEncryptionConfiguration == nil || len(out.ServerSideEncryptionConfiguration.Rules) != 1 {
			t.Fatalf("GetBucketEncryption: %+v %v", out, err)
		}
		return out.ServerSideEncryptionConfiguration.Rules[0]
	}
	if r := rule(); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 || aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("default: %+v", r.ApplyServerSideEncryptionByDefault)
	}
	kms := &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/app")},
		BucketKeyEnabled:                   aws.Bool(true),
	}}}
	if _, err := e.S3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: kms}); err != nil {
		t.Fatal(err)
	}
	if r := rule(); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAwsKms || aws.ToString(r.ApplyServerSideEncryptionByDefault.KMSMasterKeyID) != "alias/app" || !aws.ToBool(r.BucketKeyEnabled) {
		t.Fatalf("after put: %+v %v", r.ApplyServerSideEncryptionByDefault, aws.ToBool(r.BucketKeyEnabled))
	}
	bad := &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: types.ServerSideEncryptionAes256, KMSMasterKeyID: aws.String("alias/app")},
	}}}
	_, err := e.S3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: bad})
	if ae := wantCode(t, err, "InvalidArgument"); ae.ErrorMessage() != "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse" {
		t.Fatal(ae.ErrorMessage())
	}
	_, err = e.S3.PutBucketEncryption(ctx(), &s3.PutBucketEncryptionInput{Bucket: aws.String("enc"), ServerSideEncryptionConfiguration: &types.ServerSideEncryptionConfiguration{Rules: []types.ServerSideEncryptionRule{{
		ApplyServerSideEncryptionByDefault: &types.ServerSideEncryptionByDefault{SSEAlgorithm: "DES"},
	}}}})
	wantCode(t, err, "MalformedXML")
	if _, err := e.Alt.GetBucketEncryption(ctx(), &s3.GetBucketEncryptionInput{Bucket: aws.String("enc")}); err == nil {
		t.Fatal("another account read the bucket's encryption")
	}
	if _, err := e.S3.DeleteBucketEncryption(ctx(), &s3.DeleteBucketEncryptionInput{Bucket: aws.String("enc")}); err != nil {
		t.Fatal(err)
	}
	if r := rule(); r.ApplyServerSideEncryptionByDefault.SSEAlgorithm != types.ServerSideEncryptionAes256 {
		t.Fatalf("after delete: %+v", r.ApplyServerSideEncryptionByDefault)
	}
}
