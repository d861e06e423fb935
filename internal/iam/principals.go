package iam

import (
	"context"

	"github.com/gureum/gureum/internal/store"
)

// UnknownPrincipal returns the first AWS principal ARN of the list that
// names an IAM user or role, in an account gureum hosts, that does not
// exist ("" when every one resolves), for resource policies that, as IAM
// and S3 do, resolve their principals when they are stored. acct is the
// account storing the policy.
func (s *Service) UnknownPrincipal(ctx context.Context, acct string, arns []string) (string, error) {
	bad := ""
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, a := range arns {
			ok, err := s.principalExists(tx, acct, a)
			if err != nil {
				return err
			}
			if !ok {
				bad = a
				return nil
			}
		}
		return nil
	})
	return bad, err
}
