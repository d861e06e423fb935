// Package sigv4 authenticates requests signed with AWS Signature Version 4:
// the Authorization header, presigned URLs (the X-Amz-* query parameters),
// aws-chunked streaming bodies with their chunk and trailer signatures,
// browser-form POST policies, and the Signature Version 2 that old S3
// clients still send.
//
// The edge runs every request through Verifier.Verify before anything else
// looks at it, so that each service sees one kind of principal whatever way
// the client signed. Real S3 is the specification: the canonical request,
// the order of the checks and every error code, message and extra element
// follow what S3 answers, because SDKs, the aws CLI and S3 tools compare
// those strings and retry or give up on them.
//
// The package is a parser of hostile input. It never panics, bounds every
// buffer it keeps (header lines, chunk headers, trailers, buffered bodies),
// compares signatures in constant time and never returns data it has not
// been able to check without also returning the error at io.EOF: a consumer
// must read a verified body to io.EOF before it commits anything.
package sigv4
