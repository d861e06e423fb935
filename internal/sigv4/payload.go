package sigv4

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

type payloadKind int

const (
	payloadNone payloadKind = iota // no x-amz-content-sha256
	payloadInvalid
	payloadSHA256
	payloadUnsigned
	payloadStreamingSigned
	payloadStreamingSignedTrailer
	payloadStreamingUnsignedTrailer
	payloadECDSA
)

// payloadHeader returns x-amz-content-sha256 and whether it was sent.
func payloadHeader(r *http.Request) (string, bool) {
	v, ok := r.Header["X-Amz-Content-Sha256"]
	if !ok || len(v) == 0 {
		return "", false
	}
	return v[0], true
}

func classifyPayload(v string) payloadKind {
	switch v {
	case UnsignedPayload:
		return payloadUnsigned
	case StreamingSignedPayload:
		return payloadStreamingSigned
	case StreamingSignedPayloadTrailer:
		return payloadStreamingSignedTrailer
	case StreamingUnsignedPayloadTrailer:
		return payloadStreamingUnsignedTrailer
	case streamingECDSAPayload, streamingECDSAPayloadTrailer:
		return payloadECDSA
	}
	if len(v) != 2*sha256.Size {
		return payloadInvalid
	}
	for i := 0; i < len(v); i++ {
		if !isHex(v[i]) {
			return payloadInvalid
		}
	}
	return payloadSHA256
}

// wrapBody puts the reader that enforces the payload of kind in front of
// r.Body. seed is nil for requests that carry no signature.
func (v *Verifier) wrapBody(r *http.Request, a *Auth, kind payloadKind, seed *chunkSigning) error {
	switch kind {
	case payloadSHA256:
		var want [sha256.Size]byte
		hex.Decode(want[:], []byte(a.PayloadHash)) // validated by classifyPayload
		if r.Body == nil || r.Body == http.NoBody {
			if sum := sha256.Sum256(nil); sum != want {
				return errSHA256Mismatch(a.PayloadHash, EmptySHA256)
			}
			return nil
		}
		r.Body = &hashedBody{src: r.Body, h: sha256.New(), want: want, client: a.PayloadHash}
	case payloadStreamingSigned, payloadStreamingSignedTrailer, payloadStreamingUnsignedTrailer:
		length, err := decodedLength(r)
		if err != nil {
			return err
		}
		if kind == payloadStreamingUnsignedTrailer || !a.Verified {
			seed = nil
		}
		if kind != payloadStreamingSigned {
			// Made now and filled at EOF, so that whoever kept the map
			// after Verify (the request's context) sees the trailer.
			a.Trailer = http.Header{}
		}
		src := r.Body
		if src == nil {
			src = http.NoBody
		}
		r.Body = newChunkedReader(src, chunkedConfig{
			signed:   kind != payloadStreamingUnsignedTrailer,
			trailer:  kind != payloadStreamingSigned,
			signing:  seed,
			length:   length,
			declared: declaredTrailers(r),
			auth:     a,
		})
		// The decoded length is the body's length from here on, also
		// for a body sent with Transfer-Encoding: chunked and no
		// Content-Length (botocore's aws-chunked PutObject without a
		// body, over HTTPS).
		r.ContentLength = length
		r.Header.Set("Content-Length", strconv.FormatInt(length, 10))
		stripAWSChunked(r.Header)
		a.Streaming = true
	}
	return nil
}

// decodedLength is x-amz-decoded-content-length, which an aws-chunked body
// must have.
func decodedLength(r *http.Request) (int64, error) {
	s := r.Header.Get("X-Amz-Decoded-Content-Length")
	n, err := strconv.ParseInt(s, 10, 64)
	if s == "" || err != nil || n < 0 {
		return 0, errMissingLength()
	}
	return n, nil
}

// declaredTrailers returns the lower-cased names in x-amz-trailer.
func declaredTrailers(r *http.Request) []string {
	var names []string
	for _, v := range r.Header.Values("X-Amz-Trailer") {
		for _, n := range strings.Split(v, ",") {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}

// stripAWSChunked removes aws-chunked from Content-Encoding: it describes
// the framing this package removed, not the object.
func stripAWSChunked(h http.Header) {
	values := h.Values("Content-Encoding")
	if len(values) == 0 {
		return
	}
	var kept []string
	for _, v := range values {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" && !strings.EqualFold(e, "aws-chunked") {
				kept = append(kept, e)
			}
		}
	}
	if len(kept) == 0 {
		h.Del("Content-Encoding")
		return
	}
	h.Set("Content-Encoding", strings.Join(kept, ", "))
}

// bufferBody reads the whole body of a request that signs its own payload
// hash, puts it back and returns its hex SHA-256.
func (v *Verifier) bufferBody(r *http.Request) (string, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return EmptySHA256, nil
	}
	limit := v.maxBuffered()
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return "", err
	}
	if int64(len(data)) > limit {
		return "", errBodyTooLarge(limit)
	}
	r.Body = &bufferedBody{Reader: bytes.NewReader(data), src: r.Body}
	r.ContentLength = int64(len(data))
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

type bufferedBody struct {
	*bytes.Reader
	src io.Closer
}

func (b *bufferedBody) Close() error { return b.src.Close() }

// hashedBody returns XAmzContentSHA256Mismatch instead of io.EOF when the
// body's SHA-256 is not the one the client signed.
type hashedBody struct {
	src    io.ReadCloser
	h      hash.Hash
	want   [sha256.Size]byte
	client string
	err    error
}

func (b *hashedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.src.Read(p)
	b.h.Write(p[:n])
	if err == io.EOF {
		var got [sha256.Size]byte
		b.h.Sum(got[:0])
		if got != b.want {
			err = errSHA256Mismatch(b.client, hex.EncodeToString(got[:]))
		}
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *hashedBody) Close() error { return b.src.Close() }
