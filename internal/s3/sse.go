package s3

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
)

// Server-side encryption with customer keys (SSE-C) and with KMS keys
// (SSE-KMS, DSSE-KMS) is real: such an object's bytes are encrypted on
// disk with AES-256 in CTR mode, under the customer's key or under a data
// key that KMS made and only KMS can decrypt again. Each blob (the object,
// or each part of a multipart object) has an IV of its own; CTR lets a
// range be read from anywhere in it. gureum keeps the customer key's MD5
// (to tell a wrong key from the right one, as S3 does) and KMS's encrypted
// data key, never a key in plaintext. Objects without either (SSE-S3, as
// every bucket defaults to) are stored as written.

// objEnc is how a version's (or an upload's) bytes are encrypted at rest.
type objEnc struct {
	Mode   string `json:"m"`             // sseC, "aws:kms" or "aws:kms:dsse"
	KeyMD5 string `json:"md5,omitempty"` // SSE-C: the key's MD5, base64
	// KMS: the key's ARN, the data key as KMS encrypted it, the
	// encryption context it was made with (JSON) and whether the bucket
	// key was asked for.
	KMSKey     string `json:"kk,omitempty"`
	KMSBlob    []byte `json:"kb,omitempty"`
	KMSBlob2   []byte `json:"kb2,omitempty"` // DSSE-KMS: the second layer's data key
	KMSContext string `json:"kc,omitempty"`
	BucketKey  bool   `json:"bk,omitempty"`
	// IV is the inline bytes' IV (a blob's is in its segment).
	IV []byte `json:"iv,omitempty"`
}

const (
	sseC = "SSE-C"

	sseCPrefix     = "x-amz-server-side-encryption-customer-"
	copySSECPrefix = "x-amz-copy-source-server-side-encryption-customer-"
)

func (e *objEnc) kms() bool { return e != nil && (e.Mode == "aws:kms" || e.Mode == "aws:kms:dsse") }

// setHeaders adds the encryption headers S3 answers with for e.
func (e *objEnc) setHeaders(h map[string]string) {
	if a := e.sseAlgorithm(); a != "" {
		h["x-amz-server-side-encryption"] = a
	}
	e.setExtraHeaders(h)
}

// setExtraHeaders adds the headers beside x-amz-server-side-encryption:
// SSE-C's algorithm and key MD5, SSE-KMS's key and bucket key.
func (e *objEnc) setExtraHeaders(h map[string]string) {
	switch {
	case e == nil:
	case e.Mode == sseC:
		h["x-amz-server-side-encryption-customer-algorithm"] = "AES256"
		h["x-amz-server-side-encryption-customer-key-MD5"] = e.KeyMD5
	default:
		h["x-amz-server-side-encryption-aws-kms-key-id"] = e.KMSKey
		if e.BucketKey {
			h["x-amz-server-side-encryption-bucket-key-enabled"] = "true"
		}
	}
}

// sseAlgorithm is the x-amz-server-side-encryption value of e ("" for
// SSE-C, which answers with its own headers).
func (e *objEnc) sseAlgorithm() string {
	switch {
	case e == nil:
		return "AES256"
	case e.Mode == sseC:
		return ""
	}
	return e.Mode
}

// ssecHeaders are the canonical names of each prefix's three SSE-C
// headers, made once: every GET and HEAD looks for them.
var ssecHeaders = func() map[string][3]string {
	m := map[string][3]string{}
	for _, p := range []string{sseCPrefix, copySSECPrefix} {
		m[p] = [3]string{textproto.CanonicalMIMEHeaderKey(p + "algorithm"), textproto.CanonicalMIMEHeaderKey(p + "key"), textproto.CanonicalMIMEHeaderKey(p + "key-MD5")}
	}
	return m
}()

// headerValue is h.Get(name) for a name already canonical.
func headerValue(h http.Header, name string) string {
	if v := h[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// customerKey is an SSE-C key as a request gave it.
type customerKey struct {
	key []byte
	md5 string // base64
}

// parseSSEC reads the three SSE-C headers with prefix (the object's, or
// a copy's source's); nil when none is present. S3 wants all three, an
// AES256 algorithm, a 256-bit key and its MD5.
func parseSSEC(h http.Header, prefix string) (*customerKey, error) {
	names := ssecHeaders[prefix]
	algo, key, sum := headerValue(h, names[0]), headerValue(h, names[1]), headerValue(h, names[2])
	if algo == "" && key == "" && sum == "" {
		return nil, nil
	}
	arg := prefix + "algorithm"
	switch {
	case algo == "":
		return nil, invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", arg, "null")
	case algo != "AES256":
		return nil, invalidArgument("The encryption algorithm specified is not valid.", arg, algo)
	case key == "":
		return nil, invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", prefix+"key", "null")
	}
	raw, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(raw) != 32 {
		return nil, invalidArgument("The secret key was invalid for the specified algorithm.", prefix+"key", "")
	}
	if sum == "" {
		return nil, invalidArgument("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", prefix+"key-MD5", "null")
	}
	got := md5.Sum(raw)
	want, err := base64.StdEncoding.DecodeString(sum)
	if err != nil || subtle.ConstantTimeCompare(got[:], want) != 1 {
		return nil, invalidArgument("The calculated MD5 hash of the key did not match the hash that was provided.", prefix+"key-MD5", "")
	}
	return &customerKey{key: raw, md5: base64.StdEncoding.EncodeToString(got[:])}, nil
}

// sseWrite is how a write encrypts: enc to record (nil: SSE-S3, stored
// as written) and the key for the bytes.
type sseWrite struct {
	enc *objEnc
	key []byte
}

// KeyService is KMS as S3 uses it, on behalf of the caller in ctx (whose
// kms:GenerateDataKey and kms:Decrypt permissions it checks).
type KeyService interface {
	GenerateDataKeyFor(ctx context.Context, keyID string, encCtx map[string]string) (plaintext, blob []byte, keyARN string, err error)
	DecryptFor(ctx context.Context, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error)
}

// SetKMS gives S3 the KMS that SSE-KMS objects' data keys come from.
func (s *Service) SetKMS(k KeyService) { s.kms = k }

// sseForWrite decides how a write (PUT, POST, a copy's target, a new
// multipart upload) of bucket/key is encrypted: the request's SSE-C key,
// else its x-amz-server-side-encryption, else the bucket's default.
func (s *Service) sseForWrite(ctx context.Context, b *bucketRecord, key string, h http.Header) (*sseWrite, error) {
	ck, err := parseSSEC(h, sseCPrefix)
	if err != nil {
		return nil, err
	}
	mode := h.Get("X-Amz-Server-Side-Encryption")
	if ck != nil {
		if mode != "" || h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id") != "" {
			return nil, invalidArgument("Server Side Encryption with Customer provided key is incompatible with the encryption method specified", "x-amz-server-side-encryption", mode)
		}
		return &sseWrite{enc: &objEnc{Mode: sseC, KeyMD5: ck.md5}, key: ck.key}, nil
	}
	keyID := h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")
	bucketKey := false
	if mode == "" && b.SSE != nil && b.SSE.Algorithm != "AES256" {
		mode, keyID, bucketKey = b.SSE.Algorithm, b.SSE.KeyID, b.SSE.BucketKey
	}
	if v := h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"); v != "" {
		bk, err := strconv.ParseBool(v)
		if err != nil {
			return nil, invalidArgument("Invalid value for x-amz-server-side-encryption-bucket-key-enabled", "x-amz-server-side-encryption-bucket-key-enabled", v)
		}
		bucketKey = bk
	}
	if mode != "aws:kms" && mode != "aws:kms:dsse" {
		return nil, nil
	}
	encCtx := map[string]string{}
	if v := h.Get("X-Amz-Server-Side-Encryption-Context"); v != "" {
		raw, err := base64.StdEncoding.DecodeString(v)
		if err != nil || json.Unmarshal(raw, &encCtx) != nil {
			return nil, invalidArgument("Invalid encryption context, the encryption context must be a base64-encoded UTF-8 string holding a JSON object.", "x-amz-server-side-encryption-context", v)
		}
	}
	// S3 adds the object's ARN (the bucket's, with a bucket key).
	encCtx["aws:s3:arn"] = "arn:aws:s3:::" + b.Name + "/" + key
	if bucketKey {
		encCtx["aws:s3:arn"] = "arn:aws:s3:::" + b.Name
	}
	if s.kms == nil {
		return nil, awsproto.New(http.StatusNotImplemented, "NotImplemented", "Server-side encryption with KMS keys needs gureum's KMS, which this server was started without.")
	}
	plain, blob, arn, err := s.kms.GenerateDataKeyFor(ctx, keyID, encCtx)
	if err != nil {
		return nil, kmsError(err)
	}
	doc, _ := json.Marshal(encCtx)
	enc := &objEnc{Mode: mode, KMSKey: arn, KMSBlob: blob, KMSContext: string(doc), BucketKey: bucketKey}
	if mode == "aws:kms:dsse" {
		// Dual-layer: a second data key, a second layer of AES-CTR.
		plain2, blob2, _, err := s.kms.GenerateDataKeyFor(ctx, arn, encCtx)
		if err != nil {
			return nil, kmsError(err)
		}
		enc.KMSBlob2, plain = blob2, append(plain, plain2...)
	}
	return &sseWrite{enc: enc, key: plain}, nil
}

// sseForRead checks a read's SSE-C headers (prefix: the object's, or a
// copy source's) against how the object is encrypted and returns the key
// to decrypt it with (nil: stored as written). withBody says the bytes
// are read: only then does an SSE-KMS object need kms:Decrypt.
func (s *Service) sseForRead(ctx context.Context, enc *objEnc, h http.Header, prefix string, withBody bool) ([]byte, error) {
	ck, err := parseSSEC(h, prefix)
	if err != nil {
		return nil, err
	}
	if enc == nil || enc.Mode != sseC {
		if ck != nil {
			return nil, errInvalidRequest("The encryption parameters are not applicable to this object.")
		}
		if !enc.kms() || !withBody {
			return nil, nil
		}
		return s.kmsDataKey(ctx, enc)
	}
	if ck == nil {
		return nil, errInvalidRequest("The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
	}
	if subtle.ConstantTimeCompare([]byte(ck.md5), []byte(enc.KeyMD5)) != 1 {
		return nil, awsproto.New(http.StatusForbidden, "AccessDenied", "Access Denied")
	}
	return ck.key, nil
}

// kmsDataKey has KMS decrypt an SSE-KMS object's (or upload's) data key,
// as the caller.
func (s *Service) kmsDataKey(ctx context.Context, enc *objEnc) ([]byte, error) {
	if s.kms == nil {
		return nil, awsproto.New(http.StatusNotImplemented, "NotImplemented", "Server-side encryption with KMS keys needs gureum's KMS, which this server was started without.")
	}
	encCtx := map[string]string{}
	_ = json.Unmarshal([]byte(enc.KMSContext), &encCtx)
	key, _, err := s.kms.DecryptFor(ctx, enc.KMSBlob, encCtx)
	if err != nil {
		return nil, kmsError(err)
	}
	if enc.KMSBlob2 != nil {
		key2, _, err := s.kms.DecryptFor(ctx, enc.KMSBlob2, encCtx)
		if err != nil {
			return nil, kmsError(err)
		}
		key = append(key, key2...)
	}
	return key, nil
}

// kmsError is a KMS failure as S3 answers it: KMS's own error code,
// prefixed "KMS." (S3's KMS.DisabledException, KMS.NotFoundException …),
// and AccessDenied as it is.
func kmsError(err error) error {
	ae, ok := awsproto.As(err)
	if !ok {
		return err
	}
	switch ae.Code {
	case "AccessDeniedException", "AccessDenied":
		return awsproto.New(http.StatusForbidden, "AccessDenied", ae.Message)
	case "NotFoundException":
		return awsproto.New(http.StatusBadRequest, "KMS.NotFoundException", ae.Message)
	}
	if !strings.HasPrefix(ae.Code, "KMS.") {
		return awsproto.New(http.StatusBadRequest, "KMS."+ae.Code, ae.Message)
	}
	return ae
}

// newIV is a random CTR IV.
func newIV() []byte {
	iv := make([]byte, aes.BlockSize)
	_, _ = rand.Read(iv)
	return iv
}

// ctrAt is AES-256-CTR under key with iv, positioned at byte off of the
// stream; a 64-byte key (DSSE-KMS) is two layers, the second under the
// key's second half with an IV of its own (derived from iv).
func ctrAt(key, iv []byte, off int64) cipher.Stream {
	if len(key) == 64 {
		sum := sha256.Sum256(iv)
		return dualStream{ctrAt(key[:32], iv, off), ctrAt(key[32:], sum[:aes.BlockSize], off)}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // keys are 32 bytes: parseSSEC and KMS's data keys
	}
	ctr := make([]byte, aes.BlockSize)
	copy(ctr, iv)
	// The counter is the IV plus the block number, as a 128-bit
	// big-endian sum.
	hi, lo := binary.BigEndian.Uint64(ctr[:8]), binary.BigEndian.Uint64(ctr[8:])
	n := uint64(off / aes.BlockSize)
	lo2 := lo + n
	if lo2 < lo {
		hi++
	}
	binary.BigEndian.PutUint64(ctr[:8], hi)
	binary.BigEndian.PutUint64(ctr[8:], lo2)
	st := cipher.NewCTR(block, ctr)
	if skip := off % aes.BlockSize; skip > 0 {
		var junk [aes.BlockSize]byte
		st.XORKeyStream(junk[:skip], junk[:skip])
	}
	return st
}

// dualStream applies two key streams, one after the other.
type dualStream struct{ a, b cipher.Stream }

func (d dualStream) XORKeyStream(dst, src []byte) {
	d.a.XORKeyStream(dst, src)
	d.b.XORKeyStream(dst, dst)
}

// xorAt returns data encrypted (or decrypted) as the bytes at offset off
// of the stream under key and iv.
func xorAt(key, iv []byte, off int64, data []byte) []byte {
	out := make([]byte, len(data))
	ctrAt(key, iv, off).XORKeyStream(out, data)
	return out
}

// extraHeaders are e's response headers other than
// x-amz-server-side-encryption (which outputs carry as a field of its own,
// see sseAlgorithm).
func (e *objEnc) extraHeaders() map[string]string {
	if e == nil {
		return nil // SSE-S3 has none: no map to make on every write
	}
	h := make(map[string]string, 2)
	e.setExtraHeaders(h)
	return h
}

// forBlob is e as recorded for one write: a copy (so that versions and
// uploads never share one) with the inline bytes' IV.
func (e *objEnc) forBlob(iv []byte, inline bool) *objEnc {
	if e == nil {
		return nil
	}
	c := *e
	c.IV = nil
	if inline {
		c.IV = iv
	}
	return &c
}

// dataKey is the key a write's bytes are encrypted with (nil: none).
func (w *sseWrite) dataKey() []byte {
	if w == nil {
		return nil
	}
	return w.key
}

// record is the encryption a write's version records.
func (w *sseWrite) record(body *ingested) *objEnc {
	if w == nil {
		return nil
	}
	return w.enc.forBlob(body.iv, body.inline != nil)
}

// uploadKey is the key a part of upload u is encrypted with: the SSE-C
// key the part's request brings (the upload's, S3 checks), or the
// upload's KMS data key.
func (s *Service) uploadKey(ctx context.Context, u *uploadRecord, h http.Header) ([]byte, error) {
	if u.Enc != nil && u.Enc.Mode == sseC {
		ck, err := parseSSEC(h, sseCPrefix)
		switch {
		case err != nil:
			return nil, err
		case ck == nil:
			return nil, errInvalidRequest("The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.")
		case subtle.ConstantTimeCompare([]byte(ck.md5), []byte(u.Enc.KeyMD5)) != 1:
			return nil, invalidArgument("The provided encryption parameters did not match the ones used originally.", sseCPrefix+"key", "")
		}
		return ck.key, nil
	}
	return s.sseForRead(ctx, u.Enc, h, sseCPrefix, true)
}

// noSSEHeader refuses x-amz-server-side-encryption on a request whose
// encryption was chosen before it (a part, a completion: the upload's), as
// S3 does.
func noSSEHeader(h http.Header) error {
	if v := h.Get("X-Amz-Server-Side-Encryption"); v != "" {
		return invalidArgument("x-amz-server-side-encryption header is not supported for this operation.", "x-amz-server-side-encryption", v)
	}
	return nil
}
