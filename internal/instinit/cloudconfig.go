package instinit

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
)

// maxDecoded bounds gzipped user data and file contents once unpacked.
const maxDecoded = 64 << 20

// CloudConfig is what the init does with #cloud-config user data.
type CloudConfig struct {
	// Hostname is the hostname (the fqdn key when given, else hostname).
	Hostname string
	// BootCmd runs on every boot, before the services start.
	BootCmd []Command
	// WriteFiles are written on first boot, before Packages are installed
	// (those with Defer after).
	WriteFiles []WriteFile
	// Packages are installed on first boot ("name" or "name=version").
	Packages []string
	// RunCmd runs once, on first boot, last.
	RunCmd []Command
	// AuthorizedKeys (ssh_authorized_keys) are added to the instance's
	// public keys.
	AuthorizedKeys []string
	// Warnings describe what was ignored: unknown keys, malformed entries.
	Warnings []string
}

// Command is a runcmd or bootcmd entry: a shell command line (run with
// sh -c) or an argument vector.
type Command struct {
	Shell string
	Argv  []string
}

// String is the command as a shell would read it.
func (c Command) String() string {
	if c.Argv == nil {
		return c.Shell
	}
	q := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}

// WriteFile is a write_files entry, its content decoded.
type WriteFile struct {
	Path    string
	Content []byte
	// Perm is the file's mode (default 0644), setuid, setgid and sticky
	// bits included.
	Perm os.FileMode
	// Owner is "user:group", "user" or numeric ids (default root:root).
	Owner  string
	Append bool
	// Defer writes the file after the packages are installed.
	Defer bool
}

// ParseCloudConfig parses #cloud-config user data. It fails only if the
// data is not YAML or not a mapping; what it cannot use is listed in
// Warnings.
func ParseCloudConfig(data []byte) (*CloudConfig, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, fmt.Errorf("parsing cloud-config: %w", err)
	}
	cc := &CloudConfig{}
	if root.kind == nullNode {
		return cc, nil
	}
	if root.kind != mapNode {
		return nil, fmt.Errorf("parsing cloud-config: line %d: the document is not a mapping", root.line)
	}
	var hostname, fqdn string
	for i, key := range root.keys {
		v := root.vals[i]
		switch key {
		case "runcmd":
			cc.RunCmd = cc.commands(key, v)
		case "bootcmd":
			cc.BootCmd = cc.commands(key, v)
		case "write_files":
			cc.WriteFiles = cc.writeFiles(v)
		case "packages":
			cc.Packages = cc.packages(v)
		case "hostname":
			hostname = cc.scalar(key, v)
		case "fqdn":
			fqdn = cc.scalar(key, v)
		case "ssh_authorized_keys":
			cc.AuthorizedKeys = cc.strings(key, v)
		case "package_update":
			// The package lists are always updated before installing.
		default:
			cc.warnf("line %d: unsupported key %q ignored", v.line, key)
		}
	}
	cc.Hostname = hostname
	if fqdn != "" {
		cc.Hostname = fqdn
	}
	return cc, nil
}

// warnf adds a warning.
func (cc *CloudConfig) warnf(format string, args ...any) {
	cc.Warnings = append(cc.Warnings, fmt.Sprintf(format, args...))
}

// scalar is a scalar's text ("" and a warning for anything else).
func (cc *CloudConfig) scalar(what string, n *node) string {
	switch n.kind {
	case scalarNode:
		return n.value
	case nullNode:
		return ""
	}
	cc.warnf("line %d: %s is not a string; ignored", n.line, what)
	return ""
}

// list is a sequence's items (nil and a warning for anything but a
// sequence or null).
func (cc *CloudConfig) list(what string, n *node) []*node {
	switch n.kind {
	case seqNode:
		return n.items
	case nullNode:
		return nil
	}
	cc.warnf("line %d: %s is not a list; ignored", n.line, what)
	return nil
}

// strings is a list of strings.
func (cc *CloudConfig) strings(what string, n *node) []string {
	var out []string
	for _, it := range cc.list(what, n) {
		if s := cc.scalar(what+" entry", it); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// commands is a runcmd or bootcmd list.
func (cc *CloudConfig) commands(what string, n *node) []Command {
	var out []Command
	for _, it := range cc.list(what, n) {
		switch it.kind {
		case nullNode:
		case scalarNode:
			if strings.TrimSpace(it.value) != "" {
				out = append(out, Command{Shell: it.value})
			}
		case seqNode:
			argv := []string{}
			ok := true
			for _, a := range it.items {
				if a.kind == scalarNode {
					argv = append(argv, a.value)
				} else if a.kind == nullNode {
					argv = append(argv, "")
				} else {
					ok = false
				}
			}
			switch {
			case !ok:
				cc.warnf("line %d: %s entry has an argument that is not a string; skipped", it.line, what)
			case len(argv) == 0 || argv[0] == "":
				cc.warnf("line %d: %s entry is an empty command; skipped", it.line, what)
			default:
				out = append(out, Command{Argv: argv})
			}
		default:
			cc.warnf("line %d: %s entry is neither a string nor a list; skipped", it.line, what)
		}
	}
	return out
}

// packages is a packages list: names, or [name, version] pairs.
func (cc *CloudConfig) packages(n *node) []string {
	var out []string
	for _, it := range cc.list("packages", n) {
		switch {
		case it.kind == scalarNode && validPackage(it.value):
			out = append(out, it.value)
		case it.kind == seqNode && len(it.items) == 2 && it.items[0].kind == scalarNode && it.items[1].kind == scalarNode &&
			validPackage(it.items[0].value) && validPackage(it.items[1].value):
			out = append(out, it.items[0].value+"="+it.items[1].value)
		case it.kind == nullNode:
		default:
			cc.warnf("line %d: packages entry is not a package name or [name, version]; skipped", it.line)
		}
	}
	return out
}

// validPackage reports whether s can be a package name or version (and so
// is never taken for an option or split by a shell).
func validPackage(s string) bool {
	if s == "" || s[0] == '-' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".+-_:~*", r)) {
			return false
		}
	}
	return true
}

// writeFiles is a write_files list.
func (cc *CloudConfig) writeFiles(n *node) []WriteFile {
	var out []WriteFile
	for _, it := range cc.list("write_files", n) {
		if it.kind != mapNode {
			cc.warnf("line %d: write_files entry is not a mapping; skipped", it.line)
			continue
		}
		if f, ok := cc.writeFile(it); ok {
			out = append(out, f)
		}
	}
	return out
}

// writeFile is one write_files entry, or false (and a warning) if it
// cannot be used.
func (cc *CloudConfig) writeFile(n *node) (WriteFile, bool) {
	f := WriteFile{Perm: 0o644, Owner: "root:root"}
	var content *node
	encoding := ""
	for i, key := range n.keys {
		v := n.vals[i]
		switch key {
		case "path":
			f.Path = cc.scalar("path", v)
		case "content":
			content = v
		case "encoding":
			encoding = strings.ToLower(strings.TrimSpace(cc.scalar("encoding", v)))
		case "permissions":
			s := strings.TrimSpace(cc.scalar("permissions", v))
			perm, err := parsePerm(s)
			if err != nil {
				cc.warnf("line %d: write_files permissions %q: %v; skipped", v.line, s, err)
				return f, false
			}
			f.Perm = perm
		case "owner":
			if s := strings.TrimSpace(cc.scalar("owner", v)); s != "" {
				f.Owner = s
			}
		case "append", "defer":
			b, ok := parseBool(cc.scalar(key, v))
			if !ok {
				cc.warnf("line %d: write_files %s %q is not a boolean; taken as false", v.line, key, v.value)
			}
			if key == "append" {
				f.Append = b
			} else {
				f.Defer = b
			}
		case "source":
			cc.warnf("line %d: write_files source is not supported; ignored", v.line)
		default:
			cc.warnf("line %d: write_files key %q ignored", v.line, key)
		}
	}
	if !strings.HasPrefix(f.Path, "/") || strings.ContainsRune(f.Path, 0) {
		cc.warnf("line %d: write_files entry without an absolute path; skipped", n.line)
		return f, false
	}
	f.Path = path.Clean(f.Path)
	if content == nil {
		return f, true
	}
	text := cc.scalar("content", content)
	if content.tag == "!!binary" {
		encoding = "b64"
	}
	b, err := decodeContent(text, encoding)
	if err != nil {
		cc.warnf("line %d: write_files content of %s: %v; skipped", content.line, f.Path, err)
		return f, false
	}
	f.Content = b
	return f, true
}

// decodeContent decodes a write_files content by its encoding.
func decodeContent(text, encoding string) ([]byte, error) {
	switch encoding {
	case "", "text", "text/plain":
		return []byte(text), nil
	case "b64", "base64":
		return decodeBase64(text)
	case "gz", "gzip":
		return gunzip([]byte(text))
	case "gz+b64", "gz+base64", "gzip+b64", "gzip+base64":
		b, err := decodeBase64(text)
		if err != nil {
			return nil, err
		}
		return gunzip(b)
	}
	return nil, fmt.Errorf("unknown encoding %q", encoding)
}

// decodeBase64 decodes base64 text, white space and missing padding
// allowed.
func decodeBase64(text string) ([]byte, error) {
	s := strings.Join(strings.Fields(text), "")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 == nil {
			return b2, nil
		}
		return nil, fmt.Errorf("decoding base64: %w", err)
	}
	return b, nil
}

// gunzip unpacks gzipped data, at most maxDecoded bytes of it.
func gunzip(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, maxDecoded+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if len(out) > maxDecoded {
		return nil, fmt.Errorf("gunzip: more than %d bytes", maxDecoded)
	}
	return out, nil
}

// parsePerm parses an octal mode such as "0644", "755" or "0o1777".
func parsePerm(s string) (os.FileMode, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0o"), "0O")
	v, err := strconv.ParseUint(s, 8, 32)
	if err != nil || v > 0o7777 {
		return 0, fmt.Errorf("not an octal mode")
	}
	return unixMode(uint32(v)), nil
}

// unixMode converts permission bits (with setuid, setgid, sticky) to an
// os.FileMode.
func unixMode(v uint32) os.FileMode {
	m := os.FileMode(v & 0o777)
	if v&0o4000 != 0 {
		m |= os.ModeSetuid
	}
	if v&0o2000 != 0 {
		m |= os.ModeSetgid
	}
	if v&0o1000 != 0 {
		m |= os.ModeSticky
	}
	return m
}

// parseBool parses a YAML 1.1 boolean; an empty value is false.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "y":
		return true, true
	case "false", "no", "off", "n", "":
		return false, true
	}
	return false, false
}
