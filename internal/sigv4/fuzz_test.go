package sigv4

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// authorizationSeeds are headers for FuzzParseAuthorization.
func authorizationSeeds() []string {
	return []string{
		"AWS4-HMAC-SHA256 Credential=" + docKey + "/" + docScope + ",SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
		"AWS4-HMAC-SHA256 Credential=AKID/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + strings.Repeat("ab", 32),
		"AWS4-HMAC-SHA256  Credential = AKID/20261128/us-east-1/iam/aws4_request ,SignedHeaders=host , Signature=00",
		"AWS4-HMAC-SHA256 Signature=00, Credential=a/20260229/r/s/aws4_request, SignedHeaders=",
		"AWS4-HMAC-SHA256 Credential=AKID/2026112/us-east-1/s3/aws4_request, SignedHeaders=host;;x, Signature=00",
		"AWS4-HMAC-SHA256 Credential=,,,=,",
		"AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
		"Bearer x",
		"AWS4-HMAC-SHA256",
		"",
	}
}

// FuzzParseAuthorization feeds the Authorization header parser, and Verify
// behind it, arbitrary headers.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range authorizationSeeds() {
		f.Add(s)
	}
	v := newVerifier(testTime)
	f.Fuzz(func(t *testing.T, h string) {
		a, err := parseAuthorization(h)
		if (a == nil) == (err == nil) {
			t.Fatalf("parseAuthorization(%q) = %v, %v", h, a, err)
		}
		if a != nil {
			// The region may be empty (boto3 with region_name=''); the
			// signature covers it.
			if a.accessKeyID == "" || a.service == "" || !validShortDate(a.date) {
				t.Fatalf("parseAuthorization(%q) accepted %+v", h, a)
			}
			for _, n := range a.signedHeaders {
				if n == "" {
					t.Fatalf("empty signed header in %q", h)
				}
			}
		}
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k"}, RequestURI: "/b/k", Host: testHost, Header: http.Header{
			"Authorization":        {h},
			"X-Amz-Date":           {testTime.Format(AmzDateFormat)},
			"Date":                 {testTime.Format(http.TimeFormat)}, // v2 may sign it beside x-amz-date
			"X-Amz-Content-Sha256": {EmptySHA256},
		}}
		if auth, err := v.Verify(r); err == nil && auth.Verified && !auth.Anonymous {
			t.Fatalf("Verify accepted %q", h)
		}
	})
}

// fuzzChunk is the smallest chunk the fuzz target allows but the last, so
// that seeds of many chunks stay small enough for mutations to matter.
const fuzzChunk = 16

// chunkedSeeds are aws-chunked bodies of each variant, in fuzzChunk pieces.
func chunkedSeeds(t testing.TB) [][]byte {
	data := []byte("0123456789abcdef0123456789abcdef0123456789")
	signer := func() *chunkEncoder {
		return &chunkEncoder{key: fuzzSigning.key, date: fuzzSigning.amzDate, scope: fuzzSigning.scope, prev: fuzzSigning.seed}
	}
	return [][]byte{
		signer().encode(data, fuzzChunk),
		signer().encode(data, fuzzChunk, crc32Trailer),
		(&chunkEncoder{}).encode(data, fuzzChunk, crc32Trailer),
		(&chunkEncoder{}).encode(data, fuzzChunk),
		[]byte("3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n"),
		[]byte("0;chunk-signature=" + strings.Repeat("0", 64) + "\r\n\r\n"),
		[]byte("fffffffffffffff\r\n"),
		[]byte("2000;chunk-signature=\r\n"),
		{},
	}
}

var fuzzSigning = &chunkSigning{
	key:         SigningKey(testSecret, "20261128", "us-east-1", "s3"),
	amzDate:     "20261128T123045Z",
	scope:       "20261128/us-east-1/s3/aws4_request",
	seed:        strings.Repeat("5", 64),
	accessKeyID: testKey,
}

// FuzzChunkedDecoder decodes arbitrary framing in every mode. The decoder
// must not panic, must not return more than the declared length and, when
// it reaches io.EOF, must have returned exactly that length.
func FuzzChunkedDecoder(f *testing.F) {
	for i, body := range chunkedSeeds(f) {
		for mode := range uint8(8) {
			length := uint32(42)
			if i >= 4 {
				length = 3
			}
			f.Add(body, mode, length)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte, mode uint8, length uint32) {
		if len(body) > 256<<10 {
			// Framing bugs show in small bodies; huge ones only slow the
			// search down (a byte at a time in the OneByteReader mode).
			t.Skip()
		}
		cfg := chunkedConfig{
			signed:   mode&1 != 0,
			trailer:  mode&2 != 0,
			length:   int64(length % (1 << 20)),
			declared: []string{"x-amz-checksum-crc32"},
			auth:     &Auth{},
			minChunk: fuzzChunk,
		}
		if mode&4 != 0 && cfg.signed {
			cfg.signing = fuzzSigning
		}
		if mode&8 != 0 {
			cfg.declared = nil
		}
		var src io.Reader = bytes.NewReader(body)
		if mode&16 != 0 {
			src = iotest.OneByteReader(src)
		}
		c := newChunkedReader(io.NopCloser(src), cfg)
		var out int64
		buf := make([]byte, 1+int(mode)*37)
		var err error
		for {
			var n int
			n, err = c.Read(buf)
			out += int64(n)
			if out > cfg.length {
				t.Fatalf("returned %d bytes of %d", out, cfg.length)
			}
			if err != nil {
				break
			}
		}
		if err == io.EOF {
			if out != cfg.length {
				t.Fatalf("EOF after %d bytes of %d", out, cfg.length)
			}
			if cfg.auth.Trailer == nil {
				t.Fatal("EOF without Trailer")
			}
		} else if asError(err) == nil {
			t.Fatalf("error %v is not an *Error", err)
		}
		if _, again := c.Read(buf); again != err {
			t.Fatalf("error %v, then %v", err, again)
		}
	})
}

// presignSeeds are presigned query strings, the first one valid at testTime.
func presignSeeds(t testing.TB) []string {
	r := sdkPresign(t, clientRequest(t, "GET", "/b/k?versionId=1", nil, nil), 300*1e9, testTime, testCreds)
	return []string{
		r.URL.RawQuery,
		strings.SplitN(docPresigned, "?", 2)[1],
		"X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20261128%2Fr%2Fs3%2Faws4_request&X-Amz-Date=20261128T123045Z&X-Amz-Expires=-1&X-Amz-SignedHeaders=host&X-Amz-Signature=00",
		"x-amz-algorithm=AWS4-HMAC-SHA256&X-AMZ-CREDENTIAL=%zz&X-Amz-Expires=99999999999999999999&X-Amz-SignedHeaders=;&X-Amz-Signature=",
		"X-Amz-Signature=&&&=&a+b=%2",
		"AWSAccessKeyId=AKIA&Signature=x&Expires=1",
	}
}

// FuzzPresignQuery verifies arbitrary query strings.
func FuzzPresignQuery(f *testing.F) {
	for _, q := range presignSeeds(f) {
		f.Add(q)
	}
	v := newVerifier(testTime)
	f.Fuzz(func(t *testing.T, q string) {
		r := &http.Request{Method: "GET", URL: &url.URL{Path: "/b/k", RawQuery: q}, RequestURI: "/b/k?" + q, Host: testHost, Header: http.Header{}}
		a, err := v.Verify(r)
		if err != nil {
			if asError(err) == nil {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if !a.Anonymous && !(a.Presigned && a.Verified) {
			t.Fatalf("Verify(%q) = %+v", q, a)
		}
	})
}

// TestWriteFuzzSeeds writes the seeds above to testdata/fuzz when
// GUREUM_WRITE_FUZZ_SEEDS is set.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("GUREUM_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set GUREUM_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	write := func(target string, i int, lines ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		text := "go test fuzz v1\n" + strings.Join(lines, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range authorizationSeeds() {
		write("FuzzParseAuthorization", i, "string("+strconv.Quote(s)+")")
	}
	for i, b := range chunkedSeeds(t) {
		write("FuzzChunkedDecoder", i, "[]byte("+strconv.Quote(string(b))+")", fmt.Sprintf("byte(%q)", byte(i%8)), fmt.Sprintf("uint32(%d)", 42))
	}
	for i, q := range presignSeeds(t) {
		write("FuzzPresignQuery", i, "string("+strconv.Quote(q)+")")
	}
}
