package s3

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gureum/gureum/internal/store"
)

// sortedTx is a read-only store.Tx over an in-memory sorted table, enough
// to drive list() without an engine.
type sortedTx struct {
	keys [][]byte
	vals map[string][]byte
}

func (t *sortedTx) Get(table string, key []byte) ([]byte, error) {
	if v, ok := t.vals[string(key)]; ok {
		return v, nil
	}
	return nil, store.ErrNotFound
}
func (t *sortedTx) Put(string, []byte, []byte) error { return store.ErrReadOnly }
func (t *sortedTx) Delete(string, []byte) error      { return store.ErrReadOnly }
func (t *sortedTx) Scan(table string, prefix, start []byte, fn func(k, v []byte) (bool, error)) error {
	if bytes.Compare(start, prefix) < 0 {
		start = prefix
	}
	i := sort.Search(len(t.keys), func(i int) bool { return bytes.Compare(t.keys[i], start) >= 0 })
	for ; i < len(t.keys) && bytes.HasPrefix(t.keys[i], prefix); i++ {
		more, err := fn(t.keys[i], t.vals[string(t.keys[i])])
		if err != nil || !more {
			return err
		}
	}
	return nil
}
func (t *sortedTx) ScanReverse(string, []byte, []byte, func(k, v []byte) (bool, error)) error {
	return nil
}

func newSortedTx(bucket string, keys []string, versionsPerKey int) *sortedTx {
	tx := &sortedTx{vals: map[string][]byte{}}
	seq := uint64(1)
	for _, k := range keys {
		for v := 0; v < versionsPerKey; v++ {
			seq++
			rec := versionRecord{Key: k, Seq: seq, VersionID: newVersionID(seq), DeleteMarker: v == versionsPerKey-1 && len(k)%3 == 0}
			b, _ := json.Marshal(rec)
			vk := versionKey(bucket, k, seq)
			tx.keys = append(tx.keys, vk)
			tx.vals[string(vk)] = b
		}
	}
	sort.Slice(tx.keys, func(i, j int) bool { return bytes.Compare(tx.keys[i], tx.keys[j]) < 0 })
	return tx
}

// referenceList is the obvious, slow definition of a delimited listing of
// the keys whose newest version is not a delete marker.
func referenceList(keys []string, live func(string) bool, prefix, delim string) []string {
	seen := map[string]bool{}
	var out []string
	sorted := append([]string(nil), keys...)
	sort.Strings(sorted)
	for _, k := range sorted {
		if !strings.HasPrefix(k, prefix) || !live(k) {
			continue
		}
		entry := k
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				entry = k[:len(prefix)+i+len(delim)] + "/*CP*"
			}
		}
		if !seen[entry] {
			seen[entry] = true
			out = append(out, entry)
		}
	}
	return out
}

// FuzzListing checks list() against referenceList for random key sets,
// prefixes, delimiters and page sizes, paging the way clients do.
func FuzzListing(f *testing.F) {
	f.Add("a/b/c\na/b/d\na/e\nf\nfoo/bar", "a/", "/", uint8(1), uint8(1))
	f.Add("x\nx/\nx//y\nxy\nx\x7f", "", "/", uint8(2), uint8(2))
	f.Add("한글/1\n한글/2\n漢/3", "한", "/", uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, keyList, prefix, delim string, pageSize, versions uint8) {
		if !utf8.ValidString(keyList) || !utf8.ValidString(prefix) || !utf8.ValidString(delim) || strings.ContainsRune(keyList+prefix+delim, 0) {
			return
		}
		uniq := map[string]bool{}
		var keys []string
		for _, k := range strings.Split(keyList, "\n") {
			if k != "" && len(k) <= MaxKeyLength && !uniq[k] && len(keys) < 200 {
				uniq[k] = true
				keys = append(keys, k)
			}
		}
		nv := int(versions%3) + 1
		tx := newSortedTx("bkt", keys, nv)
		live := func(k string) bool { return !(nv > 0 && len(k)%3 == 0) }
		want := referenceList(keys, live, prefix, delim)
		max := int(pageSize%7) + 1
		var got []string
		p := listParams{bucket: "bkt", prefix: prefix, delimiter: delim, max: max}
		for pages := 0; ; pages++ {
			if pages > len(keys)+2 {
				t.Fatalf("listing does not terminate: %d pages", pages)
			}
			entries, truncated, err := list(tx, p)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) > max {
				t.Fatalf("page of %d > max %d", len(entries), max)
			}
			for _, e := range entries {
				if e.v == nil {
					got = append(got, e.prefix+"/*CP*")
				} else {
					got = append(got, e.v.Key)
				}
			}
			if !truncated {
				break
			}
			if len(entries) == 0 {
				t.Fatal("truncated page with no entries")
			}
			last := entries[len(entries)-1]
			if last.v == nil {
				p.afterKey, p.afterPrefix = last.prefix, true
			} else {
				p.afterKey, p.afterPrefix = last.v.Key, false
			}
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("keys %q prefix %q delim %q max %d:\n got %q\nwant %q", keys, prefix, delim, max, got, want)
		}
	})
}
