package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"slices"
	"strings"
)

// The aws-chunked body of S3's streaming uploads:
//
//	hex-size;chunk-signature=sig\r\n data \r\n ... 0;chunk-signature=sig\r\n
//	[name:value\r\n ... x-amz-trailer-signature:sig\r\n] \r\n
//
// STREAMING-UNSIGNED-PAYLOAD-TRAILER has no ";chunk-signature" and no
// trailer signature. Each chunk signature signs
//
//	AWS4-HMAC-SHA256-PAYLOAD \n date \n scope \n previous-signature \n
//	SHA-256("") \n SHA-256(chunk)
//
// chained from the seed signature of the request, and the trailer signature
// signs "AWS4-HMAC-SHA256-TRAILER \n date \n scope \n previous-signature \n
// SHA-256(trailer lines, each ending in \n)".

const (
	// minChunkSize is the smallest size of a chunk that is not the last.
	minChunkSize = 8192
	// maxChunkLine bounds a chunk header or trailer line; real ones are
	// under 100 bytes.
	maxChunkLine = 4096
	// maxTrailerBytes and maxTrailers bound the trailing headers.
	maxTrailerBytes = 16 << 10
	maxTrailers     = 32
	// chunkBufferSize is the read buffer of a decoder.
	chunkBufferSize = 32 << 10

	chunkSignaturePrefix = "chunk-signature="
	trailerSignatureName = "x-amz-trailer-signature"
)

// chunkSigning is what verifying chunk signatures needs of the request.
type chunkSigning struct {
	key         []byte
	amzDate     string
	scope       string
	seed        string // the request signature, lower-case hex
	accessKeyID string
}

type chunkedConfig struct {
	signed   bool          // chunk lines carry chunk-signature
	trailer  bool          // the payload has trailing headers
	signing  *chunkSigning // nil: signatures are not checked
	length   int64         // x-amz-decoded-content-length
	declared []string      // x-amz-trailer, lower case
	auth     *Auth         // receives the trailers at EOF
	minChunk int64         // 0: minChunkSize; the fuzz test makes it small
}

// chunkedReader decodes an aws-chunked body. It keeps a fixed read buffer
// and the running hash of one chunk; data passes through to the caller.
type chunkedReader struct {
	cfg chunkedConfig
	src io.ReadCloser
	br  *bufio.Reader

	h       hash.Hash // SHA-256 of the current chunk, when verifying
	mac     hash.Hash // HMAC-SHA256 with the signing key, when verifying
	prevSig string
	sig     string // the signature of the current chunk, as sent

	total     int64 // sum of the chunk sizes so far
	remaining int64 // bytes of the current chunk not yet read
	inData    bool  // a chunk's data is being read or just was
	chunks    int   // data chunks seen
	lastSize  int64 // size of the previous data chunk
	err       error // sticky: io.EOF or the failure
}

func newChunkedReader(src io.ReadCloser, cfg chunkedConfig) *chunkedReader {
	if cfg.minChunk == 0 {
		cfg.minChunk = minChunkSize
	}
	c := &chunkedReader{cfg: cfg, src: src, br: bufio.NewReaderSize(src, chunkBufferSize)}
	if s := cfg.signing; s != nil {
		c.h = sha256.New()
		c.mac = hmac.New(sha256.New, s.key)
		c.prevSig = s.seed
	}
	return c
}

// Read returns the decoded data. A chunk's signature is checked when its
// data ends, so the error of a bad chunk comes at the latest with the Read
// that would have returned io.EOF.
func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for c.remaining == 0 {
		if err := c.next(); err != nil {
			c.err = err
			return 0, err
		}
	}
	if int64(len(p)) > c.remaining {
		p = p[:c.remaining]
	}
	n, err := c.br.Read(p)
	c.remaining -= int64(n)
	if c.h != nil {
		c.h.Write(p[:n])
	}
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			err = errIncompleteBody()
		}
		c.err = err
	}
	return n, err
}

// Close closes the original body.
func (c *chunkedReader) Close() error { return c.src.Close() }

// next ends the current chunk and starts the next one. At the final chunk
// it reads the trailers and returns io.EOF.
func (c *chunkedReader) next() error {
	if c.inData {
		if err := c.expectCRLF(); err != nil {
			return err
		}
		if err := c.verifyChunk(); err != nil {
			return err
		}
		c.inData = false
	}
	line, err := c.readLine(false)
	if err != nil {
		return err
	}
	size, sig, ok := c.parseChunkLine(line)
	if !ok {
		return errIncompleteBody()
	}
	if size > 0 && c.chunks > 0 && c.lastSize < c.cfg.minChunk {
		return errChunkSize(c.chunks, c.lastSize)
	}
	if size > c.cfg.length-c.total {
		return errIncompleteBody()
	}
	c.sig = sig
	if c.h != nil {
		c.h.Reset()
	}
	if size == 0 {
		if c.total != c.cfg.length {
			return errIncompleteBody()
		}
		if err := c.verifyChunk(); err != nil {
			return err
		}
		return c.finish()
	}
	c.chunks++
	c.lastSize = size
	c.total += size
	c.remaining = size
	c.inData = true
	return nil
}

// readLine reads a line ending in CRLF and returns it without. With
// endOK, a clean end of the body before the line is io.EOF.
func (c *chunkedReader) readLine(endOK bool) ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF && len(line) == 0 && endOK {
			return nil, io.EOF
		}
		if err == bufio.ErrBufferFull || err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, errIncompleteBody()
		}
		return nil, err
	}
	if len(line) > maxChunkLine || len(line) < 2 || line[len(line)-2] != '\r' {
		return nil, errIncompleteBody()
	}
	return line[:len(line)-2], nil
}

func (c *chunkedReader) expectCRLF() error {
	b, err := c.br.Peek(2)
	if err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return errIncompleteBody()
		}
		return err
	}
	if b[0] != '\r' || b[1] != '\n' {
		return errIncompleteBody()
	}
	c.br.Discard(2)
	return nil
}

// parseChunkLine parses "hex-size" or "hex-size;chunk-signature=sig".
func (c *chunkedReader) parseChunkLine(line []byte) (size int64, sig string, ok bool) {
	sizePart, ext, hasExt := bytes.Cut(line, []byte{';'})
	if len(sizePart) == 0 || len(sizePart) > 15 {
		return 0, "", false
	}
	for _, d := range sizePart {
		if !isHex(d) {
			return 0, "", false
		}
		size = size<<4 | int64(unhex(d))
	}
	if !c.cfg.signed {
		return size, "", true
	}
	if !hasExt || !bytes.HasPrefix(ext, []byte(chunkSignaturePrefix)) {
		return 0, "", false
	}
	return size, string(ext[len(chunkSignaturePrefix):]), true
}

// verifyChunk checks the signature of the chunk whose data is in c.h.
func (c *chunkedReader) verifyChunk() error {
	s := c.cfg.signing
	if s == nil {
		return nil
	}
	var sum [sha256.Size]byte
	c.h.Sum(sum[:0])
	sts := c.stringToSign("AWS4-HMAC-SHA256-PAYLOAD", EmptySHA256, hex.EncodeToString(sum[:]))
	return c.check(sts, c.sig)
}

func (c *chunkedReader) stringToSign(algo string, hashes ...string) string {
	s := c.cfg.signing
	var b strings.Builder
	b.Grow(len(algo) + len(s.amzDate) + len(s.scope) + 64*(1+len(hashes)) + 8)
	b.WriteString(algo)
	b.WriteByte('\n')
	b.WriteString(s.amzDate)
	b.WriteByte('\n')
	b.WriteString(s.scope)
	b.WriteByte('\n')
	b.WriteString(c.prevSig)
	for _, h := range hashes {
		b.WriteByte('\n')
		b.WriteString(h)
	}
	return b.String()
}

// check compares the signature of sts with the one sent and moves the
// chain on.
func (c *chunkedReader) check(sts, provided string) error {
	c.mac.Reset()
	c.mac.Write([]byte(sts))
	var mac [sha256.Size]byte
	c.mac.Sum(mac[:0])
	if !signatureEqual(mac[:], provided) {
		return errMismatch(c.cfg.signing.accessKeyID, sts, provided, "")
	}
	c.prevSig = hex.EncodeToString(mac[:])
	return nil
}

// finish reads the trailing headers after the final chunk, checks them
// against x-amz-trailer and the trailer signature, hands them to Auth and
// returns io.EOF.
func (c *chunkedReader) finish() error {
	trailers := http.Header{}
	var signed []byte // the trailer lines as signed, each ending in \n
	var sig string
	var haveSig bool
	for n := 0; ; n++ {
		line, err := c.readLine(true)
		if err == io.EOF {
			break // tolerate a body that ends without the final CRLF
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			break
		}
		if haveSig || n >= maxTrailers || len(signed)+len(line) > maxTrailerBytes {
			return errMalformedTrailer()
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		key := strings.ToLower(strings.TrimSpace(string(name)))
		if !ok || key == "" {
			return errMalformedTrailer()
		}
		if key == trailerSignatureName {
			sig, haveSig = string(bytes.TrimSpace(value)), true
			continue
		}
		trailers.Add(key, string(bytes.TrimSpace(value)))
		signed = append(signed, line...)
		signed = append(signed, '\n')
	}
	if extra, _ := c.br.Peek(1); len(extra) > 0 {
		return errIncompleteBody()
	}
	if !c.cfg.trailer && (len(trailers) > 0 || haveSig) {
		return errMalformedTrailer()
	}
	for _, name := range c.cfg.declared {
		if trailers.Get(name) == "" {
			return errMalformedTrailer()
		}
	}
	for name := range trailers {
		if !slices.Contains(c.cfg.declared, strings.ToLower(name)) {
			return errMalformedTrailer()
		}
	}
	if c.cfg.signed && c.cfg.trailer {
		if !haveSig {
			return errMalformedTrailer()
		}
		if c.cfg.signing != nil {
			sum := sha256.Sum256(signed)
			sts := c.stringToSign("AWS4-HMAC-SHA256-TRAILER", hex.EncodeToString(sum[:]))
			if err := c.check(sts, sig); err != nil {
				return err
			}
		}
	}
	if c.cfg.auth != nil {
		if c.cfg.auth.Trailer == nil {
			c.cfg.auth.Trailer = trailers
		} else {
			for k, v := range trailers {
				c.cfg.auth.Trailer[k] = v
			}
		}
	}
	return io.EOF
}
