package instinit

// This file parses YAML scalars: plain, quoted and block scalars.

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// stripComment removes a trailing " # comment" from a plain scalar's line
// and reports whether there was one.
func stripComment(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t') {
			return strings.TrimRight(s[:i], " \t"), true
		}
	}
	return strings.TrimRight(s, " \t"), false
}

// plain parses a plain scalar: its first line's text, then continuation
// lines indented more than parent, folded. A continuation line cannot be
// a mapping entry.
func (p *yamlParser) plain(first string, parent, line int) (*node, error) {
	v, comment := stripComment(first)
	var b strings.Builder
	b.WriteString(v)
	for !comment {
		j, empties := p.pos, 0
		for j < len(p.lines) && strings.TrimSpace(p.lines[j]) == "" {
			j++
			empties++
		}
		if j >= len(p.lines) || indentOf(p.lines[j]) <= parent {
			break
		}
		t := strings.TrimSpace(p.lines[j])
		if t[0] == '#' {
			break
		}
		if _, _, ok := splitKey(t); ok {
			return nil, p.errorf(j+1, "a mapping entry inside a plain scalar")
		}
		if empties > 0 {
			b.WriteString(strings.Repeat("\n", empties))
		} else {
			b.WriteByte(' ')
		}
		var more string
		more, comment = stripComment(t)
		b.WriteString(more)
		p.pos = j + 1
	}
	return &node{kind: scalarNode, value: b.String(), line: line}, nil
}

// blockScalar parses a literal or folded block scalar whose header (e.g.
// "|-", ">2") is given; its lines are those indented more than parent.
func (p *yamlParser) blockScalar(header string, parent, line int) (*node, error) {
	literal := header[0] == '|'
	chomp, explicit := 0, 0
	h := header[1:]
	for len(h) > 0 && h[0] != ' ' && h[0] != '\t' {
		switch c := h[0]; {
		case c == '-' && chomp == 0:
			chomp = -1
		case c == '+' && chomp == 0:
			chomp = 1
		case c >= '1' && c <= '9' && explicit == 0:
			explicit = int(c - '0')
		default:
			return nil, p.errorf(line, "bad block scalar header %q", header)
		}
		h = h[1:]
	}
	if h = strings.TrimLeft(h, " \t"); h != "" && h[0] != '#' {
		return nil, p.errorf(line, "text after a block scalar header")
	}
	indent := -1
	if explicit > 0 {
		indent = max(parent, 0) + explicit
	}
	var lines []string
	for p.pos < len(p.lines) {
		l := p.lines[p.pos]
		if strings.TrimLeft(l, " ") == "" {
			lines = append(lines, "")
			p.pos++
			continue
		}
		i := indentOf(l)
		if indent < 0 {
			if i <= parent {
				break
			}
			indent = i
		}
		if i < indent {
			break
		}
		lines = append(lines, l[indent:])
		p.pos++
	}
	trailing := 0
	for trailing < len(lines) && lines[len(lines)-1-trailing] == "" {
		trailing++
	}
	body := lines[:len(lines)-trailing]
	var text string
	if literal {
		text = strings.Join(body, "\n")
	} else {
		text = fold(body)
	}
	switch {
	case len(body) == 0 && chomp == 1:
		text = strings.Repeat("\n", trailing)
	case len(body) == 0:
		text = ""
	case chomp == 0:
		text += "\n"
	case chomp == 1:
		text += "\n" + strings.Repeat("\n", trailing)
	}
	return &node{kind: scalarNode, value: text, quoted: true, line: line}, nil
}

// fold joins a folded block scalar's lines: line breaks between ordinary
// lines become spaces; empty lines and more-indented lines keep theirs.
func fold(lines []string) string {
	var b strings.Builder
	for i, l := range lines {
		if i == 0 {
			b.WriteString(l)
			continue
		}
		prev := lines[i-1]
		indented := l != "" && (l[0] == ' ' || l[0] == '\t')
		prevIndented := prev != "" && (prev[0] == ' ' || prev[0] == '\t')
		switch {
		case l == "":
			b.WriteByte('\n')
		case prev == "" && !indented:
		case prev == "" || indented || prevIndented:
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
		}
		b.WriteString(l)
	}
	return b.String()
}

// quoted parses a single- or double-quoted scalar, which may go on over
// the following lines.
func (p *yamlParser) quoted(first string, line int) (*node, error) {
	text, end := p.extend(first, func(t string) int {
		_, end, err := scanQuoted(t)
		switch {
		case err == errUnterminated:
			return -1
		case err != nil:
			return 0
		}
		return end
	})
	if end < 0 {
		return nil, p.errorf(line, "unterminated quoted scalar")
	}
	val, end, err := scanQuoted(text)
	if err != nil {
		return nil, p.errorf(line, "%v", err)
	}
	if rest := strings.TrimLeft(restOfLine(text, end), " \t"); rest != "" && rest[0] != '#' {
		return nil, p.errorf(p.pos, "unexpected text after a quoted scalar")
	}
	return &node{kind: scalarNode, value: val, quoted: true, line: line}, nil
}

// extend gathers a construct that starts with first and may go on over
// the following lines: scan returns the index just past its end in a
// text, or -1 if the text ends first. It consumes the lines up to the one
// the construct ends on and returns the text and the end (-1 if the
// input ended first). The lines are added in doubling windows, so a long
// construct costs time linear in its length.
func (p *yamlParser) extend(first string, scan func(string) int) (string, int) {
	window := 0
	for {
		text := first
		if window > 0 {
			text += "\n" + strings.Join(p.lines[p.pos:p.pos+window], "\n")
		}
		if end := scan(text); end >= 0 {
			p.pos += strings.Count(text[:end], "\n")
			return text, end
		}
		if p.pos+window >= len(p.lines) {
			p.pos = len(p.lines)
			return text, -1
		}
		window = min(max(1, 2*window), len(p.lines)-p.pos)
	}
}

// restOfLine is the text from i to the end of its line.
func restOfLine(text string, i int) string {
	rest := text[i:]
	if nl := strings.IndexByte(rest, '\n'); nl >= 0 {
		rest = rest[:nl]
	}
	return rest
}

// yamlError is a constant error.
type yamlError string

// Error implements error.
func (e yamlError) Error() string { return string(e) }

// errUnterminated is scanQuoted's error for a quoted scalar that does not
// end in its text.
const errUnterminated yamlError = "unterminated quoted scalar"

// scanQuoted decodes the quoted scalar at the start of s (which starts
// with its quote) and returns it and the index just past its closing
// quote. Line breaks in s fold as YAML's do.
func scanQuoted(s string) (string, int, error) {
	q := s[0]
	var b []byte
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b = append(b, '\'')
			i += 2
		case c == q:
			return string(b), i + 1, nil
		case c == '\\' && q == '"':
			if i+1 < len(s) && s[i+1] == '\n' { // an escaped line break
				i += 2
				for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
					i++
				}
				continue
			}
			r, n, err := unescape(s[i+1:])
			if err != nil {
				return "", 0, err
			}
			b = append(b, r...)
			i += 1 + n
		case c == '\n':
			// Trailing spaces before the break go; the break folds to a
			// space, or empty lines after it each become a newline.
			b = bytes.TrimRight(b, " \t")
			empties := 0
			i++
			for {
				j := i
				for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
					j++
				}
				i = j
				if j < len(s) && s[j] == '\n' {
					empties++
					i++
					continue
				}
				break
			}
			if empties > 0 {
				b = append(b, strings.Repeat("\n", empties)...)
			} else {
				b = append(b, ' ')
			}
		default:
			b = append(b, c)
			i++
		}
	}
	return "", 0, errUnterminated
}

// unescape decodes the double-quoted escape sequence that s starts with
// (after the backslash) and returns it and its length.
func unescape(s string) (string, int, error) {
	if s == "" {
		return "", 0, errUnterminated
	}
	switch s[0] {
	case '0':
		return "\x00", 1, nil
	case 'a':
		return "\a", 1, nil
	case 'b':
		return "\b", 1, nil
	case 't', '\t':
		return "\t", 1, nil
	case 'n':
		return "\n", 1, nil
	case 'v':
		return "\v", 1, nil
	case 'f':
		return "\f", 1, nil
	case 'r':
		return "\r", 1, nil
	case 'e':
		return "\x1b", 1, nil
	case ' ', '"', '/', '\\':
		return s[:1], 1, nil
	case 'N':
		return "\u0085", 1, nil
	case '_':
		return "\u00a0", 1, nil
	case 'L':
		return "\u2028", 1, nil
	case 'P':
		return "\u2029", 1, nil
	}
	digits := 0
	switch s[0] {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		return "", 0, fmt.Errorf("unknown escape \\%c", s[0])
	}
	if len(s) < 1+digits {
		return "", 0, fmt.Errorf("short escape \\%s", s)
	}
	v, err := strconv.ParseUint(s[1:1+digits], 16, 32)
	if err != nil || v > utf8.MaxRune {
		return "", 0, fmt.Errorf("bad escape \\%s", s[:1+digits])
	}
	return string(rune(v)), 1 + digits, nil
}
