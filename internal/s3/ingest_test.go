package s3

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"testing"
	"testing/iotest"
)

func TestPipeCopy(t *testing.T) {
	data := make([]byte, 3<<20+17)
	rand.New(rand.NewSource(1)).Read(data)
	var out bytes.Buffer
	n, err := pipeCopy(&out, iotest.HalfReader(bytes.NewReader(data)))
	if err != nil || n != int64(len(data)) || !bytes.Equal(out.Bytes(), data) {
		t.Fatalf("copied %d bytes, equal %v, err %v", n, bytes.Equal(out.Bytes(), data), err)
	}
	// A read error surfaces.
	boom := errors.New("boom")
	_, err = pipeCopy(io.Discard, io.MultiReader(bytes.NewReader(data[:1<<20]), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("read error = %v", err)
	}
	// A write error stops the copy without deadlock.
	_, err = pipeCopy(failWriter{boom}, bytes.NewReader(data))
	if !errors.Is(err, boom) {
		t.Fatalf("write error = %v", err)
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }
