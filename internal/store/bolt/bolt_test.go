package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/store"
	"github.com/gureum/gureum/internal/store/bolt"
	"github.com/gureum/gureum/internal/store/storetest"
)

func open(t *testing.T) store.Store {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "meta.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "meta.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(context.Background(), func(tx store.Tx) error {
		return tx.Put("t", []byte("k"), []byte("v"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = bolt.Open(path, bolt.Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(context.Background(), func(tx store.Tx) error {
		v, err := tx.Get("t", []byte("k"))
		if err == nil && string(v) != "v" {
			err = fmt.Errorf("got %q", v)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meta.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// flock conflicts between two open file descriptions even within one
	// process, so this stands in for a second gureum.
	start := time.Now()
	_, err = bolt.Open(path, bolt.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, bolt.ErrLocked) || !strings.Contains(err.Error(), "data directory is in use by another gureum") {
		t.Fatalf("second Open = %v; want ErrLocked", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("second Open took %v", d)
	}
}

func TestTxAfterEnd(t *testing.T) {
	db := open(t)
	defer db.Close()
	var kept store.Tx
	_ = db.View(context.Background(), func(tx store.Tx) error { kept = tx; return nil })
	if _, err := kept.Get("t", []byte("k")); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Get on an ended Tx = %v; want ErrClosed", err)
	}
	_ = db.Update(context.Background(), func(tx store.Tx) error { kept = tx; return nil })
	if err := kept.Put("t", []byte("k"), nil); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Put on an ended Tx = %v; want ErrClosed", err)
	}
}

// TestPanicInBatch checks that a panicking fn reaches its own caller and
// leaves concurrent Updates and the store intact.
func TestPanicInBatch(t *testing.T) {
	db := open(t)
	defer db.Close()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%5 == 0 {
				defer func() {
					if r := recover(); r != "boom" {
						t.Errorf("recovered %v; want boom", r)
					}
				}()
			}
			err := db.Update(context.Background(), func(tx store.Tx) error {
				if err := tx.Put("t", fmt.Appendf(nil, "k%02d", i), []byte("v")); err != nil {
					return err
				}
				if i%5 == 0 {
					panic("boom")
				}
				return nil
			})
			if i%5 == 0 {
				t.Errorf("Update %d returned %v instead of panicking", i, err)
			} else if err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	var n int
	err := db.View(context.Background(), func(tx store.Tx) error {
		return tx.Scan("t", nil, nil, func(k, v []byte) (bool, error) { n++; return true, nil })
	})
	if err != nil || n != 16 {
		t.Errorf("%d keys, %v; want the 16 of non-panicking Updates", n, err)
	}
}

func TestCloseWaitsForUpdates(t *testing.T) {
	db := open(t)
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Update(context.Background(), func(tx store.Tx) error {
				return tx.Put("t", fmt.Appendf(nil, "k%02d", i), []byte("v"))
			})
			if err != nil && !errors.Is(err, store.ErrClosed) {
				t.Error(err)
			}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err := db.Close(); !errors.Is(err, store.ErrClosed) {
		t.Errorf("second Close = %v; want ErrClosed", err)
	}
}

// BenchmarkUpdateParallel is the S3 PUT hot path: many goroutines each
// committing one small record.
func BenchmarkUpdateParallel(b *testing.B) {
	db, err := bolt.Open(filepath.Join(b.TempDir(), "meta.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	val := make([]byte, 300)
	var mu sync.Mutex
	var seq int
	b.SetParallelism(4) // 4 × GOMAXPROCS writers
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			seq++
			k := fmt.Appendf(nil, "bucket/object-%09d", seq)
			mu.Unlock()
			err := db.Update(context.Background(), func(tx store.Tx) error { return tx.Put("objects", k, val) })
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}
