package server_test

import (
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func enableVersioning(t *testing.T, e *testEnv, bucket string, st types.BucketVersioningStatus) {
	t.Helper()
	if _, err := e.S3.PutBucketVersioning(ctx(), &s3.PutBucketVersioningInput{Bucket: aws.String(bucket),
		VersioningConfiguration: &types.VersioningConfiguration{Status: st}}); err != nil {
		t.Fatal(err)
	}
}

func getVersion(t *testing.T, e *testEnv, bucket, key, version string) (string, error) {
	t.Helper()
	out, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: aws.String(version)})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, _ := io.ReadAll(out.Body)
	return string(b), nil
}

func TestVersioning(t *testing.T) {
	e := newEnv(t)
	e.bucket("vers")
	e.put("vers", "k", "before") // the null version, from before versioning
	enableVersioning(t, e, "vers", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(e.put("vers", "k", "one").VersionId)
	v2 := aws.ToString(e.put("vers", "k", "two").VersionId)
	if v1 == "" || v2 == "" || v1 == v2 {
		t.Fatalf("version ids %q %q", v1, v2)
	}
	if got := e.get("vers", "k"); got != "two" {
		t.Fatalf("current = %q", got)
	}
	for id, want := range map[string]string{v1: "one", v2: "two", "null": "before"} {
		if got, err := getVersion(t, e, "vers", "k", id); err != nil || got != want {
			t.Fatalf("version %s = %q, %v", id, got, err)
		}
	}
	// A delete adds a marker; the key then reads as missing.
	d, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(d.DeleteMarker) || aws.ToString(d.VersionId) == "" {
		t.Fatalf("delete = %+v, %v", d, err)
	}
	marker := aws.ToString(d.VersionId)
	_, err = e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k")})
	wantCode(t, err, "NoSuchKey")
	_, err = e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(marker)})
	wantCode(t, err, "MethodNotAllowed")
	_, err = getVersion(t, e, "vers", "k", "00000000000000000000000000000000")
	wantCode(t, err, "NoSuchVersion")
	_, err = getVersion(t, e, "vers", "k", "not-a-version")
	wantCode(t, err, "InvalidArgument")
	l, _ := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("vers")})
	if len(l.Contents) != 0 {
		t.Fatalf("deleted key still listed: %+v", l.Contents)
	}
	lv, err := e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("vers")})
	if err != nil || len(lv.Versions) != 3 || len(lv.DeleteMarkers) != 1 || !aws.ToBool(lv.DeleteMarkers[0].IsLatest) || aws.ToBool(lv.Versions[0].IsLatest) {
		t.Fatalf("versions = %d, markers = %d, %v", len(lv.Versions), len(lv.DeleteMarkers), err)
	}
	if aws.ToString(lv.Versions[0].VersionId) != v2 || aws.ToString(lv.Versions[2].VersionId) != "null" {
		t.Fatalf("version order: %s %s %s", *lv.Versions[0].VersionId, *lv.Versions[1].VersionId, *lv.Versions[2].VersionId)
	}
	// Paging through versions.
	p1, err := e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), MaxKeys: aws.Int32(2)})
	if err != nil || !aws.ToBool(p1.IsTruncated) || p1.NextVersionIdMarker == nil {
		t.Fatalf("page 1 = %+v, %v", p1, err)
	}
	p2, err := e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("vers"), KeyMarker: p1.NextKeyMarker, VersionIdMarker: p1.NextVersionIdMarker})
	if err != nil || len(p2.Versions)+len(p2.DeleteMarkers) != 2 || aws.ToBool(p2.IsTruncated) {
		t.Fatalf("page 2 = %d entries, %v", len(p2.Versions)+len(p2.DeleteMarkers), err)
	}
	// Deleting the marker brings the object back.
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(marker)}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("vers", "k"); got != "two" {
		t.Fatalf("after removing the marker: %q", got)
	}
	// Permanently deleting a version.
	if _, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("vers"), Key: aws.String("k"), VersionId: aws.String(v2)}); err != nil {
		t.Fatal(err)
	}
	if got := e.get("vers", "k"); got != "one" {
		t.Fatalf("after deleting v2: %q", got)
	}
	// A versioned bucket with versions is not empty.
	_, err = e.S3.DeleteBucket(ctx(), &s3.DeleteBucketInput{Bucket: aws.String("vers")})
	wantCode(t, err, "BucketNotEmpty")
}

func TestSuspendedVersioning(t *testing.T) {
	e := newEnv(t)
	e.bucket("susp")
	enableVersioning(t, e, "susp", types.BucketVersioningStatusEnabled)
	v1 := aws.ToString(e.put("susp", "k", "one").VersionId)
	enableVersioning(t, e, "susp", types.BucketVersioningStatusSuspended)
	e.put("susp", "k", "null-1")
	e.put("susp", "k", "null-2") // replaces the null version
	lv, _ := e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("susp")})
	if len(lv.Versions) != 2 || aws.ToString(lv.Versions[0].VersionId) != "null" || aws.ToString(lv.Versions[1].VersionId) != v1 {
		t.Fatalf("versions = %+v", lv.Versions)
	}
	if got := e.get("susp", "k"); got != "null-2" {
		t.Fatalf("current = %q", got)
	}
	d, err := e.S3.DeleteObject(ctx(), &s3.DeleteObjectInput{Bucket: aws.String("susp"), Key: aws.String("k")})
	if err != nil || !aws.ToBool(d.DeleteMarker) {
		t.Fatalf("delete = %+v, %v", d, err)
	}
	lv, _ = e.S3.ListObjectVersions(ctx(), &s3.ListObjectVersionsInput{Bucket: aws.String("susp")})
	if len(lv.Versions) != 1 || len(lv.DeleteMarkers) != 1 || aws.ToString(lv.DeleteMarkers[0].VersionId) != "null" {
		t.Fatalf("after delete: versions %d, markers %+v", len(lv.Versions), lv.DeleteMarkers)
	}
	if got, err := getVersion(t, e, "susp", "k", v1); err != nil || got != "one" {
		t.Fatalf("v1 = %q, %v", got, err)
	}
}
