package imds

import (
	"context"
	"net/http"
	"sort"
	"strings"
)

// versions are the API versions AWS lists at "/"; every one serves the
// same tree as latest.
var versions = []string{
	"1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10",
	"2007-12-15", "2008-02-01", "2008-09-01", "2009-04-04", "2011-01-01",
	"2011-05-01", "2012-01-12", "2014-02-25", "2014-11-05", "2015-10-20",
	"2016-04-19", "2016-06-30", "2016-09-02", "2018-03-28", "2018-08-17",
	"2018-09-24", "2019-10-01", "2020-10-27", "2021-01-03", "2021-03-23",
	"2021-07-15", "2022-09-24", "latest",
}

// node is an entry of the metadata tree: a directory (dir, with kids) or
// a value.
type node struct {
	name string
	// listAs replaces name in the parent's listing (public-keys/ lists
	// "0=name" for its directory "0").
	listAs string
	dir    bool
	kids   []*node
	// bare lists the kids without the "/" that marks directories, as AWS
	// does at the top ("/" and "/latest/").
	bare  bool
	ctype string
	value func(ctx context.Context) ([]byte, error)
}

func dirNode(name string, kids ...*node) *node {
	n := &node{name: name, dir: true}
	for _, k := range kids {
		if k != nil {
			n.kids = append(n.kids, k)
		}
	}
	sort.Slice(n.kids, func(i, j int) bool { return n.kids[i].name < n.kids[j].name })
	return n
}

func textNode(name, v string) *node {
	return &node{name: name, ctype: "text/plain", value: func(context.Context) ([]byte, error) { return []byte(v), nil }}
}

func lazyNode(name string, f func(context.Context) ([]byte, error)) *node {
	return &node{name: name, ctype: "text/plain", value: f}
}

// textIf is textNode when v is not empty, else nothing.
func textIf(name, v string) *node {
	if v == "" {
		return nil
	}
	return textNode(name, v)
}

// listing is a directory's body: one kid a line, directories marked with
// a trailing "/" unless the directory is bare.
func (n *node) listing() []byte {
	var b strings.Builder
	for i, k := range n.kids {
		if i > 0 {
			b.WriteByte('\n')
		}
		if k.listAs != "" {
			b.WriteString(k.listAs)
			continue
		}
		b.WriteString(k.name)
		if k.dir && !n.bare {
			b.WriteByte('/')
		}
	}
	return []byte(b.String())
}

// walk follows segs from n; nil when there is no such entry.
func (n *node) walk(segs []string) *node {
	for _, s := range segs {
		if !n.dir {
			return nil
		}
		var next *node
		for _, k := range n.kids {
			if k.name == s {
				next = k
				break
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}

// splitPath splits an absolute request path into its segments, ignoring
// one trailing "/"; ok is false for relative paths and empty segments
// ("//", which AWS does not resolve either).
func splitPath(p string) (segs []string, ok bool) {
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	p = strings.TrimSuffix(p[1:], "/")
	if p == "" {
		return nil, true
	}
	segs = strings.Split(p, "/")
	for _, s := range segs {
		if s == "" {
			return nil, false
		}
	}
	return segs, true
}

func knownVersion(v string) bool {
	for _, x := range versions {
		if x == v {
			return true
		}
	}
	return false
}

// resolve finds the entry of path in inst's tree: "/" lists the
// versions, a version (or latest) holds the same tree.
func (h *handler) resolve(path string, inst *Instance) *node {
	segs, ok := splitPath(path)
	if !ok {
		return nil
	}
	if len(segs) == 0 {
		root := &node{dir: true, bare: true}
		for _, v := range versions {
			root.kids = append(root.kids, &node{name: v, dir: true})
		}
		return root
	}
	if !knownVersion(segs[0]) {
		return nil
	}
	return h.tree(inst).walk(segs[1:])
}

// get answers a GET or HEAD from inst's tree.
func (h *handler) get(w http.ResponseWriter, r *http.Request, inst *Instance) {
	n := h.resolve(r.URL.Path, inst)
	switch {
	case n == nil:
		writeStatus(w, r, http.StatusNotFound)
	case n.dir:
		writeBody(w, r, "text/plain", n.listing())
	default:
		body, err := n.value(r.Context())
		if err != nil {
			h.s.log.Error("imds: reading metadata", "vpc", h.vpcID, "instance", inst.InstanceID, "path", r.URL.Path, "err", err)
			writeStatus(w, r, http.StatusInternalServerError)
			return
		}
		writeBody(w, r, n.ctype, body)
	}
}
