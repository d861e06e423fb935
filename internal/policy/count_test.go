package policy

import "testing"

// TestCaseCount keeps the table tests at or above the acceptance bar of
// 150 cases drawn from AWS's documentation.
func TestCaseCount(t *testing.T) {
	n := len(condCases) + len(evalCases) + len(validateCases) + len(publicCases) + len(patternCases) + len(reasonCases)
	t.Logf("%d table cases", n)
	if n < 150 {
		t.Fatalf("only %d table cases, want at least 150", n)
	}
}
