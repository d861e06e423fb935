package s3

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// storedHeaders are the standard headers an object keeps and returns.
var storedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires", "X-Amz-Website-Redirect-Location"}

var storageClasses = map[string]bool{
	"STANDARD": true, "REDUCED_REDUNDANCY": true, "STANDARD_IA": true, "ONEZONE_IA": true,
	"INTELLIGENT_TIERING": true, "GLACIER": true, "DEEP_ARCHIVE": true, "OUTPOSTS": true,
	"GLACIER_IR": true, "SNOW": true, "EXPRESS_ONEZONE": true, "FSX_OPENZFS": true,
}

// MaxMetadataSize is S3's limit on user-defined metadata, in bytes.
const MaxMetadataSize = 2048

// objectAttrs are the attributes a PUT, POST, copy or multipart upload
// gives a new object.
type objectAttrs struct {
	headers      map[string]string
	meta         map[string]string
	tags         []tag
	storageClass string
}

// parseObjectAttrs reads and validates them from request headers.
func parseObjectAttrs(h http.Header, meta map[string]string) (objectAttrs, error) {
	a := objectAttrs{headers: map[string]string{}, meta: meta}
	for _, name := range storedHeaders {
		if v := h.Get(name); v != "" {
			a.headers[name] = v
		}
	}
	if ce, ok := a.headers["Content-Encoding"]; ok {
		// aws-chunked is framing, not the object's encoding.
		var keep []string
		for _, p := range strings.Split(ce, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "aws-chunked") {
				keep = append(keep, p)
			}
		}
		if len(keep) == 0 {
			delete(a.headers, "Content-Encoding")
		} else {
			a.headers["Content-Encoding"] = strings.Join(keep, ", ")
		}
	}
	size := 0
	for k, v := range meta {
		size += len(k) + len(v)
	}
	if size > MaxMetadataSize {
		return a, awsproto.New(http.StatusBadRequest, "MetadataTooLarge", "Your metadata headers exceed the maximum allowed metadata size").
			With("Size", strconv.Itoa(size)).With("MaxSizeAllowed", strconv.Itoa(MaxMetadataSize))
	}
	if sc := h.Get("X-Amz-Storage-Class"); sc != "" {
		if !storageClasses[sc] {
			return a, awsproto.New(http.StatusBadRequest, "InvalidStorageClass", "The storage class you specified is not valid").With("StorageClassRequested", sc)
		}
		if sc != "STANDARD" {
			a.storageClass = sc
		}
	}
	if sse := h.Get("X-Amz-Server-Side-Encryption"); sse != "" && sse != "AES256" && sse != "aws:kms" && sse != "aws:kms:dsse" {
		return a, invalidArgument("The encryption method specified is not supported", "x-amz-server-side-encryption", sse)
	}
	if kid := h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); kid != "" {
		// A KMS key names how to encrypt only with aws:kms (or DSSE).
		if sse := h.Get("X-Amz-Server-Side-Encryption"); sse != "aws:kms" && sse != "aws:kms:dsse" {
			if sse == "" {
				sse = "null"
			}
			return a, invalidArgument("Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms", "x-amz-server-side-encryption", sse)
		}
	}
	if t := h.Get("X-Amz-Tagging"); t != "" {
		tags, err := parseTagQuery(t)
		if err != nil {
			return a, err
		}
		a.tags = tags
	}
	return a, nil
}

// parseTagQuery parses the x-amz-tagging header (URL query form).
func parseTagQuery(s string) ([]tag, error) {
	q, err := url.ParseQuery(s)
	if err != nil {
		return nil, errInvalidTag("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")
	}
	var tags []tag
	for _, k := range sortedKeys(flatten(q)) {
		if len(q[k]) > 1 {
			return nil, errInvalidTag("Cannot provide multiple Tags with the same key")
		}
		tags = append(tags, tag{Key: k, Value: q[k][0]})
	}
	return tags, validateTags(tags, 10)
}

func flatten(q url.Values) map[string]string {
	m := make(map[string]string, len(q))
	for k, v := range q {
		m[k] = v[0]
	}
	return m
}

type PutObjectInput struct {
	Bucket        string            `loc:"uri,Bucket"`
	Key           string            `loc:"uri,Key"`
	Body          io.ReadCloser     `loc:"body"`
	ContentLength *int64            `loc:"header,Content-Length"`
	ContentMD5    *string           `loc:"header,Content-MD5"`
	IfMatch       string            `loc:"header,If-Match"`
	IfNoneMatch   string            `loc:"header,If-None-Match"`
	Meta          map[string]string `loc:"headers,x-amz-meta-"`
	Header        http.Header       `loc:"allheaders"`
}

type PutObjectOutput struct {
	ETag       string            `loc:"header,ETag"`
	Expiration string            `loc:"header,x-amz-expiration"`
	VersionID  string            `loc:"header,x-amz-version-id"`
	SSE        string            `loc:"header,x-amz-server-side-encryption"`
	Checksums  map[string]string `loc:"headers,"`
	Enc        map[string]string `loc:"headers,"` // SSE-C's and SSE-KMS's headers
}

// PutObject stores an object: bytes first (durably), then its metadata in
// one transaction, so a crash never exposes a partial object.
func (s *Service) PutObject(ctx context.Context, in *PutObjectInput) (*PutObjectOutput, error) {
	if err := validateKey(in.Key); err != nil {
		return nil, err
	}
	attrs, err := parseObjectAttrs(in.Header, in.Meta)
	if err != nil {
		return nil, err
	}
	ck, err := parseChecksumRequest(in.Header)
	if err != nil {
		return nil, err
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	objACL, owner, err := s.objectACL(ctx, b, in.Header)
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if in.ContentLength != nil {
		size = *in.ContentLength
	}
	if in.ContentMD5 != nil && *in.ContentMD5 == "" {
		return nil, errInvalidDigest("")
	}
	lock, err := s.lockForWrite(ctx, b, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	if err := needsIntegrity(lock, in.Header, ck); err != nil {
		return nil, err
	}
	sse, err := s.sseForWrite(ctx, b, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	body, err := s.ingest(ctx, in.Body, size, ck, deref(in.ContentMD5), true, sse.dataKey())
	if err != nil {
		return nil, err
	}
	v := &versionRecord{
		Key: in.Key, Size: body.size, ETag: etagOf(body.md5), Modified: s.now().UTC(),
		Owner: owner, Headers: attrs.headers, Meta: attrs.meta, Tags: attrs.tags,
		StorageClass: attrs.storageClass, ChecksumAlgo: ck.algo, Checksum: body.checksum, ACL: objACL,
		Enc: sse.record(body), Lock: lock,
	}
	if ck.algo != "" {
		v.ChecksumType = "FULL_OBJECT"
	}
	if body.blob != "" {
		v.Segments = []segment{{Blob: body.blob, Size: body.size, IV: body.iv}}
	}
	if err := s.commitObject(ctx, in.Bucket, v, body.inline, putConditions{ifMatch: in.IfMatch, ifNoneMatch: in.IfNoneMatch}); err != nil {
		return nil, err
	}
	out := &PutObjectOutput{ETag: quote(v.ETag), SSE: v.Enc.sseAlgorithm(), Enc: v.Enc.extraHeaders(), Expiration: s.expirationHeader(b, v)}
	if v.VersionID != "null" {
		out.VersionID = v.VersionID
	}
	if v.Checksum != "" {
		out.Checksums = map[string]string{checksumHeader(v.ChecksumAlgo): v.Checksum, "x-amz-checksum-type": v.ChecksumType}
	}
	return out, nil
}

// putConditions are a write's If-Match / If-None-Match preconditions.
type putConditions struct{ ifMatch, ifNoneMatch string }

func (c putConditions) check(cur *versionRecord, key string) error {
	if c.ifNoneMatch != "" && cur != nil && etagMatches(c.ifNoneMatch, cur.ETag) {
		return errPreconditionFailed("If-None-Match")
	}
	if c.ifMatch != "" {
		if cur == nil {
			return errNoSuchKey(key)
		}
		if !etagMatches(c.ifMatch, cur.ETag) {
			return errPreconditionFailed("If-Match")
		}
	}
	return nil
}

// commitObject records v (whose bytes are already durable) as the newest
// version of its key, then removes the blobs it replaced. On failure the
// new blobs are removed.
func (s *Service) commitObject(ctx context.Context, bucket string, v *versionRecord, inline []byte, cond putConditions) error {
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		if cond != (putConditions{}) {
			cur, err := latestVersion(tx, bucket, v.Key)
			if err != nil {
				return err
			}
			if cur != nil && cur.DeleteMarker {
				cur = nil
			}
			if err := cond.check(cur, v.Key); err != nil {
				return err
			}
		}
		v.Seq = s.seq.next(v.Modified)
		freed, err = s.putVersion(tx, b, v, inline)
		return err
	})
	if err != nil {
		var ids []string
		for _, sg := range v.Segments {
			ids = append(ids, sg.Blob)
		}
		s.removeBlobs(ids)
		return err
	}
	s.removeBlobs(freed)
	return nil
}

func quote(etag string) string { return `"` + etag + `"` }

// etagMatches evaluates an If-Match / If-None-Match list against an ETag.
func etagMatches(list, etag string) bool {
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		e = strings.TrimPrefix(e, "W/")
		if e == "*" || strings.Trim(e, `"`) == etag {
			return true
		}
	}
	return false
}

type GetObjectInput struct {
	Bucket            string     `loc:"uri,Bucket"`
	Key               string     `loc:"uri,Key"`
	VersionID         string     `loc:"query,versionId"`
	PartNumber        *int       `loc:"query,partNumber"`
	Range             string     `loc:"header,Range"`
	IfMatch           string     `loc:"header,If-Match"`
	IfNoneMatch       string     `loc:"header,If-None-Match"`
	IfModifiedSince   *time.Time `loc:"header,If-Modified-Since"`
	IfUnmodifiedSince *time.Time `loc:"header,If-Unmodified-Since"`
	ChecksumMode      string     `loc:"header,x-amz-checksum-mode"`
	// SSE is refused: a read cannot choose how the object is encrypted.
	SSE string `loc:"header,x-amz-server-side-encryption"`

	ResponseCacheControl       string      `loc:"query,response-cache-control"`
	ResponseContentDisposition string      `loc:"query,response-content-disposition"`
	ResponseContentEncoding    string      `loc:"query,response-content-encoding"`
	ResponseContentLanguage    string      `loc:"query,response-content-language"`
	ResponseContentType        string      `loc:"query,response-content-type"`
	ResponseExpires            string      `loc:"query,response-expires"`
	Header                     http.Header `loc:"allheaders"`
}

type GetObjectOutput struct {
	Status  int               `loc:"status"`
	Headers map[string]string `loc:"headers,"`
	Body    io.ReadCloser     `loc:"body"`
}

// GetObject returns an object's bytes (or a range, or one part) with its
// metadata, honouring conditional headers as S3 does.
func (s *Service) GetObject(ctx context.Context, in *GetObjectInput) (*GetObjectOutput, error) {
	return s.readObject(ctx, in, true)
}

// HeadObject is GetObject without the body.
func (s *Service) HeadObject(ctx context.Context, in *GetObjectInput) (*GetObjectOutput, error) {
	return s.readObject(ctx, in, false)
}

func (s *Service) readObject(ctx context.Context, in *GetObjectInput, withBody bool) (*GetObjectOutput, error) {
	if err := validateKey(in.Key); err != nil {
		return nil, err
	}
	if in.SSE != "" {
		// S3: 400; the encryption of an object is chosen when it is
		// written (HeadObject's and GetObject's documentation).
		return nil, invalidArgument("x-amz-server-side-encryption header is not supported for this operation.", "x-amz-server-side-encryption", in.SSE)
	}
	if in.PartNumber != nil && (*in.PartNumber < 1 || *in.PartNumber > 10000) {
		return nil, invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(*in.PartNumber))
	}
	if in.PartNumber != nil && in.Range != "" {
		return nil, errInvalidRequest("Cannot specify both Range header and partNumber query parameter")
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	var v *versionRecord
	var inline []byte
	current := in.VersionID == ""
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = lookupObject(tx, in.Bucket, in.Key, in.VersionID)
		if err != nil {
			return err
		}
		if !current && b.Lifecycle != nil && !v.DeleteMarker {
			latest, err := latestVersion(tx, in.Bucket, in.Key)
			if err != nil {
				return err
			}
			current = latest != nil && latest.Seq == v.Seq
		}
		if v.DeleteMarker {
			method := "GET"
			if !withBody {
				method = "HEAD"
			}
			return errMethodNotAllowed(method, "DeleteMarker").
				WithHeader("x-amz-delete-marker", "true").WithHeader("x-amz-version-id", v.VersionID).
				WithHeader("Allow", "DELETE").WithHeader("Last-Modified", v.Modified.Format(http.TimeFormat))
		}
		if v.Inline && withBody {
			b, err := tx.Get(tInline, versionKey(in.Bucket, v.Key, v.Seq))
			if err != nil {
				return err
			}
			inline = append([]byte(nil), b...)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	h := objectHeaders(v)
	if v.VersionID != "null" {
		h["x-amz-version-id"] = v.VersionID
	}
	if current {
		if exp := s.expirationHeader(b, v); exp != "" {
			h["x-amz-expiration"] = exp
		}
	}
	if notModified, err := checkConditions(in, v); err != nil {
		return nil, err
	} else if notModified {
		nh := map[string]string{"ETag": h["ETag"], "Last-Modified": h["Last-Modified"]}
		if id, ok := h["x-amz-version-id"]; ok {
			nh["x-amz-version-id"] = id
		}
		return &GetObjectOutput{Status: http.StatusNotModified, Headers: nh}, nil
	}
	status := http.StatusOK
	start, length := int64(0), v.Size
	if in.PartNumber != nil {
		n := *in.PartNumber
		if len(v.Parts) == 0 {
			if n != 1 {
				return nil, errInvalidPartNumber(n)
			}
		} else {
			if n > len(v.Parts) {
				return nil, errInvalidPartNumber(n)
			}
			for i := 0; i < n-1; i++ {
				start += v.Parts[i].Size
			}
			length = v.Parts[n-1].Size
			status = http.StatusPartialContent
			h["x-amz-mp-parts-count"] = strconv.Itoa(len(v.Parts))
			h["Content-Range"] = contentRange(start, length, v.Size)
			if pc := v.Parts[n-1].Checksum; pc != "" {
				h[checksumHeader(v.ChecksumAlgo)] = pc
				h["x-amz-checksum-type"] = v.ChecksumType
			}
		}
	} else if in.Range != "" {
		st, ln, ok, err := parseRange(in.Range, v.Size)
		if err != nil {
			return nil, err
		}
		if ok {
			start, length = st, ln
			status = http.StatusPartialContent
			h["Content-Range"] = contentRange(start, length, v.Size)
		}
	}
	// The SSE-C key (HEAD asks for it too, as S3 does), or KMS's data
	// key; after the part and range checks, which S3 answers first.
	key, err := s.sseForRead(ctx, v.Enc, in.Header, sseCPrefix, withBody)
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(in.ChecksumMode, "ENABLED") && v.Checksum != "" && status == http.StatusOK {
		h[checksumHeader(v.ChecksumAlgo)] = v.Checksum
		h["x-amz-checksum-type"] = v.ChecksumType
	}
	for q, hn := range map[*string]string{
		&in.ResponseCacheControl: "Cache-Control", &in.ResponseContentDisposition: "Content-Disposition",
		&in.ResponseContentEncoding: "Content-Encoding", &in.ResponseContentLanguage: "Content-Language",
		&in.ResponseContentType: "Content-Type", &in.ResponseExpires: "Expires",
	} {
		if *q != "" {
			h[hn] = *q
		}
	}
	h["Content-Length"] = strconv.FormatInt(length, 10)
	out := &GetObjectOutput{Status: status, Headers: h}
	if withBody {
		body, err := s.openObject(v, inline, start, length, key)
		if err != nil {
			return nil, err
		}
		out.Body = body
	}
	return out, nil
}

// objectHeaders are the headers GET and HEAD return for a version.
func objectHeaders(v *versionRecord) map[string]string {
	// Sized for what most objects have (four fixed headers, the
	// encryption's, a few more): at eight or fewer the map is one group.
	h := make(map[string]string, 6+len(v.Headers)+len(v.Meta))
	h["ETag"] = quote(v.ETag)
	h["Last-Modified"] = v.Modified.Format(http.TimeFormat)
	h["Accept-Ranges"] = "bytes"
	h["Content-Type"] = "binary/octet-stream"
	v.Enc.setHeaders(h)
	v.Lock.headers(h)
	for k, val := range v.Headers {
		h[k] = val
	}
	for k, val := range v.Meta {
		h["x-amz-meta-"+k] = val
	}
	if len(v.Tags) > 0 {
		h["x-amz-tagging-count"] = strconv.Itoa(len(v.Tags))
	}
	if v.StorageClass != "" {
		h["x-amz-storage-class"] = v.StorageClass
	}
	if len(v.Parts) > 0 {
		h["x-amz-mp-parts-count"] = strconv.Itoa(len(v.Parts))
	}
	return h
}

// checkConditions evaluates If-Match, If-Unmodified-Since, If-None-Match
// and If-Modified-Since in S3's order. It reports a 304 or returns a 412.
func checkConditions(in *GetObjectInput, v *versionRecord) (notModified bool, err error) {
	mod := v.Modified.Truncate(time.Second)
	if in.IfMatch != "" {
		if !etagMatches(in.IfMatch, v.ETag) {
			return false, errPreconditionFailed("If-Match")
		}
	} else if in.IfUnmodifiedSince != nil && mod.After(*in.IfUnmodifiedSince) {
		return false, errPreconditionFailed("If-Unmodified-Since")
	}
	if in.IfNoneMatch != "" {
		if etagMatches(in.IfNoneMatch, v.ETag) {
			return true, nil
		}
	} else if in.IfModifiedSince != nil && !mod.After(*in.IfModifiedSince) {
		return true, nil
	}
	return false, nil
}

// parseRange parses a single-range "bytes=" header against size. A header
// S3 cannot parse is ignored (ok=false); an unsatisfiable one is InvalidRange.
func parseRange(hdr string, size int64) (start, length int64, ok bool, err error) {
	spec, found := strings.CutPrefix(strings.TrimSpace(hdr), "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, b, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false, nil
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "" && b == "":
		return 0, 0, false, nil
	case a == "":
		n, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, errInvalidRange(hdr, size)
		}
		if n > size {
			n = size
		}
		return size - n, n, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, 0, false, nil
	}
	last := size - 1
	if b != "" {
		l, perr := strconv.ParseInt(b, 10, 64)
		if perr != nil || l < first {
			return 0, 0, false, nil
		}
		if l < last {
			last = l
		}
	}
	if first >= size {
		return 0, 0, false, errInvalidRange(hdr, size)
	}
	return first, last - first + 1, true, nil
}

func contentRange(start, length, size int64) string {
	return "bytes " + strconv.FormatInt(start, 10) + "-" + strconv.FormatInt(start+length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

type DeleteObjectInput struct {
	Bucket    string      `loc:"uri,Bucket"`
	Key       string      `loc:"uri,Key"`
	VersionID string      `loc:"query,versionId"`
	IfMatch   string      `loc:"header,If-Match"`
	Header    http.Header `loc:"allheaders"`
}

type DeleteObjectOutput struct {
	Status       int    `loc:"status"`
	DeleteMarker string `loc:"header,x-amz-delete-marker"`
	VersionID    string `loc:"header,x-amz-version-id"`
}

// DeleteObject removes a key (or adds a delete marker under versioning), or
// removes one version permanently when versionId is given.
func (s *Service) DeleteObject(ctx context.Context, in *DeleteObjectInput) (*DeleteObjectOutput, error) {
	bypass := false
	if in.VersionID != "" && in.Header.Get("X-Amz-Bypass-Governance-Retention") != "" {
		b, err := s.loadBucket(ctx, in.Bucket)
		if err != nil {
			return nil, err
		}
		bypass = s.bypassGovernance(ctx, b, in.Key, in.Header)
	}
	res, err := s.deleteObject(ctx, in.Bucket, in.Key, in.VersionID, in.IfMatch, bypass)
	if err != nil {
		return nil, err
	}
	out := &DeleteObjectOutput{Status: http.StatusNoContent, VersionID: res.versionID}
	if res.deleteMarker {
		out.DeleteMarker = "true"
	}
	return out, nil
}

type deleteResult struct {
	versionID    string // the version removed, or the delete marker created
	deleteMarker bool   // a delete marker was created or removed
}

func (s *Service) deleteObject(ctx context.Context, bucket, key, versionID, ifMatch string, bypass bool) (deleteResult, error) {
	var res deleteResult
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		res, freed, err = s.deleteInTx(ctx, tx, b, key, versionID, ifMatch, bypass)
		return err
	})
	if err != nil {
		return res, err
	}
	s.removeBlobs(freed)
	return res, nil
}

// deleteInTx deletes one key or version inside tx, returning the blobs to
// remove once tx has committed. A version Object Lock protects stays
// (bypass: the caller may bypass GOVERNANCE retention).
func (s *Service) deleteInTx(ctx context.Context, tx store.Tx, b *bucketRecord, key, versionID, ifMatch string, bypass bool) (deleteResult, []string, error) {
	var res deleteResult
	var freed []string
	if versionID != "" {
		v, err := findVersion(tx, b.Name, key, versionID)
		if err != nil {
			if ae, ok := err.(*awsproto.Error); ok && ae.Code == "NoSuchVersion" {
				res.versionID = versionID
				return res, nil, nil // deleting a missing version succeeds
			}
			return res, nil, err
		}
		res.versionID, res.deleteMarker = v.VersionID, v.DeleteMarker
		if err := checkRemovable(v, s.now(), bypass); err != nil {
			return res, nil, err
		}
		freed, err = removeVersion(tx, b.Name, v)
		return res, freed, err
	}
	if ifMatch != "" {
		cur, err := currentObject(tx, b.Name, key)
		if err != nil {
			return res, nil, err
		}
		if !etagMatches(ifMatch, cur.ETag) {
			return res, nil, errPreconditionFailed("If-Match")
		}
	}
	if b.Versioning == "" {
		err := eachVersion(tx, b.Name, key, func(k []byte, r *versionRecord) (bool, error) {
			blobs, err := removeVersion(tx, b.Name, r)
			freed = append(freed, blobs...)
			return true, err
		})
		return res, freed, err
	}
	now := s.now().UTC()
	dm := &versionRecord{Key: key, DeleteMarker: true, Modified: now, Owner: request.From(ctx).Account(), Seq: s.seq.next(now)}
	freed, err := s.putVersion(tx, b, dm, nil)
	res.versionID, res.deleteMarker = dm.VersionID, true
	return res, freed, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
