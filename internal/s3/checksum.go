package s3

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/gureum/gureum/internal/awsproto"
)

// The checksum algorithms S3 verifies and stores.
var checksumAlgos = []string{"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}

var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64nvmeTable = crc64.MakeTable(0x9a6c9329ac4bc9b5) // CRC-64/NVME, reflected
)

// newChecksum returns the hash of an S3 checksum algorithm, or nil.
func newChecksum(algo string) hash.Hash {
	switch algo {
	case "CRC32":
		return crc32.NewIEEE()
	case "CRC32C":
		return crc32.New(crc32cTable)
	case "CRC64NVME":
		return crc64.New(crc64nvmeTable)
	case "SHA1":
		return sha1.New()
	case "SHA256":
		return sha256.New()
	}
	return nil
}

func checksumHeader(algo string) string { return "x-amz-checksum-" + strings.ToLower(algo) }

// checksumHeaderKeys are the checksum headers' canonical names, made once:
// every write looks for each of them.
var checksumHeaderKeys = func() map[string]string {
	m := map[string]string{}
	for _, a := range checksumAlgos {
		m[a] = textproto.CanonicalMIMEHeaderKey(checksumHeader(a))
	}
	return m
}()

func checksumLen(algo string) int {
	switch algo {
	case "CRC32", "CRC32C":
		return 4
	case "CRC64NVME":
		return 8
	case "SHA1":
		return 20
	case "SHA256":
		return 32
	}
	return 0
}

// checksumRequest is what a request says about its payload's checksum.
type checksumRequest struct {
	algo     string // upper case, or ""
	expected string // base64 from a header, or "" when it comes in the trailer
	trailer  bool
}

// parseChecksumRequest reads x-amz-checksum-*, x-amz-sdk-checksum-algorithm
// and x-amz-trailer. Only one checksum may be sent.
func parseChecksumRequest(h http.Header) (checksumRequest, error) {
	var cr checksumRequest
	for _, a := range checksumAlgos {
		if v := headerValue(h, checksumHeaderKeys[a]); v != "" {
			if cr.algo != "" {
				return cr, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
			}
			cr.algo, cr.expected = a, v
		}
	}
	if t := strings.ToLower(strings.TrimSpace(h.Get("X-Amz-Trailer"))); t != "" {
		if !strings.HasPrefix(t, "x-amz-checksum-") {
			return cr, errInvalidRequest("The value specified in the x-amz-trailer header is not supported")
		}
		algo := strings.ToUpper(strings.TrimPrefix(t, "x-amz-checksum-"))
		if newChecksum(algo) == nil {
			return cr, errInvalidRequest("The value specified in the x-amz-trailer header is not supported")
		}
		if cr.algo != "" {
			return cr, errInvalidRequest("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		cr.algo, cr.trailer = algo, true
	}
	if sdk := strings.ToUpper(h.Get("X-Amz-Sdk-Checksum-Algorithm")); sdk != "" {
		if newChecksum(sdk) == nil {
			return cr, errInvalidRequest("Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		if cr.algo == "" {
			cr.algo = sdk
		} else if cr.algo != sdk {
			return cr, errInvalidRequest("Value for x-amz-sdk-checksum-algorithm header is invalid.")
		}
	}
	if cr.expected != "" {
		// A value that cannot be the algorithm's checksum is verified
		// like any other, and fails the same way (BadDigest).
	}
	return cr, nil
}

// verify compares the computed checksum with the one the client sent, in
// a header or the trailer.
func (cr checksumRequest) verify(computed string, trailer http.Header) error {
	want := cr.expected
	if cr.trailer {
		want = trailer.Get(checksumHeader(cr.algo))
		if want == "" {
			return errInvalidRequest("x-amz-trailer header specified " + checksumHeader(cr.algo) + " but it was not present in the trailer.")
		}
		if b, err := base64.StdEncoding.DecodeString(want); err != nil || len(b) != checksumLen(cr.algo) {
			return errInvalidRequest("Value for " + checksumHeader(cr.algo) + " trailing header is invalid.")
		}
	}
	if want != "" && want != computed {
		return errBadDigest("The " + cr.algo + " you specified did not match the calculated checksum.")
	}
	return nil
}

// verifyContentMD5 checks a Content-MD5 header against the body's MD5.
func verifyContentMD5(header string, sum []byte) error {
	if header == "" {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(header)
	if err != nil || len(b) != md5.Size {
		return errInvalidDigest(header)
	}
	if string(b) != string(sum) {
		return errBadDigest("The Content-MD5 you specified did not match what we received.").
			With("ExpectedDigest", header).With("CalculatedDigest", base64.StdEncoding.EncodeToString(sum))
	}
	return nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func errInvalidDigest(header string) *awsproto.Error {
	return awsproto.New(http.StatusBadRequest, "InvalidDigest", "The Content-MD5 you specified was invalid.").With("Content-MD5", header)
}
