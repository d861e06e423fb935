package policy

import "testing"

// patternCase is one wildcard-matching case.
type patternCase struct {
	name string
	in   string // pattern
	s    string // value
	fold bool
	want bool
}

// Wildcards from
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
// and escapes from https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars.
var patternCases = []patternCase{
	{"literal", "arn:aws:s3:::b", "arn:aws:s3:::b", false, true},
	{"literal-mismatch", "arn:aws:s3:::b", "arn:aws:s3:::bb", false, false},
	{"star-all", "*", "anything at all", false, true},
	{"star-empty", "a*", "a", false, true},
	{"star-middle", "a*c", "abbbc", false, true},
	{"star-multi", "*a*b*c*", "xxaxxbxxcxx", false, true},
	{"star-backtrack", "*ab", "aab", false, true},
	{"star-backtrack-fail", "*ab", "aba", false, false},
	{"question-one", "a?c", "abc", false, true},
	{"question-none", "a?c", "ac", false, false},
	{"question-utf8", "a?c", "aéc", false, true},
	{"fold-action", "s3:getobject", "S3:GetObject", true, true},
	{"no-fold-resource", "arn:aws:s3:::b/A", "arn:aws:s3:::b/a", false, false},
	{"escape-star", "a${*}b", "a*b", false, true},
	{"escape-star-not-wild", "a${*}b", "axb", false, false},
	{"escape-question", "a${?}", "a?", false, true},
	{"escape-dollar", "${$}x", "$x", false, true},
	{"unterminated-variable", "a${b", "a${b", false, true},
}

func TestPattern(t *testing.T) {
	for _, tc := range patternCases {
		t.Run(tc.name, func(t *testing.T) {
			p := compilePattern(tc.in, true, true, tc.fold)
			got, _ := p.match(tc.s, tc.fold, nil)
			if got != tc.want {
				t.Errorf("match(%q, %q) = %v, want %v", tc.in, tc.s, got, tc.want)
			}
		})
	}
}
