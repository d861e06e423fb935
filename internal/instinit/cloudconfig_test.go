package instinit

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// plain converts a YAML node to Go values, for comparisons.
func plain(n *node) any {
	switch n.kind {
	case scalarNode:
		return n.value
	case seqNode:
		out := []any{}
		for _, it := range n.items {
			out = append(out, plain(it))
		}
		return out
	case mapNode:
		out := map[string]any{}
		for i, k := range n.keys {
			out[k] = plain(n.vals[i])
		}
		return out
	}
	return nil
}

func TestParseYAML(t *testing.T) {
	tests := []struct {
		name, in string
		want     any
	}{
		{"scalars", "a: b\nc: 'it''s'\nd: \"x\\ty\\u00e9\"\ne: plain # comment\nf:\n", map[string]any{"a": "b", "c": "it's", "d": "x\tyé", "e": "plain", "f": nil}},
		{"sequence at key indent", "l:\n- a\n- b\nm: c\n", map[string]any{"l": []any{"a", "b"}, "m": "c"}},
		{"nested sequences", "l:\n  - - a\n    - b\n  -\n    - c\n", map[string]any{"l": []any{[]any{"a", "b"}, []any{"c"}}}},
		{"mappings in a sequence", "l:\n  - p: 1\n    q: 2\n  - p: 3\n", map[string]any{"l": []any{map[string]any{"p": "1", "q": "2"}, map[string]any{"p": "3"}}}},
		{"flow", "a: [x, 'y, z', \"w\"]\nb: {k: v, n: [1, 2]}\nc: [\n  1, # one\n  2\n]\n", map[string]any{
			"a": []any{"x", "y, z", "w"}, "b": map[string]any{"k": "v", "n": []any{"1", "2"}}, "c": []any{"1", "2"}}},
		{"literal", "a: |\n  one\n    two\n\n  three\n\nb: x\n", map[string]any{"a": "one\n  two\n\nthree\n", "b": "x"}},
		{"literal strip and keep", "a: |-\n  one\nb: |+\n  two\n\nc: x\n", map[string]any{"a": "one", "b": "two\n\n", "c": "x"}},
		{"folded", "a: >\n  one\n  two\n\n  three\n", map[string]any{"a": "one two\nthree\n"}},
		{"explicit indentation", "a: |2\n    indented\n  not\n", map[string]any{"a": "  indented\nnot\n"}},
		{"multi-line plain and quoted", "a: one\n  two\nb: \"x\n  y\"\nc: 'p\n\n  q'\n", map[string]any{"a": "one two", "b": "x y", "c": "p\nq"}},
		{"colons and hashes", "a: http://x/#y\nb: c:d\n\"q: r\": s\n", map[string]any{"a": "http://x/#y", "b": "c:d", "q: r": "s"}},
		{"document marker and CRLF", "#cloud-config\r\n---\r\na: b\r\n", map[string]any{"a": "b"}},
		{"empty", "#cloud-config\n", nil},
		{"tags", "a: !!binary aGk=\nb: !!str 1\n", map[string]any{"a": "aGk=", "b": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := parseYAML([]byte(tt.in))
			if err != nil {
				t.Fatalf("parseYAML: %v", err)
			}
			if got := plain(n); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestParseYAMLErrors(t *testing.T) {
	for _, in := range []string{
		"a: b\n  - c\n d: e\n",
		"a: 'unterminated\n",
		"a: [1, 2\n",
		"a:\n\t- b\n",
		"a: b\n c: d\n",
		"- a\nb: c\n",
		"a: \"bad \\q escape\"\n",
		"a: *alias\n",
		"a: |x\n  b\n",
		"a: 'x' y\n",
		"a: [1] 2\n",
		strings.Repeat("- ", 200) + "x\n",
		strings.Repeat("[", 200) + strings.Repeat("]", 200) + "\n",
	} {
		if n, err := parseYAML([]byte(in)); err == nil {
			t.Errorf("parseYAML(%q) = %#v, want an error", in, plain(n))
		}
	}
}

func TestParseCloudConfigCommands(t *testing.T) {
	cc, err := ParseCloudConfig([]byte(`#cloud-config
bootcmd:
  - echo boot > /tmp/boot
runcmd:
  - echo "hello world" > /tmp/x
  - [ls, -l, "/tmp dir"]
  -
    - touch
    - /tmp/y
  - 'echo a: b'
  - |
    for i in 1 2; do
      echo $i
    done
  - ""
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []Command{
		{Shell: `echo "hello world" > /tmp/x`},
		{Argv: []string{"ls", "-l", "/tmp dir"}},
		{Argv: []string{"touch", "/tmp/y"}},
		{Shell: "echo a: b"},
		{Shell: "for i in 1 2; do\n  echo $i\ndone\n"},
	}
	if !reflect.DeepEqual(cc.RunCmd, want) {
		t.Errorf("runcmd = %#v\nwant %#v", cc.RunCmd, want)
	}
	if want := []Command{{Shell: "echo boot > /tmp/boot"}}; !reflect.DeepEqual(cc.BootCmd, want) {
		t.Errorf("bootcmd = %#v, want %#v", cc.BootCmd, want)
	}
	if len(cc.Warnings) != 0 {
		t.Errorf("warnings: %q", cc.Warnings)
	}
	if got := (Command{Argv: []string{"echo", "it's"}}).String(); got != `'echo' 'it'\''s'` {
		t.Errorf("String = %s", got)
	}
}

func TestParseCloudConfigWriteFiles(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("zipped\n"))
	zw.Close()
	in := `#cloud-config
write_files:
- path: /etc/motd
  content: |
    Welcome
      to gureum
  permissions: '0640'
  owner: admin:adm
- path: /usr/local/bin/hello
  permissions: "4755"
  encoding: b64
  content: ` + base64.StdEncoding.EncodeToString([]byte("#!/bin/sh\necho hi\n")) + `
- path: /etc/zipped
  encoding: gz+b64
  content: ` + base64.StdEncoding.EncodeToString(gz.Bytes()) + `
- path: /var/log/app.log
  content: "line\n"
  append: true
  defer: yes
- path: /etc/folded
  content: >-
    one
    two
- path: /etc/empty
- content: no path
- path: /etc/bad
  permissions: rw-r--r--
- path: /etc/../etc/./binary
  content: !!binary |
    aGVsbG8=
  mystery: 1
`
	cc, err := ParseCloudConfig([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []WriteFile{
		{Path: "/etc/motd", Content: []byte("Welcome\n  to gureum\n"), Perm: 0o640, Owner: "admin:adm"},
		{Path: "/usr/local/bin/hello", Content: []byte("#!/bin/sh\necho hi\n"), Perm: 0o755 | os.ModeSetuid, Owner: "root:root"},
		{Path: "/etc/zipped", Content: []byte("zipped\n"), Perm: 0o644, Owner: "root:root"},
		{Path: "/var/log/app.log", Content: []byte("line\n"), Perm: 0o644, Owner: "root:root", Append: true, Defer: true},
		{Path: "/etc/folded", Content: []byte("one two"), Perm: 0o644, Owner: "root:root"},
		{Path: "/etc/empty", Perm: 0o644, Owner: "root:root"},
		{Path: "/etc/binary", Content: []byte("hello"), Perm: 0o644, Owner: "root:root"},
	}
	if !reflect.DeepEqual(cc.WriteFiles, want) {
		t.Errorf("write_files =\n%#v\nwant\n%#v", cc.WriteFiles, want)
	}
	if len(cc.Warnings) != 3 {
		t.Errorf("want 3 warnings (no path, bad permissions, unknown key), got %q", cc.Warnings)
	}
}

func TestParseCloudConfigPackagesAndOthers(t *testing.T) {
	cc, err := ParseCloudConfig([]byte(`#cloud-config
package_update: true
packages:
  - curl
  - [vim, "2:9.0.1378-2"]
  - "--option"
hostname: web1
fqdn: web1.example.com
ssh_authorized_keys:
  - ssh-ed25519 AAAA key1
users: [default]
`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"curl", "vim=2:9.0.1378-2"}; !reflect.DeepEqual(cc.Packages, want) {
		t.Errorf("packages = %q, want %q", cc.Packages, want)
	}
	if cc.Hostname != "web1.example.com" {
		t.Errorf("hostname = %q", cc.Hostname)
	}
	if want := []string{"ssh-ed25519 AAAA key1"}; !reflect.DeepEqual(cc.AuthorizedKeys, want) {
		t.Errorf("keys = %q", cc.AuthorizedKeys)
	}
	if len(cc.Warnings) != 2 || !strings.Contains(cc.Warnings[1], `"users"`) {
		t.Errorf("want warnings for --option and users, got %q", cc.Warnings)
	}
}

func TestParseCloudConfigNotAMapping(t *testing.T) {
	for _, in := range []string{"#cloud-config\n- a\n", "#cloud-config\njust text\n"} {
		if _, err := ParseCloudConfig([]byte(in)); err == nil {
			t.Errorf("ParseCloudConfig(%q): want an error", in)
		}
	}
	cc, err := ParseCloudConfig([]byte("#cloud-config\nruncmd: {a: b}\nwrite_files: [1]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cc.RunCmd) != 0 || len(cc.WriteFiles) != 0 || len(cc.Warnings) != 2 {
		t.Errorf("got %+v", cc)
	}
}

func FuzzParseCloudConfig(f *testing.F) {
	seeds := []string{
		"#cloud-config\nruncmd:\n  - echo hi\n  - [ls, -l]\n",
		"#cloud-config\nwrite_files:\n- path: /a\n  content: |\n    x\n  permissions: '0600'\n  encoding: b64\n",
		"a: [1, {b: c}, 'd''e', \"f\\x41\"]\n",
		"a: >+2\n   x\n\n  y\n",
		"- - - a\n  - b\n-\n  c: d\n",
		"a: \"multi\n  line\\\n  escaped\"\n",
		"#cloud-config\npackages: [[a, b], c]\nbootcmd: [[echo, x]]\nhostname: h\n",
		"---\na: !!binary |\n  aGk=\n...\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cc, err := ParseCloudConfig(data)
		if err != nil {
			if cc != nil {
				t.Fatalf("error %v with a config", err)
			}
			return
		}
		for _, c := range append(cc.RunCmd, cc.BootCmd...) {
			if (c.Argv == nil) == (c.Shell == "") || (c.Argv != nil && c.Argv[0] == "") {
				t.Fatalf("bad command %#v", c)
			}
		}
		for _, w := range cc.WriteFiles {
			if !strings.HasPrefix(w.Path, "/") || strings.Contains(w.Path, "/../") || w.Perm&^(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky) != 0 {
				t.Fatalf("bad write_files entry %#v", w)
			}
		}
		for _, p := range cc.Packages {
			if strings.HasPrefix(p, "-") || strings.ContainsAny(p, " \t\n") {
				t.Fatalf("bad package %q", p)
			}
		}
		again, err := ParseCloudConfig(data)
		if err != nil || !reflect.DeepEqual(cc, again) {
			t.Fatalf("parsing again gave %#v, %v", again, err)
		}
	})
}

// TestParseCloudConfigLinear guards against inputs that take the parser
// quadratic time: each is about a megabyte.
func TestParseCloudConfigLinear(t *testing.T) {
	n := 100000
	for name, in := range map[string]string{
		"folded plain":      "a: b\n" + strings.Repeat("  c\n", n),
		"multi-line quoted": "a: \"" + strings.Repeat("x\n", n) + "\"\n",
		"multi-line flow":   "a: [" + strings.Repeat("'x',\n", n) + "]\n",
		"unterminated":      strings.Repeat("a: \"x\n", n),
		"entries":           strings.Repeat("- a: b\n  c: [d]\n", n/2),
		"blank lines":       "a: b\n" + strings.Repeat("   \n", n) + "c: |\n" + strings.Repeat("  x\n", n),
	} {
		start := time.Now()
		ParseCloudConfig([]byte(in))
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s: %d bytes took %s", name, len(in), d)
		}
	}
}
