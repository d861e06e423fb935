package iam

import (
	"unicode"

	"github.com/gureum/gureum/internal/policy"
)

// Policy documents: the size quotas and the validation every document
// passes before IAM stores it (managed, inline, trust).

// Size quotas, in characters without whitespace.
const (
	maxManagedPolicySize = 6144
	maxUserInlineSize    = 2048
	maxGroupInlineSize   = 5120
	maxRoleInlineSize    = 10240
)

// checkDocument parses and validates a policy document for its use.
func checkDocument(doc string, kind policy.Kind, max int, quota string) error {
	if doc == "" {
		return validation("1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	if n := sizeNoSpace(doc); n > max {
		return limitExceeded("Cannot exceed quota for %s: %d", quota, max)
	}
	p, err := policy.Parse([]byte(doc))
	if err != nil {
		return malformedPolicy(reasonOf(err))
	}
	if err := p.Validate(kind); err != nil {
		return malformedPolicy(reasonOf(err))
	}
	return nil
}

func reasonOf(err error) string {
	if pe, ok := err.(*policy.Error); ok {
		return pe.Reason
	}
	return "Syntax errors in policy."
}

func sizeNoSpace(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}
