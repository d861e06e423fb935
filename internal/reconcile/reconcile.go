// Package reconcile drives the engines (compute, later the network) toward
// the state the API recorded. The API writes intent and, in the same
// transaction, a work item (Add); the engine's workers call the handler
// registered for the item's kind until it reports the item done.
//
// Work items live in the store, so what was in flight when gureum stopped
// is picked up when it starts again, before anyone calls the API. A failed
// attempt is retried with exponential backoff; an error marked Permanent,
// or MaxAttempts failures in a row, ends the item through the kind's Fail
// hook (the API then shows the failure, as EC2 shows a StateReason). An
// error that wraps ErrUnavailable (the Docker Engine is not answering) is
// retried for as long as it lasts, without counting as an attempt.
//
// The model is Nomad's: intent in a store, reconcilers that compare it with
// what runs and repair drift, never the API handler talking to the runtime.
package reconcile

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// Table is the store table of work items:
//
//	kind "\x00" id → due (unix ns) | attempts (uint32) | generation (uint64)
const Table = "reconcile.work"

// ErrUnavailable marks an error of an engine that is not answering (for
// example the Docker Engine is down). Items failing with it are retried
// until it answers again and never fail terminally.
var ErrUnavailable = errors.New("reconcile: engine unavailable")

type permanent struct{ err error }

func (p permanent) Error() string { return p.err.Error() }
func (p permanent) Unwrap() error { return p.err }

// Permanent marks err as not worth retrying: the item ends at once through
// its kind's Fail hook.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanent{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanent
	return errors.As(err, &p)
}

// Item is one unit of work.
type Item struct {
	Kind     string
	ID       string // the kind's own key, e.g. "000000000000/us-east-1/i-0abc…"
	Attempts int    // failed attempts so far
}

// Kind is a kind of work and its handlers.
type Kind struct {
	Name string
	// Handle does the work. It returns again > 0 to be called again after
	// that long (a state that settles later), or 0 when the item is done.
	Handle func(ctx context.Context, it Item) (again time.Duration, err error)
	// Fail is called once an item has failed for good; it records the
	// failure where the API shows it. The item is removed afterwards.
	Fail func(ctx context.Context, it Item, err error) error
	// MaxAttempts bounds the failures in a row before Fail (default 5).
	MaxAttempts int
}

// Config configures an Engine.
type Config struct {
	Store   store.Store
	Logger  *slog.Logger
	Now     func() time.Time
	Workers int           // default 4
	Tick    time.Duration // how often due items are looked for without a Kick (default 200 ms)
	// MinBackoff and MaxBackoff bound the delay between failed attempts
	// (defaults 500 ms and 30 s).
	MinBackoff, MaxBackoff time.Duration
}

// Engine runs work items.
type Engine struct {
	cfg   Config
	mu    sync.Mutex
	kinds map[string]Kind
	busy  map[string]bool // kind+id in flight

	wake    chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
	started bool
}

// New returns an engine; Register the kinds, then Start it.
func New(cfg Config) *Engine {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Tick <= 0 {
		cfg.Tick = 200 * time.Millisecond
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 30 * time.Second
	}
	return &Engine{cfg: cfg, kinds: map[string]Kind{}, busy: map[string]bool{}, wake: make(chan struct{}, 1)}
}

// Register adds a kind of work. It must be called before Start.
func (e *Engine) Register(k Kind) {
	if k.MaxAttempts <= 0 {
		k.MaxAttempts = 5
	}
	e.mu.Lock()
	e.kinds[k.Name] = k
	e.mu.Unlock()
}

func key(kind, id string) []byte { return []byte(kind + "\x00" + id) }

func encode(due time.Time, attempts int) []byte { return encodeWaits(due, attempts, 0) }

// encodeWaits packs the failed attempts (low 16 bits) and the waits for an
// unavailable engine (high 16 bits).
func encodeWaits(due time.Time, attempts, waits int) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(due.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, uint32(min(attempts, 0xffff))|uint32(min(waits, 0xffff))<<16)
	return binary.BigEndian.AppendUint64(b, rand.Uint64())
}

func decode(v []byte) (due time.Time, attempts int) {
	due, attempts, _ = decodeWaits(v)
	return due, attempts
}

func decodeWaits(v []byte) (due time.Time, attempts, waits int) {
	if len(v) < 12 {
		return time.Time{}, 0, 0
	}
	n := binary.BigEndian.Uint32(v[8:])
	return time.Unix(0, int64(binary.BigEndian.Uint64(v))), int(n & 0xffff), int(n >> 16)
}

// Add schedules kind/id at due inside tx, replacing any schedule it had
// (its failed attempts start again from zero). Call Kick after the
// transaction commits for work due now.
func Add(tx store.Tx, kind, id string, due time.Time) error {
	return tx.Put(Table, key(kind, id), encode(due, 0))
}

// Remove unschedules kind/id inside tx.
func Remove(tx store.Tx, kind, id string) error {
	return tx.Delete(Table, key(kind, id))
}

// Scheduled reports whether kind/id has work pending, and when it is due.
func Scheduled(tx store.Tx, kind, id string) (time.Time, bool, error) {
	v, err := tx.Get(Table, key(kind, id))
	if errors.Is(err, store.ErrNotFound) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	due, _ := decode(v)
	return due, true, nil
}

// Kick makes the engine look for due work now instead of at its next tick.
func (e *Engine) Kick() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Start runs the engine until Stop. Work left by an earlier run is due at
// once.
func (e *Engine) Start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started {
		return
	}
	e.started = true
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan struct{})
	go e.loop(ctx)
}

// Stop stops the engine and waits for the attempts in flight to return.
func (e *Engine) Stop() {
	e.mu.Lock()
	cancel, done := e.cancel, e.done
	e.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

type job struct {
	it    Item
	waits int    // attempts that found the engine unavailable
	raw   []byte // the stored value the attempt was taken from
}

func (e *Engine) loop(ctx context.Context) {
	defer close(e.done)
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range e.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				e.run(ctx, j)
				e.mu.Lock()
				delete(e.busy, j.it.Kind+"\x00"+j.it.ID)
				e.mu.Unlock()
				e.Kick() // what it scheduled may be due now
			}
		}()
	}
	defer func() { close(jobs); wg.Wait() }()
	t := time.NewTicker(e.cfg.Tick)
	defer t.Stop()
	for {
		due, err := e.due(ctx)
		if errors.Is(err, store.ErrClosed) {
			return
		}
		if err != nil && ctx.Err() == nil {
			e.cfg.Logger.Warn("reconcile: reading work", "err", err)
		}
		for _, j := range due {
			select {
			case jobs <- j:
			case <-ctx.Done():
				return
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-e.wake:
		}
	}
}

// due returns the items due now that are not in flight, marking them so.
func (e *Engine) due(ctx context.Context) ([]job, error) {
	now := e.cfg.Now()
	var out []job
	err := e.cfg.Store.View(ctx, func(tx store.Tx) error {
		out = out[:0]
		return tx.Scan(Table, nil, nil, func(k, v []byte) (bool, error) {
			d, attempts, waits := decodeWaits(v)
			if d.After(now) {
				return true, nil
			}
			kind, id, ok := splitKey(k)
			if !ok {
				return true, nil
			}
			out = append(out, job{Item{kind, id, attempts}, waits, append([]byte(nil), v...)})
			return true, nil
		})
	})
	if err != nil {
		return nil, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	kept := out[:0]
	for _, j := range out {
		bk := j.it.Kind + "\x00" + j.it.ID
		if _, known := e.kinds[j.it.Kind]; !known || e.busy[bk] {
			continue // a kind this build does not know stays for one that does
		}
		e.busy[bk] = true
		kept = append(kept, j)
	}
	return kept, nil
}

func splitKey(k []byte) (kind, id string, ok bool) {
	for i, c := range k {
		if c == 0 {
			return string(k[:i]), string(k[i+1:]), true
		}
	}
	return "", "", false
}

// run makes one attempt at j and records its outcome, unless the item was
// rescheduled meanwhile (the API moved it on: its new schedule stands).
func (e *Engine) run(ctx context.Context, j job) {
	e.mu.Lock()
	k, ok := e.kinds[j.it.Kind]
	e.mu.Unlock()
	if !ok {
		return // due never hands these out
	}
	again, err := e.attempt(ctx, k, j.it)
	if ctx.Err() != nil {
		return // stopping: the item stays as it was, for the next start
	}
	switch {
	case err == nil && again <= 0:
		e.finish(ctx, j, nil)
	case err == nil:
		e.finish(ctx, j, encode(e.cfg.Now().Add(again), 0))
	case errors.Is(err, ErrUnavailable):
		// Waits count apart from failures (the high 16 bits), so the
		// backoff grows while the engine is away but no item fails.
		waits := j.waits + 1
		if waits == 1 {
			e.cfg.Logger.Warn("reconcile: engine unavailable, retrying until it answers", "kind", j.it.Kind, "id", j.it.ID, "err", err)
		}
		e.finish(ctx, j, encodeWaits(e.cfg.Now().Add(min(e.backoff(min(waits, 16)), 5*time.Second)), j.it.Attempts, waits))
	case IsPermanent(err) || j.it.Attempts+1 >= k.MaxAttempts:
		e.cfg.Logger.Warn("reconcile: failed for good", "kind", j.it.Kind, "id", j.it.ID, "attempts", j.it.Attempts+1, "err", err)
		if k.Fail != nil {
			if ferr := k.Fail(ctx, j.it, err); ferr != nil {
				e.cfg.Logger.Warn("reconcile: recording a failure", "kind", j.it.Kind, "id", j.it.ID, "err", ferr)
				e.finish(ctx, j, encode(e.cfg.Now().Add(e.cfg.MaxBackoff), j.it.Attempts))
				return
			}
		}
		e.finish(ctx, j, nil)
	default:
		n := j.it.Attempts + 1
		e.cfg.Logger.Warn("reconcile: attempt failed", "kind", j.it.Kind, "id", j.it.ID, "attempt", n, "err", err)
		e.finish(ctx, j, encode(e.cfg.Now().Add(e.backoff(n)), n))
	}
}

func (e *Engine) attempt(ctx context.Context, k Kind, it Item) (again time.Duration, err error) {
	defer func() {
		if r := recover(); r != nil {
			again, err = 0, Permanent(fmt.Errorf("reconcile: %s %s panicked: %v", it.Kind, it.ID, r))
		}
	}()
	return k.Handle(ctx, it)
}

// backoff is the delay before attempt n+1: MinBackoff doubling, capped.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.MinBackoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, e.cfg.MaxBackoff)
}

// finish replaces the item's schedule with next (nil: removes it), but
// only if nobody rescheduled it since the attempt was taken.
func (e *Engine) finish(ctx context.Context, j job, next []byte) {
	err := e.cfg.Store.Update(ctx, func(tx store.Tx) error {
		k := key(j.it.Kind, j.it.ID)
		v, err := tx.Get(Table, k)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if string(v) != string(j.raw) {
			return nil
		}
		if next == nil {
			return tx.Delete(Table, k)
		}
		return tx.Put(Table, k, next)
	})
	if err != nil && !errors.Is(err, store.ErrClosed) && ctx.Err() == nil {
		e.cfg.Logger.Warn("reconcile: recording an attempt", "kind", j.it.Kind, "id", j.it.ID, "err", err)
	}
}
