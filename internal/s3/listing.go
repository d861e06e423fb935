package s3

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"net/url"
	"strings"

	"github.com/gureum/gureum/internal/awsproto/restxml"
	"github.com/gureum/gureum/internal/store"
)

// Listing walks the versions table, whose rows are ordered by key and then
// newest first. For a plain listing the first row of each key is its
// current version; a delimiter rolls keys up into common prefixes, and the
// walk seeks past each prefix's keys rather than reading them.

// listEntry is one row of a listing: an object version, or a common prefix.
type listEntry struct {
	prefix   string // common prefix; v is nil
	v        *versionRecord
	isLatest bool
}

// listParams are a listing's inputs, shared by ListObjects, ListObjectsV2
// and ListObjectVersions.
type listParams struct {
	bucket, prefix, delimiter string
	max                       int
	afterKey                  string // list keys > afterKey (or, with afterVersion, rows after that version)
	afterPrefix               bool   // afterKey is a common prefix: skip every key under it
	afterVersionSeq           *uint64
	versions                  bool // every version, not just the current ones
}

// list returns up to max entries and whether more remain.
func list(tx store.Tx, p listParams) (entries []listEntry, truncated bool, err error) {
	bp := bucketPrefix(p.bucket)
	scanPrefix := append(append([]byte(nil), bp...), p.prefix...)
	start := scanPrefix
	switch {
	case p.afterVersionSeq != nil:
		start = append(versionKey(p.bucket, p.afterKey, *p.afterVersionSeq), 0)
	case p.afterPrefix:
		start = append(append([]byte(nil), bp...), successor(p.afterKey)...)
	case p.afterKey != "":
		start = append(append(append([]byte(nil), bp...), p.afterKey...), 1)
	}
	if string(start) < string(scanPrefix) {
		start = scanPrefix
	}
	if p.max == 0 {
		return nil, false, nil // S3 answers max-keys=0 with an empty, untruncated page
	}
	lastKey := ""
	for start != nil {
		var reseek []byte
		err = tx.Scan(tVersions, scanPrefix, start, func(k, v []byte) (bool, error) {
			if len(k) < len(bp)+9 {
				return true, nil
			}
			key := string(k[len(bp) : len(k)-9])
			if key == lastKey && !p.versions {
				return true, nil // an older version of a key already handled
			}
			r, err := decodeVersion(v)
			if err != nil {
				return false, err
			}
			isLatest := key != lastKey
			lastKey = key
			if !p.versions && r.DeleteMarker {
				return true, nil // a deleted key shows neither itself nor its prefix
			}
			if p.delimiter != "" {
				if i := strings.Index(key[len(p.prefix):], p.delimiter); i >= 0 {
					cp := key[:len(p.prefix)+i+len(p.delimiter)]
					if len(entries) == p.max {
						truncated = true
						return false, nil
					}
					entries = append(entries, listEntry{prefix: cp})
					reseek = append(append([]byte(nil), bp...), successor(cp)...)
					return false, nil
				}
			}
			if len(entries) == p.max {
				truncated = true
				return false, nil
			}
			entries = append(entries, listEntry{v: r, isLatest: isLatest})
			return true, nil
		})
		if err != nil || truncated {
			return entries, truncated, err
		}
		start = reseek
	}
	return entries, false, nil
}

// markerIsPrefix reports whether a marker names a common prefix (as a
// NextMarker of a delimited listing does), so the listing resumes after
// every key under it.
func markerIsPrefix(marker, prefix, delimiter string) bool {
	return delimiter != "" && strings.HasPrefix(marker, prefix) && strings.HasSuffix(marker, delimiter) &&
		strings.Index(marker[len(prefix):], delimiter) == len(marker)-len(prefix)-len(delimiter)
}

// successor returns the smallest string greater than every string with
// prefix s.
func successor(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return s + "\xff" // unreachable for UTF-8 keys
}

type listedObject struct {
	Key          string            `xml:"Key"`
	LastModified restxml.Timestamp `xml:"LastModified"`
	ETag         string            `xml:"ETag"`
	ChecksumAlgo string            `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType string            `xml:"ChecksumType,omitempty"`
	Size         int64             `xml:"Size"`
	StorageClass string            `xml:"StorageClass"`
	Owner        *owner            `xml:"Owner,omitempty"`
}

type commonPrefix struct {
	Prefix string `xml:"Prefix"`
}

func toListed(v *versionRecord, withOwner bool, enc func(string) string) listedObject {
	o := listedObject{Key: enc(v.Key), LastModified: restxml.Timestamp(v.Modified), ETag: quote(v.ETag), Size: v.Size,
		StorageClass: v.StorageClass, ChecksumAlgo: v.ChecksumAlgo, ChecksumType: v.ChecksumType}
	if o.StorageClass == "" {
		o.StorageClass = "STANDARD"
	}
	if withOwner {
		o.Owner = ownerOf(v.Owner)
	}
	return o
}

// listPage reads one page of a plain (current versions) listing.
func (s *Service) listPage(ctx context.Context, p listParams) (entries []listEntry, truncated bool, err error) {
	if _, err := s.loadBucket(ctx, p.bucket); err != nil {
		return nil, false, err
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		var err error
		entries, truncated, err = list(tx, p)
		return err
	})
	return entries, truncated, err
}

// splitEntries renders a page as Contents and CommonPrefixes.
func splitEntries(entries []listEntry, withOwner bool, enc func(string) string) (contents []listedObject, prefixes []commonPrefix) {
	for _, e := range entries {
		if e.v == nil {
			prefixes = append(prefixes, commonPrefix{Prefix: enc(e.prefix)})
		} else {
			contents = append(contents, toListed(e.v, withOwner, enc))
		}
	}
	return contents, prefixes
}

// encoder returns the key encoding of encoding-type (only "url" exists).
func encoder(encodingType string) (func(string) string, error) {
	switch encodingType {
	case "":
		return func(s string) string { return s }, nil
	case "url":
		return func(s string) string {
			// RFC 3986 escaping, "/" kept: a space is %20, not "+".
			return strings.ReplaceAll(strings.ReplaceAll(url.QueryEscape(s), "+", "%20"), "%2F", "/")
		}, nil
	}
	return nil, invalidArgument("Invalid Encoding Method specified in Request", "encoding-type", encodingType)
}

// pageSize reads a max-keys / max-parts / max-uploads parameter: 1,000
// when absent, at most 1,000, never negative.
func pageSize(p *int, name string) (int, error) {
	if p == nil {
		return 1000, nil
	}
	if *p < 0 {
		return 0, invalidArgument("Argument "+name+" must be an integer between 0 and 2147483647", name, itoa(int64(*p)))
	}
	return min(*p, 1000), nil
}

type ListObjectsV2Input struct {
	Bucket            string  `loc:"uri,Bucket"`
	Prefix            string  `loc:"query,prefix"`
	Delimiter         string  `loc:"query,delimiter"`
	MaxKeys           *int    `loc:"query,max-keys"`
	ContinuationToken *string `loc:"query,continuation-token"`
	StartAfter        string  `loc:"query,start-after"`
	FetchOwner        bool    `loc:"query,fetch-owner"`
	EncodingType      string  `loc:"query,encoding-type"`
}

type listV2Result struct {
	XMLName               xml.Name       `xml:"ListBucketResult"`
	Name                  string         `xml:"Name"`
	Prefix                string         `xml:"Prefix"`
	Delimiter             string         `xml:"Delimiter,omitempty"`
	MaxKeys               int            `xml:"MaxKeys"`
	EncodingType          string         `xml:"EncodingType,omitempty"`
	KeyCount              int            `xml:"KeyCount"`
	IsTruncated           bool           `xml:"IsTruncated"`
	ContinuationToken     string         `xml:"ContinuationToken,omitempty"`
	NextContinuationToken string         `xml:"NextContinuationToken,omitempty"`
	StartAfter            string         `xml:"StartAfter,omitempty"`
	Contents              []listedObject `xml:"Contents"`
	CommonPrefixes        []commonPrefix `xml:"CommonPrefixes"`
}

type ListObjectsV2Output struct {
	Body *listV2Result `loc:"body"`
}

// ListObjectsV2 lists current objects in key order.
func (s *Service) ListObjectsV2(ctx context.Context, in *ListObjectsV2Input) (*ListObjectsV2Output, error) {
	enc, err := encoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	p := listParams{bucket: in.Bucket, prefix: in.Prefix, delimiter: in.Delimiter, max: max, afterKey: in.StartAfter}
	res := &listV2Result{Name: in.Bucket, Prefix: enc(in.Prefix), Delimiter: enc(in.Delimiter), MaxKeys: max, EncodingType: in.EncodingType, StartAfter: enc(in.StartAfter)}
	if in.ContinuationToken != nil && *in.ContinuationToken != "" {
		tok, err := base64.RawURLEncoding.DecodeString(*in.ContinuationToken)
		if err != nil || len(tok) == 0 || (tok[0] != 'k' && tok[0] != 'p') {
			return nil, invalidArgument("The continuation token provided is incorrect", "continuation-token", *in.ContinuationToken)
		}
		res.ContinuationToken = *in.ContinuationToken
		p.afterKey, p.afterPrefix = string(tok[1:]), tok[0] == 'p'
	}
	entries, truncated, err := s.listPage(ctx, p)
	if err != nil {
		return nil, err
	}
	res.IsTruncated = truncated
	res.Contents, res.CommonPrefixes = splitEntries(entries, in.FetchOwner, enc)
	res.KeyCount = len(entries)
	if res.IsTruncated && len(entries) > 0 {
		last := entries[len(entries)-1]
		if last.v == nil {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte("p" + last.prefix))
		} else {
			res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte("k" + last.v.Key))
		}
	}
	return &ListObjectsV2Output{Body: res}, nil
}

type ListObjectsInput struct {
	Bucket       string `loc:"uri,Bucket"`
	Prefix       string `loc:"query,prefix"`
	Delimiter    string `loc:"query,delimiter"`
	MaxKeys      *int   `loc:"query,max-keys"`
	Marker       string `loc:"query,marker"`
	EncodingType string `loc:"query,encoding-type"`
}

type listV1Result struct {
	XMLName        xml.Name       `xml:"ListBucketResult"`
	Name           string         `xml:"Name"`
	Prefix         string         `xml:"Prefix"`
	Marker         string         `xml:"Marker"`
	NextMarker     string         `xml:"NextMarker,omitempty"`
	MaxKeys        int            `xml:"MaxKeys"`
	Delimiter      string         `xml:"Delimiter,omitempty"`
	EncodingType   string         `xml:"EncodingType,omitempty"`
	IsTruncated    bool           `xml:"IsTruncated"`
	Contents       []listedObject `xml:"Contents"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
}

type ListObjectsOutput struct {
	Body *listV1Result `loc:"body"`
}

// ListObjects is the original listing, paged by marker.
func (s *Service) ListObjects(ctx context.Context, in *ListObjectsInput) (*ListObjectsOutput, error) {
	enc, err := encoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	p := listParams{bucket: in.Bucket, prefix: in.Prefix, delimiter: in.Delimiter, max: max, afterKey: in.Marker}
	p.afterPrefix = markerIsPrefix(in.Marker, in.Prefix, in.Delimiter)
	// botocore decodes only Delimiter, Marker and NextMarker of a v1
	// listing; S3 leaves the Prefix element as it is.
	res := &listV1Result{Name: in.Bucket, Prefix: in.Prefix, Marker: enc(in.Marker), MaxKeys: max, Delimiter: enc(in.Delimiter), EncodingType: in.EncodingType}
	entries, truncated, err := s.listPage(ctx, p)
	if err != nil {
		return nil, err
	}
	res.IsTruncated = truncated
	res.Contents, res.CommonPrefixes = splitEntries(entries, true, enc)
	if res.IsTruncated && in.Delimiter != "" && len(entries) > 0 {
		last := entries[len(entries)-1]
		if last.v == nil {
			res.NextMarker = enc(last.prefix)
		} else {
			res.NextMarker = enc(last.v.Key)
		}
	}
	return &ListObjectsOutput{Body: res}, nil
}

type ListObjectVersionsInput struct {
	Bucket          string `loc:"uri,Bucket"`
	Prefix          string `loc:"query,prefix"`
	Delimiter       string `loc:"query,delimiter"`
	MaxKeys         *int   `loc:"query,max-keys"`
	KeyMarker       string `loc:"query,key-marker"`
	VersionIDMarker string `loc:"query,version-id-marker"`
	EncodingType    string `loc:"query,encoding-type"`
}

type listedVersion struct {
	XMLName      xml.Name
	Key          string            `xml:"Key"`
	VersionID    string            `xml:"VersionId"`
	IsLatest     bool              `xml:"IsLatest"`
	LastModified restxml.Timestamp `xml:"LastModified"`
	ETag         string            `xml:"ETag,omitempty"`
	ChecksumAlgo string            `xml:"ChecksumAlgorithm,omitempty"`
	ChecksumType string            `xml:"ChecksumType,omitempty"`
	Size         *int64            `xml:"Size,omitempty"`
	StorageClass string            `xml:"StorageClass,omitempty"`
	Owner        *owner            `xml:"Owner"`
}

type listVersionsResult struct {
	XMLName             xml.Name        `xml:"ListVersionsResult"`
	Name                string          `xml:"Name"`
	Prefix              string          `xml:"Prefix"`
	KeyMarker           string          `xml:"KeyMarker"`
	VersionIDMarker     string          `xml:"VersionIdMarker"`
	NextKeyMarker       string          `xml:"NextKeyMarker,omitempty"`
	NextVersionIDMarker string          `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int             `xml:"MaxKeys"`
	Delimiter           string          `xml:"Delimiter,omitempty"`
	EncodingType        string          `xml:"EncodingType,omitempty"`
	IsTruncated         bool            `xml:"IsTruncated"`
	Entries             []listedVersion `xml:",any"`
	CommonPrefixes      []commonPrefix  `xml:"CommonPrefixes"`
}

type ListObjectVersionsOutput struct {
	Body *listVersionsResult `loc:"body"`
}

// ListObjectVersions lists every version and delete marker.
func (s *Service) ListObjectVersions(ctx context.Context, in *ListObjectVersionsInput) (*ListObjectVersionsOutput, error) {
	enc, err := encoder(in.EncodingType)
	if err != nil {
		return nil, err
	}
	max, err := pageSize(in.MaxKeys, "max-keys")
	if err != nil {
		return nil, err
	}
	if in.VersionIDMarker != "" && in.KeyMarker == "" {
		return nil, invalidArgument("A version-id marker cannot be specified without a key marker.", "version-id-marker", in.VersionIDMarker)
	}
	p := listParams{bucket: in.Bucket, prefix: in.Prefix, delimiter: in.Delimiter, max: max, afterKey: in.KeyMarker, versions: true}
	p.afterPrefix = in.VersionIDMarker == "" && markerIsPrefix(in.KeyMarker, in.Prefix, in.Delimiter)
	res := &listVersionsResult{Name: in.Bucket, Prefix: enc(in.Prefix), KeyMarker: enc(in.KeyMarker), VersionIDMarker: in.VersionIDMarker,
		MaxKeys: max, Delimiter: enc(in.Delimiter), EncodingType: in.EncodingType}
	var entries []listEntry
	err = s.store.View(ctx, func(tx store.Tx) error {
		if _, err := getBucket(tx, in.Bucket); err != nil {
			return err
		}
		if in.VersionIDMarker != "" {
			// A marker is a position, not a reference: the version it
			// names may be gone (clients delete as they page).
			if seq, ok := versionSeq(in.VersionIDMarker); ok {
				p.afterVersionSeq = &seq
			} else if in.VersionIDMarker == "null" {
				if v, err := findVersion(tx, in.Bucket, in.KeyMarker, "null"); err == nil {
					p.afterVersionSeq = &v.Seq
				}
			} else {
				return invalidArgument("Invalid version id specified", "version-id-marker", in.VersionIDMarker)
			}
		}
		var err error
		entries, res.IsTruncated, err = list(tx, p)
		if err != nil || len(entries) == 0 {
			return err
		}
		// IsLatest needs the key's first row, which may precede this page.
		if first := entries[0]; first.v != nil && p.afterVersionSeq != nil && first.v.Key == in.KeyMarker {
			entries[0].isLatest = false
			for i := 1; i < len(entries) && entries[i].v != nil && entries[i].v.Key == in.KeyMarker; i++ {
				entries[i].isLatest = false
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.v == nil {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: enc(e.prefix)})
			continue
		}
		lv := listedVersion{Key: enc(e.v.Key), VersionID: e.v.VersionID, IsLatest: e.isLatest,
			LastModified: restxml.Timestamp(e.v.Modified), Owner: ownerOf(e.v.Owner)}
		if e.v.DeleteMarker {
			lv.XMLName = xml.Name{Local: "DeleteMarker"}
		} else {
			size := e.v.Size
			lv.XMLName = xml.Name{Local: "Version"}
			lv.ETag, lv.Size, lv.StorageClass = quote(e.v.ETag), &size, e.v.StorageClass
			lv.ChecksumAlgo, lv.ChecksumType = e.v.ChecksumAlgo, e.v.ChecksumType
			if lv.StorageClass == "" {
				lv.StorageClass = "STANDARD"
			}
		}
		res.Entries = append(res.Entries, lv)
	}
	if res.IsTruncated && len(entries) > 0 {
		last := entries[len(entries)-1]
		if last.v == nil {
			res.NextKeyMarker = enc(last.prefix)
		} else {
			res.NextKeyMarker, res.NextVersionIDMarker = enc(last.v.Key), last.v.VersionID
		}
	}
	return &ListObjectVersionsOutput{Body: res}, nil
}
