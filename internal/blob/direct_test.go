package blob

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDirectWrites mixes writes that go around the page cache (whole
// aligned blocks) with ones that cannot (unaligned lengths, offsets and
// buffers, and a file copied in by the kernel), and checks the bytes.
func TestDirectWrites(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 4<<20)
	rand.Read(data)
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, data[:1<<20+7], 0o600); err != nil {
		t.Fatal(err)
	}
	big := func(n int) []byte { b := make([]byte, n); copy(b, data); return b } // fresh, page-aligned
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	put := func(p []byte) {
		t.Helper()
		if n, err := w.Write(p); err != nil || n != len(p) {
			t.Fatalf("Write(%d) = %d, %v", len(p), n, err)
		}
		want = append(want, p...)
	}
	put(big(1 << 20))        // direct
	put(big(512<<10 + 100))  // direct, then a 100-byte tail through the cache
	put(big(1 << 20))        // offset now unaligned: cached
	put(data[1 : 300<<10+1]) // unaligned buffer: cached
	usedDirect := w.direct != nil
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := w.ReadFrom(f); err != nil {
		t.Fatal(err)
	}
	want = append(want, data[:1<<20+7]...)
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := io.ReadAll(r)
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want %d, or they differ", len(got), len(want))
	}
	if runtime.GOOS == "linux" && !usedDirect {
		t.Log("O_DIRECT unavailable on this file system; the cached path was tested")
	}
}

// TestDirectAfterCached: once a blob's offset is unaligned every write
// goes through the cache, and a write that starts aligned again after a
// cached one keeps the file's offset right.
func TestDirectAfterCached(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	w, _ := s.Create()
	a := bytes.Repeat([]byte("a"), directAlign) // cached: too small
	b := make([]byte, 1<<20)                    // direct: offset aligned again
	for i := range b {
		b[i] = byte(i)
	}
	c := []byte("tail")
	for _, p := range [][]byte{a, b, c} {
		if _, err := w.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	r, _ := s.Open(id)
	defer r.Close()
	got, _ := io.ReadAll(r)
	if want := append(append(append([]byte(nil), a...), b...), c...); !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want %d, or they differ", len(got), len(want))
	}
}
