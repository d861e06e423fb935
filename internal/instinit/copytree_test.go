package instinit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lstat stats p without following a symlink.
func lstat(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestCopyTree(t *testing.T) {
	root := os.Geteuid() == 0
	base := t.TempDir()
	src, dst, outside := filepath.Join(base, "src"), filepath.Join(base, "dst"), filepath.Join(base, "outside")
	for _, d := range []string{src, dst, outside, src + "/dir/sub", src + "/sticky", src + "/ro"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(outside+"/secret", []byte("outside"), 0o644))
	must(os.WriteFile(src+"/file", []byte("hello"), 0o644))
	must(os.WriteFile(src+"/dir/sub/setuid", []byte("#!/bin/sh\n"), 0o755))
	must(unix.Chmod(src+"/dir/sub/setuid", 0o4755))
	must(unix.Chmod(src+"/sticky", 0o1777))
	must(unix.Chmod(src+"/dir", 0o2750))
	must(os.Link(src+"/file", src+"/dir/hardlink"))
	must(os.Symlink("../file", src+"/dir/rel"))
	must(os.Symlink(outside, src+"/out-dir"))
	must(os.Symlink(outside+"/secret", src+"/out-file"))
	must(os.Symlink("dangling", src+"/dangling"))
	must(unix.Mkfifo(src+"/fifo", 0o640))
	must(os.WriteFile(src+"/ro/f", []byte("x"), 0o400))
	must(os.Chmod(src+"/ro", 0o500))
	t.Cleanup(func() { os.Chmod(src+"/ro", 0o755); os.Chmod(dst+"/ro", 0o755) })
	xattrs := unix.Setxattr(src+"/file", "user.gureum", []byte("v1"), 0) == nil
	if root {
		must(unix.Mknod(src+"/whiteout", unix.S_IFCHR|0o000, 0))
		must(unix.Mknod(src+"/null", unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
		must(os.Lchown(src+"/dir/sub/setuid", 1234, 5678))
		must(unix.Chmod(src+"/dir/sub/setuid", 0o4755))
		must(os.Lchown(src+"/dangling", 42, 43))
		must(unix.Setxattr(src+"/dir/sub/setuid", "trusted.overlay.opaque", []byte("y"), 0))
		must(unix.Setxattr(src+"/dir", "security.gureum", []byte("label"), 0))
	}
	old := time.Date(2001, 2, 3, 4, 5, 6, 7000, time.UTC)
	ts := []unix.Timespec{unix.NsecToTimespec(old.UnixNano()), unix.NsecToTimespec(old.Add(time.Hour).UnixNano())}
	for _, p := range []string{"/file", "/dir/sub/setuid", "/dir/rel", "/fifo", "/dir/sub", "/dir", "/ro", ""} {
		must(unix.UtimesNanoAt(unix.AT_FDCWD, src+p, ts, unix.AT_SYMLINK_NOFOLLOW))
	}
	// Something in dst in the way is replaced.
	must(os.WriteFile(dst+"/dir", []byte("in the way"), 0o644))

	if err := CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
	// Times first: reading a file changes its access time.
	for _, p := range []string{"/file", "/dir/sub/setuid", "/dir/rel", "/fifo", "/dir/sub", "/dir", "/ro", ""} {
		st := lstat(t, dst+p)
		if st.Mtim != ts[1] || st.Atim != ts[0] {
			t.Errorf("%s: times %v %v, want %v %v", p, st.Atim, st.Mtim, ts[0], ts[1])
		}
	}

	if b, err := os.ReadFile(dst + "/file"); err != nil || string(b) != "hello" {
		t.Errorf("file: %q, %v", b, err)
	}
	f, h := lstat(t, dst+"/file"), lstat(t, dst+"/dir/hardlink")
	if f.Ino != h.Ino || f.Nlink != 2 {
		t.Errorf("hard link not kept: inodes %d, %d, links %d", f.Ino, h.Ino, f.Nlink)
	}
	if st := lstat(t, dst+"/file"); st.Ino == lstat(t, src+"/file").Ino {
		t.Error("dst/file is src/file")
	}
	for p, want := range map[string]uint32{
		"/dir/sub/setuid": unix.S_IFREG | 0o4755, "/sticky": unix.S_IFDIR | 0o1777, "/dir": unix.S_IFDIR | 0o2750,
		"/fifo": unix.S_IFIFO | 0o640, "/ro": unix.S_IFDIR | 0o500, "/ro/f": unix.S_IFREG | 0o400, "": unix.S_IFDIR | 0o755,
	} {
		if st := lstat(t, dst+p); st.Mode != want {
			t.Errorf("%s: mode %#o, want %#o", p, st.Mode, want)
		}
	}
	for link, target := range map[string]string{"/dir/rel": "../file", "/out-dir": outside, "/out-file": outside + "/secret", "/dangling": "dangling"} {
		if got, err := os.Readlink(dst + link); err != nil || got != target {
			t.Errorf("%s -> %q, %v; want -> %q", link, got, err, target)
		}
	}
	if _, err := os.Lstat(dst + "/out-dir/secret"); err != nil {
		t.Errorf("the symlink out of src does not resolve: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 1 {
		t.Errorf("something was written outside: %v", entries)
	}
	if xattrs {
		buf := make([]byte, 16)
		if n, err := unix.Lgetxattr(dst+"/file", "user.gureum", buf); err != nil || string(buf[:n]) != "v1" {
			t.Errorf("user xattr: %q, %v", buf[:n], err)
		}
	}
	if !root {
		t.Log("not root: device nodes, owners and trusted.* attributes not tested")
		return
	}
	for p, want := range map[string]uint64{"/whiteout": 0, "/null": unix.Mkdev(1, 3)} {
		st := lstat(t, dst+p)
		if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != want {
			t.Errorf("%s: mode %#o rdev %d", p, st.Mode, st.Rdev)
		}
	}
	if st := lstat(t, dst+"/dir/sub/setuid"); st.Uid != 1234 || st.Gid != 5678 || st.Mode&0o4000 == 0 {
		t.Errorf("setuid: owner %d:%d mode %#o", st.Uid, st.Gid, st.Mode)
	}
	if st := lstat(t, dst+"/dangling"); st.Uid != 42 || st.Gid != 43 {
		t.Errorf("symlink owner %d:%d", st.Uid, st.Gid)
	}
	for p, attr := range map[string]string{"/dir/sub/setuid": "trusted.overlay.opaque", "/dir": "security.gureum"} {
		buf := make([]byte, 16)
		n, err := unix.Lgetxattr(dst+p, attr, buf)
		if err != nil && !errors.Is(err, unix.ENOTSUP) {
			t.Errorf("%s %s: %v", p, attr, err)
		} else if err == nil && !bytes.Equal(buf[:n], map[string][]byte{"/dir/sub/setuid": []byte("y"), "/dir": []byte("label")}[p]) {
			t.Errorf("%s %s = %q", p, attr, buf[:n])
		}
	}
}

func TestCopyTreeIntoItself(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(src+"/a", []byte("a"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(src+"/copy", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CopyTree(src, src+"/copy"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(src + "/copy/a"); err != nil || string(b) != "a" {
		t.Errorf("copy/a: %q, %v", b, err)
	}
	if _, err := os.Lstat(src + "/copy/copy"); err == nil {
		t.Error("the destination was copied into itself")
	}
	if err := CopyTree(src+"/a", t.TempDir()); err == nil {
		t.Error("copying a file: no error")
	}
	if err := CopyTree(src, src+"/missing"); err == nil {
		t.Error("copying into a missing directory: no error")
	}
}
