package s3

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/awsproto"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// Executing lifecycle rules.
//
// Each bucket with a lifecycle configuration is one item of the reconcile
// engine (kind "s3.lifecycle", id the bucket name), rather than a periodic
// sweep over every bucket: a bucket without rules costs nothing at all (no
// item, no scan), the item survives restarts with the rest of the
// engine's work, and PutBucketLifecycleConfiguration schedules it in the
// same transaction that stores the rules. A run scans the bucket's
// versions and uploads once, carries out what is due and asks to run
// again at the earliest moment something else falls due: the next day
// boundary (every action is due at one, since S3 rounds to midnight UTC;
// that is also when objects put meanwhile can first expire) or a rule's
// Date. So a bucket with rules is scanned about once a day, at midnight.
// A run that finds no enabled rule ends the item; putting rules again
// starts it.
//
// A run decides on a snapshot (one read transaction) and then applies
// its decisions in write transactions that check each one still holds: a
// current version that was replaced meanwhile is not expired.

// lifecycleBatch bounds the actions applied in one write transaction.
const lifecycleBatch = 500

// registerLifecycle makes e run the buckets' lifecycle rules.
func (s *Service) registerLifecycle(e *reconcile.Engine) {
	e.Register(reconcile.Kind{
		Name:   lifecycleKind,
		Handle: s.runLifecycle,
		// A failed run (the store busy or closing) is retried with the
		// engine's backoff for as long as it takes: the rules must not
		// stop being executed.
		MaxAttempts: math.MaxInt32,
	})
}

// lifecycleAction is one thing a run does.
type lifecycleAction struct {
	kind   int // actExpire, actRemove, actAbort
	key    string
	seq    uint64 // the version expired or removed
	upload string // the upload aborted
}

const (
	actExpire = iota // expire the current version: delete it, or add a delete marker
	actRemove        // remove one version or delete marker permanently
	actAbort         // abort a multipart upload
)

// runLifecycle is one run over a bucket.
func (s *Service) runLifecycle(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	now := s.now().UTC()
	day := s.cfg.LifecycleDay
	var b *bucketRecord
	var acts []lifecycleAction
	next := nextBoundary(now, day)
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		acts, next = nil, nextBoundary(now, day)
		b, err = getBucket(tx, it.ID)
		if err != nil || !hasEnabledRule(b) {
			return err
		}
		acts, err = planLifecycle(tx, b, now, day, &next)
		return err
	})
	if ae, ok := awsproto.As(err); ok && ae.Code == "NoSuchBucket" {
		return 0, nil // the bucket is gone, and its rules with it
	}
	if err != nil {
		return 0, err
	}
	if !hasEnabledRule(b) {
		return 0, nil
	}
	for len(acts) > 0 {
		n := min(len(acts), lifecycleBatch)
		if err := s.applyLifecycle(ctx, it.ID, acts[:n]); err != nil {
			return 0, err
		}
		acts = acts[n:]
	}
	return max(next.Sub(s.now()), time.Millisecond), nil
}

func hasEnabledRule(b *bucketRecord) bool {
	if b == nil || b.Lifecycle == nil {
		return false
	}
	for _, r := range b.Lifecycle.Rules {
		if r.Status == "Enabled" {
			return true
		}
	}
	return false
}

// planLifecycle decides what is due in b at now, and lowers *next to the
// earliest moment something later falls due.
func planLifecycle(tx store.Tx, b *bucketRecord, now time.Time, day time.Duration, next *time.Time) ([]lifecycleAction, error) {
	var rules []*lifecycleRule
	for i := range b.Lifecycle.Rules {
		if r := &b.Lifecycle.Rules[i]; r.Status == "Enabled" {
			rules = append(rules, r)
		}
	}
	later := func(t time.Time) {
		if t.Before(*next) {
			*next = t
		}
	}
	var acts []lifecycleAction
	var group []*versionRecord
	flush := func() {
		if len(group) > 0 {
			acts = append(acts, planKey(rules, group, now, day, later)...)
		}
		group = group[:0]
	}
	err := tx.Scan(tVersions, bucketPrefix(b.Name), nil, func(k, v []byte) (bool, error) {
		r, err := decodeVersion(v)
		if err != nil {
			return false, err
		}
		if len(group) > 0 && group[0].Key != r.Key {
			flush()
		}
		group = append(group, r)
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	err = tx.Scan(tUploads, bucketPrefix(b.Name), nil, func(k, v []byte) (bool, error) {
		var u uploadRecord
		if err := json.Unmarshal(v, &u); err != nil {
			return true, nil
		}
		for _, r := range rules {
			a := r.AbortIncompleteMultipartUpload
			if a == nil || a.DaysAfterInitiation == nil || !strings.HasPrefix(u.Key, r.prefix()) {
				continue
			}
			due := dueAfter(u.Initiated, *a.DaysAfterInitiation, day)
			if due.After(now) {
				later(due)
				continue
			}
			acts = append(acts, lifecycleAction{kind: actAbort, key: u.Key, upload: u.UploadID})
			break
		}
		return true, nil
	})
	return acts, err
}

// planKey decides for one key's versions, newest first.
func planKey(rules []*lifecycleRule, vs []*versionRecord, now time.Time, day time.Duration, later func(time.Time)) []lifecycleAction {
	var acts []lifecycleAction
	cur := vs[0]
	removed := map[uint64]bool{}
	// Noncurrent versions: NoncurrentDays after they stopped being
	// current (when the next newer version was made), keeping the
	// NewerNoncurrentVersions newest.
	for _, r := range rules {
		ne := r.NoncurrentVersionExpiration
		if ne == nil || ne.NoncurrentDays == nil {
			continue
		}
		keep := 0
		if ne.NewerNoncurrentVersions != nil {
			keep = *ne.NewerNoncurrentVersions
		}
		n := 0
		for i := 1; i < len(vs); i++ {
			v := vs[i]
			if !r.matches(v.Key, v.Tags, v.Size) {
				continue
			}
			n++
			if n <= keep || removed[v.Seq] {
				continue
			}
			due := dueAfter(vs[i-1].Modified, *ne.NoncurrentDays, day)
			if due.After(now) {
				later(due)
				continue
			}
			removed[v.Seq] = true
			acts = append(acts, lifecycleAction{kind: actRemove, key: v.Key, seq: v.Seq})
		}
	}
	if !cur.DeleteMarker {
		// The current version: the earliest due expiration.
		for _, r := range rules {
			if !r.matches(cur.Key, cur.Tags, cur.Size) {
				continue
			}
			due, ok := r.expirationDue(cur.Modified, day)
			if !ok {
				continue
			}
			if due.After(now) {
				later(due)
				continue
			}
			acts = append(acts, lifecycleAction{kind: actExpire, key: cur.Key, seq: cur.Seq})
			break
		}
		return acts
	}
	// An expired object delete marker: the only version left of its key.
	if len(vs)-len(removed) != 1 {
		return acts
	}
	for _, r := range rules {
		e := r.Expiration
		if e == nil || !r.matches(cur.Key, nil, 0) {
			continue
		}
		if e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker {
			return append(acts, lifecycleAction{kind: actRemove, key: cur.Key, seq: cur.Seq})
		}
		if e.Days != nil {
			// S3 removes expired delete markers old enough for a
			// Days expiration, too.
			due := dueAfter(cur.Modified, *e.Days, day)
			if due.After(now) {
				later(due)
				continue
			}
			return append(acts, lifecycleAction{kind: actRemove, key: cur.Key, seq: cur.Seq})
		}
	}
	return acts
}

// applyLifecycle carries out acts in one transaction, each only if what
// it was decided on is unchanged.
func (s *Service) applyLifecycle(ctx context.Context, bucket string, acts []lifecycleAction) error {
	var freed []string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		freed = freed[:0]
		b, err := getBucket(tx, bucket)
		if err != nil {
			return err
		}
		for _, a := range acts {
			var blobs []string
			switch a.kind {
			case actRemove:
				v, err := tx.Get(tVersions, versionKey(bucket, a.key, a.seq))
				if errors.Is(err, store.ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				r, err := decodeVersion(v)
				if err != nil {
					return err
				}
				if checkRemovable(r, s.now(), false) != nil {
					continue // Object Lock keeps it, from lifecycle too
				}
				if blobs, err = removeVersion(tx, bucket, r); err != nil {
					return err
				}
			case actExpire:
				cur, err := latestVersion(tx, bucket, a.key)
				if err != nil {
					return err
				}
				if cur == nil || cur.Seq != a.seq || cur.DeleteMarker {
					continue // replaced or deleted meanwhile
				}
				if b.Versioning == "" {
					if blobs, err = removeVersion(tx, bucket, cur); err != nil {
						return err
					}
					break
				}
				now := s.now().UTC()
				dm := &versionRecord{Key: a.key, DeleteMarker: true, Modified: now, Owner: b.Account, Seq: s.seq.next(now)}
				if blobs, err = s.putVersion(tx, b, dm, nil); err != nil {
					return err
				}
			case actAbort:
				u, err := getUpload(tx, bucket, a.key, a.upload)
				if err != nil {
					continue // completed or aborted meanwhile
				}
				if blobs, err = deleteParts(tx, u.UploadID); err != nil {
					return err
				}
				if err := tx.Delete(tUploads, uploadKey(bucket, a.key, a.upload)); err != nil {
					return err
				}
			}
			freed = append(freed, blobs...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.removeBlobs(freed)
	return nil
}
