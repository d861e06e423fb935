package amibuild

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// defaultMirror is the Debian mirror used when the machine's apt sources
// name none for bookworm.
const defaultMirror = "http://deb.debian.org/debian"

// suite is the Debian release the Debian AMIs are made of.
const suite = "bookworm"

// machineMirror is the Debian mirror that the apt sources under root (""
// is "/") use for bookworm: the URIs of a deb822 entry in
// etc/apt/sources.list.d/*.sources whose Suites has it, else the first
// matching line of etc/apt/sources.list or sources.list.d/*.list, else
// defaultMirror.
func machineMirror(root string) string {
	if root == "" {
		root = "/"
	}
	d := filepath.Join(root, "etc/apt/sources.list.d")
	if files, err := filepath.Glob(filepath.Join(d, "*.sources")); err == nil {
		sort.Strings(files)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			if m := mirrorFromDeb822(string(b), suite); m != "" {
				return m
			}
		}
	}
	lists := []string{filepath.Join(root, "etc/apt/sources.list")}
	if files, err := filepath.Glob(filepath.Join(d, "*.list")); err == nil {
		sort.Strings(files)
		lists = append(lists, files...)
	}
	for _, f := range lists {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if m := mirrorFromOneLine(string(b), suite); m != "" {
			return m
		}
	}
	return defaultMirror
}

// mirrorFromDeb822 returns the first usable URI of the first enabled
// "deb" entry of a deb822 sources file whose Suites has suite exactly.
func mirrorFromDeb822(text, suite string) string {
	for _, para := range deb822Paragraphs(text) {
		if strings.EqualFold(para["enabled"], "no") {
			continue
		}
		if !slices.Contains(strings.Fields(para["types"]), "deb") {
			continue
		}
		if !slices.Contains(strings.Fields(para["suites"]), suite) {
			continue
		}
		for _, u := range strings.Fields(para["uris"]) {
			if usableMirror(u) {
				return strings.TrimSuffix(u, "/")
			}
		}
	}
	return ""
}

// deb822Paragraphs splits a deb822 file into its paragraphs, each a map
// of lower-cased field names to values (continuation lines joined with
// spaces; comments dropped).
func deb822Paragraphs(text string) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	last := ""
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur, last = map[string]string{}, ""
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case strings.HasPrefix(line, "#"):
		case line[0] == ' ' || line[0] == '\t':
			if last != "" && strings.TrimSpace(line) != "." {
				cur[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(strings.TrimSpace(k))
			cur[last] = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

// mirrorFromOneLine returns the URI of the first "deb" line of a
// one-line-style sources.list whose suite is suite.
func mirrorFromOneLine(text, suite string) string {
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") { // [arch=amd64 signed-by=…]
			i := slices.IndexFunc(f, func(s string) bool { return strings.HasSuffix(s, "]") })
			if i < 0 {
				continue
			}
			f = f[i+1:]
		}
		if len(f) >= 2 && f[1] == suite && usableMirror(f[0]) {
			return strings.TrimSuffix(f[0], "/")
		}
	}
	return ""
}

// usableMirror reports whether debootstrap can fetch from u.
func usableMirror(u string) bool {
	for _, p := range []string{"http://", "https://", "file:/"} {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}
