package kms

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// getJSON reads one JSON record; a missing one is store.ErrNotFound
// itself, so callers compare with ==.
// present says whether table holds name; a store failure is an error,
// never an absence.
func present(tx store.Tx, table, name string) (bool, error) {
	_, err := tx.Get(table, []byte(name))
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

func getJSON[T any](tx store.Tx, table, name string) (*T, error) {
	b, err := tx.Get(table, []byte(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

func putJSON(tx store.Tx, table, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(table, []byte(name), b)
}

// scanJSON calls fn with each record under prefix, in name order, from
// start (inclusive; "" = the first), until fn returns false.
func scanJSON[T any](tx store.Tx, table, prefix string, fn func(name string, v *T) bool) error {
	return scanJSONFrom(tx, table, prefix, "", fn)
}

func scanJSONFrom[T any](tx store.Tx, table, prefix, start string, fn func(name string, v *T) bool) error {
	var from []byte
	if start != "" {
		from = []byte(start)
	}
	return tx.Scan(table, []byte(prefix), from, func(k, b []byte) (bool, error) {
		v := new(T)
		if err := json.Unmarshal(b, v); err != nil {
			return false, err
		}
		return fn(string(k), v), nil
	})
}

// Paging. A marker is the name of the first record of the next page, in
// base64 so that it is opaque (as AWS's are) and any marker we did not
// make is refused with InvalidMarkerException.

func encodeMarker(name string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("gureum-kms:" + name))
}

// decodeMarker returns the record name a marker points at; it must lie
// under prefix.
func decodeMarker(m *string, prefix string) (string, error) {
	if m == nil {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*m)
	name, ok := strings.CutPrefix(string(b), "gureum-kms:")
	if err != nil || !ok || !strings.HasPrefix(name, prefix) {
		return "", errInvalidMarker()
	}
	return name, nil
}

// limit is a page size: the Limit given, within 1..max (AWS caps a Limit
// above an operation's maximum at it), or def.
func limit(l *int32, def, max int) int {
	if l == nil {
		return def
	}
	if int(*l) > max {
		return max
	}
	return int(*l)
}
