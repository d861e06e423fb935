package s3

import (
	"bytes"
	"crypto/cipher"
	"io"
	"os"
)

// piece is one stretch of an object's bytes inside one blob file; dec
// decrypts it (nil: stored as written).
type piece struct {
	f      *os.File
	off, n int64
	dec    cipher.Stream
}

// objectReader streams a byte range of an object that may span several
// blobs (a multipart object) or live inline. Its WriteTo hands each file
// region to the response's ReadFrom, which on Linux becomes sendfile(2).
type objectReader struct {
	inline *bytes.Reader
	pieces []piece
	cur    int
	files  []*os.File
}

// openObject opens the blobs of v covering [start, start+length),
// decrypting with key when v is encrypted at rest. Files are opened before
// the response starts, so a concurrent delete (which only unlinks) cannot
// cut the response short.
func (s *Service) openObject(v *versionRecord, inline []byte, start, length int64, key []byte) (*objectReader, error) {
	r := &objectReader{}
	if v.Inline {
		end := start + length
		if end > int64(len(inline)) {
			end = int64(len(inline))
		}
		part := inline[start:end]
		if key != nil && v.Enc != nil {
			part = xorAt(key, v.Enc.IV, start, part)
		}
		r.inline = bytes.NewReader(part)
		return r, nil
	}
	pos := int64(0)
	for _, sg := range v.Segments {
		segStart, segEnd := pos, pos+sg.Size
		pos = segEnd
		if length == 0 || segEnd <= start || segStart >= start+length {
			continue
		}
		f, err := s.blobs.Open(sg.Blob)
		if err != nil {
			r.Close()
			return nil, err
		}
		r.files = append(r.files, f)
		off := max(start, segStart) - segStart
		end := min(start+length, segEnd) - segStart
		pc := piece{f: f, off: off, n: end - off}
		if key != nil && sg.IV != nil {
			pc.dec = ctrAt(key, sg.IV, off)
		}
		r.pieces = append(r.pieces, pc)
	}
	for i := range r.pieces {
		if _, err := r.pieces[i].f.Seek(r.pieces[i].off, io.SeekStart); err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

// Read implements io.Reader.
func (r *objectReader) Read(p []byte) (int, error) {
	if r.inline != nil {
		return r.inline.Read(p)
	}
	for r.cur < len(r.pieces) {
		pc := &r.pieces[r.cur]
		if pc.n == 0 {
			r.cur++
			continue
		}
		if int64(len(p)) > pc.n {
			p = p[:pc.n]
		}
		n, err := pc.f.Read(p)
		if pc.dec != nil {
			pc.dec.XORKeyStream(p[:n], p[:n])
		}
		pc.n -= int64(n)
		if err == io.EOF && pc.n > 0 {
			return n, io.ErrUnexpectedEOF
		}
		if n > 0 || err != nil && err != io.EOF {
			return n, err
		}
	}
	return 0, io.EOF
}

// WriteTo implements io.WriterTo, using w's ReadFrom (sendfile) per piece.
func (r *objectReader) WriteTo(w io.Writer) (int64, error) {
	if r.inline != nil {
		return r.inline.WriteTo(w)
	}
	var total int64
	rf, ok := w.(io.ReaderFrom)
	for ; r.cur < len(r.pieces); r.cur++ {
		pc := &r.pieces[r.cur]
		var n int64
		var err error
		if pc.dec != nil {
			// Encrypted bytes pass through this process to be
			// decrypted: no sendfile.
			n, err = io.Copy(w, cipher.StreamReader{S: pc.dec, R: io.LimitReader(pc.f, pc.n)})
		} else if ok {
			n, err = rf.ReadFrom(io.LimitReader(pc.f, pc.n))
		} else {
			n, err = io.Copy(w, io.LimitReader(pc.f, pc.n))
		}
		total += n
		pc.n -= n
		if err != nil {
			return total, err
		}
		if pc.n != 0 {
			return total, io.ErrUnexpectedEOF
		}
	}
	return total, nil
}

// Close closes every blob file.
func (r *objectReader) Close() error {
	for _, f := range r.files {
		f.Close()
	}
	r.files = nil
	return nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

type nopCloser struct{ io.Reader }

func (nopCloser) Close() error { return nil }

func ioNopCloser(r io.Reader) io.ReadCloser { return nopCloser{r} }
