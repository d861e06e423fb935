package s3

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"github.com/gureum/gureum/internal/policy"
	"github.com/gureum/gureum/internal/s3/acl"
	"sync/atomic"
	"time"
)

// The store tables S3 owns, and how their keys are laid out.
//
//	buckets:  name                                  → bucketRecord
//	versions: bucket "/" key 0x00 ^seq(8 bytes BE)   → versionRecord (every version and delete marker, newest first)
//	inline:   same key as versions                  → the object's bytes, for small objects
//	uploads:  bucket "/" key 0x00 uploadID          → uploadRecord
//	parts:    uploadID "/" partNumber(4 bytes BE)   → partRecord
//
// Keeping every version in one table ordered by key and then newest first
// means the current version of a key is the first row under its prefix, a
// plain listing skips the older rows with one seek, and an unversioned
// bucket costs one row per object.
const (
	tBuckets  = "s3.buckets"
	tVersions = "s3.versions"
	tInline   = "s3.inline"
	tUploads  = "s3.uploads"
	tParts    = "s3.parts"
)

type bucketRecord struct {
	Name       string     `json:"name"`
	Account    string     `json:"account"`
	Region     string     `json:"region"`
	Created    time.Time  `json:"created"`
	Versioning string     `json:"versioning,omitempty"` // "", Enabled, Suspended
	Ownership  string     `json:"ownership,omitempty"`
	Tags       []tag      `json:"tags,omitempty"`
	SSE        *bucketSSE `json:"sse,omitempty"` // default encryption; nil: SSE-S3
	// Policy is the bucket policy as the owner wrote it; PAB the bucket's
	// Block Public Access settings (nil: none); ACL its access control
	// list (nil: the owner's FULL_CONTROL only).
	Policy string             `json:"policy,omitempty"`
	PAB    *publicAccessBlock `json:"pab,omitempty"`
	ACL    *acl.ACL           `json:"acl,omitempty"`

	// CORS and Website are the bucket's CORS rules and static website
	// configuration (nil: none). Logging, Replication and Notification
	// are the documents their owner put, as sent (validated, never
	// acted on: gureum delivers no logs, replicates nothing and sends no
	// events); Accelerate and Payer the two settings ("": never set).
	CORS         *corsConfiguration    `json:"cors,omitempty"`
	Website      *websiteConfiguration `json:"website,omitempty"`
	Logging      string                `json:"logging,omitempty"`
	Accelerate   string                `json:"accelerate,omitempty"`
	Payer        string                `json:"payer,omitempty"`
	Replication  string                `json:"replication,omitempty"`
	Notification string                `json:"notification,omitempty"`
	// Lifecycle is the bucket's lifecycle configuration (nil: none),
	// executed by lifecycle_worker.go; LifecycleMinSize its
	// x-amz-transition-default-minimum-object-size.
	Lifecycle        *lifecycleConfiguration `json:"lifecycle,omitempty"`
	LifecycleMinSize string                  `json:"lifecycleMin,omitempty"`
	// ObjectLock is the bucket's Object Lock configuration (nil: Object
	// Lock is off; objectlock.go).
	ObjectLock *objectLockConfig `json:"objectLock,omitempty"`

	// Compiled once when the record is loaded (records are cached and
	// never modified): the parsed policy, its Deny statements alone, and
	// whether S3 calls it public.
	policy       *policy.Policy
	policyDenies *policy.Policy
	policyPublic bool
}

type tag struct {
	Key   string `json:"k" xml:"Key"`
	Value string `json:"v" xml:"Value"`
}

// segment is one blob of an object's bytes; a multipart object has one per
// part, so completing an upload copies nothing.
type segment struct {
	Blob string `json:"b"`
	Size int64  `json:"s"`
	IV   []byte `json:"iv,omitempty"` // an encrypted blob's CTR IV (sse.go)
}

// partInfo remembers a completed multipart object's parts for partNumber
// reads and GetObjectAttributes.
type partInfo struct {
	Size     int64  `json:"s"`
	ETag     string `json:"e,omitempty"`
	Checksum string `json:"c,omitempty"`
}

type versionRecord struct {
	Key          string            `json:"key"`
	VersionID    string            `json:"vid"` // "null" for the null version
	Seq          uint64            `json:"seq"`
	DeleteMarker bool              `json:"dm,omitempty"`
	Size         int64             `json:"size"`
	ETag         string            `json:"etag,omitempty"` // without quotes
	Modified     time.Time         `json:"mod"`
	Owner        string            `json:"owner"`
	Headers      map[string]string `json:"hdr,omitempty"` // Content-Type, Cache-Control … as sent
	Meta         map[string]string `json:"meta,omitempty"`
	Tags         []tag             `json:"tags,omitempty"`
	ChecksumAlgo string            `json:"ca,omitempty"` // CRC32, CRC32C, CRC64NVME, SHA1, SHA256
	ChecksumType string            `json:"ct,omitempty"` // FULL_OBJECT, COMPOSITE
	Checksum     string            `json:"cv,omitempty"` // base64, with -N for composite
	Inline       bool              `json:"in,omitempty"`
	Segments     []segment         `json:"seg,omitempty"`
	Parts        []partInfo        `json:"parts,omitempty"`
	StorageClass string            `json:"sc,omitempty"`
	UploadID     string            `json:"up,omitempty"`  // the multipart upload that made it
	ACL          *acl.ACL          `json:"acl,omitempty"` // nil: the owner's FULL_CONTROL only
	Enc          *objEnc           `json:"enc,omitempty"` // SSE-C or SSE-KMS (nil: stored as written)
	Lock         objectLock        `json:"lock,omitzero"` // retention and legal hold
}

type uploadRecord struct {
	Bucket       string            `json:"bucket"`
	Key          string            `json:"key"`
	UploadID     string            `json:"id"`
	Initiated    time.Time         `json:"init"`
	Owner        string            `json:"owner"`
	Headers      map[string]string `json:"hdr,omitempty"`
	Meta         map[string]string `json:"meta,omitempty"`
	Tags         []tag             `json:"tags,omitempty"`
	ChecksumAlgo string            `json:"ca,omitempty"`
	ChecksumType string            `json:"ct,omitempty"`
	StorageClass string            `json:"sc,omitempty"`
	ACL          *acl.ACL          `json:"acl,omitempty"`
	Enc          *objEnc           `json:"enc,omitempty"` // every part's encryption
	Lock         objectLock        `json:"lock,omitzero"` // the object's, once complete
}

type partRecord struct {
	Number   int       `json:"n"`
	Size     int64     `json:"size"`
	ETag     string    `json:"etag"`
	Blob     string    `json:"blob,omitempty"`
	Modified time.Time `json:"mod"`
	Checksum string    `json:"cv,omitempty"`
	IV       []byte    `json:"iv,omitempty"`
}

func bucketPrefix(bucket string) []byte { return []byte(bucket + "/") }

func objectPrefix(bucket, key string) []byte {
	b := make([]byte, 0, len(bucket)+len(key)+2)
	b = append(b, bucket...)
	b = append(b, '/')
	b = append(b, key...)
	return append(b, 0)
}

func versionKey(bucket, key string, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(objectPrefix(bucket, key), ^seq)
}

func uploadKey(bucket, key, uploadID string) []byte {
	return append(objectPrefix(bucket, key), uploadID...)
}

func partKey(uploadID string, n int) []byte {
	return binary.BigEndian.AppendUint32([]byte(uploadID+"/"), uint32(n))
}

// seqClock hands out version sequence numbers: nanoseconds since the epoch,
// strictly increasing even when several writes share a nanosecond.
type seqClock struct{ last atomic.Uint64 }

func (c *seqClock) next(now time.Time) uint64 {
	n := uint64(now.UnixNano())
	for {
		last := c.last.Load()
		if n <= last {
			n = last + 1
		}
		if c.last.CompareAndSwap(last, n) {
			return n
		}
	}
}

// newVersionID makes a version id that encodes its sequence number, so a
// version is found by id with one lookup: 16 hex digits of seq, then 16 of
// randomness.
func newVersionID(seq uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], seq)
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

// versionSeq returns the sequence number a version id encodes.
func versionSeq(id string) (uint64, bool) {
	if len(id) != 32 {
		return 0, false
	}
	b, err := hex.DecodeString(id)
	if err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:8]), true
}

func newUploadID(seq uint64) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], seq)
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // records are plain structs; this cannot fail
	}
	return b
}
