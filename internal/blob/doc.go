// Package blob keeps object bytes in files under one directory.
//
// A blob is named by a random ID that the store chooses, never by anything a
// client sends, so no bucket name or object key can reach a path outside the
// data directory. Writes go to a temp file, are fsync'd and renamed into
// place (and the directory fsync'd) before Commit returns, so a crash never
// leaves a partial blob under a committed name. A blob is referenced by
// metadata only after Commit; blobs that no metadata references (a crash
// between Commit and the metadata commit, or a delete interrupted before the
// file was removed) are orphans, and Sweep removes them on start.
//
// Contract (implemented in blob.go):
//
//	func Open(dir string) (*Store, error)            // creates dir/tmp and dir/data
//	func (s *Store) Create() (*Writer, error)         // a new temp file in tmp/
//	func (w *Writer) Write(p []byte) (int, error)
//	func (w *Writer) ReadFrom(r io.Reader) (int64, error) // io.Copy's fast path: 1 MiB writes
//	func (w *Writer) Size() int64
//	func (w *Writer) Commit() (id string, err error)  // fsync, rename, fsync dir
//	func (w *Writer) Abort() error                    // remove the temp file; safe after Commit (no-op)
//	func (s *Store) Open(id string) (*os.File, error) // ErrNotFound for unknown ids, ErrInvalidID (an ErrNotFound) for malformed ones
//	func (s *Store) Remove(id string) error           // missing is not an error; ErrInvalidID for malformed ids
//	func (s *Store) Sweep(live func(id string) bool, olderThan time.Time) (removed int, err error)
//	    // removes every committed blob for which live returns false and whose
//	    // mtime is before olderThan, and every temp file older than olderThan.
//	func ValidID(id string) bool                      // IDLen (32) lower-case hex digits
//
// IDs are 128 random bits in hex; blob <id> lives at data/<id[0:2]>/<id>, so
// no directory holds more than 1/256 of the blobs. Open and Remove check the
// form of an id before any file system call. A Writer's writes go straight to
// its temp file; wrap it in a bufio.Writer for many small writes.
package blob
