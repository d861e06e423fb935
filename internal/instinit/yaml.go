package instinit

// This file parses the subset of YAML that cloud-config user data uses:
// block mappings and sequences (including "- key: value" entries), plain,
// single- and double-quoted scalars, literal (|) and folded (>) block
// scalars with their chomping and indentation indicators, flow sequences
// and mappings ([a, b], {k: v}), comments, tags (only !!binary means
// anything) and a leading "---". Anchors and aliases are not supported.
// Whatever the input, the parser returns a tree or an error naming a
// line; it never panics, and its nesting is bounded.

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds the nesting of YAML collections.
const maxDepth = 64

// nodeKind is the kind of a YAML node.
type nodeKind int

const (
	nullNode nodeKind = iota
	scalarNode
	seqNode
	mapNode
)

// node is a parsed YAML value.
type node struct {
	kind   nodeKind
	value  string // a scalar's text
	quoted bool   // the scalar was quoted or a block scalar
	tag    string // e.g. "!!binary"
	items  []*node
	keys   []string
	vals   []*node
	line   int // 1-based
}

// get is the value of key in a mapping, or nil.
func (n *node) get(key string) *node {
	if n == nil || n.kind != mapNode {
		return nil
	}
	for i := len(n.keys) - 1; i >= 0; i-- {
		if n.keys[i] == key {
			return n.vals[i]
		}
	}
	return nil
}

// yamlParser is the state of one parse: the lines (a "- " entry's line is
// rewritten in place with the dash blanked, so its content parses as a
// node at its own column) and the current line.
type yamlParser struct {
	lines []string
	pos   int
	depth int
}

// parseYAML parses one YAML document.
func parseYAML(data []byte) (*node, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("yaml: input is not valid UTF-8")
	}
	text := strings.TrimPrefix(string(data), "\ufeff")
	text = strings.ReplaceAll(text, "\r\n", "\n")
	p := &yamlParser{lines: strings.Split(text, "\n")}
	p.skipBlank()
	if p.pos < len(p.lines) && strings.HasPrefix(p.lines[p.pos], "---") {
		rest := p.lines[p.pos][3:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return nil, fmt.Errorf("yaml: line %d: bad document marker", p.pos+1)
		}
		p.lines[p.pos] = strings.TrimLeft(rest, " \t")
	}
	for i := p.pos + 1; i < len(p.lines); i++ {
		if l := p.lines[i]; (strings.HasPrefix(l, "---") || strings.HasPrefix(l, "...")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t') {
			p.lines = p.lines[:i] // the end of the document; later ones are ignored
			break
		}
	}
	n, err := p.parseBlock(-1)
	if err != nil {
		return nil, err
	}
	if p.skipBlank(); p.pos < len(p.lines) {
		return nil, fmt.Errorf("yaml: line %d: unexpected content", p.pos+1)
	}
	return n, nil
}

// isBlank reports whether a line is empty or only a comment.
func isBlank(line string) bool {
	t := strings.TrimLeft(line, " \t")
	return t == "" || t[0] == '#'
}

// indentOf is the number of leading spaces of line.
func indentOf(line string) int {
	return len(line) - len(strings.TrimLeft(line, " "))
}

// isSeqEntry reports whether content (a line less its indentation) is a
// block sequence entry.
func isSeqEntry(content string) bool {
	return content == "-" || strings.HasPrefix(content, "- ")
}

// skipBlank moves past empty and comment lines.
func (p *yamlParser) skipBlank() {
	for p.pos < len(p.lines) && isBlank(p.lines[p.pos]) {
		p.pos++
	}
}

// errorf is a parse error at line (1-based).
func (p *yamlParser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("yaml: line %d: %s", line, fmt.Sprintf(format, args...))
}

// parseBlock parses the node starting at the next non-blank line if it is
// indented more than parent, or returns a null node.
func (p *yamlParser) parseBlock(parent int) (*node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errorf(p.pos+1, "nesting too deep")
	}
	p.skipBlank()
	if p.pos >= len(p.lines) {
		return &node{kind: nullNode, line: p.pos + 1}, nil
	}
	line := p.lines[p.pos]
	ind := indentOf(line)
	if ind <= parent {
		return &node{kind: nullNode, line: p.pos + 1}, nil
	}
	content := line[ind:]
	if content[0] == '\t' {
		return nil, p.errorf(p.pos+1, "tab in indentation")
	}
	if isSeqEntry(content) {
		return p.parseSeq(ind)
	}
	if _, _, ok := splitKey(content); ok {
		return p.parseMap(ind)
	}
	p.pos++
	return p.parseValue(content, parent)
}

// parseSeq parses a block sequence whose dashes are at column ind.
func (p *yamlParser) parseSeq(ind int) (*node, error) {
	n := &node{kind: seqNode, line: p.pos + 1}
	for {
		p.skipBlank()
		if p.pos >= len(p.lines) {
			return n, nil
		}
		line := p.lines[p.pos]
		i := indentOf(line)
		if i < ind || (i == ind && !isSeqEntry(line[i:])) {
			return n, nil
		}
		if i > ind {
			return nil, p.errorf(p.pos+1, "bad indentation of a sequence entry")
		}
		rest := line[i+1:]
		sp := len(rest) - len(strings.TrimLeft(rest, " "))
		if sp == len(rest) || rest[sp] == '#' {
			p.pos++
		} else {
			p.lines[p.pos] = strings.Repeat(" ", i+1+sp) + rest[sp:]
		}
		item, err := p.parseBlock(ind)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, item)
	}
}

// parseMap parses a block mapping whose keys are at column ind.
func (p *yamlParser) parseMap(ind int) (*node, error) {
	n := &node{kind: mapNode, line: p.pos + 1}
	for {
		p.skipBlank()
		if p.pos >= len(p.lines) {
			return n, nil
		}
		line := p.lines[p.pos]
		i := indentOf(line)
		if i < ind {
			return n, nil
		}
		if i > ind {
			return nil, p.errorf(p.pos+1, "bad indentation of a mapping entry")
		}
		content := line[i:]
		if isSeqEntry(content) {
			return nil, p.errorf(p.pos+1, "a sequence entry where a mapping key was expected")
		}
		key, rest, ok := splitKey(content)
		if !ok {
			return nil, p.errorf(p.pos+1, "expected \"key: value\"")
		}
		p.pos++
		val, err := p.parseValue(rest, ind)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, key)
		n.vals = append(n.vals, val)
	}
}

// splitKey splits a mapping entry "key: rest" (the key may be quoted). It
// reports ok false if content is not a mapping entry.
func splitKey(content string) (key, rest string, ok bool) {
	if content == "" {
		return "", "", false
	}
	switch content[0] {
	case '"', '\'':
		val, end, qerr := scanQuoted(content)
		if qerr != nil {
			return "", "", false // a multi-line quoted scalar, not a key
		}
		after := strings.TrimLeft(content[end:], " \t")
		if after == ":" || strings.HasPrefix(after, ": ") || strings.HasPrefix(after, ":\t") {
			return val, after[1:], true
		}
		return "", "", false
	case '[', '{', '|', '>', '#', '!', '&', '*', '-':
		if content[0] != '-' || len(content) == 1 || content[1] == ' ' {
			return "", "", false
		}
	}
	for i := 0; i < len(content); i++ {
		switch content[i] {
		case '#':
			if i > 0 && (content[i-1] == ' ' || content[i-1] == '\t') {
				return "", "", false
			}
		case ':':
			if i+1 == len(content) || content[i+1] == ' ' || content[i+1] == '\t' {
				return strings.TrimRight(content[:i], " \t"), content[i+1:], true
			}
		}
	}
	return "", "", false
}

// parseValue parses the value that starts with rest (the text after a
// key's colon, or a node's first line) and may go on over the following
// lines indented more than parent.
func (p *yamlParser) parseValue(rest string, parent int) (*node, error) {
	line := p.pos // the 1-based number of rest's line
	rest = strings.TrimLeft(rest, " \t")
	tag := ""
	for rest != "" && (rest[0] == '!' || rest[0] == '&') {
		end := strings.IndexAny(rest, " \t")
		if end < 0 {
			end = len(rest)
		}
		if rest[0] == '!' {
			tag = rest[:end]
		}
		rest = strings.TrimLeft(rest[end:], " \t")
	}
	var n *node
	var err error
	switch {
	case rest == "" || rest[0] == '#':
		p.skipBlank()
		n = &node{kind: nullNode, line: line}
		if p.pos < len(p.lines) {
			l := p.lines[p.pos]
			i := indentOf(l)
			switch {
			case i > parent:
				n, err = p.parseBlock(parent)
			case i == parent && parent >= 0 && isSeqEntry(l[i:]):
				p.depth++
				if p.depth > maxDepth {
					err = p.errorf(p.pos+1, "nesting too deep")
				} else {
					n, err = p.parseSeq(i)
				}
				p.depth--
			}
		}
	case rest[0] == '*':
		return nil, p.errorf(line, "aliases are not supported")
	case rest[0] == '|' || rest[0] == '>':
		n, err = p.blockScalar(rest, parent, line)
	case rest[0] == '"' || rest[0] == '\'':
		n, err = p.quoted(rest, line)
	case rest[0] == '[' || rest[0] == '{':
		n, err = p.flow(rest, line)
	default:
		n, err = p.plain(rest, parent, line)
	}
	if err != nil {
		return nil, err
	}
	if tag != "" {
		n.tag = tag
	}
	return n, nil
}
