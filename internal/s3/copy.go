package s3

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/store"
)

// copySource is a parsed x-amz-copy-source: "bucket/key[?versionId=…]",
// URL-encoded, with an optional leading slash.
type copySource struct {
	bucket, key, versionID string
	expectedOwner          string // x-amz-source-expected-bucket-owner
}

func parseCopySource(s string) (copySource, error) {
	bad := invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey", "x-amz-copy-source", s)
	path, query, _ := strings.Cut(s, "?")
	p, err := url.PathUnescape(path)
	if err != nil {
		return copySource{}, bad
	}
	p = strings.TrimPrefix(p, "/")
	bucket, key, ok := strings.Cut(p, "/")
	if !ok || bucket == "" || key == "" {
		return copySource{}, bad
	}
	cs := copySource{bucket: bucket, key: key}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return copySource{}, bad
		}
		cs.versionID = q.Get("versionId")
		if _, has := q["versionId"]; has && cs.versionID == "" {
			return copySource{}, errInvalidVersionID("")
		}
	}
	return cs, nil
}

// copyConditions are x-amz-copy-source-if-* headers.
type copyConditions struct {
	IfMatch           string     `loc:"header,x-amz-copy-source-if-match"`
	IfNoneMatch       string     `loc:"header,x-amz-copy-source-if-none-match"`
	IfModifiedSince   *time.Time `loc:"header,x-amz-copy-source-if-modified-since"`
	IfUnmodifiedSince *time.Time `loc:"header,x-amz-copy-source-if-unmodified-since"`
}

func (c copyConditions) check(v *versionRecord) error {
	in := &GetObjectInput{IfMatch: c.IfMatch, IfNoneMatch: c.IfNoneMatch, IfModifiedSince: c.IfModifiedSince, IfUnmodifiedSince: c.IfUnmodifiedSince}
	notModified, err := checkConditions(in, v)
	if err != nil {
		return err
	}
	if notModified {
		return errPreconditionFailed("x-amz-copy-source-If-None-Match")
	}
	return nil
}

// readSource resolves a copy source the caller may read and opens a range
// of it (length -1: all).
func (s *Service) readSource(ctx context.Context, cs copySource, start, length int64, rangeHdr string, h http.Header) (*versionRecord, *objectReader, error) {
	if err := s.authorizeSource(ctx, cs); err != nil {
		return nil, nil, err
	}
	var v *versionRecord
	var inline []byte
	err := s.store.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, cs.bucket); err != nil {
			return err
		}
		var err error
		v, err = lookupObject(tx, cs.bucket, cs.key, cs.versionID)
		if err != nil {
			return err
		}
		if v.DeleteMarker {
			if cs.versionID != "" {
				return invalidArgument("The source of a copy request may not specifically refer to a delete marker by version id.", "x-amz-copy-source", cs.bucket+"/"+cs.key)
			}
			return errNoSuchKey(cs.key)
		}
		if v.Inline {
			b, err := tx.Get(tInline, versionKey(cs.bucket, v.Key, v.Seq))
			if err != nil {
				return err
			}
			inline = append([]byte(nil), b...)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if length < 0 {
		start, length = 0, v.Size
	} else if start+length > v.Size {
		return nil, nil, awsproto.New(http.StatusRequestedRangeNotSatisfiable, "InvalidRange", "The requested range is not satisfiable").
			With("RangeRequested", rangeHdr).With("ActualObjectSize", itoa(v.Size))
	}
	// An SSE-C source needs its key in the copy-source headers.
	key, err := s.sseForRead(ctx, v.Enc, h, copySSECPrefix, true)
	if err != nil {
		return nil, nil, err
	}
	r, err := s.openObject(v, inline, start, length, key)
	if err != nil {
		return nil, nil, err
	}
	return v, r, nil
}

// authorizeSource applies the read check to a copy's source bucket.
func (s *Service) authorizeSource(ctx context.Context, cs copySource) error {
	b, err := s.loadBucket(ctx, cs.bucket)
	if err != nil {
		return err
	}
	if err := checkExpectedOwner(cs.expectedOwner, b); err != nil {
		return err
	}
	action := "s3:GetObject"
	if cs.versionID != "" {
		action = "s3:GetObjectVersion"
	}
	key := cs.key
	return s.allowed(ctx, b, action, &key)
}

type CopyObjectInput struct {
	Bucket            string            `loc:"uri,Bucket"`
	Key               string            `loc:"uri,Key"`
	CopySource        string            `loc:"header,x-amz-copy-source"`
	MetadataDirective string            `loc:"header,x-amz-metadata-directive"`
	TaggingDirective  string            `loc:"header,x-amz-tagging-directive"`
	IfMatch           string            `loc:"header,If-Match"`
	IfNoneMatch       string            `loc:"header,If-None-Match"`
	ChecksumAlgorithm string            `loc:"header,x-amz-checksum-algorithm"`
	Meta              map[string]string `loc:"headers,x-amz-meta-"`
	Header            http.Header       `loc:"allheaders"`
	Cond              copyConditions
}

type copyResult struct {
	XMLName      xml.Name          `xml:"CopyObjectResult"`
	ETag         string            `xml:"ETag"`
	LastModified restxml.Timestamp `xml:"LastModified"`
	attrChecksum
}

type CopyObjectOutput struct {
	VersionID       string            `loc:"header,x-amz-version-id"`
	Expiration      string            `loc:"header,x-amz-expiration"`
	SourceVersionID string            `loc:"header,x-amz-copy-source-version-id"`
	SSE             string            `loc:"header,x-amz-server-side-encryption"`
	Enc             map[string]string `loc:"headers,"`
	Body            *copyResult       `loc:"body"`
}

// CopyObject copies an object (bytes included) to a new key, keeping or
// replacing its metadata and tags as the directives say.
func (s *Service) CopyObject(ctx context.Context, in *CopyObjectInput) (*CopyObjectOutput, error) {
	if err := restxml.Decode(&http.Request{Header: in.Header, URL: emptyURL()}, func(string) string { return "" }, &in.Cond); err != nil {
		return nil, err
	}
	if err := validateKey(in.Key); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(in.CopySource)
	if err != nil {
		return nil, err
	}
	cs.expectedOwner = in.Header.Get("X-Amz-Source-Expected-Bucket-Owner")
	md := strings.ToUpper(in.MetadataDirective)
	if md != "" && md != "COPY" && md != "REPLACE" {
		return nil, invalidArgument("Unknown metadata directive.", "MetadataDirective", in.MetadataDirective)
	}
	td := strings.ToUpper(in.TaggingDirective)
	if td != "" && td != "COPY" && td != "REPLACE" {
		return nil, invalidArgument("Unknown tagging directive.", "TaggingDirective", in.TaggingDirective)
	}
	attrs, err := parseObjectAttrs(in.Header, in.Meta)
	if err != nil {
		return nil, err
	}
	dst, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	objACL, owner, err := s.objectACL(ctx, dst, in.Header)
	if err != nil {
		return nil, err
	}
	src, r, err := s.readSource(ctx, cs, 0, -1, "", in.Header)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := in.Cond.check(src); err != nil {
		return nil, err
	}
	if cs.bucket == in.Bucket && cs.key == in.Key && cs.versionID == "" && md != "REPLACE" &&
		attrs.storageClass == src.StorageClass && in.Header.Get("X-Amz-Server-Side-Encryption") == "" && in.Header.Get(sseCPrefix+"key") == "" &&
		in.Header.Get("X-Amz-Website-Redirect-Location") == "" && in.ChecksumAlgorithm == "" {
		return nil, errInvalidRequest("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")
	}
	algo := strings.ToUpper(in.ChecksumAlgorithm)
	if algo == "" {
		algo = src.ChecksumAlgo
	}
	if algo != "" && newChecksum(algo) == nil {
		return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	lock, err := s.lockForWrite(ctx, dst, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	// The copy is encrypted as its request (or the bucket's default)
	// says, whatever its source's encryption.
	sse, err := s.sseForWrite(ctx, dst, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	body, err := s.ingest(ctx, r, src.Size, checksumRequest{algo: algo}, "", true, sse.dataKey())
	if err != nil {
		return nil, err
	}
	v := &versionRecord{
		Key: in.Key, Size: body.size, ETag: etagOf(body.md5), Modified: s.now().UTC(),
		Owner: owner, Headers: src.Headers, Meta: src.Meta, Tags: src.Tags,
		StorageClass: attrs.storageClass, ChecksumAlgo: algo, Checksum: body.checksum, ACL: objACL,
		Enc: sse.record(body), Lock: lock,
	}
	if algo != "" {
		v.ChecksumType = "FULL_OBJECT"
	}
	if len(src.Parts) > 0 && algo == "" {
		v.ETag = src.ETag // S3 keeps a multipart source's ETag when it copies in one piece
	}
	if md == "REPLACE" {
		v.Headers, v.Meta = attrs.headers, attrs.meta
	}
	if td == "REPLACE" {
		v.Tags = attrs.tags
	}
	if body.blob != "" {
		v.Segments = []segment{{Blob: body.blob, Size: body.size, IV: body.iv}}
	}
	if err := s.commitObject(ctx, in.Bucket, v, body.inline, putConditions{ifMatch: in.IfMatch, ifNoneMatch: in.IfNoneMatch}); err != nil {
		return nil, err
	}
	res := &copyResult{ETag: quote(v.ETag), LastModified: restxml.Timestamp(v.Modified)}
	if v.Checksum != "" {
		res.ChecksumType = v.ChecksumType
		res.set(v.ChecksumAlgo, v.Checksum)
	}
	return &CopyObjectOutput{VersionID: visibleVersionID(v), SourceVersionID: visibleVersionID(src), SSE: v.Enc.sseAlgorithm(), Enc: v.Enc.extraHeaders(), Body: res,
		Expiration: s.expirationHeader(dst, v)}, nil
}

func itoa(n int64) string { return strconvFormat(n) }

var _ io.Reader = (*objectReader)(nil)

func emptyURL() *url.URL { return &url.URL{} }
