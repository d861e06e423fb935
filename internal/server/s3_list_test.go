package server_test

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func listKeys(out *s3.ListObjectsV2Output) (keys, prefixes []string) {
	for _, o := range out.Contents {
		keys = append(keys, *o.Key)
	}
	for _, p := range out.CommonPrefixes {
		prefixes = append(prefixes, *p.Prefix)
	}
	return
}

func TestListObjectsV2(t *testing.T) {
	e := newEnv(t)
	e.bucket("lst")
	keys := []string{"a.txt", "photos/2025/x.png", "photos/2026/cat.png", "photos/2026/dog.png", "photos/readme", "z/1", "z/2", "zz"}
	for _, k := range keys {
		e.put("lst", k, k)
	}
	all, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := listKeys(all)
	if fmt.Sprint(got) != fmt.Sprint(keys) || aws.ToInt32(all.KeyCount) != int32(len(keys)) {
		t.Fatalf("all = %v", got)
	}
	for _, tc := range []struct {
		prefix, delim, want, wantPrefixes string
	}{
		{"", "/", "[a.txt zz]", "[photos/ z/]"},
		{"photos/", "/", "[photos/readme]", "[photos/2025/ photos/2026/]"},
		{"photos/2026/", "", "[photos/2026/cat.png photos/2026/dog.png]", "[]"},
		{"photos", "", "[photos/2025/x.png photos/2026/cat.png photos/2026/dog.png photos/readme]", "[]"},
		{"", "2", "[a.txt photos/readme z/1 zz]", "[photos/2 z/2]"},
		{"nothing", "/", "[]", "[]"},
	} {
		out, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Prefix: aws.String(tc.prefix), Delimiter: aws.String(tc.delim)})
		if err != nil {
			t.Fatal(err)
		}
		k, p := listKeys(out)
		if fmt.Sprint(k) != tc.want || fmt.Sprint(p) != tc.wantPrefixes {
			t.Errorf("prefix %q delim %q: keys %v prefixes %v; want %s %s", tc.prefix, tc.delim, k, p, tc.want, tc.wantPrefixes)
		}
	}
	// Paging with max-keys (prefixes count too), continuation tokens and start-after.
	var paged []string
	var token *string
	pages := 0
	for {
		out, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(1), ContinuationToken: token})
		if err != nil {
			t.Fatal(err)
		}
		k, p := listKeys(out)
		paged = append(append(paged, k...), p...)
		pages++
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		token = out.NextContinuationToken
	}
	sort.Strings(paged)
	if fmt.Sprint(paged) != "[a.txt photos/ z/ zz]" || pages != 4 {
		t.Fatalf("paged = %v in %d pages", paged, pages)
	}
	out, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), StartAfter: aws.String("photos/readme")})
	if k, _ := listKeys(out); err != nil || fmt.Sprint(k) != "[z/1 z/2 zz]" {
		t.Fatalf("start-after = %v, %v", k, err)
	}
	out, err = e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), FetchOwner: aws.Bool(true), MaxKeys: aws.Int32(1)})
	if err != nil || out.Contents[0].Owner == nil || len(aws.ToString(out.Contents[0].Owner.ID)) != 64 {
		t.Fatalf("fetch-owner: %+v, %v", out.Contents, err)
	}
	out, err = e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), MaxKeys: aws.Int32(0)})
	if err != nil || len(out.Contents) != 0 || aws.ToBool(out.IsTruncated) {
		t.Fatalf("max-keys 0: %+v, %v", out, err)
	}
	_, err = e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("lst"), ContinuationToken: aws.String("!!!")})
	wantCode(t, err, "InvalidArgument")
	_, err = e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("nosuch")})
	wantCode(t, err, "NoSuchBucket")
}

func TestListEncodingTypeURL(t *testing.T) {
	e := newEnv(t)
	e.bucket("enc")
	e.put("enc", "a b+c/ü", "x")
	out, err := e.S3.ListObjectsV2(ctx(), &s3.ListObjectsV2Input{Bucket: aws.String("enc"), EncodingType: types.EncodingTypeUrl})
	if err != nil {
		t.Fatal(err)
	}
	raw := aws.ToString(out.Contents[0].Key)
	dec, err := url.QueryUnescape(raw)
	if err != nil || dec != "a b+c/ü" || raw == dec {
		t.Fatalf("encoded key %q decodes to %q (%v)", raw, dec, err)
	}
}

func TestListObjectsV1(t *testing.T) {
	e := newEnv(t)
	e.bucket("v1b")
	for _, k := range []string{"a/1", "a/2", "b", "c/1"} {
		e.put("v1b", k, k)
	}
	out, err := e.S3.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("v1b"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 1 || len(out.CommonPrefixes) != 1 || !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextMarker) != "b" {
		t.Fatalf("page 1 = %+v", out)
	}
	if out.Contents[0].Owner == nil {
		t.Fatal("v1 listing has no Owner")
	}
	out, err = e.S3.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("v1b"), Delimiter: aws.String("/"), Marker: out.NextMarker})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "c/" || aws.ToBool(out.IsTruncated) {
		t.Fatalf("page 2 = %+v, %v", out, err)
	}
	out, err = e.S3.ListObjects(ctx(), &s3.ListObjectsInput{Bucket: aws.String("v1b"), Delimiter: aws.String("/"), Marker: aws.String("a/")})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "c/" {
		t.Fatalf("marker at a prefix = %+v, %v", out, err)
	}
}

func TestListManyKeysPaginator(t *testing.T) {
	e := newEnv(t)
	e.bucket("many")
	var want []string
	for i := 0; i < 2100; i++ {
		k := fmt.Sprintf("k/%05d", i)
		want = append(want, k)
	}
	// Faster than 2,100 PUTs through the SDK: the paginator is what matters.
	for _, k := range want {
		e.put("many", k, "")
	}
	p := s3.NewListObjectsV2Paginator(e.S3, &s3.ListObjectsV2Input{Bucket: aws.String("many")})
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(ctx())
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Contents) > 1000 {
			t.Fatalf("page of %d keys", len(out.Contents))
		}
		k, _ := listKeys(out)
		got = append(got, k...)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("paginator returned %d keys", len(got))
	}
}
