package s3

import (
	"context"
	"crypto/cipher"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"net/http"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/request"
)

// sizeUnknown tells ingest to read the body to its end (browser POST
// uploads do not say the file's size).
const sizeUnknown = -2

// MaxObjectSize is the largest single PUT S3 accepts (5 GiB).
const MaxObjectSize = 5 << 30

// ingested is a request body, stored and hashed.
type ingested struct {
	size     int64
	md5      []byte
	checksum string // base64, of the algorithm asked for
	inline   []byte // the bytes, when small enough to keep in metadata
	blob     string // the committed blob otherwise
	iv       []byte // the IV they were encrypted with (nil: stored as sent)
}

// ingest reads body (declared as size bytes; -1 when unknown) into either a
// buffer or a committed blob, computing the MD5 and the requested checksum,
// and verifies the checksum and Content-MD5. A blob it committed is removed
// again when verification fails; after success the caller owns it. With a
// key, the bytes are stored encrypted (the hashes are of the plaintext).
func (s *Service) ingest(ctx context.Context, body io.Reader, size int64, ck checksumRequest, contentMD5 string, inline bool, key []byte) (*ingested, error) {
	if body == nil {
		body = http.NoBody
	}
	if size < 0 && size != sizeUnknown {
		return nil, errMissingContentLength()
	}
	if size > MaxObjectSize {
		return nil, errEntityTooLarge(size, MaxObjectSize)
	}
	md := md5.New()
	var ckh hash.Hash
	if ck.algo != "" {
		ckh = newChecksum(ck.algo)
	}
	out := &ingested{size: size}
	if key != nil {
		out.iv = newIV()
	}
	if inline && size >= 0 && size <= s.cfg.InlineMax {
		buf := make([]byte, size)
		if _, err := io.ReadFull(body, buf); err != nil {
			return nil, bodyError(err)
		}
		if err := expectEOF(body); err != nil {
			return nil, err
		}
		md.Write(buf)
		if ckh != nil {
			ckh.Write(buf)
		}
		if key != nil {
			buf = xorAt(key, out.iv, 0, buf)
		}
		out.inline = buf
	} else {
		w, err := s.blobs.Create()
		if err != nil {
			return nil, err
		}
		defer w.Abort()
		disk := io.Writer(w)
		if key != nil {
			disk = cipher.StreamWriter{S: ctrAt(key, out.iv, 0), W: w}
		}
		dst := io.MultiWriter(disk, md)
		if ckh != nil {
			dst = io.MultiWriter(disk, md, ckh)
		}
		limit := size
		if size == sizeUnknown {
			limit = MaxObjectSize + 1
		}
		n, err := pipeCopy(dst, io.LimitReader(body, limit))
		if err != nil {
			return nil, bodyError(err)
		}
		if size == sizeUnknown {
			if n > MaxObjectSize {
				return nil, errEntityTooLarge(n, MaxObjectSize)
			}
			out.size = n
		} else if n != size {
			return nil, errIncompleteBody()
		}
		if err := expectEOF(body); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		out.blob, err = w.Commit()
		if err != nil {
			return nil, err
		}
	}
	out.md5 = md.Sum(nil)
	if ckh != nil {
		out.checksum = b64(ckh.Sum(nil))
	}
	fail := func(err error) (*ingested, error) {
		if out.blob != "" {
			s.removeBlobs([]string{out.blob})
		}
		return nil, err
	}
	if err := verifyContentMD5(contentMD5, out.md5); err != nil {
		return fail(err)
	}
	if ck.algo != "" {
		if err := ck.verify(out.checksum, request.From(ctx).Trailer); err != nil {
			return fail(err)
		}
	}
	return out, nil
}

// expectEOF drains what remains of a body: an aws-chunked body verifies its
// last chunk and trailer only when read to the end.
func expectEOF(body io.Reader) error {
	var one [1]byte
	n, err := body.Read(one[:])
	if n > 0 {
		return errIncompleteBody()
	}
	if err != nil && err != io.EOF {
		return bodyError(err)
	}
	if err == nil {
		// Readers may return 0, nil; try once more.
		n, err = body.Read(one[:])
		if n > 0 {
			return errIncompleteBody()
		}
		if err != nil && err != io.EOF {
			return bodyError(err)
		}
	}
	return nil
}

// bodyError turns a failure while reading a request body into S3's error:
// the SigV4 decoders' own errors (bad chunk signature, payload hash
// mismatch) pass through; a body that ended early is IncompleteBody.
func bodyError(err error) error {
	var ae *awsproto.Error
	if errors.As(err, &ae) {
		return ae
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errIncompleteBody()
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errEntityTooLarge(mbe.Limit+1, mbe.Limit)
	}
	return errIncompleteBody()
}

func etagOf(md5sum []byte) string { return hex.EncodeToString(md5sum) }

// pipeCopy copies src to dst with reading and writing in two goroutines,
// so the request body's own verification (SigV4's SHA-256, chunk
// signatures) and the object's hashing and disk writes (MD5, checksum,
// write) overlap instead of adding up. It returns the bytes written and the
// first error of either side.
func pipeCopy(dst io.Writer, src io.Reader) (int64, error) {
	const bufSize, nbuf = 512 << 10, 4
	free := make(chan []byte, nbuf)
	for i := 0; i < nbuf; i++ {
		free <- make([]byte, bufSize)
	}
	full := make(chan []byte, nbuf)
	stop := make(chan struct{})
	var readErr error
	go func() {
		defer close(full)
		for {
			var buf []byte
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			n, err := io.ReadFull(src, buf)
			if n > 0 {
				full <- buf[:n]
			}
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF {
					readErr = err
				}
				return
			}
		}
	}()
	var written int64
	var writeErr error
	for buf := range full {
		if writeErr != nil {
			continue // drain what the reader already sent
		}
		var n int
		n, writeErr = dst.Write(buf)
		written += int64(n)
		if writeErr != nil {
			close(stop)
			continue
		}
		free <- buf[:cap(buf)]
	}
	if writeErr != nil {
		return written, writeErr
	}
	return written, readErr
}
