package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/store"
)

// MinPartSize is the smallest size of every part but the last (5 MiB).
const MinPartSize = 5 << 20

// MaxParts is the most parts an upload may have.
const MaxParts = 10000

type CreateMultipartUploadInput struct {
	Bucket       string            `loc:"uri,Bucket"`
	Key          string            `loc:"uri,Key"`
	ChecksumAlgo string            `loc:"header,x-amz-checksum-algorithm"`
	ChecksumType string            `loc:"header,x-amz-checksum-type"`
	Meta         map[string]string `loc:"headers,x-amz-meta-"`
	Header       http.Header       `loc:"allheaders"`
}

type initiateResult struct {
	XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	UploadID string   `xml:"UploadId"`
}

type CreateMultipartUploadOutput struct {
	ChecksumAlgo string            `loc:"header,x-amz-checksum-algorithm"`
	ChecksumType string            `loc:"header,x-amz-checksum-type"`
	SSE          string            `loc:"header,x-amz-server-side-encryption"`
	Enc          map[string]string `loc:"headers,"`
	Body         *initiateResult   `loc:"body"`
}

// CreateMultipartUpload starts an upload whose parts are sent separately.
func (s *Service) CreateMultipartUpload(ctx context.Context, in *CreateMultipartUploadInput) (*CreateMultipartUploadOutput, error) {
	if err := validateKey(in.Key); err != nil {
		return nil, err
	}
	attrs, err := parseObjectAttrs(in.Header, in.Meta)
	if err != nil {
		return nil, err
	}
	algo, typ := strings.ToUpper(in.ChecksumAlgo), strings.ToUpper(in.ChecksumType)
	if algo != "" && newChecksum(algo) == nil {
		return nil, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
	}
	switch {
	case typ != "" && typ != "COMPOSITE" && typ != "FULL_OBJECT":
		return nil, errInvalidRequest("Value for x-amz-checksum-type header is invalid.")
	case typ != "" && algo == "":
		return nil, errInvalidRequest("The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.")
	case typ == "FULL_OBJECT" && (algo == "SHA1" || algo == "SHA256"):
		return nil, errInvalidRequest("The FULL_OBJECT checksum type cannot be used with the " + strings.ToLower(algo) + " checksum algorithm.")
	case typ == "COMPOSITE" && algo == "CRC64NVME":
		return nil, errInvalidRequest("The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.")
	case typ == "" && algo == "CRC64NVME":
		typ = "FULL_OBJECT"
	case typ == "" && algo != "":
		typ = "COMPOSITE"
	}
	b, err := s.loadBucket(ctx, in.Bucket)
	if err != nil {
		return nil, err
	}
	objACL, owner, err := s.objectACL(ctx, b, in.Header)
	if err != nil {
		return nil, err
	}
	// The lock headers first, as PutObject checks them: a malformed one
	// answers the same whatever KMS would say.
	lock, err := s.lockForWrite(ctx, b, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	// Every part is encrypted as the upload says: with the SSE-C key
	// each part brings again, or with one KMS data key for them all.
	sse, err := s.sseForWrite(ctx, b, in.Key, in.Header)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	u := uploadRecord{Bucket: in.Bucket, Key: in.Key, UploadID: newUploadID(s.seq.next(now)), Initiated: now,
		Owner: owner, Headers: attrs.headers, Meta: attrs.meta, Tags: attrs.tags,
		ChecksumAlgo: algo, ChecksumType: typ, StorageClass: attrs.storageClass, ACL: objACL, Enc: sse.record(&ingested{}), Lock: lock}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		return tx.Put(tUploads, uploadKey(in.Bucket, in.Key, u.UploadID), marshal(u))
	})
	if err != nil {
		return nil, err
	}
	out := &CreateMultipartUploadOutput{ChecksumAlgo: algo, ChecksumType: typ, SSE: u.Enc.sseAlgorithm(), Enc: u.Enc.extraHeaders()}
	out.Body = &initiateResult{Bucket: in.Bucket, Key: in.Key, UploadID: u.UploadID}
	return out, nil
}

func getUpload(tx store.Tx, bucket, key, uploadID string) (*uploadRecord, error) {
	if _, err := getBucket(tx, bucket); err != nil {
		return nil, err
	}
	v, err := tx.Get(tUploads, uploadKey(bucket, key, uploadID))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchUpload(uploadID)
	}
	if err != nil {
		return nil, err
	}
	u := new(uploadRecord)
	return u, json.Unmarshal(v, u)
}

func (s *Service) loadUpload(ctx context.Context, bucket, key, uploadID string) (*uploadRecord, error) {
	var u *uploadRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		u, err = getUpload(tx, bucket, key, uploadID)
		return err
	})
	return u, err
}

func checkPartNumber(n int) error {
	if n < 1 || n > MaxParts {
		return invalidArgument("Part number must be an integer between 1 and 10000, inclusive", "partNumber", strconv.Itoa(n))
	}
	return nil
}

type UploadPartInput struct {
	Bucket        string        `loc:"uri,Bucket"`
	Key           string        `loc:"uri,Key"`
	UploadID      string        `loc:"query,uploadId"`
	PartNumber    int           `loc:"query,partNumber"`
	Body          io.ReadCloser `loc:"body"`
	ContentLength *int64        `loc:"header,Content-Length"`
	ContentMD5    string        `loc:"header,Content-MD5"`
	Header        http.Header   `loc:"allheaders"`
}

type UploadPartOutput struct {
	ETag      string            `loc:"header,ETag"`
	SSE       string            `loc:"header,x-amz-server-side-encryption"`
	Checksums map[string]string `loc:"headers,"`
	Enc       map[string]string `loc:"headers,"`
}

// UploadPart stores one part of an upload, replacing a previous part with
// the same number.
func (s *Service) UploadPart(ctx context.Context, in *UploadPartInput) (*UploadPartOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	if err := noSSEHeader(in.Header); err != nil {
		return nil, err
	}
	ck, err := parseChecksumRequest(in.Header)
	if err != nil {
		return nil, err
	}
	u, err := s.loadUpload(ctx, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return nil, err
	}
	if err := matchPartChecksum(u, &ck); err != nil {
		return nil, err
	}
	size := int64(-1)
	if in.ContentLength != nil {
		size = *in.ContentLength
	}
	key, err := s.uploadKey(ctx, u, in.Header)
	if err != nil {
		return nil, err
	}
	body, err := s.ingest(ctx, in.Body, size, ck, in.ContentMD5, false, key)
	if err != nil {
		return nil, err
	}
	p := partRecord{Number: in.PartNumber, Size: body.size, ETag: etagOf(body.md5), Blob: body.blob, Modified: s.now().UTC(), Checksum: body.checksum, IV: body.iv}
	if err := s.commitPart(ctx, u, p); err != nil {
		return nil, err
	}
	out := &UploadPartOutput{ETag: quote(p.ETag), SSE: u.Enc.sseAlgorithm(), Enc: u.Enc.extraHeaders()}
	if p.Checksum != "" {
		out.Checksums = map[string]string{checksumHeader(ck.algo): p.Checksum}
	}
	return out, nil
}

// matchPartChecksum makes a part use its upload's checksum algorithm.
func matchPartChecksum(u *uploadRecord, ck *checksumRequest) error {
	if u.ChecksumAlgo == "" {
		if ck.algo != "" {
			// S3 accepts and verifies it but keeps no upload-level checksum.
			return nil
		}
		return nil
	}
	if ck.algo == "" {
		ck.algo = u.ChecksumAlgo
		return nil
	}
	if ck.algo != u.ChecksumAlgo {
		return errInvalidRequest("Checksum Type mismatch occurred, expected checksum Type: " + strings.ToLower(u.ChecksumAlgo) + ", actual checksum Type: " + strings.ToLower(ck.algo))
	}
	return nil
}

func (s *Service) commitPart(ctx context.Context, u *uploadRecord, p partRecord) error {
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		freed = nil
		if _, err := getUpload(tx, u.Bucket, u.Key, u.UploadID); err != nil {
			return err
		}
		k := partKey(u.UploadID, p.Number)
		if old, err := tx.Get(tParts, k); err == nil {
			var op partRecord
			if json.Unmarshal(old, &op) == nil && op.Blob != "" {
				freed = append(freed, op.Blob)
			}
		}
		return tx.Put(tParts, k, marshal(p))
	})
	if err != nil {
		s.removeBlobs([]string{p.Blob})
		return err
	}
	s.removeBlobs(freed)
	return nil
}

type UploadPartCopyInput struct {
	Bucket      string `loc:"uri,Bucket"`
	Key         string `loc:"uri,Key"`
	UploadID    string `loc:"query,uploadId"`
	PartNumber  int    `loc:"query,partNumber"`
	CopySource  string `loc:"header,x-amz-copy-source"`
	SourceRange string `loc:"header,x-amz-copy-source-range"`

	Header http.Header `loc:"allheaders"`
}

type copyPartResult struct {
	XMLName      xml.Name          `xml:"CopyPartResult"`
	ETag         string            `xml:"ETag"`
	LastModified restxml.Timestamp `xml:"LastModified"`
	attrChecksum
}

type UploadPartCopyOutput struct {
	SourceVersionID string            `loc:"header,x-amz-copy-source-version-id"`
	SSE             string            `loc:"header,x-amz-server-side-encryption"`
	Enc             map[string]string `loc:"headers,"`
	Body            *copyPartResult   `loc:"body"`
}

// UploadPartCopy makes a part from (a range of) an existing object.
func (s *Service) UploadPartCopy(ctx context.Context, in *UploadPartCopyInput) (*UploadPartCopyOutput, error) {
	if err := checkPartNumber(in.PartNumber); err != nil {
		return nil, err
	}
	if err := noSSEHeader(in.Header); err != nil {
		return nil, err
	}
	cs, err := parseCopySource(in.CopySource)
	if err != nil {
		return nil, err
	}
	cs.expectedOwner = in.Header.Get("X-Amz-Source-Expected-Bucket-Owner")
	var cond copyConditions
	if err := restxml.Decode(&http.Request{Header: in.Header, URL: emptyURL()}, func(string) string { return "" }, &cond); err != nil {
		return nil, err
	}
	u, err := s.loadUpload(ctx, in.Bucket, in.Key, in.UploadID)
	if err != nil {
		return nil, err
	}
	start, length := int64(0), int64(-1)
	if in.SourceRange != "" {
		spec, ok := strings.CutPrefix(in.SourceRange, "bytes=")
		a, b, ok2 := strings.Cut(spec, "-")
		first, err1 := strconv.ParseInt(a, 10, 64)
		last, err2 := strconv.ParseInt(b, 10, 64)
		if !ok || !ok2 || err1 != nil || err2 != nil || first < 0 || last < first {
			return nil, invalidArgument("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy", "x-amz-copy-source-range", in.SourceRange)
		}
		start, length = first, last-first+1
	}
	key, err := s.uploadKey(ctx, u, in.Header)
	if err != nil {
		return nil, err
	}
	src, r, err := s.readSource(ctx, cs, start, length, in.SourceRange, in.Header)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := cond.check(src); err != nil {
		return nil, err
	}
	if length < 0 {
		length = src.Size
	}
	ck := checksumRequest{algo: u.ChecksumAlgo}
	body, err := s.ingest(ctx, r, length, ck, "", false, key)
	if err != nil {
		return nil, err
	}
	p := partRecord{Number: in.PartNumber, Size: body.size, ETag: etagOf(body.md5), Blob: body.blob, Modified: s.now().UTC(), Checksum: body.checksum, IV: body.iv}
	if err := s.commitPart(ctx, u, p); err != nil {
		return nil, err
	}
	out := &UploadPartCopyOutput{SourceVersionID: visibleVersionID(src), SSE: u.Enc.sseAlgorithm(), Enc: u.Enc.extraHeaders()}
	out.Body = &copyPartResult{ETag: quote(p.ETag), LastModified: restxml.Timestamp(p.Modified)}
	out.Body.set(u.ChecksumAlgo, p.Checksum)
	return out, nil
}

type completePart struct {
	PartNumber        int    `xml:"PartNumber"`
	ETag              string `xml:"ETag"`
	ChecksumCRC32     string `xml:"ChecksumCRC32"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME"`
	ChecksumSHA1      string `xml:"ChecksumSHA1"`
	ChecksumSHA256    string `xml:"ChecksumSHA256"`
}

func (p completePart) checksum(algo string) string {
	switch algo {
	case "CRC32":
		return p.ChecksumCRC32
	case "CRC32C":
		return p.ChecksumCRC32C
	case "CRC64NVME":
		return p.ChecksumCRC64NVME
	case "SHA1":
		return p.ChecksumSHA1
	case "SHA256":
		return p.ChecksumSHA256
	}
	return ""
}

type CompleteMultipartUploadInput struct {
	Bucket      string      `loc:"uri,Bucket"`
	Key         string      `loc:"uri,Key"`
	UploadID    string      `loc:"query,uploadId"`
	IfMatch     string      `loc:"header,If-Match"`
	IfNoneMatch string      `loc:"header,If-None-Match"`
	Header      http.Header `loc:"allheaders"`
	Doc         *struct {
		XMLName xml.Name       `xml:"CompleteMultipartUpload"`
		Parts   []completePart `xml:"Part"`
	} `loc:"body"`
}

type completeResult struct {
	XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
	attrChecksum
}

type CompleteMultipartUploadOutput struct {
	VersionID  string            `loc:"header,x-amz-version-id"`
	Expiration string            `loc:"header,x-amz-expiration"`
	SSE        string            `loc:"header,x-amz-server-side-encryption"`
	Enc        map[string]string `loc:"headers,"`
	Body       *completeResult   `loc:"body"`
}

// CompleteMultipartUpload assembles the listed parts into the object. The
// object's bytes stay in the parts' blobs, so nothing is copied.
func (s *Service) CompleteMultipartUpload(ctx context.Context, in *CompleteMultipartUploadInput) (*CompleteMultipartUploadOutput, error) {
	if err := noSSEHeader(in.Header); err != nil {
		return nil, err
	}
	if in.Doc == nil || len(in.Doc.Parts) == 0 {
		return nil, errMalformedXML()
	}
	if len(in.Doc.Parts) > MaxParts {
		return nil, errMalformedXML()
	}
	for i, p := range in.Doc.Parts {
		if i > 0 && p.PartNumber <= in.Doc.Parts[i-1].PartNumber {
			return nil, awsproto.New(http.StatusBadRequest, "InvalidPartOrder", "The list of parts was not in ascending order. The parts list must be specified in order by part number.").
				With("UploadId", in.UploadID)
		}
	}
	var v *versionRecord
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, freed = nil, nil
		u, err := getUpload(tx, in.Bucket, in.Key, in.UploadID)
		if ae, ok := err.(*awsproto.Error); ok && ae.Code == "NoSuchUpload" {
			// S3 answers a repeated completion with the object it made,
			// while that object is still the key's current version.
			if cur, lerr := latestVersion(tx, in.Bucket, in.Key); lerr == nil && cur != nil && cur.UploadID == in.UploadID && !cur.DeleteMarker {
				v = cur
				return errAlreadyCompleted
			}
		}
		if err != nil {
			return err
		}
		b, err := getBucket(tx, in.Bucket)
		if err != nil {
			return err
		}
		stored := map[int]partRecord{}
		if err := tx.Scan(tParts, []byte(u.UploadID+"/"), nil, func(k, val []byte) (bool, error) {
			var p partRecord
			if err := json.Unmarshal(val, &p); err != nil {
				return false, err
			}
			stored[p.Number] = p
			return true, nil
		}); err != nil {
			return err
		}
		v, err = assemble(u, in.Doc.Parts, stored)
		if err != nil {
			return err
		}
		if err := verifyFullChecksum(u, v, in.Header); err != nil {
			return err
		}
		cond := putConditions{ifMatch: in.IfMatch, ifNoneMatch: in.IfNoneMatch}
		if cond != (putConditions{}) {
			cur, err := latestVersion(tx, in.Bucket, in.Key)
			if err != nil {
				return err
			}
			if cur != nil && cur.DeleteMarker {
				cur = nil
			}
			if err := cond.check(cur, in.Key); err != nil {
				return err
			}
		}
		used := map[string]bool{}
		for _, sg := range v.Segments {
			used[sg.Blob] = true
		}
		for _, p := range stored {
			if !used[p.Blob] {
				freed = append(freed, p.Blob)
			}
			if err := tx.Delete(tParts, partKey(u.UploadID, p.Number)); err != nil {
				return err
			}
		}
		if err := tx.Delete(tUploads, uploadKey(in.Bucket, in.Key, in.UploadID)); err != nil {
			return err
		}
		v.Modified = s.now().UTC()
		v.Seq = s.seq.next(v.Modified)
		replaced, err := s.putVersion(tx, b, v, nil)
		freed = append(freed, replaced...)
		return err
	})
	if errors.Is(err, errAlreadyCompleted) {
		err, freed = nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.removeBlobs(freed)
	res := &completeResult{Location: "/" + in.Bucket + "/" + in.Key, Bucket: in.Bucket, Key: in.Key, ETag: quote(v.ETag)}
	if v.Checksum != "" {
		res.ChecksumType = v.ChecksumType
		res.set(v.ChecksumAlgo, v.Checksum)
	}
	out := &CompleteMultipartUploadOutput{VersionID: visibleVersionID(v), SSE: v.Enc.sseAlgorithm(), Enc: v.Enc.extraHeaders(), Body: res}
	if b, err := s.loadBucket(ctx, in.Bucket); err == nil {
		out.Expiration = s.expirationHeader(b, v)
	}
	return out, nil
}

// errAlreadyCompleted ends the transaction of a repeated completion.
var errAlreadyCompleted = errors.New("upload already completed")

// assemble checks the client's part list against the stored parts and
// builds the object's record.
func assemble(u *uploadRecord, list []completePart, stored map[int]partRecord) (*versionRecord, error) {
	v := &versionRecord{Key: u.Key, Owner: u.Owner, ACL: u.ACL, Headers: u.Headers, Meta: u.Meta, Tags: u.Tags, UploadID: u.UploadID,
		StorageClass: u.StorageClass, ChecksumAlgo: u.ChecksumAlgo, ChecksumType: u.ChecksumType, Enc: u.Enc.forBlob(nil, false), Lock: u.Lock}
	md := md5.New()
	var composite []byte
	var full uint64
	poly, width, isCRC := crcParams(u.ChecksumAlgo)
	for _, cp := range list {
		p, ok := stored[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `" `) != p.ETag {
			return nil, awsproto.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
				With("UploadId", u.UploadID).With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", cp.ETag)
		}
	}
	for i, cp := range list {
		p, ok := stored[cp.PartNumber]
		if !ok || strings.Trim(cp.ETag, `" `) != p.ETag {
			return nil, awsproto.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
				With("UploadId", u.UploadID).With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", cp.ETag)
		}
		if c := cp.checksum(u.ChecksumAlgo); c != "" && c != p.Checksum {
			return nil, awsproto.New(http.StatusBadRequest, "InvalidPart", "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.").
				With("UploadId", u.UploadID).With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", cp.ETag)
		}
		if i < len(list)-1 && p.Size < MinPartSize {
			return nil, awsproto.New(http.StatusBadRequest, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size.").
				With("ProposedSize", strconv.FormatInt(p.Size, 10)).With("MinSizeAllowed", strconv.Itoa(MinPartSize)).
				With("PartNumber", strconv.Itoa(cp.PartNumber)).With("ETag", p.ETag)
		}
		raw, _ := hex.DecodeString(p.ETag)
		md.Write(raw)
		v.Size += p.Size
		v.Segments = append(v.Segments, segment{Blob: p.Blob, Size: p.Size, IV: p.IV})
		v.Parts = append(v.Parts, partInfo{Size: p.Size, ETag: p.ETag, Checksum: p.Checksum})
		if u.ChecksumAlgo != "" {
			sum, _ := base64.StdEncoding.DecodeString(p.Checksum)
			if u.ChecksumType == "FULL_OBJECT" && isCRC {
				var c uint64
				if width == 32 && len(sum) == 4 {
					c = uint64(binary.BigEndian.Uint32(sum))
				} else if len(sum) == 8 {
					c = binary.BigEndian.Uint64(sum)
				}
				if i == 0 {
					full = c
				} else {
					full = crcCombine(full, c, p.Size, poly, width)
				}
			} else {
				composite = append(composite, sum...)
			}
		}
	}
	v.ETag = hex.EncodeToString(md.Sum(nil)) + "-" + strconv.Itoa(len(list))
	if u.ChecksumAlgo != "" {
		if u.ChecksumType == "FULL_OBJECT" {
			var b []byte
			if width == 32 {
				b = binary.BigEndian.AppendUint32(nil, uint32(full))
			} else {
				b = binary.BigEndian.AppendUint64(nil, full)
			}
			v.Checksum = b64(b)
		} else {
			h := newChecksum(u.ChecksumAlgo)
			h.Write(composite)
			v.Checksum = b64(h.Sum(nil)) + "-" + strconv.Itoa(len(list))
		}
	}
	return v, nil
}

// verifyFullChecksum checks a whole-object checksum sent with Complete.
func verifyFullChecksum(u *uploadRecord, v *versionRecord, h http.Header) error {
	if u.ChecksumAlgo == "" {
		return nil
	}
	want := h.Get(checksumHeader(u.ChecksumAlgo))
	if want == "" || want == v.Checksum {
		return nil
	}
	return errBadDigest("The " + u.ChecksumAlgo + " you specified did not match the calculated checksum.")
}

type AbortMultipartUploadInput struct {
	Bucket   string `loc:"uri,Bucket"`
	Key      string `loc:"uri,Key"`
	UploadID string `loc:"query,uploadId"`
}

// AbortMultipartUpload discards an upload and its parts.
func (s *Service) AbortMultipartUpload(ctx context.Context, in *AbortMultipartUploadInput) (*NoContentOutput, error) {
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := getUpload(tx, in.Bucket, in.Key, in.UploadID)
		if err != nil {
			return err
		}
		freed, err = deleteParts(tx, u.UploadID)
		if err != nil {
			return err
		}
		return tx.Delete(tUploads, uploadKey(in.Bucket, in.Key, in.UploadID))
	})
	if err != nil {
		return nil, err
	}
	s.removeBlobs(freed)
	return noContent, nil
}

// deleteParts removes an upload's part records, returning their blobs.
func deleteParts(tx store.Tx, uploadID string) ([]string, error) {
	var keys [][]byte
	var blobs []string
	err := tx.Scan(tParts, []byte(uploadID+"/"), nil, func(k, v []byte) (bool, error) {
		keys = append(keys, bytes.Clone(k))
		var p partRecord
		if json.Unmarshal(v, &p) == nil && p.Blob != "" {
			blobs = append(blobs, p.Blob)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range keys {
		if err := tx.Delete(tParts, k); err != nil {
			return nil, err
		}
	}
	return blobs, nil
}

type ListPartsInput struct {
	Bucket           string `loc:"uri,Bucket"`
	Key              string `loc:"uri,Key"`
	UploadID         string `loc:"query,uploadId"`
	MaxParts         *int   `loc:"query,max-parts"`
	PartNumberMarker int    `loc:"query,part-number-marker"`
}

type listedPart struct {
	PartNumber   int               `xml:"PartNumber"`
	LastModified restxml.Timestamp `xml:"LastModified"`
	ETag         string            `xml:"ETag"`
	Size         int64             `xml:"Size"`
	attrChecksum
}

type listPartsResult struct {
	XMLName              xml.Name     `xml:"ListPartsResult"`
	Bucket               string       `xml:"Bucket"`
	Key                  string       `xml:"Key"`
	UploadID             string       `xml:"UploadId"`
	Initiator            *owner       `xml:"Initiator"`
	Owner                *owner       `xml:"Owner"`
	StorageClass         string       `xml:"StorageClass"`
	PartNumberMarker     int          `xml:"PartNumberMarker"`
	NextPartNumberMarker int          `xml:"NextPartNumberMarker"`
	MaxParts             int          `xml:"MaxParts"`
	IsTruncated          bool         `xml:"IsTruncated"`
	ChecksumAlgorithm    string       `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType         string       `xml:"ChecksumType,omitempty"`
	Parts                []listedPart `xml:"Part"`
}

type ListPartsOutput struct {
	Body *listPartsResult `loc:"body"`
}

// ListParts lists an upload's parts in order.
func (s *Service) ListParts(ctx context.Context, in *ListPartsInput) (*ListPartsOutput, error) {
	max, err := pageSize(in.MaxParts, "max-parts")
	if err != nil {
		return nil, err
	}
	out := &ListPartsOutput{}
	out.Body = &listPartsResult{Bucket: in.Bucket, Key: in.Key, UploadID: in.UploadID, PartNumberMarker: in.PartNumberMarker, MaxParts: max}
	err = s.store.View(ctx, func(tx store.Tx) error {
		u, err := getUpload(tx, in.Bucket, in.Key, in.UploadID)
		if err != nil {
			return err
		}
		b := out.Body
		b.Initiator, b.Owner = ownerOf(u.Owner), ownerOf(u.Owner)
		b.StorageClass = u.StorageClass
		if b.StorageClass == "" {
			b.StorageClass = "STANDARD"
		}
		b.ChecksumAlgorithm, b.ChecksumType = u.ChecksumAlgo, u.ChecksumType
		return tx.Scan(tParts, []byte(u.UploadID+"/"), partKey(u.UploadID, in.PartNumberMarker+1), func(k, v []byte) (bool, error) {
			var p partRecord
			if err := json.Unmarshal(v, &p); err != nil {
				return false, err
			}
			if len(b.Parts) == max {
				b.IsTruncated = true
				return false, nil
			}
			lp := listedPart{PartNumber: p.Number, LastModified: restxml.Timestamp(p.Modified), ETag: quote(p.ETag), Size: p.Size}
			lp.set(u.ChecksumAlgo, p.Checksum)
			b.Parts = append(b.Parts, lp)
			b.NextPartNumberMarker = p.Number
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type ListMultipartUploadsInput struct {
	Bucket         string `loc:"uri,Bucket"`
	Prefix         string `loc:"query,prefix"`
	Delimiter      string `loc:"query,delimiter"`
	MaxUploads     *int   `loc:"query,max-uploads"`
	KeyMarker      string `loc:"query,key-marker"`
	UploadIDMarker string `loc:"query,upload-id-marker"`
	EncodingType   string `loc:"query,encoding-type"`
}

type listedUpload struct {
	Key          string            `xml:"Key"`
	UploadID     string            `xml:"UploadId"`
	Initiator    *owner            `xml:"Initiator"`
	Owner        *owner            `xml:"Owner"`
	StorageClass string            `xml:"StorageClass"`
	Initiated    restxml.Timestamp `xml:"Initiated"`
	ChecksumAlgo string            `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType string            `xml:"ChecksumType,omitempty"`
}

type listUploadsResult struct {
	XMLName            xml.Name       `xml:"ListMultipartUploadsResult"`
	Bucket             string         `xml:"Bucket"`
	KeyMarker          string         `xml:"KeyMarker"`
	UploadIDMarker     string         `xml:"UploadIdMarker"`
	NextKeyMarker      string         `xml:"NextKeyMarker,omitempty"`
	NextUploadIDMarker string         `xml:"NextUploadIdMarker,omitempty"`
	Prefix             string         `xml:"Prefix"`
	Delimiter          string         `xml:"Delimiter,omitempty"`
	MaxUploads         int            `xml:"MaxUploads"`
	EncodingType       string         `xml:"EncodingType,omitempty"`
	IsTruncated        bool           `xml:"IsTruncated"`
	Uploads            []listedUpload `xml:"Upload"`
	CommonPrefixes     []commonPrefix `xml:"CommonPrefixes"`
}

type ListMultipartUploadsOutput struct {
	Body *listUploadsResult `loc:"body"`
}

// ListMultipartUploads lists unfinished uploads by key, then initiation.
func (s *Service) ListMultipartUploads(ctx context.Context, in *ListMultipartUploadsInput) (*ListMultipartUploadsOutput, error) {
	enc, err := encoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxUploads, "max-uploads")
	if err != nil {
		return nil, err
	}
	out := &ListMultipartUploadsOutput{}
	out.Body = &listUploadsResult{Bucket: in.Bucket, KeyMarker: enc(in.KeyMarker), UploadIDMarker: in.UploadIDMarker, Prefix: enc(in.Prefix),
		Delimiter: enc(in.Delimiter), MaxUploads: max, EncodingType: in.EncodingType}
	var all []uploadRecord
	err = s.store.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		return tx.Scan(tUploads, append(bucketPrefix(in.Bucket), in.Prefix...), nil, func(k, v []byte) (bool, error) {
			var u uploadRecord
			if err := json.Unmarshal(v, &u); err != nil {
				return false, err
			}
			all = append(all, u)
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Key < all[j].Key })
	b := out.Body
	lastCP := ""
	count := 0
	for _, u := range all {
		if in.KeyMarker != "" {
			if u.Key < in.KeyMarker || (u.Key == in.KeyMarker && (in.UploadIDMarker == "" || u.UploadID <= in.UploadIDMarker)) {
				continue
			}
		}
		if in.Delimiter != "" {
			if i := strings.Index(u.Key[len(in.Prefix):], in.Delimiter); i >= 0 {
				cp := u.Key[:len(in.Prefix)+i+len(in.Delimiter)]
				if cp == lastCP || (in.KeyMarker != "" && cp <= in.KeyMarker) {
					continue
				}
				if count == max {
					b.IsTruncated = true
					break
				}
				lastCP = cp
				b.CommonPrefixes = append(b.CommonPrefixes, commonPrefix{Prefix: enc(cp)})
				b.NextKeyMarker, b.NextUploadIDMarker = enc(cp), ""
				count++
				continue
			}
		}
		if count == max {
			b.IsTruncated = true
			break
		}
		sc := u.StorageClass
		if sc == "" {
			sc = "STANDARD"
		}
		b.Uploads = append(b.Uploads, listedUpload{Key: enc(u.Key), UploadID: u.UploadID, Initiator: ownerOf(u.Owner), Owner: ownerOf(u.Owner),
			StorageClass: sc, Initiated: restxml.Timestamp(u.Initiated), ChecksumAlgo: u.ChecksumAlgo, ChecksumType: u.ChecksumType})
		b.NextKeyMarker, b.NextUploadIDMarker = enc(u.Key), u.UploadID
		count++
	}
	if !b.IsTruncated {
		b.NextKeyMarker, b.NextUploadIDMarker = "", ""
	}
	return out, nil
}
