package server_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func randomBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// multipartETag is S3's ETag of a multipart object: the MD5 of the parts'
// MD5s, a dash, and the part count.
func multipartETag(parts ...[]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(h.Sum(nil)), len(parts))
}

func TestTransferManagerMultipart(t *testing.T) {
	e := newEnv(t)
	e.bucket("tmb")
	body := randomBytes(23<<20+123, 1) // 5 parts of 5 MiB
	up := manager.NewUploader(e.S3, func(u *manager.Uploader) { u.PartSize = 5 << 20; u.Concurrency = 3 })
	res, err := up.Upload(ctx(), &s3.PutObjectInput{Bucket: aws.String("tmb"), Key: aws.String("big.bin"), Body: bytes.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	var parts [][]byte
	for off := 0; off < len(body); off += 5 << 20 {
		parts = append(parts, body[off:min(off+5<<20, len(body))])
	}
	if aws.ToString(res.ETag) != multipartETag(parts...) {
		t.Fatalf("ETag = %s, want %s", aws.ToString(res.ETag), multipartETag(parts...))
	}
	dl := manager.NewDownloader(e.S3, func(d *manager.Downloader) { d.PartSize = 4 << 20; d.Concurrency = 3 })
	buf := manager.NewWriteAtBuffer(nil)
	n, err := dl.Download(ctx(), buf, &s3.GetObjectInput{Bucket: aws.String("tmb"), Key: aws.String("big.bin")})
	if err != nil || n != int64(len(body)) || !bytes.Equal(buf.Bytes(), body) {
		t.Fatalf("download: %d bytes, equal %v, %v", n, bytes.Equal(buf.Bytes(), body), err)
	}
	// partNumber reads one part.
	g, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("tmb"), Key: aws.String("big.bin"), PartNumber: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	p2, _ := io.ReadAll(g.Body)
	if !bytes.Equal(p2, parts[1]) || aws.ToInt32(g.PartsCount) != int32(len(parts)) {
		t.Fatalf("part 2: %d bytes, parts count %d", len(p2), aws.ToInt32(g.PartsCount))
	}
	_, err = e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("tmb"), Key: aws.String("big.bin"), PartNumber: aws.Int32(99)})
	wantCode(t, err, "InvalidPart")
	a, err := e.S3.GetObjectAttributes(ctx(), &s3.GetObjectAttributesInput{Bucket: aws.String("tmb"), Key: aws.String("big.bin"),
		ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectParts}})
	if err != nil || a.ObjectParts == nil || aws.ToInt32(a.ObjectParts.TotalPartsCount) != int32(len(parts)) {
		t.Fatalf("attributes = %+v, %v", a, err)
	}
}

func TestMultipartLowLevel(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpb")
	c, err := e.S3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("obj"),
		ContentType: aws.String("video/mp4"), Metadata: map[string]string{"k": "v"}})
	if err != nil {
		t.Fatal(err)
	}
	id := c.UploadId
	p1, p2, p3 := randomBytes(5<<20, 2), randomBytes(5<<20, 3), randomBytes(1000, 4)
	upload := func(n int32, b []byte) string {
		out, err := e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(n), Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.ETag)
	}
	e1, e2 := upload(1, p1), upload(2, p3) // part 2 re-uploaded below
	e2 = upload(2, p2)
	e3 := upload(3, p3)
	_, err = e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), UploadId: id, PartNumber: aws.Int32(10001), Body: bytes.NewReader(p3)})
	wantCode(t, err, "InvalidArgument")
	_, err = e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), UploadId: aws.String("nope"), PartNumber: aws.Int32(1), Body: bytes.NewReader(p3)})
	wantCode(t, err, "NoSuchUpload")

	lp, err := e.S3.ListParts(ctx(), &s3.ListPartsInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), UploadId: id, MaxParts: aws.Int32(2)})
	if err != nil || len(lp.Parts) != 2 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "2" {
		t.Fatalf("ListParts = %+v, %v", lp, err)
	}
	lu, err := e.S3.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpb")})
	if err != nil || len(lu.Uploads) != 1 || aws.ToString(lu.Uploads[0].UploadId) != aws.ToString(id) {
		t.Fatalf("ListMultipartUploads = %+v, %v", lu, err)
	}
	complete := func(parts ...types.CompletedPart) error {
		_, err := e.S3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("obj"), UploadId: id,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		return err
	}
	cp := func(n int32, etag string) types.CompletedPart {
		return types.CompletedPart{PartNumber: aws.Int32(n), ETag: aws.String(etag)}
	}
	wantCode(t, complete(cp(2, e2), cp(1, e1)), "InvalidPartOrder")
	wantCode(t, complete(cp(1, e1), cp(2, `"0123"`)), "InvalidPart")
	wantCode(t, complete(cp(1, e1), cp(4, e3)), "InvalidPart")
	wantCode(t, complete(cp(3, e3), cp(4, e3)), "InvalidPart")
	wantCode(t, complete(cp(1, e1), cp(3, e3), cp(2, e2)), "InvalidPartOrder")
	// A small part that is not last.
	c2, _ := e.S3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("small")})
	s1, _ := e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpb"), Key: aws.String("small"), UploadId: c2.UploadId, PartNumber: aws.Int32(1), Body: bytes.NewReader(p3)})
	s2, _ := e.S3.UploadPart(ctx(), &s3.UploadPartInput{Bucket: aws.String("mpb"), Key: aws.String("small"), UploadId: c2.UploadId, PartNumber: aws.Int32(2), Body: bytes.NewReader(p3)})
	_, err = e.S3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("small"), UploadId: c2.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{cp(1, aws.ToString(s1.ETag)), cp(2, aws.ToString(s2.ETag))}}})
	wantCode(t, err, "EntityTooSmall")

	if err := complete(cp(1, e1), cp(2, e2), cp(3, e3)); err != nil {
		t.Fatal(err)
	}
	h, err := e.S3.HeadObject(ctx(), &s3.HeadObjectInput{Bucket: aws.String("mpb"), Key: aws.String("obj")})
	if err != nil || aws.ToString(h.ETag) != multipartETag(p1, p2, p3) || aws.ToString(h.ContentType) != "video/mp4" || h.Metadata["k"] != "v" {
		t.Fatalf("head = %+v, %v", h, err)
	}
	if got := e.get("mpb", "obj"); got != string(p1)+string(p2)+string(p3) {
		t.Fatal("assembled bytes differ")
	}
	// A repeated completion answers with the object it made.
	if err := complete(cp(1, e1), cp(2, e2), cp(3, e3)); err != nil {
		t.Fatalf("repeated completion: %v", err)
	}
	// Abort.
	if _, err := e.S3.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("small"), UploadId: c2.UploadId}); err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.AbortMultipartUpload(ctx(), &s3.AbortMultipartUploadInput{Bucket: aws.String("mpb"), Key: aws.String("small"), UploadId: c2.UploadId})
	wantCode(t, err, "NoSuchUpload")
	lu, _ = e.S3.ListMultipartUploads(ctx(), &s3.ListMultipartUploadsInput{Bucket: aws.String("mpb")})
	if len(lu.Uploads) != 0 {
		t.Fatalf("uploads left: %+v", lu.Uploads)
	}
}

func TestUploadPartCopy(t *testing.T) {
	e := newEnv(t)
	e.bucket("upc")
	src := randomBytes(6<<20, 5)
	if _, err := e.S3.PutObject(ctx(), &s3.PutObjectInput{Bucket: aws.String("upc"), Key: aws.String("src"), Body: bytes.NewReader(src)}); err != nil {
		t.Fatal(err)
	}
	c, _ := e.S3.CreateMultipartUpload(ctx(), &s3.CreateMultipartUploadInput{Bucket: aws.String("upc"), Key: aws.String("dst")})
	r1, err := e.S3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: c.UploadId, PartNumber: aws.Int32(1),
		CopySource: aws.String("upc/src"), CopySourceRange: aws.String("bytes=0-5242879")})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := e.S3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: c.UploadId, PartNumber: aws.Int32(2),
		CopySource: aws.String("upc/src"), CopySourceRange: aws.String("bytes=5242880-6291455")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.S3.UploadPartCopy(ctx(), &s3.UploadPartCopyInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: c.UploadId, PartNumber: aws.Int32(3),
		CopySource: aws.String("upc/src"), CopySourceRange: aws.String("bytes=0-99999999")})
	wantCode(t, err, "InvalidRange")
	_, err = e.S3.CompleteMultipartUpload(ctx(), &s3.CompleteMultipartUploadInput{Bucket: aws.String("upc"), Key: aws.String("dst"), UploadId: c.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{
			{PartNumber: aws.Int32(1), ETag: r1.CopyPartResult.ETag}, {PartNumber: aws.Int32(2), ETag: r2.CopyPartResult.ETag}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.get("upc", "dst"); got != string(src) {
		t.Fatal("copied parts differ from source")
	}
}

func TestMultipartChecksums(t *testing.T) {
	e := newEnv(t)
	e.bucket("mpck")
	for _, algo := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha256} {
		body := randomBytes(11<<20, 6)
		up := manager.NewUploader(e.S3, func(u *manager.Uploader) { u.PartSize = 5 << 20 })
		res, err := up.Upload(ctx(), &s3.PutObjectInput{Bucket: aws.String("mpck"), Key: aws.String(string(algo)), Body: bytes.NewReader(body), ChecksumAlgorithm: algo})
		if err != nil {
			t.Fatalf("%s: %v", algo, err)
		}
		sum := firstNonEmpty(res.ChecksumCRC32, res.ChecksumCRC64NVME, res.ChecksumSHA256)
		if sum == "" {
			t.Fatalf("%s: no checksum in the completion", algo)
		}
		g, err := e.S3.GetObject(ctx(), &s3.GetObjectInput{Bucket: aws.String("mpck"), Key: aws.String(string(algo)), ChecksumMode: types.ChecksumModeEnabled})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(g.Body) // the SDK validates full-object checksums as it reads
		if err != nil || !bytes.Equal(b, body) {
			t.Fatalf("%s: read back %d bytes, %v", algo, len(b), err)
		}
	}
}
