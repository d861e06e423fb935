package instinit

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeRoleEnv makes the test binary a stand-in for a service.
const fakeRoleEnv = "INSTINIT_TEST_FAKE_ROLE"

// fakeRootEnv is the test root the stand-in works in.
const fakeRootEnv = "INSTINIT_TEST_FAKE_ROOT"

// appendLine appends a line to a file.
func appendLine(p, line string) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err == nil {
		f.WriteString(line + "\n")
		f.Close()
	}
}

// fakeDockerd stands in for dockerd: it answers on root's
// /var/run/docker.sock and, on SIGTERM, takes a moment to stop.
func fakeDockerd(root string) int {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM)
	l, err := net.Listen("unix", filepath.Join(root, "/var/run/docker.sock"))
	if err != nil {
		return 1
	}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	<-sigs
	appendLine(filepath.Join(root, "order"), "dockerd-term")
	time.Sleep(300 * time.Millisecond)
	appendLine(filepath.Join(root, "order"), "dockerd-exit")
	l.Close()
	return 0
}

// TestServices starts stand-ins for dockerd, sshd and ssh-keygen in a
// test root and stops them: dockerd first, and fully, before sshd.
func TestServices(t *testing.T) {
	pub := testKey("root@host")
	root := writeRoot(t, map[string]string{
		"/var/run/docker.pid": "12345\n",
		"/usr/bin/dockerd":    "#!/bin/sh\necho \"dockerd $*\"\nINSTINIT_TEST_FAKE_ROLE=dockerd exec \"$INSTINIT_TEST_BIN\"\n",
		"/usr/sbin/sshd": "#!/bin/sh\necho \"sshd $*\"\ntrap 'echo sshd-term >> \"$INSTINIT_TEST_FAKE_ROOT/order\"; exit 0' TERM\n" +
			"while :; do sleep 0.05; done\n",
		"/usr/bin/ssh-keygen": "#!/bin/sh\necho \"ssh-keygen $*\"\nmkdir -p \"$INSTINIT_TEST_FAKE_ROOT/etc/ssh\"\ncd \"$INSTINIT_TEST_FAKE_ROOT/etc/ssh\"\n" +
			"for t in rsa ecdsa ed25519; do echo secret > ssh_host_${t}_key; done\necho '" + pub + "' > ssh_host_ed25519_key.pub\n",
	})
	for _, p := range []string{"/usr/sbin/sshd", "/usr/bin/ssh-keygen"} {
		os.Chmod(filepath.Join(root, p), 0o755)
	}
	t.Setenv("INSTINIT_TEST_BIN", os.Args[0])
	t.Setenv(fakeRootEnv, root)
	var log bytes.Buffer
	con := newConsole(&log)
	in := newInstance(root, con, false)
	in.pid1 = false
	ctx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	in.startServices(ctx)
	out := con.String()
	for _, want := range []string{"gureum-init: started dockerd", "gureum-init: docker: engine ready", "gureum-init: generating SSH host keys",
		"gureum-init: started sshd", "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n256 SHA256:", "root@localhost (ED25519)\n-----END SSH HOST KEY FINGERPRINTS-----",
		"-----BEGIN SSH HOST KEY KEYS-----\n" + strings.TrimSuffix(pub, " root@host") + "\n-----END SSH HOST KEY KEYS-----"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "secret") {
		t.Errorf("a private key reached the console:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, "/var/run/docker.pid")); err == nil {
		t.Error("the stale docker.pid was not removed")
	}
	if mode, _, _ := statOf(t, root, "/run/sshd"); mode != os.ModeDir|0o755 {
		t.Errorf("/run/sshd mode %v", mode)
	}
	time.Sleep(200 * time.Millisecond) // for the services' first output
	if got := readFile(t, root, "/var/log/dockerd.log"); got != "dockerd --host unix:///var/run/docker.sock\n" {
		t.Errorf("dockerd.log = %q", got)
	}
	if got := readFile(t, root, "/var/log/sshd.log"); got != "sshd -D -e\n" {
		t.Errorf("sshd.log = %q", got)
	}

	in.stop()
	if got := readFile(t, root, "/order"); got != "dockerd-term\ndockerd-exit\nsshd-term\n" {
		t.Errorf("stop order %q, want dockerd stopped before sshd", got)
	}
	if out := con.String(); strings.Contains(out, "not restarted") || !strings.Contains(out, "gureum-init: stopping dockerd") {
		t.Errorf("console:\n%s", out)
	}
	if _, err := in.start(ctx, spawn{name: "late", argv: []string{"/bin/true"}}); err == nil {
		t.Error("a stopped boot started a process")
	}

	// A service that dies is logged, and left alone.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	s, err := in.startService(ctx2, "short", "/bin/sh", []string{"-c", "exit 7"}, "/var/log/short.log", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	s.c.waitFor(5 * time.Second)
	time.Sleep(100 * time.Millisecond)
	if !strings.Contains(con.String(), "short (pid") || !strings.Contains(con.String(), "exited: exit status 7; it is not restarted") {
		t.Errorf("console:\n%s", con.String())
	}
}

// String is what a console writing to a test's buffer has written.
func (c *console) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.w.(*bytes.Buffer); ok {
		return b.String()
	}
	return ""
}
