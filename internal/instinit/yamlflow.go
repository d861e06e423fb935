package instinit

// This file parses YAML flow collections: [a, b] and {k: v}.

import (
	"fmt"
	"strings"
)

// flow parses a flow collection, which may go on over the following lines
// until its brackets balance.
func (p *yamlParser) flow(first string, line int) (*node, error) {
	text, end := p.extend(first, flowEnd)
	if end < 0 {
		return nil, p.errorf(line, "unterminated flow collection")
	}
	f := &flowParser{s: text[:end], line: line, depth: p.depth}
	n, err := f.value(false)
	if err != nil {
		return nil, err
	}
	if f.space(); f.i < len(f.s) {
		return nil, p.errorf(line, "unexpected text in a flow collection")
	}
	if rest := strings.TrimLeft(restOfLine(text, end), " \t"); rest != "" && rest[0] != '#' {
		return nil, p.errorf(p.pos, "unexpected text after a flow collection")
	}
	return n, nil
}

// flowEnd is the index just past the bracket that closes the flow
// collection s starts with, or -1 (quoted scalars and comments skipped).
func flowEnd(s string) int {
	depth := 0
	prev := byte('[') // the last non-space byte: a quote after one of "[{,:" starts a quoted scalar
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '[', '{':
			depth++
		case ']', '}':
			if depth--; depth <= 0 {
				return i + 1
			}
		case '"', '\'':
			if strings.IndexByte("[{,:", prev) >= 0 {
				_, end, err := scanQuoted(s[i:])
				if err == errUnterminated {
					return -1
				}
				if err == nil {
					i += end - 1
				}
			}
		case '#':
			if i > 0 && strings.IndexByte(" \t\n", s[i-1]) >= 0 {
				nl := strings.IndexByte(s[i:], '\n')
				if nl < 0 {
					return -1
				}
				i += nl
				continue
			}
		}
		if c != ' ' && c != '\t' && c != '\n' {
			prev = c
		}
	}
	return -1
}

// flowParser parses flow collections.
type flowParser struct {
	s     string
	i     int
	line  int
	depth int
}

// errorf is a flow parse error.
func (f *flowParser) errorf(format string, args ...any) error {
	return fmt.Errorf("yaml: line %d: %s", f.line, fmt.Sprintf(format, args...))
}

// space skips white space, line breaks and comments.
func (f *flowParser) space() {
	for f.i < len(f.s) {
		switch f.s[f.i] {
		case ' ', '\t', '\n', '\r':
			f.i++
		case '#':
			if f.i > 0 && !strings.ContainsRune(" \t\n", rune(f.s[f.i-1])) {
				return
			}
			nl := strings.IndexByte(f.s[f.i:], '\n')
			if nl < 0 {
				f.i = len(f.s)
			} else {
				f.i += nl
			}
		default:
			return
		}
	}
}

// value parses one flow node; key says it is a flow mapping's key, which
// ends at a colon.
func (f *flowParser) value(key bool) (*node, error) {
	f.depth++
	defer func() { f.depth-- }()
	if f.depth > maxDepth {
		return nil, f.errorf("nesting too deep")
	}
	f.space()
	if f.i >= len(f.s) {
		return nil, f.errorf("unexpected end of a flow collection")
	}
	switch c := f.s[f.i]; c {
	case '[':
		f.i++
		n := &node{kind: seqNode, line: f.line}
		for {
			f.space()
			if f.i < len(f.s) && f.s[f.i] == ']' {
				f.i++
				return n, nil
			}
			item, err := f.value(false)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, item)
			if err := f.next(']'); err != nil {
				return nil, err
			}
		}
	case '{':
		f.i++
		n := &node{kind: mapNode, line: f.line}
		for {
			f.space()
			if f.i < len(f.s) && f.s[f.i] == '}' {
				f.i++
				return n, nil
			}
			k, err := f.value(true)
			if err != nil {
				return nil, err
			}
			if k.kind != scalarNode {
				return nil, f.errorf("a flow mapping key must be a scalar")
			}
			f.space()
			v := &node{kind: nullNode, line: f.line}
			if f.i < len(f.s) && f.s[f.i] == ':' {
				f.i++
				if v, err = f.value(false); err != nil {
					return nil, err
				}
			}
			n.keys = append(n.keys, k.value)
			n.vals = append(n.vals, v)
			if err := f.next('}'); err != nil {
				return nil, err
			}
		}
	case '"', '\'':
		val, end, err := scanQuoted(f.s[f.i:])
		if err != nil {
			return nil, f.errorf("%v", err)
		}
		f.i += end
		return &node{kind: scalarNode, value: val, quoted: true, line: f.line}, nil
	case ']', '}', ',':
		return nil, f.errorf("expected a value, found %q", c)
	}
	start := f.i
	for f.i < len(f.s) {
		c := f.s[f.i]
		if c == ',' || c == '[' || c == ']' || c == '{' || c == '}' || (key && c == ':') {
			break
		}
		if c == '#' && f.i > start && strings.IndexByte(" \t\n", f.s[f.i-1]) >= 0 {
			break
		}
		f.i++
	}
	var words []string
	for _, l := range strings.Split(f.s[start:f.i], "\n") {
		if l = strings.TrimSpace(l); l != "" {
			words = append(words, l)
		}
	}
	return &node{kind: scalarNode, value: strings.Join(words, " "), line: f.line}, nil
}

// next consumes the comma after a flow entry, or sees the closing bracket.
func (f *flowParser) next(closing byte) error {
	f.space()
	if f.i >= len(f.s) {
		return f.errorf("unexpected end of a flow collection")
	}
	switch f.s[f.i] {
	case ',':
		f.i++
		return nil
	case closing:
		return nil
	}
	return f.errorf("expected ',' or %q, found %q", closing, f.s[f.i])
}
