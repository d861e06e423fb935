package instinit

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// writeRoot writes files (path in the instance → content) under a new
// root directory and returns it.
func writeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, p)
		dir := filepath.Dir(full)
		if strings.HasSuffix(p, "/") {
			dir = full
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		perm := os.FileMode(0o644)
		if strings.HasPrefix(p, "/bin/") || strings.HasPrefix(p, "/usr/bin/") {
			perm = 0o755
		}
		if strings.HasSuffix(p, "/") {
			continue
		}
		if err := os.WriteFile(full, []byte(content), perm); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// readFile reads a file under root.
func readFile(t *testing.T, root, p string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// statOf stats a file under root.
func statOf(t *testing.T, root, p string) (os.FileMode, int, int) {
	t.Helper()
	st, err := os.Lstat(filepath.Join(root, p))
	if err != nil {
		t.Fatal(err)
	}
	sys := st.Sys().(*syscall.Stat_t)
	return st.Mode(), int(sys.Uid), int(sys.Gid)
}

func TestEnsureUserDebian(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"/etc/passwd":          "root:x:0:0:root:/root:/bin/bash\ndebian:x:1000:1000::/home/debian:/bin/bash\n",
		"/etc/group":           "root:x:0:\nsudo:x:27:debian\ndocker:x:999:\ndebian:x:1000:\nuser1001:x:1001:\n",
		"/etc/shadow":          "root:*:19000:0:99999:7:::\ndebian:*:19000:0:99999:7:::\n",
		"/etc/gshadow":         "root:*::\nsudo:*::debian\ndocker:!::\ndebian:!::\nuser1001:!::\n",
		"/etc/sudoers.d/":      "",
		"/etc/skel/.bashrc":    "# bashrc\n",
		"/bin/bash":            "",
		"/root/.ssh/README.md": "",
	})
	os.Chmod(filepath.Join(root, "etc/shadow"), 0o640)
	var log bytes.Buffer
	u, err := EnsureUser(root, "admin", &log)
	if err != nil {
		t.Fatal(err)
	}
	// uid 1001 is free but its gid is taken: the user and its group get 1002.
	if u != (User{Name: "admin", UID: 1002, GID: 1002, Home: "/home/admin"}) {
		t.Errorf("user = %+v", u)
	}
	if got := readFile(t, root, "/etc/passwd"); !strings.HasSuffix(got, "\nadmin:x:1002:1002::/home/admin:/bin/bash\n") {
		t.Errorf("passwd:\n%s", got)
	}
	shadow := readFile(t, root, "/etc/shadow")
	if !strings.Contains(shadow, "\nadmin:*:") {
		t.Errorf("shadow:\n%s", shadow)
	}
	if mode, _, _ := statOf(t, root, "/etc/shadow"); mode.Perm() != 0o640 {
		t.Errorf("shadow mode %v, want kept at 0640", mode)
	}
	wantGroup := "root:x:0:\nsudo:x:27:debian,admin\ndocker:x:999:admin\ndebian:x:1000:\nuser1001:x:1001:\nadmin:x:1002:\n"
	if got := readFile(t, root, "/etc/group"); got != wantGroup {
		t.Errorf("group:\n%s\nwant\n%s", got, wantGroup)
	}
	if got := readFile(t, root, "/etc/gshadow"); !strings.Contains(got, "sudo:*::debian,admin\n") || !strings.HasSuffix(got, "admin:!::\n") {
		t.Errorf("gshadow:\n%s", got)
	}
	if got := readFile(t, root, SudoersPath); !strings.Contains(got, "\nadmin ALL=(ALL) NOPASSWD:ALL\n") {
		t.Errorf("sudoers:\n%s", got)
	}
	if mode, _, _ := statOf(t, root, SudoersPath); mode.Perm() != 0o440 {
		t.Errorf("sudoers mode %v", mode)
	}
	if got := readFile(t, root, "/home/admin/.bashrc"); got != "# bashrc\n" {
		t.Errorf("skel not copied: %q", got)
	}
	if os.Geteuid() == 0 {
		if _, uid, gid := statOf(t, root, "/home/admin/.bashrc"); uid != 1002 || gid != 1002 {
			t.Errorf(".bashrc owned by %d:%d", uid, gid)
		}
	}
	if !strings.Contains(log.String(), "gureum-init: created user admin (uid 1002)") {
		t.Errorf("log: %s", log.String())
	}

	// A second time changes nothing.
	before := readFile(t, root, "/etc/passwd") + readFile(t, root, "/etc/group") + readFile(t, root, "/etc/shadow") + readFile(t, root, SudoersPath)
	if u2, err := EnsureUser(root, "admin", &log); err != nil || u2 != u {
		t.Fatalf("again: %+v, %v", u2, err)
	}
	after := readFile(t, root, "/etc/passwd") + readFile(t, root, "/etc/group") + readFile(t, root, "/etc/shadow") + readFile(t, root, SudoersPath)
	if before != after {
		t.Errorf("a second EnsureUser changed the databases:\n%s\n---\n%s", before, after)
	}

	// An existing user is kept as it is, and joins the groups.
	if u, err := EnsureUser(root, "debian", &log); err != nil || u.UID != 1000 {
		t.Fatalf("debian: %+v, %v", u, err)
	}
	if got := readFile(t, root, "/etc/group"); !strings.Contains(got, "docker:x:999:admin,debian\n") {
		t.Errorf("group:\n%s", got)
	}

	for _, bad := range []string{"", "a:b", "x\ny", "-rf", "0day", strings.Repeat("a", 40)} {
		if _, err := EnsureUser(root, bad, &log); err == nil {
			t.Errorf("EnsureUser(%q) succeeded", bad)
		}
	}
}

func TestEnsureUserBusyBox(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"/etc/group":  "root:x:0:\nwheel:x:10:root\n",
	})
	u, err := EnsureUser(root, "ec2-user", &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, root, "/etc/passwd"); !strings.Contains(got, "\nec2-user:*:1000:1000::/home/ec2-user:/bin/sh\n") {
		t.Errorf("passwd without shadow:\n%s", got)
	}
	if got := readFile(t, root, "/etc/group"); got != "root:x:0:\nwheel:x:10:root,ec2-user\nec2-user:x:1000:\n" {
		t.Errorf("group:\n%s", got)
	}
	for _, p := range []string{"/etc/shadow", "/etc/gshadow", SudoersPath} {
		if _, err := os.Stat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s was created", p)
		}
	}
	if st, err := os.Stat(filepath.Join(root, u.Home)); err != nil || !st.IsDir() {
		t.Errorf("home: %v", err)
	}
}

func TestInstallKeys(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"/etc/passwd":                         "root:x:0:0:root:/root:/bin/sh\nec2-user:x:1000:1000::/home/ec2-user:/bin/sh\n",
		"/home/ec2-user/.ssh/authorized_keys": "ssh-rsa AAAAold old@key\n",
	})
	keys := []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 new@key", "ssh-rsa AAAAold old@key", "ecdsa-sha2-nistp256 AAAAx a\n\nssh-ed25519 AAAAy b\n"}
	var log bytes.Buffer
	for _, u := range []string{"root", "ec2-user"} {
		if err := InstallKeys(root, u, keys, &log); err != nil {
			t.Fatal(err)
		}
	}
	if err := InstallKeys(root, "ec2-user", keys, &log); err != nil { // again: nothing added
		t.Fatal(err)
	}
	want := "ssh-rsa AAAAold old@key\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 new@key\necdsa-sha2-nistp256 AAAAx a\nssh-ed25519 AAAAy b\n"
	if got := readFile(t, root, "/home/ec2-user/.ssh/authorized_keys"); got != want {
		t.Errorf("user's keys:\n%s\nwant\n%s", got, want)
	}
	wantRoot := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0 new@key\nssh-rsa AAAAold old@key\necdsa-sha2-nistp256 AAAAx a\nssh-ed25519 AAAAy b\n"
	if got := readFile(t, root, "/root/.ssh/authorized_keys"); got != wantRoot {
		t.Errorf("root's keys:\n%s", got)
	}
	for p, perm := range map[string]os.FileMode{"/home/ec2-user/.ssh": 0o700 | os.ModeDir, "/home/ec2-user/.ssh/authorized_keys": 0o600,
		"/root/.ssh": 0o700 | os.ModeDir, "/root/.ssh/authorized_keys": 0o600} {
		mode, uid, gid := statOf(t, root, p)
		if mode != perm {
			t.Errorf("%s: mode %v, want %v", p, mode, perm)
		}
		if os.Geteuid() == 0 && strings.HasPrefix(p, "/home") && (uid != 1000 || gid != 1000) {
			t.Errorf("%s owned by %d:%d", p, uid, gid)
		}
	}
	if !strings.Contains(log.String(), "3 SSH key(s) authorized for ec2-user") || !strings.Contains(log.String(), "0 SSH key(s) authorized for ec2-user") {
		t.Errorf("log:\n%s", log.String())
	}
	if err := InstallKeys(root, "nobody", keys, &log); err == nil {
		t.Error("keys for a missing user: no error")
	}
}

func TestFirstBoot(t *testing.T) {
	root := t.TempDir()
	first, err := FirstBoot(root, "i-0123")
	if err != nil || !first {
		t.Fatalf("without a marker: %v, %v", first, err)
	}
	if err := MarkBooted(root, "i-0123"); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, root, MarkerPath); !strings.HasPrefix(got, "instance-id: i-0123\n") {
		t.Errorf("marker: %q", got)
	}
	if first, err := FirstBoot(root, "i-0123"); err != nil || first {
		t.Errorf("same instance: first boot %v, %v", first, err)
	}
	// An instance launched from an image of i-0123 has the marker, with
	// another id: its first boot.
	if first, err := FirstBoot(root, "i-0456"); err != nil || !first {
		t.Errorf("another instance: first boot %v, %v", first, err)
	}
	if err := MarkBooted(root, "i-0456"); err != nil {
		t.Fatal(err)
	}
	if first, _ := FirstBoot(root, "i-0456"); first {
		t.Error("i-0456 marked, still a first boot")
	}
	if first, _ := FirstBoot(root, "i-0123"); !first {
		t.Error("i-0123 is no longer the marked instance")
	}
	// An odd id cannot forge the marker.
	odd := "i-7\ninstance-id: i-0456"
	if err := MarkBooted(root, odd); err != nil {
		t.Fatal(err)
	}
	if first, _ := FirstBoot(root, odd); first {
		t.Error("an id with a line break is never marked")
	}
	if first, _ := FirstBoot(root, "i-0456"); !first {
		t.Error("an id with a line break marked another instance")
	}
}

func TestRewriteHosts(t *testing.T) {
	docker := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
		"172.17.0.2\tip-10-0-1-5\n10.9.9.9 db.internal db # the database\n127.0.0.1 localhost myapp\n"
	want := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.0.1.5\tip-10-0-1-5.ec2.internal ip-10-0-1-5\n" +
		"fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n10.9.9.9 db.internal db # the database\n127.0.0.1 localhost myapp\n"
	got := rewriteHosts(docker, "10.0.1.5", "ip-10-0-1-5.ec2.internal")
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if again := rewriteHosts(got, "10.0.1.5", "ip-10-0-1-5.ec2.internal"); again != got {
		t.Errorf("not idempotent:\n%s", again)
	}
	// A new address replaces the old line.
	if moved := rewriteHosts(got, "10.0.2.7", "ip-10-0-1-5.ec2.internal"); strings.Contains(moved, "10.0.1.5") || !strings.Contains(moved, "10.0.2.7\tip-10-0-1-5.ec2.internal ip-10-0-1-5\n") {
		t.Errorf("moved:\n%s", moved)
	}
	if got := rewriteHosts("", "", "web"); got != "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\tweb\n" {
		t.Errorf("empty, no address:\n%s", got)
	}
	if got := rewriteHosts("10.1.1.1 other\n", "", ""); got != "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.1.1.1 other\n" {
		t.Errorf("no hostname:\n%s", got)
	}
}

func TestApplyHostname(t *testing.T) {
	root := writeRoot(t, map[string]string{"/etc/hostname": "abc123\n", "/etc/hosts": "127.0.0.1 localhost\n192.168.1.1 gw\n"})
	ino := func(p string) uint64 {
		st, err := os.Stat(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return st.Sys().(*syscall.Stat_t).Ino
	}
	before := ino("/etc/hosts")
	if err := ApplyHostname(root, "ip-10-0-1-5.ec2.internal", "10.0.1.5", &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, root, "/etc/hostname"); got != "ip-10-0-1-5\n" {
		t.Errorf("hostname: %q", got)
	}
	if got := readFile(t, root, "/etc/hosts"); !strings.Contains(got, "10.0.1.5\tip-10-0-1-5.ec2.internal ip-10-0-1-5\n") || !strings.HasSuffix(got, "192.168.1.1 gw\n") {
		t.Errorf("hosts:\n%s", got)
	}
	if ino("/etc/hosts") != before {
		t.Error("/etc/hosts was replaced, not written in place (a bind mount cannot be replaced)")
	}
	if err := ApplyHostname(root, "bad name\n1.2.3.4 evil", "", &bytes.Buffer{}); err == nil {
		t.Error("a bad hostname was accepted")
	}
}
