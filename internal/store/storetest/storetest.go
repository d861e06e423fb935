// Package storetest is the conformance suite for store.Store engines. Every
// engine's tests call Run, so the services can rely on the contract in
// package store and nothing more: an engine that passes here can replace
// another without a service noticing.
package storetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// Run runs the suite. open must return a new, empty store each time it is
// called; Run closes every store it opens (open may register its own
// cleanup too, e.g. to remove files; a second Close is ignored).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"GetPutDelete", testGetPutDelete},
		{"EmptyKey", testEmptyKey},
		{"EmptyAndBinaryValues", testValues},
		{"TablesIndependent", testTables},
		{"Scan", testScan},
		{"ScanReverse", testScanReverse},
		{"ScanStopAndError", testScanStopAndError},
		{"ScanEmptyTable", testScanEmptyTable},
		{"ByteOrder", testByteOrder},
		{"ReadYourWrites", testReadYourWrites},
		{"ViewReadOnly", testViewReadOnly},
		{"UpdateRollback", testUpdateRollback},
		{"SlicesStable", testSlicesStable},
		{"PutCopies", testPutCopies},
		{"ConcurrentCounter", testConcurrentCounter},
		{"ConcurrentSomeFail", testConcurrentSomeFail},
		{"SnapshotIsolation", testSnapshot},
		{"ContextCanceled", testContextCanceled},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

var errTest = errors.New("storetest: fn failed on purpose")

// kv is one record, for building expectations.
type kv struct{ k, v string }

func update(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, s store.Store, fn func(store.Tx) error) {
	t.Helper()
	if err := s.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func put(t *testing.T, s store.Store, table string, recs ...kv) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, r := range recs {
			if err := tx.Put(table, []byte(r.k), []byte(r.v)); err != nil {
				return err
			}
		}
		return nil
	})
}

// get returns the value under key, or ok=false on ErrNotFound.
func get(t *testing.T, s store.Store, table, key string) (v string, ok bool) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		b, err := tx.Get(table, []byte(key))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		v, ok = string(b), true
		return nil
	})
	return v, ok
}

func wantValue(t *testing.T, s store.Store, table, key, want string) {
	t.Helper()
	if got, ok := get(t, s, table, key); !ok || got != want {
		t.Errorf("Get(%q, %q) = %q, found=%v; want %q", table, key, got, ok, want)
	}
}

func wantMissing(t *testing.T, s store.Store, table, key string) {
	t.Helper()
	if got, ok := get(t, s, table, key); ok {
		t.Errorf("Get(%q, %q) = %q; want ErrNotFound", table, key, got)
	}
}

// scan collects Scan or ScanReverse results as "key=value" strings.
func scan(t *testing.T, s store.Store, reverse bool, table string, prefix, start []byte) []kv {
	t.Helper()
	var out []kv
	view(t, s, func(tx store.Tx) error {
		f := tx.Scan
		if reverse {
			f = tx.ScanReverse
		}
		return f(table, prefix, start, func(k, v []byte) (bool, error) {
			out = append(out, kv{string(k), string(v)})
			return true, nil
		})
	})
	return out
}

func keys(recs []kv) []string {
	var ks []string
	for _, r := range recs {
		ks = append(ks, r.k)
	}
	return ks
}

func testGetPutDelete(t *testing.T, s store.Store) {
	wantMissing(t, s, "t", "a") // table does not exist yet
	put(t, s, "t", kv{"a", "1"}, kv{"b", "2"})
	wantValue(t, s, "t", "a", "1")
	wantValue(t, s, "t", "b", "2")
	wantMissing(t, s, "t", "c")

	put(t, s, "t", kv{"a", "one"}) // overwrite
	wantValue(t, s, "t", "a", "one")

	update(t, s, func(tx store.Tx) error {
		if err := tx.Delete("t", []byte("a")); err != nil {
			return err
		}
		if err := tx.Delete("t", []byte("missing")); err != nil {
			return fmt.Errorf("Delete of a missing key: %w", err)
		}
		if err := tx.Delete("no-such-table", []byte("a")); err != nil {
			return fmt.Errorf("Delete in a missing table: %w", err)
		}
		return nil
	})
	wantMissing(t, s, "t", "a")
	wantValue(t, s, "t", "b", "2")

	view(t, s, func(tx store.Tx) error {
		if _, err := tx.Get("t", []byte("a")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of a deleted key: err = %v; want errors.Is ErrNotFound", err)
		}
		if _, err := tx.Get("no-such-table", []byte("a")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get in a missing table: err = %v; want errors.Is ErrNotFound", err)
		}
		return nil
	})
}

func testEmptyKey(t *testing.T, s store.Store) {
	err := s.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put("t", nil, []byte("x"))
	})
	if err == nil {
		t.Fatal("Put with an empty key succeeded")
	}
	if got := scan(t, s, false, "t", nil, nil); len(got) != 0 {
		t.Errorf("table holds %v after a failed Put", got)
	}
}

func testValues(t *testing.T, s store.Store) {
	bin := []byte{0x00, 0xff, 0x00, 0x80, 0x7f, 0xff, 0x00}
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("t", []byte("empty"), []byte{}); err != nil {
			return err
		}
		if err := tx.Put("t", []byte("nil"), nil); err != nil {
			return err
		}
		if err := tx.Put("t", []byte("bin"), bin); err != nil {
			return err
		}
		return tx.Put("t", []byte("big"), big)
	})
	view(t, s, func(tx store.Tx) error {
		for _, k := range []string{"empty", "nil"} {
			v, err := tx.Get("t", []byte(k))
			if err != nil || len(v) != 0 {
				t.Errorf("Get(%q) = %q, %v; want empty value, nil", k, v, err)
			}
		}
		if v, err := tx.Get("t", []byte("bin")); err != nil || !bytes.Equal(v, bin) {
			t.Errorf("Get(bin) = %x, %v; want %x", v, err, bin)
		}
		if v, err := tx.Get("t", []byte("big")); err != nil || !bytes.Equal(v, big) {
			t.Errorf("Get(big): len %d, %v; want the 1 MiB value", len(v), err)
		}
		return nil
	})
	if got := keys(scan(t, s, false, "t", nil, nil)); !slices.Equal(got, []string{"big", "bin", "empty", "nil"}) {
		t.Errorf("Scan keys = %q", got)
	}
}

func testTables(t *testing.T, s store.Store) {
	// Table names that prefix each other must not leak into one another.
	put(t, s, "t", kv{"k", "t"}, kv{"only-t", "t"})
	put(t, s, "t2", kv{"k", "t2"})
	put(t, s, "t/", kv{"k", "t/"})
	wantValue(t, s, "t", "k", "t")
	wantValue(t, s, "t2", "k", "t2")
	wantValue(t, s, "t/", "k", "t/")
	wantMissing(t, s, "t2", "only-t")

	update(t, s, func(tx store.Tx) error { return tx.Delete("t", []byte("k")) })
	wantMissing(t, s, "t", "k")
	wantValue(t, s, "t2", "k", "t2")

	if got := scan(t, s, false, "t", nil, nil); !slices.Equal(got, []kv{{"only-t", "t"}}) {
		t.Errorf("Scan(t) = %v", got)
	}
	if got := scan(t, s, true, "t2", nil, nil); !slices.Equal(got, []kv{{"k", "t2"}}) {
		t.Errorf("ScanReverse(t2) = %v", got)
	}
}

// scanFixture is the data the Scan tests read.
var scanFixture = []kv{
	{"a", "0"}, {"b/1", "1"}, {"b/2", "2"}, {"b/3", "3"}, {"b/4", "4"}, {"b0", "5"}, {"c", "6"},
}

func testScan(t *testing.T, s store.Store) {
	put(t, s, "t", scanFixture...)
	tests := []struct {
		name          string
		prefix, start string
		nilStart      bool
		want          []string
	}{
		{"all", "", "", true, []string{"a", "b/1", "b/2", "b/3", "b/4", "b0", "c"}},
		{"prefix", "b/", "", true, []string{"b/1", "b/2", "b/3", "b/4"}},
		{"prefix b", "b", "", true, []string{"b/1", "b/2", "b/3", "b/4", "b0"}},
		{"start is a key (inclusive)", "b/", "b/2", false, []string{"b/2", "b/3", "b/4"}},
		{"start between keys", "b/", "b/25", false, []string{"b/3", "b/4"}},
		{"start before prefix", "b/", "a", false, []string{"b/1", "b/2", "b/3", "b/4"}},
		{"start after prefix", "b/", "b0", false, nil},
		{"start past last key", "", "d", false, nil},
		{"empty start is no start", "b/", "", false, []string{"b/1", "b/2", "b/3", "b/4"}},
		{"no match", "x", "", true, nil},
		{"start without prefix", "", "b/3", false, []string{"b/3", "b/4", "b0", "c"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := []byte(tc.start)
			if tc.nilStart {
				start = nil
			}
			got := scan(t, s, false, "t", []byte(tc.prefix), start)
			if !slices.Equal(keys(got), tc.want) {
				t.Errorf("Scan(prefix %q, start %q) = %q; want %q", tc.prefix, tc.start, keys(got), tc.want)
			}
			for _, r := range got {
				if i := slices.IndexFunc(scanFixture, func(f kv) bool { return f.k == r.k }); i < 0 || scanFixture[i].v != r.v {
					t.Errorf("Scan: %q has value %q, not the one stored", r.k, r.v)
				}
			}
		})
	}
}

func testScanReverse(t *testing.T, s store.Store) {
	put(t, s, "t", scanFixture...)
	tests := []struct {
		name          string
		prefix, start string
		nilStart      bool
		want          []string
	}{
		{"all", "", "", true, []string{"c", "b0", "b/4", "b/3", "b/2", "b/1", "a"}},
		{"prefix", "b/", "", true, []string{"b/4", "b/3", "b/2", "b/1"}},
		{"prefix b", "b", "", true, []string{"b0", "b/4", "b/3", "b/2", "b/1"}},
		{"start is a key (inclusive)", "b/", "b/3", false, []string{"b/3", "b/2", "b/1"}},
		{"start between keys", "b/", "b/25", false, []string{"b/2", "b/1"}},
		{"start after prefix", "b/", "b0", false, []string{"b/4", "b/3", "b/2", "b/1"}},
		{"start past last key", "b/", "zzz", false, []string{"b/4", "b/3", "b/2", "b/1"}},
		{"start before prefix", "b/", "a", false, nil},
		{"start before first key", "", "0", false, nil},
		{"no match", "x", "", true, nil},
		{"start without prefix", "", "b/25", false, []string{"b/2", "b/1", "a"}},
		{"last key", "c", "", true, []string{"c"}},
		{"empty start is no start", "b/", "", false, []string{"b/4", "b/3", "b/2", "b/1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := []byte(tc.start)
			if tc.nilStart {
				start = nil
			}
			got := keys(scan(t, s, true, "t", []byte(tc.prefix), start))
			if !slices.Equal(got, tc.want) {
				t.Errorf("ScanReverse(prefix %q, start %q) = %q; want %q", tc.prefix, tc.start, got, tc.want)
			}
		})
	}
}

func testScanStopAndError(t *testing.T, s store.Store) {
	put(t, s, "t", scanFixture...)
	for _, reverse := range []bool{false, true} {
		name := "Scan"
		if reverse {
			name = "ScanReverse"
		}
		t.Run(name, func(t *testing.T) {
			view(t, s, func(tx store.Tx) error {
				f := tx.Scan
				if reverse {
					f = tx.ScanReverse
				}
				// Stop after two keys: Scan returns nil.
				var seen int
				err := f("t", nil, nil, func(k, v []byte) (bool, error) {
					seen++
					return seen < 2, nil
				})
				if err != nil || seen != 2 {
					t.Errorf("stop early: err = %v, saw %d keys; want nil, 2", err, seen)
				}
				// An error from fn stops the scan and is returned.
				seen = 0
				err = f("t", nil, nil, func(k, v []byte) (bool, error) {
					seen++
					if seen == 3 {
						return true, errTest
					}
					return true, nil
				})
				if !errors.Is(err, errTest) || seen != 3 {
					t.Errorf("fn error: err = %v, saw %d keys; want %v, 3", err, seen, errTest)
				}
				return nil
			})
		})
	}
	// The error also comes out of View unchanged.
	err := s.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan("t", nil, nil, func(k, v []byte) (bool, error) { return false, errTest })
	})
	if !errors.Is(err, errTest) {
		t.Errorf("View returned %v; want %v", err, errTest)
	}
}

func testScanEmptyTable(t *testing.T, s store.Store) {
	put(t, s, "emptied", kv{"a", "1"}, kv{"b", "2"})
	update(t, s, func(tx store.Tx) error {
		if err := tx.Delete("emptied", []byte("a")); err != nil {
			return err
		}
		return tx.Delete("emptied", []byte("b"))
	})
	for _, table := range []string{"never-written", "emptied"} {
		for _, reverse := range []bool{false, true} {
			for _, start := range [][]byte{nil, []byte("a")} {
				if got := scan(t, s, reverse, table, nil, start); len(got) != 0 {
					t.Errorf("scan(reverse=%v) of %s table from %q = %v; want nothing", reverse, table, start, got)
				}
			}
		}
	}
}

func testByteOrder(t *testing.T, s store.Store) {
	ks := [][]byte{
		{0x00}, {0x00, 0x00}, {0x00, 0xff}, {0x01}, {0x7f}, {0x80}, {0xfe, 0xff},
		{0xff}, {0xff, 0x00}, {0xff, 0xff}, {0xff, 0xff, 0x00}, {0xff, 0xff, 0xff},
		[]byte("a"), []byte("a\x00"), []byte("a\x00b"), []byte("a\xff"), []byte("ab"),
	}
	update(t, s, func(tx store.Tx) error {
		for i, k := range ks {
			if err := tx.Put("t", k, []byte{byte(i), 0x00, 0xff}); err != nil {
				return err
			}
		}
		return nil
	})
	sorted := slices.Clone(ks)
	slices.SortFunc(sorted, bytes.Compare)
	str := func(bs [][]byte) []string {
		var out []string
		for _, b := range bs {
			out = append(out, fmt.Sprintf("%x", b))
		}
		return out
	}
	filter := func(prefix []byte) []string {
		var out [][]byte
		for _, k := range sorted {
			if bytes.HasPrefix(k, prefix) {
				out = append(out, k)
			}
		}
		return str(out)
	}
	hexKeys := func(recs []kv) []string {
		var out []string
		for _, r := range recs {
			out = append(out, fmt.Sprintf("%x", r.k))
		}
		return out
	}
	reversed := func(s []string) []string { s = slices.Clone(s); slices.Reverse(s); return s }

	for _, prefix := range [][]byte{nil, {0x00}, {0xff}, {0xff, 0xff}, {0xfe}, []byte("a"), []byte("a\x00")} {
		want := filter(prefix)
		if got := hexKeys(scan(t, s, false, "t", prefix, nil)); !slices.Equal(got, want) {
			t.Errorf("Scan(prefix %x) = %v; want %v", prefix, got, want)
		}
		if got := hexKeys(scan(t, s, true, "t", prefix, nil)); !slices.Equal(got, reversed(want)) {
			t.Errorf("ScanReverse(prefix %x) = %v; want %v", prefix, got, reversed(want))
		}
	}
	// Starts that contain 0x00 and 0xff.
	if got, want := hexKeys(scan(t, s, false, "t", []byte{0xff}, []byte{0xff, 0x00})), []string{"ff00", "ffff", "ffff00", "ffffff"}; !slices.Equal(got, want) {
		t.Errorf("Scan(ff, from ff00) = %v; want %v", got, want)
	}
	if got, want := hexKeys(scan(t, s, true, "t", []byte{0xff}, []byte{0xff, 0xfe})), []string{"ff00", "ff"}; !slices.Equal(got, want) {
		t.Errorf("ScanReverse(ff, from fffe) = %v; want %v", got, want)
	}
	if got, want := hexKeys(scan(t, s, true, "t", []byte("a"), []byte("a\x00"))), []string{"6100", "61"}; !slices.Equal(got, want) {
		t.Errorf("ScanReverse(a, from a00) = %v; want %v", got, want)
	}
	view(t, s, func(tx store.Tx) error {
		for i, k := range ks {
			v, err := tx.Get("t", k)
			if err != nil || !bytes.Equal(v, []byte{byte(i), 0x00, 0xff}) {
				t.Errorf("Get(%x) = %x, %v", k, v, err)
			}
		}
		return nil
	})
}

func testReadYourWrites(t *testing.T, s store.Store) {
	put(t, s, "t", kv{"a", "1"}, kv{"c", "3"})
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("t", []byte("b"), []byte("2")); err != nil {
			return err
		}
		if err := tx.Delete("t", []byte("c")); err != nil {
			return err
		}
		if v, err := tx.Get("t", []byte("b")); err != nil || string(v) != "2" {
			t.Errorf("Get of own write = %q, %v", v, err)
		}
		if _, err := tx.Get("t", []byte("c")); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Get of own delete: err = %v; want ErrNotFound", err)
		}
		var got []string
		err := tx.Scan("t", nil, nil, func(k, v []byte) (bool, error) {
			got = append(got, string(k)+"="+string(v))
			return true, nil
		})
		if want := []string{"a=1", "b=2"}; !slices.Equal(got, want) {
			t.Errorf("Scan inside Update = %q; want %q", got, want)
		}
		return err
	})
}

func testViewReadOnly(t *testing.T, s store.Store) {
	put(t, s, "t", kv{"a", "1"})
	var putErr, delErr error
	err := s.View(context.Background(), func(tx store.Tx) error {
		putErr = tx.Put("t", []byte("b"), []byte("2"))
		delErr = tx.Delete("t", []byte("a"))
		return nil
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	if !errors.Is(putErr, store.ErrReadOnly) {
		t.Errorf("Put in View: err = %v; want ErrReadOnly", putErr)
	}
	if !errors.Is(delErr, store.ErrReadOnly) {
		t.Errorf("Delete in View: err = %v; want ErrReadOnly", delErr)
	}
	wantValue(t, s, "t", "a", "1")
	wantMissing(t, s, "t", "b")
	// A Put into a table that does not exist must not create it either.
	_ = s.View(context.Background(), func(tx store.Tx) error { return tx.Put("new", []byte("k"), nil) })
	if got := scan(t, s, false, "new", nil, nil); len(got) != 0 {
		t.Errorf("table written in View holds %v", got)
	}
}

func testUpdateRollback(t *testing.T, s store.Store) {
	put(t, s, "t", kv{"keep", "1"}, kv{"change", "old"})
	err := s.Update(context.Background(), func(tx store.Tx) error {
		for _, op := range []error{
			tx.Put("t", []byte("new"), []byte("x")),
			tx.Put("t", []byte("change"), []byte("new")),
			tx.Delete("t", []byte("keep")),
			tx.Put("other", []byte("k"), []byte("v")),
		} {
			if op != nil {
				return op
			}
		}
		return errTest
	})
	if err != errTest {
		t.Fatalf("Update returned %v; want %v unchanged", err, errTest)
	}
	wantValue(t, s, "t", "keep", "1")
	wantValue(t, s, "t", "change", "old")
	wantMissing(t, s, "t", "new")
	wantMissing(t, s, "other", "k")
	if got := scan(t, s, false, "other", nil, nil); len(got) != 0 {
		t.Errorf("rolled-back table holds %v", got)
	}
	// The store is still usable.
	put(t, s, "t", kv{"after", "ok"})
	wantValue(t, s, "t", "after", "ok")
}

// testSlicesStable checks that slices from Get and Scan keep their contents
// until the transaction ends, even across later writes in it.
func testSlicesStable(t *testing.T, s store.Store) {
	put(t, s, "t", kv{"a", "committed"})
	update(t, s, func(tx store.Tx) error {
		v1, err := tx.Get("t", []byte("a"))
		if err != nil {
			return err
		}
		if err := tx.Put("t", []byte("b"), []byte("own")); err != nil {
			return err
		}
		v2, err := tx.Get("t", []byte("b"))
		if err != nil {
			return err
		}
		var sk, sv []byte
		if err := tx.Scan("t", []byte("a"), nil, func(k, v []byte) (bool, error) {
			sk, sv = k, v
			return false, nil
		}); err != nil {
			return err
		}
		// Overwrite both and add enough keys to split pages.
		if err := tx.Put("t", []byte("a"), []byte("overwritten")); err != nil {
			return err
		}
		if err := tx.Put("t", []byte("b"), []byte("overwritten")); err != nil {
			return err
		}
		for i := range 2000 {
			if err := tx.Put("t", fmt.Appendf(nil, "fill%05d", i), bytes.Repeat([]byte{'x'}, 100)); err != nil {
				return err
			}
		}
		if string(v1) != "committed" || string(v2) != "own" || string(sk) != "a" || string(sv) != "committed" {
			t.Errorf("slices changed within the transaction: Get a=%q, Get b=%q, Scan %q=%q", v1, v2, sk, sv)
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		v, err := tx.Get("t", []byte("a"))
		if err != nil {
			return err
		}
		for i := range 100 { // reads do not disturb it either
			if _, err := tx.Get("t", fmt.Appendf(nil, "fill%05d", i)); err != nil {
				return err
			}
		}
		if string(v) != "overwritten" {
			t.Errorf("Get in View = %q after more reads", v)
		}
		return nil
	})
}

// testPutCopies checks that an engine does not keep the caller's slices.
func testPutCopies(t *testing.T, s store.Store) {
	key := []byte("key-1")
	val := []byte("value-1")
	update(t, s, func(tx store.Tx) error {
		if err := tx.Put("t", key, val); err != nil {
			return err
		}
		copy(key, "XXXXX")
		copy(val, "YYYYYYY")
		return nil
	})
	wantValue(t, s, "t", "key-1", "value-1")
	wantMissing(t, s, "t", "XXXXX")
}

func counter(tx store.Tx, table, key string, delta int64) (int64, error) {
	var n int64
	v, err := tx.Get(table, []byte(key))
	switch {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return 0, err
	case len(v) != 8:
		return 0, fmt.Errorf("counter %q holds %d bytes", key, len(v))
	default:
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	return n, tx.Put(table, []byte(key), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

func readCounter(t *testing.T, s store.Store, table, key string) int64 {
	t.Helper()
	v, ok := get(t, s, table, key)
	if !ok {
		return 0
	}
	return int64(binary.BigEndian.Uint64([]byte(v)))
}

// testConcurrentCounter runs read-modify-write Updates from many goroutines;
// none may be lost.
func testConcurrentCounter(t *testing.T, s store.Store) {
	const goroutines, each = 32, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := s.Update(context.Background(), func(tx store.Tx) error {
					if _, err := counter(tx, "t", "shared", 1); err != nil {
						return err
					}
					_, err := counter(tx, "t", fmt.Sprintf("own/%02d", g), 1)
					return err
				})
				if err != nil {
					errs <- fmt.Errorf("goroutine %d, update %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := readCounter(t, s, "t", "shared"); got != goroutines*each {
		t.Errorf("shared counter = %d; want %d (lost updates)", got, goroutines*each)
	}
	for g := range goroutines {
		if got := readCounter(t, s, "t", fmt.Sprintf("own/%02d", g)); got != each {
			t.Errorf("counter of goroutine %d = %d; want %d", g, got, each)
		}
	}
}

// testConcurrentSomeFail mixes failing and succeeding concurrent Updates:
// failures keep nothing, successes keep everything, and each caller gets its
// own result.
func testConcurrentSomeFail(t *testing.T, s store.Store) {
	const goroutines, each = 16, 30
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok int64
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				fail := (g+i)%3 == 0
				err := s.Update(context.Background(), func(tx store.Tx) error {
					if _, err := counter(tx, "t", "n", 1); err != nil {
						return err
					}
					if err := tx.Put("t", fmt.Appendf(nil, "rec/%02d/%02d", g, i), []byte("x")); err != nil {
						return err
					}
					if fail {
						return fmt.Errorf("goroutine %d: %w", g, errTest)
					}
					return nil
				})
				if fail != errors.Is(err, errTest) || (!fail && err != nil) {
					t.Errorf("goroutine %d, update %d (fail=%v): err = %v", g, i, fail, err)
				}
				if err == nil {
					mu.Lock()
					ok++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if got := readCounter(t, s, "t", "n"); got != ok {
		t.Errorf("counter = %d; want %d successful updates", got, ok)
	}
	got := keys(scan(t, s, false, "t", []byte("rec/"), nil))
	var want []string
	for g := range goroutines {
		for i := range each {
			if (g+i)%3 != 0 {
				want = append(want, fmt.Sprintf("rec/%02d/%02d", g, i))
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("records kept: %d; want the %d of successful updates", len(got), len(want))
	}
}

// testSnapshot moves value between two keys while readers check that they
// always see a consistent total.
func testSnapshot(t *testing.T, s store.Store) {
	const total = 1000
	update(t, s, func(tx store.Tx) error {
		if _, err := counter(tx, "t", "a", total); err != nil {
			return err
		}
		_, err := counter(tx, "t", "b", 0)
		return err
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				err := s.Update(context.Background(), func(tx store.Tx) error {
					d := int64(w + i)
					if _, err := counter(tx, "t", "a", -d); err != nil {
						return err
					}
					_, err := counter(tx, "t", "b", d)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var readers sync.WaitGroup
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for ctx.Err() == nil {
				err := s.View(ctx, func(tx store.Tx) error {
					var sum int64
					for _, k := range []string{"a", "b"} {
						v, err := tx.Get("t", []byte(k))
						if err != nil {
							return err
						}
						sum += int64(binary.BigEndian.Uint64(v))
					}
					if sum != total {
						return fmt.Errorf("View saw a+b = %d; want %d", sum, total)
					}
					return nil
				})
				if err != nil && !errors.Is(err, context.Canceled) {
					t.Error(err)
					return
				}
				time.Sleep(100 * time.Microsecond) // leave CPU to the writers
			}
		}()
	}
	wg.Wait()
	cancel()
	readers.Wait()
}

func testContextCanceled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	if err := s.View(ctx, func(store.Tx) error { called = true; return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("View with a canceled context = %v; want context.Canceled", err)
	}
	err := s.Update(ctx, func(tx store.Tx) error {
		called = true
		return tx.Put("t", []byte("k"), []byte("v"))
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update with a canceled context = %v; want context.Canceled", err)
	}
	if called {
		t.Error("fn ran although the context was canceled")
	}
	wantMissing(t, s, "t", "k")
}

func testClosed(t *testing.T, s store.Store) {
	put(t, s, "t", kv{"k", "v"})
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.View(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("View after Close = %v; want ErrClosed", err)
	}
	if err := s.Update(context.Background(), func(store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Update after Close = %v; want ErrClosed", err)
	}
}
