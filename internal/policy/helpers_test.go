package policy

import "testing"

// Accounts and principals used across the tests, named as in AWS's examples.
const (
	acctA = "111122223333"
	acctB = "444455556666"
)

var (
	alice = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/alice", Type: TypeUser,
		UserID: "AIDAJQABLZS4A3QDU576Q", Username: "alice"}
	bob = Principal{Account: acctB, ARN: "arn:aws:iam::444455556666:user/bob", Type: TypeUser,
		UserID: "AIDAEXAMPLEBOB", Username: "bob"}
	rootA   = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:root", Type: TypeAccount, UserID: acctA}
	rootB   = Principal{Account: acctB, ARN: "arn:aws:iam::444455556666:root", Type: TypeAccount, UserID: acctB}
	sessA   = Principal{Account: acctA, ARN: "arn:aws:sts::111122223333:assumed-role/Reader/app", RoleARN: "arn:aws:iam::111122223333:role/Reader", Type: TypeAssumedRole, UserID: "AROAEXAMPLEID:app"}
	anonP   = Principal{Anonymous: true, Type: TypeAnonymous}
	cfSvc   = Principal{Service: "cloudfront.amazonaws.com"}
	canonA  = Principal{Account: acctA, ARN: "arn:aws:iam::111122223333:user/alice", Type: TypeUser, Username: "alice", CanonicalID: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}
	bucketA = "arn:aws:s3:::amzn-s3-demo-bucket"
	objectA = "arn:aws:s3:::amzn-s3-demo-bucket/photos/cat.jpg"
)

// mustParse parses doc or fails the test.
func mustParse(t testing.TB, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

// ids wraps documents as identity-based sources.
func ids(t testing.TB, docs ...string) []Source {
	t.Helper()
	var out []Source
	for i, d := range docs {
		out = append(out, Source{Kind: Identity, Name: "id" + string(rune('0'+i)), Policy: mustParse(t, d)})
	}
	return out
}

// src wraps one document as a source of kind k.
func src(t testing.TB, k Kind, doc string) *Source {
	t.Helper()
	return &Source{Kind: k, Name: k.String(), Policy: mustParse(t, doc)}
}

// ctx builds a Context from key, value pairs.
func ctx(kv ...string) Context {
	c := Context{}
	for i := 0; i+1 < len(kv); i += 2 {
		c.Add(kv[i], kv[i+1])
	}
	return c
}
