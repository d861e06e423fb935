// Package policy is gureum's IAM policy language engine: it parses policy
// documents, validates them for the kind of policy they are used as, and
// evaluates requests against them.
//
// The package is pure: it does no I/O and keeps no state between calls, so
// the services (S3, IAM, STS) own where policies are stored and the edge owns
// who the caller is. Evaluate implements AWS's documented evaluation logic
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html)
// so that an emulated request is allowed or denied exactly when real AWS
// would, with AWS's wording for the denial reason.
//
// Policies are compiled at Parse time (lower-cased actions, tokenised
// wildcard patterns, parsed CIDRs, numbers and dates) so that Evaluate is a
// handful of allocation-free comparisons per statement.
package policy
