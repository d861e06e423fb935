package s3

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// CollectOrphans removes blob files that no version or part references and
// that were written before `before` (the process's start, so nothing in
// flight is touched). Orphans come from a crash between a blob's commit and
// its metadata commit, or between a metadata commit and the removal of the
// blobs it released.
func (s *Service) CollectOrphans(ctx context.Context, before time.Time) (int, error) {
	live := map[string]bool{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		if err := tx.Scan(tVersions, nil, nil, func(k, v []byte) (bool, error) {
			var r struct {
				Segments []segment `json:"seg"`
			}
			if err := json.Unmarshal(v, &r); err != nil {
				return false, err
			}
			for _, sg := range r.Segments {
				live[sg.Blob] = true
			}
			return true, nil
		}); err != nil {
			return err
		}
		return tx.Scan(tParts, nil, nil, func(k, v []byte) (bool, error) {
			var p struct {
				Blob string `json:"blob"`
			}
			if err := json.Unmarshal(v, &p); err != nil {
				return false, err
			}
			live[p.Blob] = true
			return true, nil
		})
	})
	if err != nil {
		return 0, err
	}
	return s.blobs.Sweep(func(id string) bool { return live[id] }, before)
}
