// Package store is gureum's metadata engine: a transactional, ordered
// key-value store split into named tables.
//
// Services keep every record they own (buckets, object versions, uploads,
// later IAM users and EC2 resources) here, encoded by themselves. The engine
// knows nothing of AWS: it only promises atomic transactions and byte-ordered
// iteration, which is all an embedded engine (bbolt) and a shared one
// (PostgreSQL, later) can both give. Keeping the interface this small is what
// lets one conformance suite (storetest) hold every engine to the same
// contract.
package store

import (
	"context"
	"errors"
)

// Sentinel errors. Engines wrap them with %w; callers test with errors.Is.
var (
	// ErrNotFound is returned by Tx.Get when the key does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrExists may be returned by callers' own checks inside a
	// transaction; engines never return it themselves.
	ErrExists = errors.New("store: already exists")
	// ErrConflict is returned when a transaction could not be committed
	// because of a concurrent one; the caller may retry.
	ErrConflict = errors.New("store: conflict")
	// ErrReadOnly is returned by mutating calls inside View.
	ErrReadOnly = errors.New("store: read-only transaction")
	// ErrClosed is returned by calls on a closed store.
	ErrClosed = errors.New("store: closed")
)

// Store is a transactional, ordered key-value engine with named tables.
type Store interface {
	// View runs fn in a read-only transaction that sees one consistent
	// snapshot. Mutating calls inside it MUST return ErrReadOnly.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction. When fn returns nil the
	// transaction MUST be committed durably (fsync'd) before Update
	// returns; when fn returns an error nothing it wrote is kept and that
	// error is returned unchanged. fn may be called more than once (after
	// ErrConflict on a shared engine, or when an embedded engine batches
	// concurrent updates), so it MUST NOT have side effects outside tx
	// that are unsafe to repeat.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the engine. Calls after Close return ErrClosed.
	Close() error
}

// Tx is one transaction. It MUST NOT be used after its View/Update returns,
// nor from several goroutines at once. Byte slices returned by Get and
// passed to Scan callbacks are only valid until the transaction ends and
// MUST NOT be modified (an engine may return its read-only memory map);
// callers copy what they keep. Engines MUST NOT keep the slices passed to
// Put, Delete and Scan: callers may reuse them once the call returns.
type Tx interface {
	// Get returns the value stored under key in table, or ErrNotFound.
	// A table that does not exist yet holds no keys.
	Get(table string, key []byte) ([]byte, error)
	// Put stores value under key in table, creating the table as needed.
	// key MUST be non-empty.
	Put(table string, key, value []byte) error
	// Delete removes key from table. Deleting a missing key is not an
	// error.
	Delete(table string, key []byte) error
	// Scan calls fn for every key in table that is >= start and has the
	// given prefix, in ascending byte order, until fn returns false or an
	// error. The error is returned from Scan. An empty start (nil or
	// zero length) means the first key with the prefix.
	Scan(table string, prefix, start []byte, fn func(key, value []byte) (more bool, err error)) error
	// ScanReverse is Scan in descending byte order, starting at the last
	// key that is <= start (empty start: the last key with the prefix).
	ScanReverse(table string, prefix, start []byte, fn func(key, value []byte) (more bool, err error)) error
}
