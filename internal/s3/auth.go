package s3

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/gureum/gureum/internal/request"
	"github.com/gureum/gureum/internal/store"
)

// authorize is the one place an S3 request is allowed or denied.
//
// Until the IAM issue brings policies, ACLs and Block Public Access, the
// rule is S3's default for a bucket with no policy and no ACL grants: only
// the owning account may use it, and anonymous requests may use nothing. A
// missing bucket is left to the handler, so the caller gets NoSuchBucket as
// S3 answers it.
func (s *Service) authorize(ctx context.Context, rt *route, t target) error {
	p := request.From(ctx).Principal
	if p.IsAnonymous() {
		if t.bucket != "" && rt.name != "CreateBucket" {
			if _, err := s.loadBucket(ctx, t.bucket); err != nil {
				return err
			}
		}
		return errAccessDenied()
	}
	if t.bucket == "" || rt.name == "CreateBucket" {
		return nil
	}
	b, err := s.loadBucket(ctx, t.bucket)
	if err != nil {
		return err
	}
	if b.Account != p.Account {
		return errAccessDenied()
	}
	return nil
}

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
	return b, nil
}
