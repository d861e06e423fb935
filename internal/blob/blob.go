package blob

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// IDLen is the length of a blob ID: 128 random bits in lower-case hex.
const IDLen = 32

var (
	// ErrNotFound is returned by Open when no blob has the ID.
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidID is returned by Open and Remove for a string that is not
	// a blob ID. It wraps ErrNotFound: no blob can have such an ID.
	ErrInvalidID = fmt.Errorf("%w: invalid blob id", ErrNotFound)
	// ErrDone is returned by a Writer used after Commit or Abort.
	ErrDone = errors.New("blob: writer already committed or aborted")
)

// copyBufSize is the buffer Writer.ReadFrom fills before each write: large
// enough that a 64 MiB object costs 64 write calls, not 2,048.
const copyBufSize = 1 << 20

var copyBufs = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// Store keeps blobs under one directory: committed blobs in
// data/<id[0:2]>/<id>, writes in progress in tmp/. It is safe for
// concurrent use.
type Store struct {
	data, tmp string

	// shardMu guards shardReady: whether this process has created (or
	// found) data/<xx> and fsync'd data/ since, so a committed blob's
	// directory entry cannot be lost with its directory.
	shardMu    sync.Mutex
	shardReady [256]bool
}

// Open opens the blob store in dir, creating dir, dir/tmp and dir/data as
// needed.
func Open(dir string) (*Store, error) {
	s := &Store{data: filepath.Join(dir, "data"), tmp: filepath.Join(dir, "tmp")}
	for _, d := range []string{s.data, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("blob: %w", err)
		}
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return s, nil
}

// Writer writes one new blob. It is not safe for concurrent use. Writer
// implements io.ReaderFrom, so io.Copy(w, r) copies in large chunks (or,
// from an *os.File, in the kernel).
type Writer struct {
	s    *Store
	f    *os.File
	size int64
	done bool

	// direct is a second descriptor of the temp file opened with
	// O_DIRECT, for writes of whole aligned blocks: they skip the page
	// cache, whose copying and write-back halved the disk's rate for
	// large objects. noDirect is set once it is unavailable; seek when
	// f's offset lags behind what direct wrote.
	direct   *os.File
	noDirect bool
	seek     bool
}

// directAlign is the alignment O_DIRECT needs of offsets, lengths and
// buffers (4096 covers every block size Linux file systems use).
const directAlign = 4096

// directMin is the smallest write worth sending around the page cache.
const directMin = 256 << 10

// Create starts a new blob in a temp file.
func (s *Store) Create() (*Writer, error) {
	f, err := os.CreateTemp(s.tmp, "blob-*")
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &Writer{s: s, f: f}, nil
}

// Write appends p to the blob. Large writes at aligned offsets from
// aligned buffers go out through O_DIRECT where the file system has it.
func (w *Writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, ErrDone
	}
	var done int
	if len(p) >= directMin && w.size%directAlign == 0 && aligned(p) && w.openDirect() {
		n := len(p) &^ (directAlign - 1)
		m, err := w.direct.WriteAt(p[:n], w.size)
		w.size += int64(m)
		done = m
		w.seek = true
		if err != nil {
			if m > 0 || !errors.Is(err, syscall.EINVAL) {
				return done, err
			}
			// The file system refused after all: write through the cache.
			w.closeDirect()
			w.noDirect = true
		}
		p = p[m:]
	}
	if len(p) == 0 {
		return done, nil
	}
	if w.seek {
		if _, err := w.f.Seek(w.size, io.SeekStart); err != nil {
			return done, err
		}
		w.seek = false
	}
	n, err := w.f.Write(p)
	w.size += int64(n)
	return done + n, err
}

func aligned(p []byte) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(p)))%directAlign == 0
}

// openDirect opens w.direct once, reporting whether it is usable.
func (w *Writer) openDirect() bool {
	if w.direct != nil {
		return true
	}
	if w.noDirect || oDirect == 0 {
		return false
	}
	f, err := os.OpenFile(w.f.Name(), os.O_WRONLY|oDirect, 0)
	if err != nil {
		w.noDirect = true // tmpfs and some others have no O_DIRECT
		return false
	}
	w.direct = f
	return true
}

func (w *Writer) closeDirect() {
	if w.direct != nil {
		w.direct.Close()
		w.direct = nil
	}
}

// ReadFrom appends everything r yields until io.EOF. It fills a 1 MiB
// buffer before each write, since network readers return a few KiB per Read;
// an *os.File source is handed to the kernel (copy_file_range or sendfile).
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	if w.done {
		return 0, ErrDone
	}
	if src, ok := r.(*os.File); ok {
		if w.seek {
			if _, err := w.f.Seek(w.size, io.SeekStart); err != nil {
				return 0, err
			}
			w.seek = false
		}
		n, err := w.f.ReadFrom(src)
		w.size += n
		return n, err
	}
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var total int64
	for {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
		}
		switch {
		case rerr == io.EOF || rerr == io.ErrUnexpectedEOF:
			return total, nil
		case rerr != nil:
			return total, rerr
		}
	}
}

// Size returns the number of bytes written so far.
func (w *Writer) Size() int64 { return w.size }

// Commit makes the blob durable under a new random ID and returns the ID:
// it fsyncs the file, renames it to data/<id[0:2]>/<id> and fsyncs that
// directory. On error the temp file is removed.
func (w *Writer) Commit() (id string, err error) {
	if w.done {
		return "", ErrDone
	}
	w.done = true
	w.closeDirect()
	tmp, final := w.f.Name(), ""
	defer func() {
		if err != nil {
			os.Remove(tmp)
			if final != "" {
				os.Remove(final) // renamed but not durable: not committed
			}
			err = fmt.Errorf("blob: commit: %w", err)
		}
	}()
	err = w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	id, err = newID()
	if err != nil {
		return "", err
	}
	shard, err := w.s.shard(id)
	if err != nil {
		return "", err
	}
	if err := os.Rename(tmp, filepath.Join(shard, id)); err != nil {
		return "", err
	}
	final = filepath.Join(shard, id)
	if err := syncDir(shard); err != nil {
		return "", err
	}
	return id, nil
}

// Abort discards the blob. After Commit, or a second time, it does nothing.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.closeDirect()
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: abort: %w", err)
	}
	return nil
}

// Open opens a committed blob for reading. An id that is not IDLen
// lower-case hex digits is rejected with ErrInvalidID before any file system
// call, so no caller-supplied string becomes a path.
func (s *Store) Open(id string) (*os.File, error) {
	if !ValidID(id) {
		return nil, ErrInvalidID
	}
	f, err := os.Open(s.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

// Remove deletes a committed blob; a missing one is not an error. It does
// not fsync: if a crash undoes the removal, the blob is an orphan that Sweep
// collects.
func (s *Store) Remove(id string) error {
	if !ValidID(id) {
		return ErrInvalidID
	}
	if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// Sweep removes every committed blob for which live returns false and whose
// modification time is before olderThan, and every temp file older than
// olderThan. Files in data/ whose names are not blob IDs are left alone.
// olderThan protects writes in flight: a blob is committed before the
// metadata that references it, so run Sweep on start, or with olderThan
// well in the past. It keeps going after an error and returns the first.
func (s *Store) Sweep(live func(id string) bool, olderThan time.Time) (removed int, err error) {
	var first error
	keep := func(e error) {
		if first == nil && e != nil && !errors.Is(e, fs.ErrNotExist) {
			first = fmt.Errorf("blob: sweep: %w", e)
		}
	}
	old := func(e fs.DirEntry) bool {
		fi, err := e.Info()
		if err != nil {
			keep(err)
			return false
		}
		return fi.Mode().IsRegular() && fi.ModTime().Before(olderThan)
	}
	remove := func(p string) {
		if err := os.Remove(p); err != nil {
			keep(err)
		} else {
			removed++
		}
	}

	tmps, err := os.ReadDir(s.tmp)
	keep(err)
	for _, e := range tmps {
		if old(e) {
			remove(filepath.Join(s.tmp, e.Name()))
		}
	}
	shards, err := os.ReadDir(s.data)
	keep(err)
	for _, sh := range shards {
		if !sh.IsDir() || len(sh.Name()) != 2 || !isHex(sh.Name()) {
			continue
		}
		dir := filepath.Join(s.data, sh.Name())
		blobs, err := os.ReadDir(dir)
		keep(err)
		for _, e := range blobs {
			id := e.Name()
			if !ValidID(id) || id[:2] != sh.Name() || live(id) || !old(e) {
				continue
			}
			remove(filepath.Join(dir, id))
		}
	}
	return removed, first
}

// ValidID reports whether id has the form of a blob ID.
func ValidID(id string) bool {
	return len(id) == IDLen && isHex(id)
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func newID() (string, error) {
	var b [IDLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

func (s *Store) path(id string) string {
	return filepath.Join(s.data, id[:2], id)
}

// shard returns the directory for id, creating it and fsyncing data/ the
// first time this process commits into it.
func (s *Store) shard(id string) (string, error) {
	dir := filepath.Join(s.data, id[:2])
	n, _ := hex.DecodeString(id[:2])
	s.shardMu.Lock()
	defer s.shardMu.Unlock()
	if s.shardReady[n[0]] {
		return dir, nil
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", err
	}
	if err := syncDir(s.data); err != nil {
		return "", err
	}
	s.shardReady[n[0]] = true
	return dir, nil
}

// syncDir fsyncs a directory, making the entries created in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
