package s3

import (
	_ "embed"
	"strings"
	"sync"
)

//go:embed iam_actions.txt
var iamActionsText string

// iamActions is S3's IAM actions, lower-cased: the reference's list and
// the actions of gureum's own operation table (which has operations newer
// than the list, such as RenameObject).
var iamActions = sync.OnceValue(func() []string {
	var out []string
	for line := range strings.Lines(iamActionsText) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, "s3:"+strings.ToLower(line))
		}
	}
	for _, a := range actions {
		for _, x := range []string{a.action, a.versioned} {
			if x != "" {
				out = append(out, strings.ToLower(x))
			}
		}
	}
	return out
})

// validS3Action reports whether a policy's action names an S3 action:
// "*", or s3:NAME whose NAME, with its * and ? wildcards, matches at
// least one action S3 has.
func validS3Action(a string) bool {
	if a == "*" {
		return true
	}
	a = strings.ToLower(a)
	if !strings.HasPrefix(a, "s3:") {
		return false
	}
	for _, known := range iamActions() {
		if globMatch(a, known) {
			return true
		}
	}
	return false
}

// globMatch matches s against pattern p, where * is any run and ? one
// character.
func globMatch(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if globMatch(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
