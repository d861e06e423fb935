package blob_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/blob"
)

func open(t testing.TB) (*blob.Store, string) {
	dir := filepath.Join(t.TempDir(), "blobs")
	s, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func write(t testing.TB, s *blob.Store, data []byte) string {
	t.Helper()
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func read(t testing.TB, s *blob.Store, id string) []byte {
	t.Helper()
	f, err := s.Open(id)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// onlyReader hides every method but Read, as an HTTP request body does.
type onlyReader struct{ io.Reader }

func TestRoundTrip(t *testing.T) {
	s, dir := open(t)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	for _, part := range []string{"hello, ", "", "world"} {
		if _, err := w.Write([]byte(part)); err != nil {
			t.Fatal(err)
		}
		want = append(want, part...)
	}
	if w.Size() != int64(len(want)) {
		t.Errorf("Size = %d; want %d", w.Size(), len(want))
	}
	id, err := w.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if !blob.ValidID(id) {
		t.Errorf("Commit returned %q, not a valid id", id)
	}
	if got := read(t, s, id); !bytes.Equal(got, want) {
		t.Errorf("read back %q; want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", id[:2], id)); err != nil {
		t.Errorf("blob not at data/<id[0:2]>/<id>: %v", err)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ holds %v after Commit", tmp)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("Abort after Commit = %v; want nil", err)
	}
	if got := read(t, s, id); !bytes.Equal(got, want) {
		t.Error("Abort after Commit changed the blob")
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, blob.ErrDone) {
		t.Errorf("Write after Commit = %v; want ErrDone", err)
	}
	if _, err := w.Commit(); !errors.Is(err, blob.ErrDone) {
		t.Errorf("second Commit = %v; want ErrDone", err)
	}

	empty := write(t, s, nil)
	if got := read(t, s, empty); len(got) != 0 {
		t.Errorf("empty blob read back %d bytes", len(got))
	}
	if empty == id {
		t.Error("two blobs got the same id")
	}
}

func TestReadFrom(t *testing.T) {
	s, _ := open(t)
	data := make([]byte, 5<<20+12345) // not a multiple of the buffer
	rand.Read(data)
	src := filepath.Join(t.TempDir(), "src")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, r := range map[string]io.Reader{
		"reader":  onlyReader{bytes.NewReader(data)},
		"os.File": f,
		"trickle": onlyReader{&trickle{data: data, chunk: 1000}},
	} {
		t.Run(name, func(t *testing.T) {
			w, err := s.Create()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write([]byte("head:")); err != nil {
				t.Fatal(err)
			}
			n, err := io.Copy(w, r)
			if err != nil || n != int64(len(data)) {
				t.Fatalf("io.Copy = %d, %v; want %d, nil", n, err, len(data))
			}
			if w.Size() != int64(len(data))+5 {
				t.Errorf("Size = %d", w.Size())
			}
			id, err := w.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if got := read(t, s, id); !bytes.Equal(got, append([]byte("head:"), data...)) {
				t.Errorf("read back %d bytes, not what was written", len(got))
			}
		})
	}
	// A read error reaches the caller.
	w, _ := s.Create()
	defer w.Abort()
	boom := errors.New("boom")
	if _, err := io.Copy(w, onlyReader{io.MultiReader(bytes.NewReader(data[:100]), errReader{boom})}); !errors.Is(err, boom) {
		t.Errorf("io.Copy from a failing reader = %v; want %v", err, boom)
	}
}

// trickle returns at most chunk bytes per Read, as a network connection
// does.
type trickle struct {
	data  []byte
	chunk int
	off   int
}

func (r *trickle) Read(p []byte) (int, error) {
	if r.off >= len(r.data) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), r.chunk)], r.data[r.off:])
	r.off += n
	return n, nil
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestAbort(t *testing.T) {
	s, dir := open(t)
	w, err := s.Create()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("discard me")); err != nil {
		t.Fatal(err)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 1 {
		t.Fatalf("tmp/ holds %v while writing; want one file", tmp)
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("second Abort = %v", err)
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ holds %v after Abort", tmp)
	}
	if data := entries(t, filepath.Join(dir, "data")); len(data) != 0 {
		t.Errorf("data/ holds %v after Abort", data)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, blob.ErrDone) {
		t.Errorf("Write after Abort = %v; want ErrDone", err)
	}
	if _, err := w.Commit(); !errors.Is(err, blob.ErrDone) {
		t.Errorf("Commit after Abort = %v; want ErrDone", err)
	}
}

func TestInvalidIDs(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "blobs")
	s, err := blob.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	valid := write(t, s, []byte("x"))
	// Files a path-shaped id could reach if it were ever joined to a path.
	victims := []string{
		filepath.Join(root, "x"),
		filepath.Join(dir, "x"),
		filepath.Join(dir, "data", "x"),
		filepath.Join(dir, "data", valid[:2], "x"),
	}
	for _, v := range victims {
		if err := os.WriteFile(v, []byte("victim"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	upper := []byte(valid)
	for i := range upper {
		if upper[i] >= 'a' {
			upper[i] -= 'a' - 'A'
		}
	}
	ids := []string{
		"", ".", "..", "x", "../x", "../../x", "/x", "data/x", valid[:2] + "/x", valid[:2] + "/../../x",
		"../" + valid, valid[:2] + "/" + valid, string(upper), valid[:blob.IDLen-1], valid + "0",
		valid[:blob.IDLen-2] + "..", valid[:blob.IDLen-2] + "/x", valid[:blob.IDLen-1] + "g", valid[:blob.IDLen-1] + "\x00",
		valid[:blob.IDLen-3] + "é",
	}
	for _, id := range ids {
		if blob.ValidID(id) {
			t.Errorf("ValidID(%q) = true", id)
		}
		f, err := s.Open(id)
		if !errors.Is(err, blob.ErrInvalidID) || !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Open(%q) = %v; want ErrInvalidID (an ErrNotFound)", id, err)
		}
		if f != nil {
			f.Close()
		}
		if err := s.Remove(id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Remove(%q) = %v; want ErrInvalidID", id, err)
		}
	}
	for _, v := range victims {
		if b, err := os.ReadFile(v); err != nil || string(b) != "victim" {
			t.Errorf("%s was touched: %q, %v", v, b, err)
		}
	}
	// Well-formed but unknown: ErrNotFound, not ErrInvalidID; Remove is a no-op.
	unknown := "0123456789abcdef0123456789abcdef"
	if _, err := s.Open(unknown); !errors.Is(err, blob.ErrNotFound) || errors.Is(err, blob.ErrInvalidID) {
		t.Errorf("Open(unknown) = %v; want ErrNotFound", err)
	}
	if err := s.Remove(unknown); err != nil {
		t.Errorf("Remove(unknown) = %v; want nil", err)
	}
	if err := s.Remove(valid); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(valid); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Open after Remove = %v; want ErrNotFound", err)
	}
}

func TestSweep(t *testing.T) {
	s, dir := open(t)
	now := time.Now()
	old := now.Add(-2 * time.Hour)
	cutoff := now.Add(-time.Hour)
	age := func(p string, mtime time.Time) {
		t.Helper()
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	blobPath := func(id string) string { return filepath.Join(dir, "data", id[:2], id) }

	liveOld := write(t, s, []byte("live, old"))
	deadOld := write(t, s, []byte("dead, old"))
	deadNew := write(t, s, []byte("dead, new"))
	liveNew := write(t, s, []byte("live, new"))
	age(blobPath(liveOld), old)
	age(blobPath(deadOld), old)

	oldTmp, _ := s.Create()
	oldTmp.Write([]byte("abandoned upload"))
	newTmp, _ := s.Create()
	newTmp.Write([]byte("upload in "))
	for _, name := range entries(t, filepath.Join(dir, "tmp")) {
		age(filepath.Join(dir, "tmp", name), old)
	}
	newTmp.Write([]byte("progress")) // a live upload keeps its mtime fresh

	// Strays that are not blobs stay, however old.
	stray := filepath.Join(dir, "data", liveOld[:2], "not-a-blob")
	os.WriteFile(stray, []byte("?"), 0o600)
	age(stray, old)
	misplaced := filepath.Join(dir, "data", "zz")
	os.Mkdir(misplaced, 0o700)

	live := map[string]bool{liveOld: true, liveNew: true}
	removed, err := s.Sweep(func(id string) bool { return live[id] }, cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if removed != 2 {
		t.Errorf("Sweep removed %d files; want 2 (the old dead blob and the old temp file)", removed)
	}
	for id, want := range map[string]bool{liveOld: true, deadOld: false, deadNew: true, liveNew: true} {
		_, err := os.Stat(blobPath(id))
		if exists := err == nil; exists != want {
			t.Errorf("blob %s exists=%v; want %v", id, exists, want)
		}
	}
	if got := entries(t, filepath.Join(dir, "tmp")); len(got) != 1 {
		t.Errorf("tmp/ holds %v; want only the new temp file", got)
	}
	if _, err := os.Stat(stray); err != nil {
		t.Errorf("stray file removed: %v", err)
	}
	// The in-progress writer can still commit.
	id, err := newTmp.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, s, id); string(got) != "upload in progress" {
		t.Errorf("read %q", got)
	}
	// The abandoned one fails cleanly.
	if _, err := oldTmp.Commit(); err == nil {
		t.Error("Commit of a swept temp file succeeded")
	}
}

func TestConcurrentWriters(t *testing.T) {
	s, dir := open(t)
	const writers, each = 16, 20
	var mu sync.Mutex
	got := map[string]string{}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf("writer %d blob %d %s", g, i, bytes.Repeat([]byte{'x'}, i*100))
				w, err := s.Create()
				if err != nil {
					t.Error(err)
					return
				}
				for chunk := range slices.Chunk([]byte(body), 7) {
					if _, err := w.Write(chunk); err != nil {
						t.Error(err)
						return
					}
				}
				if i%5 == 4 {
					if err := w.Abort(); err != nil {
						t.Error(err)
					}
					continue
				}
				id, err := w.Commit()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if _, dup := got[id]; dup {
					t.Errorf("duplicate id %s", id)
				}
				got[id] = body
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if want := writers * each * 4 / 5; len(got) != want {
		t.Errorf("%d blobs committed; want %d", len(got), want)
	}
	for id, body := range got {
		if b := read(t, s, id); string(b) != body {
			t.Errorf("blob %s = %q; want %q", id, b, body)
		}
	}
	if tmp := entries(t, filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Errorf("tmp/ holds %d files", len(tmp))
	}
}

func BenchmarkWriteCommit4K(b *testing.B) {
	s, _ := open(b)
	data := make([]byte, 4096)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		id := write(b, s, data)
		b.StopTimer()
		s.Remove(id)
		b.StartTimer()
	}
}

func BenchmarkWrite64M(b *testing.B) {
	s, _ := open(b)
	data := make([]byte, 64<<20)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		w, err := s.Create()
		if err != nil {
			b.Fatal(err)
		}
		// As an HTTP request body: Read only, at most 32 KiB at a time.
		if _, err := io.Copy(w, onlyReader{&trickle{data: data, chunk: 32 << 10}}); err != nil {
			b.Fatal(err)
		}
		id, err := w.Commit()
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Remove(id)
		b.StartTimer()
	}
}

// BenchmarkWriteCommit4KParallel is many PUTs of small objects at once; the
// blob fsyncs cannot be shared the way metadata commits are.
func BenchmarkWriteCommit4KParallel(b *testing.B) {
	s, _ := open(b)
	data := make([]byte, 4096)
	rand.Read(data)
	b.SetBytes(int64(len(data)))
	b.SetParallelism(4) // 4 × GOMAXPROCS writers
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			write(b, s, data)
		}
	})
}
