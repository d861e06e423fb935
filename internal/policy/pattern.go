package policy

import (
	"strings"
	"unicode/utf8"
)

// tokKind is the kind of one piece of a compiled pattern.
type tokKind uint8

const (
	tokLit  tokKind = iota // literal text
	tokStar                // * : any run of characters, including none
	tokOne                 // ? : exactly one character
	tokVar                 // ${key} or ${key, 'default'}: a context value, matched literally
)

// tok is one piece of a compiled pattern.
type tok struct {
	kind tokKind
	s    string // literal text, or the lower-cased key of a variable
	def  string // default value of a variable
	hasD bool   // the variable has a default value
}

// pattern is a compiled policy string: an action, resource, ARN segment or
// condition value. Wildcards and policy variables are resolved by match.
type pattern struct {
	raw  string
	toks []tok
	// plain is set when the pattern has neither wildcards nor variables, so
	// matching is a string comparison.
	plain bool
	vars  bool
	// prefix is set for "literal*" and "*" (most actions and many
	// resources are written so): matching is a prefix comparison.
	prefix bool
}

// compilePattern tokenises s. Wildcards are recognised when glob is set;
// policy variables when vars is set (policy Version 2012-10-17), see
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html.
// When fold is set the literal text is lower-cased for case-insensitive matching.
func compilePattern(s string, glob, vars, fold bool) pattern {
	p := pattern{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, tok{kind: tokLit, s: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case glob && c == '*':
			flush()
			if n := len(p.toks); n == 0 || p.toks[n-1].kind != tokStar {
				p.toks = append(p.toks, tok{kind: tokStar})
			}
			i++
		case glob && c == '?':
			flush()
			p.toks = append(p.toks, tok{kind: tokOne})
			i++
		case vars && c == '$' && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i:], '}')
			if end < 0 {
				lit.WriteByte(c)
				i++
				continue
			}
			body := s[i+2 : i+end]
			i += end + 1
			switch body {
			case "*", "?", "$":
				// ${*}, ${?} and ${$} stand for the literal characters.
				lit.WriteString(body)
				continue
			}
			flush()
			p.vars = true
			p.toks = append(p.toks, parseVar(body))
		default:
			if fold {
				c = lower(c)
			}
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	p.plain = !p.vars
	for _, t := range p.toks {
		if t.kind != tokLit {
			p.plain = false
		}
	}
	n := len(p.toks)
	p.prefix = !p.vars && n > 0 && p.toks[n-1].kind == tokStar && (n == 1 || n == 2 && p.toks[0].kind == tokLit)
	return p
}

// parseVar parses the body of ${...}: a key and an optional default value
// written as ${key, 'default'}.
func parseVar(body string) tok {
	t := tok{kind: tokVar}
	key, def, ok := strings.Cut(body, ",")
	t.s = strings.ToLower(strings.TrimSpace(key))
	if ok {
		def = strings.TrimSpace(def)
		if len(def) >= 2 && def[0] == '\'' && def[len(def)-1] == '\'' {
			def = def[1 : len(def)-1]
		}
		t.def, t.hasD = def, true
	}
	return t
}

// lower lower-cases an ASCII byte.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasPrefixFold reports whether s begins with prefix; when fold is set the
// comparison ignores ASCII case (prefix is already lower-case for literals).
func hasPrefixFold(s, prefix string, fold bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if !fold {
		return s[:len(prefix)] == prefix
	}
	for i := 0; i < len(prefix); i++ {
		if lower(s[i]) != lower(prefix[i]) {
			return false
		}
	}
	return true
}

// match reports whether s matches p. ok is false when p uses a policy
// variable whose key is missing from the request context; AWS then treats the
// value as not matching.
func (p *pattern) match(s string, fold bool, look *lookup) (matched, ok bool) {
	if p.prefix {
		return len(p.toks) == 1 || hasPrefixFold(s, p.toks[0].s, fold), true
	}
	if p.plain {
		if len(p.toks) == 0 {
			return s == "", true
		}
		lit := p.toks[0].s
		if fold {
			return len(s) == len(lit) && hasPrefixFold(s, lit, true), true
		}
		return s == lit, true
	}
	if p.vars {
		// A leading literal that does not match settles it cheaply.
		if t := p.toks[0]; t.kind == tokLit && !hasPrefixFold(s, t.s, fold) {
			return false, true
		}
		for i := range p.toks {
			if t := &p.toks[i]; t.kind == tokVar {
				if _, found := resolveVar(t, look); !found {
					return false, false
				}
			}
		}
	}
	return globToks(p.toks, s, fold, look), true
}

// resolveVar returns the value a variable stands for.
func resolveVar(t *tok, look *lookup) (string, bool) {
	if look != nil {
		if v, ok := look.get(t.s); ok && len(v) > 0 {
			return v[0], true
		}
	}
	if t.hasD {
		return t.def, true
	}
	return "", false
}

// globToks matches s against toks with the classic single-backtrack
// wildcard algorithm: on a mismatch it resumes after the last star, which is
// complete for patterns made of literals, * and ?.
func globToks(toks []tok, s string, fold bool, look *lookup) bool {
	ti, si := 0, 0
	starTi, starSi := -1, 0
	for {
		if ti < len(toks) {
			t := &toks[ti]
			switch t.kind {
			case tokStar:
				starTi, starSi = ti, si
				ti++
				continue
			case tokOne:
				if si < len(s) {
					_, w := utf8.DecodeRuneInString(s[si:])
					si += w
					ti++
					continue
				}
			case tokLit:
				if hasPrefixFold(s[si:], t.s, fold) {
					si += len(t.s)
					ti++
					continue
				}
			case tokVar:
				v, _ := resolveVar(t, look)
				if hasPrefixFold(s[si:], v, fold) {
					si += len(v)
					ti++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if starTi < 0 || starSi >= len(s) {
			return false
		}
		_, w := utf8.DecodeRuneInString(s[starSi:])
		starSi += w
		ti, si = starTi+1, starSi
	}
}
