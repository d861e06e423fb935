package s3

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/gureum/gureum/internal/store"
)

// loadBucket reads a bucket's record, or NoSuchBucket. Records are cached:
// every request reads its bucket, few change it, and each change (in this
// process, the only writer of its store) drops the cached copy after its
// commit. Callers must not modify the record. Transactions that change a
// bucket read it with getBucket inside the transaction instead.
func (s *Service) loadBucket(ctx context.Context, name string) (*bucketRecord, error) {
	if b, ok := s.bucketCache.Load(name); ok {
		return b.(*bucketRecord), nil
	}
	gen := s.bucketGen.Load()
	var b *bucketRecord
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		b, err = getBucket(tx, name)
		return err
	})
	if err == nil && s.bucketGen.Load() == gen {
		s.bucketCache.Store(name, b)
	}
	return b, err
}

// forgetBucket drops a bucket's cached record after a committed change.
func (s *Service) forgetBucket(name string) {
	s.bucketGen.Add(1)
	s.bucketCache.Delete(name)
}

func getBucket(tx store.Tx, name string) (*bucketRecord, error) {
	if name == "" {
		return nil, errNoSuchBucket(name)
	}
	v, err := tx.Get(tBuckets, []byte(name))
	if errors.Is(err, store.ErrNotFound) {
		return nil, errNoSuchBucket(name)
	}
	if err != nil {
		return nil, err
	}
	b := new(bucketRecord)
	if err := json.Unmarshal(v, b); err != nil {
		return nil, err
	}
	b.compile()
	return b, nil
}
