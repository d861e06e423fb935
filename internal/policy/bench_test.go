package policy

import (
	"fmt"
	"strings"
	"testing"
)

// benchPolicy builds a realistic identity policy of ten S3 statements with
// wildcards, a policy variable and conditions.
func benchPolicy(i int) string {
	var sts []string
	for j := 0; j < 10; j++ {
		sts = append(sts, fmt.Sprintf(`{"Sid":"S%d%d","Effect":"Allow","Action":["s3:Get*","s3:List*","s3:PutObject%d"],
			"Resource":["arn:aws:s3:::bucket-%d-%d","arn:aws:s3:::bucket-%d-%d/home/${aws:username}/*"],
			"Condition":{"IpAddress":{"aws:SourceIp":["10.%d.0.0/16","192.0.2.0/24"]},"StringLike":{"s3:prefix":["home/*","public/*"]}}}`,
			i, j, j, i, j, i, j, j))
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}

// BenchmarkEvaluate10x10 evaluates one request against 10 identity
// policies of 10 statements each; the request matches the last statement.
func BenchmarkEvaluate10x10(b *testing.B) {
	var docs []string
	for i := 0; i < 10; i++ {
		docs = append(docs, benchPolicy(i))
	}
	in := &Input{Identity: ids(b, docs...)}
	r := Request{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket-9-9/home/alice/photo.jpg",
		Context: ctx("aws:SourceIp", "192.0.2.44", "s3:prefix", "home/alice", "aws:SecureTransport", "true")}
	if got := Evaluate(in, &r); got.Decision != Allow {
		b.Fatalf("decision = %v", got.Decision)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		Evaluate(in, &r)
	}
}

// BenchmarkParse parses one ten-statement policy.
func BenchmarkParse(b *testing.B) {
	doc := []byte(benchPolicy(0))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
