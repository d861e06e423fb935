package reconcile

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/store"
	"github.com/gureum/gureum/internal/store/bolt"
)

func newEngine(t *testing.T, db store.Store) *Engine {
	t.Helper()
	e := New(Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Tick: 20 * time.Millisecond,
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 40 * time.Millisecond, Workers: 3})
	t.Cleanup(e.Stop)
	return e
}

func openDB(t *testing.T, dir string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, "meta.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func add(t *testing.T, e *Engine, db store.Store, kind, id string, due time.Time) {
	t.Helper()
	if err := db.Update(context.Background(), func(tx store.Tx) error { return Add(tx, kind, id, due) }); err != nil {
		t.Fatal(err)
	}
	e.Kick()
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func scheduled(t *testing.T, db store.Store, kind, id string) bool {
	t.Helper()
	var ok bool
	_ = db.View(context.Background(), func(tx store.Tx) error {
		_, ok, _ = Scheduled(tx, kind, id)
		return nil
	})
	return ok
}

func TestRunsDueWorkAndRemovesIt(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	e := newEngine(t, db)
	var got sync.Map
	e.Register(Kind{Name: "k", Handle: func(_ context.Context, it Item) (time.Duration, error) { got.Store(it.ID, true); return 0, nil }})
	e.Start()
	add(t, e, db, "k", "a/b/1", time.Now())
	add(t, e, db, "k", "later", time.Now().Add(time.Hour))
	eventually(t, "the due item runs", func() bool { _, ok := got.Load("a/b/1"); return ok })
	eventually(t, "the item is removed", func() bool { return !scheduled(t, db, "k", "a/b/1") })
	if _, ok := got.Load("later"); ok || !scheduled(t, db, "k", "later") {
		t.Fatal("an item not yet due ran")
	}
}

func TestBackoffThenTerminalFailure(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	e := newEngine(t, db)
	var calls atomic.Int32
	var failed atomic.Value
	e.Register(Kind{Name: "k", MaxAttempts: 3,
		Handle: func(context.Context, Item) (time.Duration, error) { calls.Add(1); return 0, errors.New("boom") },
		Fail:   func(_ context.Context, it Item, err error) error { failed.Store(err.Error()); return nil }})
	e.Start()
	add(t, e, db, "k", "x", time.Now())
	eventually(t, "the terminal failure", func() bool { return failed.Load() != nil })
	if n := calls.Load(); n != 3 || failed.Load() != "boom" {
		t.Fatalf("%d attempts, failure %v", n, failed.Load())
	}
	eventually(t, "the item is removed", func() bool { return !scheduled(t, db, "k", "x") })
}

func TestPermanentAndUnavailable(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	e := newEngine(t, db)
	var perm, unavail atomic.Int32
	var down atomic.Bool
	down.Store(true)
	var failedPerm atomic.Bool
	e.Register(Kind{Name: "perm", MaxAttempts: 10,
		Handle: func(context.Context, Item) (time.Duration, error) {
			perm.Add(1)
			return 0, Permanent(errors.New("no such image"))
		},
		Fail: func(context.Context, Item, error) error { failedPerm.Store(true); return nil }})
	e.Register(Kind{Name: "unavail", MaxAttempts: 2,
		Handle: func(context.Context, Item) (time.Duration, error) {
			unavail.Add(1)
			if down.Load() {
				return 0, ErrUnavailable
			}
			return 0, nil
		},
		Fail: func(context.Context, Item, error) error {
			t.Error("an unavailable engine must not fail an item")
			return nil
		}})
	e.Start()
	add(t, e, db, "perm", "p", time.Now())
	add(t, e, db, "unavail", "u", time.Now())
	eventually(t, "the permanent failure", failedPerm.Load)
	if perm.Load() != 1 {
		t.Fatalf("a permanent error was retried: %d attempts", perm.Load())
	}
	eventually(t, "several attempts while down", func() bool { return unavail.Load() >= 4 })
	down.Store(false)
	eventually(t, "done once the engine is back", func() bool { return !scheduled(t, db, "unavail", "u") })
}

func TestAgainAndRescheduleWins(t *testing.T) {
	db := openDB(t, t.TempDir())
	defer db.Close()
	e := newEngine(t, db)
	var n atomic.Int32
	release := make(chan struct{})
	e.Register(Kind{Name: "k", Handle: func(_ context.Context, it Item) (time.Duration, error) {
		if n.Add(1) == 1 {
			<-release // the API reschedules meanwhile
			return 0, nil
		}
		return 0, nil
	}})
	e.Start()
	add(t, e, db, "k", "x", time.Now())
	eventually(t, "the first attempt", func() bool { return n.Load() == 1 })
	add(t, e, db, "k", "x", time.Now().Add(50*time.Millisecond))
	close(release)
	// The first attempt's "done" must not remove the newer schedule.
	eventually(t, "the rescheduled attempt", func() bool { return n.Load() == 2 })
	eventually(t, "removed after", func() bool { return !scheduled(t, db, "k", "x") })

	var polls atomic.Int32
	e2 := newEngine(t, db)
	e2.Register(Kind{Name: "poll", Handle: func(context.Context, Item) (time.Duration, error) {
		if polls.Add(1) < 3 {
			return 10 * time.Millisecond, nil
		}
		return 0, nil
	}})
	e2.Start()
	add(t, e2, db, "poll", "y", time.Now())
	eventually(t, "called again until done", func() bool { return polls.Load() == 3 && !scheduled(t, db, "poll", "y") })
}

func TestWorkSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	db := openDB(t, dir)
	e := New(Config{Store: db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err := db.Update(context.Background(), func(tx store.Tx) error { return Add(tx, "k", "x", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	// Not started: the work stays in the store.
	_ = e
	db.Close()
	db = openDB(t, dir)
	defer db.Close()
	e2 := newEngine(t, db)
	done := make(chan struct{})
	e2.Register(Kind{Name: "k", Handle: func(context.Context, Item) (time.Duration, error) { close(done); return 0, nil }})
	e2.Start()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("work left by an earlier run did not run after a start")
	}
}
