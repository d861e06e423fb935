package amibuild

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// capNetRaw is a security.capability value (VFS_CAP_REVISION_2,
// effective) granting cap_net_raw, as ping has it.
const capNetRaw = "\x01\x00\x00\x02" + "\x00\x20\x00\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

func TestWriteTreeTarRoundTrip(t *testing.T) {
	root := t.TempDir()
	root = filepath.Join(root, "rootfs")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	write := func(rel, data string, mode os.FileMode) {
		t.Helper()
		p := filepath.Join(root, rel)
		must(os.MkdirAll(filepath.Dir(p), 0o755))
		must(os.WriteFile(p, []byte(data), mode))
		must(os.Chmod(p, mode))
	}
	must(os.MkdirAll(filepath.Join(root, "etc/secret"), 0o750))
	must(os.Chmod(filepath.Join(root, "etc/secret"), 0o750))
	must(os.MkdirAll(filepath.Join(root, "tmp"), 0o755))
	must(os.Chmod(filepath.Join(root, "tmp"), os.ModeSticky|0o777))
	write("etc/secret/key", "k3y", 0o640)
	write("bin/tool", "#!/bin/sh\necho tool\n", 0o755)
	write("bin/suid", "suid", os.ModeSetuid|0o755)
	write("bin/ping", "ping", 0o755)
	write("proc/self/status", "must not be archived", 0o644)
	write("dev/null", "must not be archived", 0o644)
	must(os.MkdirAll(filepath.Join(root, "sys/kernel"), 0o755))
	must(os.Link(filepath.Join(root, "bin/tool"), filepath.Join(root, "bin/tool2")))
	must(os.Symlink("tool", filepath.Join(root, "bin/sym")))
	must(os.Symlink("/nonexistent/abs", filepath.Join(root, "bin/dangling")))
	must(syscall.Mkfifo(filepath.Join(root, "bin/fifo"), 0o600))

	asRoot := os.Geteuid() == 0
	xattrs := map[string]string{}
	if err := syscall.Setxattr(filepath.Join(root, "bin/ping"), "user.gureum", []byte("hello"), 0); err == nil {
		xattrs["user.gureum"] = "hello"
	} else if !errors.Is(err, syscall.ENOTSUP) {
		t.Fatal(err)
	}
	if asRoot {
		must(syscall.Setxattr(filepath.Join(root, "bin/ping"), "security.capability", []byte(capNetRaw), 0))
		xattrs["security.capability"] = capNetRaw
		must(os.Lchown(filepath.Join(root, "etc/secret/key"), 1234, 5678))
		must(os.Lchown(filepath.Join(root, "bin/sym"), 42, 43))
	}

	var buf bytes.Buffer
	var progressed int64
	must(writeTreeTar(&buf, root, func(n int64) { progressed = n }))
	size, err := treeSize(root)
	must(err)
	if progressed != size {
		t.Errorf("progress ended at %d bytes, treeSize says %d", progressed, size)
	}

	got := map[string]*tar.Header{}
	data := map[string]string{}
	var order []string
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(err)
		b, err := io.ReadAll(tr)
		must(err)
		got[h.Name], data[h.Name] = h, string(b)
		order = append(order, h.Name)
	}
	for _, absent := range []string{"proc/self/", "proc/self/status", "dev/null", "sys/kernel/"} {
		if got[absent] != nil {
			t.Errorf("%s was archived; the contents of proc, dev and sys must not be", absent)
		}
	}
	for _, dir := range []string{"proc/", "dev/", "sys/", "etc/", "etc/secret/", "tmp/", "bin/"} {
		if h := got[dir]; h == nil || h.Typeflag != tar.TypeDir {
			t.Errorf("directory %s missing or not a directory: %+v", dir, h)
		}
	}
	checkMode := func(name string, want int64) {
		t.Helper()
		if h := got[name]; h == nil {
			t.Errorf("%s missing", name)
		} else if h.Mode&0o7777 != want {
			t.Errorf("%s mode %o, want %o", name, h.Mode&0o7777, want)
		}
	}
	checkMode("etc/secret/", 0o750)
	checkMode("tmp/", 0o1777)
	checkMode("etc/secret/key", 0o640)
	checkMode("bin/suid", 0o4755)
	checkMode("bin/tool", 0o755)
	if data["etc/secret/key"] != "k3y" || data["bin/tool"] != "#!/bin/sh\necho tool\n" {
		t.Errorf("contents wrong: %q %q", data["etc/secret/key"], data["bin/tool"])
	}

	// Hard links: the first name in walk order holds the data.
	first, second := "bin/tool", "bin/tool2"
	if h := got[second]; h == nil || h.Typeflag != tar.TypeLink || h.Linkname != first || h.Size != 0 {
		t.Errorf("hard link %s: %+v, want a link to %s", second, h, first)
	}
	if h := got[first]; h == nil || h.Typeflag != tar.TypeReg {
		t.Errorf("%s should be the regular file of the hard link pair: %+v", first, h)
	}
	if h := got["bin/sym"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "tool" {
		t.Errorf("symlink bin/sym: %+v", h)
	}
	if h := got["bin/dangling"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/nonexistent/abs" {
		t.Errorf("symlink bin/dangling: %+v", h)
	}
	if h := got["bin/fifo"]; h == nil || h.Typeflag != tar.TypeFifo {
		t.Errorf("fifo: %+v", h)
	}
	if h := got["etc/secret/key"]; h != nil && (h.Uname != "" || h.Gname != "") {
		t.Errorf("host user names leaked into the archive: %q %q", h.Uname, h.Gname)
	}
	if asRoot {
		if h := got["etc/secret/key"]; h.Uid != 1234 || h.Gid != 5678 {
			t.Errorf("owner %d:%d, want 1234:5678", h.Uid, h.Gid)
		}
		if h := got["bin/sym"]; h.Uid != 42 || h.Gid != 43 {
			t.Errorf("symlink owner %d:%d, want 42:43", h.Uid, h.Gid)
		}
	} else {
		t.Log("not root: owners and security.capability not checked")
	}
	for k, v := range xattrs {
		if h := got["bin/ping"]; h == nil || h.PAXRecords["SCHILY.xattr."+k] != v {
			t.Errorf("xattr %s of bin/ping lost: %+v", k, h)
		}
	}
	if h := got["bin/tool"]; h != nil && len(h.PAXRecords) != 0 {
		t.Errorf("bin/tool has no xattrs, yet PAX records %v", h.PAXRecords)
	}
	if order[0] == "" || order[0][0] == '/' || order[0] == "./" {
		t.Errorf("names must be relative to the root: first is %q", order[0])
	}
}

func TestWriteTreeTarMissingRoot(t *testing.T) {
	if err := writeTreeTar(io.Discard, filepath.Join(t.TempDir(), "nope"), nil); err == nil {
		t.Fatal("archiving a missing tree succeeded")
	}
}

func TestWriteEntries(t *testing.T) {
	tree := minimalTree([]byte("BB"), []string{"bin/sh", "sbin/poweroff", "usr/bin/wget", "linuxrc", "bin/busybox", "usr/local/bin/x"}, "1.35.0")
	var buf bytes.Buffer
	if err := writeEntries(&buf, tree); err != nil {
		t.Fatal(err)
	}
	got := map[string]*tar.Header{}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := got[h.Name]; dup {
			t.Errorf("%s twice", h.Name)
		}
		got[h.Name] = h
	}
	for _, l := range []string{"bin/sh", "sbin/poweroff", "usr/bin/wget", "usr/local/bin/x"} {
		if h := got[l]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "/bin/busybox" {
			t.Errorf("applet %s: %+v", l, h)
		}
	}
	for _, d := range []string{"usr/local/", "usr/local/bin/", "var/lib/gureum/", "proc/", "sys/", "dev/", "run/"} {
		if h := got[d]; h == nil || h.Typeflag != tar.TypeDir {
			t.Errorf("directory %s: %+v", d, h)
		}
	}
	if got["linuxrc"] != nil {
		t.Error("linuxrc should not be linked")
	}
	if h := got["bin/busybox"]; h == nil || h.Typeflag != tar.TypeReg || h.Size != 2 || h.Mode != 0o755 {
		t.Errorf("bin/busybox: %+v", h)
	}
	if h := got["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Errorf("tmp: %+v", h)
	}
	if h := got["root/"]; h == nil || h.Mode != 0o700 {
		t.Errorf("root: %+v", h)
	}
	if h := got["home/ec2-user/"]; h == nil || h.Uid != 1000 || h.Gid != 1000 {
		t.Errorf("home/ec2-user: %+v", h)
	}
	if h := got["var/run"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "../run" {
		t.Errorf("var/run: %+v", h)
	}
}

func TestBusyboxVersion(t *testing.T) {
	v := busyboxVersion("BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) multi-call binary.\nBusyBox is copyrighted")
	if v != "1.35.0" || shortVersion(v) != "1.35" {
		t.Errorf("version %q short %q", v, shortVersion(v))
	}
	if busyboxVersion("nonsense") != "unknown" {
		t.Error("unknown banner")
	}
}

func TestResolveInRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "usr/sbin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("usr/sbin", filepath.Join(root, "sbin")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc", filepath.Join(root, "abs")); err != nil { // absolute: must stay inside root
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../..", filepath.Join(root, "up")); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"sbin/poweroff":   "usr/sbin/poweroff",
		"abs/passwd":      "etc/passwd",
		"up/etc/shadow":   "etc/shadow",
		"../../etc/x":     "etc/x",
		"missing/dir/f":   "missing/dir/f",
		"etc/hostname":    "etc/hostname",
		"sbin":            "sbin", // the last element is not followed
		"usr/sbin/../bin": "usr/bin",
	}
	for rel, want := range cases {
		got, err := resolveInRoot(root, rel)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if got != filepath.Join(root, want) {
			t.Errorf("resolveInRoot(%q) = %q, want %q", rel, got, filepath.Join(root, want))
		}
	}
	if err := writeInRoot(root, "abs/x.conf", []byte("x"), 0o440, false); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(root, "etc/x.conf")); err != nil || fi.Mode().Perm() != 0o440 {
		t.Errorf("writeInRoot through an absolute link: %v %v", fi, err)
	}
	if err := writeInRoot(root, "abs/x.conf", []byte("changed"), 0o644, true); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(root, "etc/x.conf")); string(b) != "x" {
		t.Errorf("keep rewrote an existing file: %q", b)
	}
	if err := removeInRoot(root, "abs/x.*"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/x.conf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("removeInRoot left etc/x.conf: %v", err)
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	if got := unescapeMountinfo(`/tmp/a\040b\134c`); got != `/tmp/a b\c` {
		t.Errorf("got %q", got)
	}
}
