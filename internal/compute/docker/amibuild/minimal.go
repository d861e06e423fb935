package amibuild

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// hostBusybox is where Debian's busybox-static package puts BusyBox.
const hostBusybox = "/bin/busybox"

// The minimal image's default user.
const (
	minimalUser = "ec2-user"
	minimalUID  = 1000
)

// buildMinimal imports a BusyBox root filesystem as ref.
func buildMinimal(ctx context.Context, c *client.Client, ref string, p *progress) (string, error) {
	if err := ensurePackage(ctx, p, "busybox-static", func() bool { return staticELF(hostBusybox) }); err != nil {
		return "", err
	}
	bin, err := os.ReadFile(hostBusybox)
	if err != nil {
		return "", fmt.Errorf("amibuild: reading %s: %w", hostBusybox, err)
	}
	out, err := run(ctx, hostBusybox, "--list-full")
	if err != nil {
		return "", fmt.Errorf("amibuild: listing BusyBox's applets: %w", err)
	}
	banner, _ := command(ctx, hostBusybox).CombinedOutput() // prints its version; the exit status varies
	version := busyboxVersion(string(banner))
	entries := minimalTree(bin, strings.Fields(string(out)), version)
	m := meta{
		name:        "busybox-minimal-gureum-" + Arch(), // the catalogue's name: AMI ids are hashes of it
		description: "gureum minimal: BusyBox " + version + " " + Arch() + ", built by gureum",
		defaultUser: minimalUser,
		volumeGiB:   1,
		message:     "gureum ami build minimal",
	}
	p.logf("importing a BusyBox %s root filesystem (%d entries, %d applets) as %s", version, len(entries), len(strings.Fields(string(out))), ref)
	id, err := importTar(ctx, c, ref, m, func(w io.Writer) error { return writeEntries(w, entries) })
	if err != nil {
		return "", err
	}
	return id, nil
}

// staticELF reports whether path is a statically linked ELF executable
// (one that runs in an image with no C library).
func staticELF(path string) bool {
	f, err := elf.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false
		}
	}
	return true
}

// busyboxVersion reads the version, e.g. "1.35.0", from BusyBox's banner.
func busyboxVersion(banner string) string {
	m := regexp.MustCompile(`BusyBox v([0-9]+(?:\.[0-9]+)*)`).FindStringSubmatch(banner)
	if m == nil {
		return "unknown"
	}
	return m[1]
}

// shortVersion is major.minor of a version, e.g. "1.35" of "1.35.0".
func shortVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		return parts[0] + "." + parts[1]
	}
	return v
}

// entry is one member of a root filesystem written from memory.
type entry struct {
	name     string // relative, slash-separated
	typ      byte   // tar.TypeDir, tar.TypeReg or tar.TypeSymlink
	mode     int64
	uid, gid int
	data     []byte // a regular file's contents
	link     string // a symbolic link's target
}

// minimalTree is the minimal image's root filesystem: BusyBox (bin) with
// a symbolic link per applet of applets (as `busybox --list-full` names
// them), the accounts of root, ec2-user and nobody, and the directories
// a Linux system expects.
func minimalTree(bin []byte, applets []string, version string) []entry {
	dirs := map[string]entry{}
	dir := func(name string, mode int64, uid int) {
		dirs[name] = entry{name: name, typ: tar.TypeDir, mode: mode, uid: uid, gid: uid}
	}
	for _, d := range []string{"bin", "sbin", "usr", "usr/bin", "usr/sbin", "etc", "home", "var", "var/log", "var/lib",
		"var/lib/gureum", "var/spool", "run", "mnt", "opt", "dev"} {
		dir(d, 0o755, 0)
	}
	dir("proc", 0o555, 0)
	dir("sys", 0o555, 0)
	dir("root", 0o700, 0)
	dir("tmp", 0o1777, 0)
	dir("var/tmp", 0o1777, 0)
	dir("home/"+minimalUser, 0o700, minimalUID)

	file := func(name string, mode int64, data string) entry {
		return entry{name: name, typ: tar.TypeReg, mode: mode, data: []byte(data)}
	}
	files := []entry{
		{name: "bin/busybox", typ: tar.TypeReg, mode: 0o755, data: bin},
		file("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\n"+
			fmt.Sprintf("%s:x:%d:%d:EC2 Default User:/home/%s:/bin/sh\n", minimalUser, minimalUID, minimalUID, minimalUser)+
			"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"),
		file("etc/group", 0o644, "root:x:0:\nwheel:x:10:"+minimalUser+"\n"+
			fmt.Sprintf("%s:x:%d:\n", minimalUser, minimalUID)+"nogroup:x:65534:\n"),
		file("etc/shadow", 0o600, "root:*:20000:0:99999:7:::\n"+minimalUser+":!:20000:0:99999:7:::\nnobody:*:20000:0:99999:7:::\n"),
		file("etc/os-release", 0o644, "NAME=\"gureum minimal (BusyBox)\"\nPRETTY_NAME=\"gureum minimal (BusyBox "+version+")\"\n"+
			"ID=busybox\nVERSION_ID=\""+version+"\"\nHOME_URL=\"https://busybox.net/\"\n"),
		file("etc/hostname", 0o644, "localhost\n"),
		file("etc/hosts", 0o644, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
		file("etc/profile", 0o644, "export PATH="+imagePath+"\nexport PS1='\\u@\\h:\\w\\$ '\n"),
		file("etc/shells", 0o644, "/bin/sh\n/bin/ash\n"),
	}
	links := []entry{{name: "var/run", typ: tar.TypeSymlink, mode: 0o777, link: "../run"}}
	seen := map[string]bool{"bin/busybox": true}
	for _, a := range applets {
		a = strings.Trim(path.Clean("/"+a), "/")
		if !strings.Contains(a, "/") || seen[a] { // "linuxrc" is an initrd's init
			continue
		}
		seen[a] = true
		for d := path.Dir(a); d != "."; d = path.Dir(d) {
			if _, ok := dirs[d]; !ok {
				dir(d, 0o755, 0)
			}
		}
		links = append(links, entry{name: a, typ: tar.TypeSymlink, mode: 0o777, link: "/bin/busybox"})
	}
	out := make([]entry, 0, len(dirs)+len(files)+len(links))
	for _, d := range dirs {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	out = append(out, files...)
	return append(out, links...)
}

// writeEntries writes entries to w as a tar stream.
func writeEntries(w io.Writer, entries []entry) error {
	tw := tar.NewWriter(w)
	now := time.Now().Truncate(time.Second)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.gid, ModTime: now, Linkname: e.link}
		switch e.typ {
		case tar.TypeDir:
			h.Name += "/"
		case tar.TypeReg:
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		if _, err := io.Copy(tw, bytes.NewReader(e.data)); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("finishing the tar stream: %w", err)
	}
	return nil
}
