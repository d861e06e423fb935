package instinit

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// mainEnv makes the test binary run Main instead of the tests.
const mainEnv = "GUREUM_INSTINIT_TEST_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(Main(os.Args[1:]))
	}
	if os.Getenv(fakeRoleEnv) == "dockerd" {
		os.Exit(fakeDockerd(os.Getenv(fakeRootEnv)))
	}
	os.Exit(m.Run())
}

// testKey is an ed25519 public key in authorized_keys form.
func testKey(comment string) string {
	pub, _, _ := ed25519.GenerateKey(nil)
	var blob []byte
	for _, s := range [][]byte{[]byte("ssh-ed25519"), pub} {
		blob = binary.BigEndian.AppendUint32(blob, uint32(len(s)))
		blob = append(blob, s...)
	}
	return "ssh-ed25519 " + base64.StdEncoding.EncodeToString(blob) + " " + comment
}

// consoleLog collects a running init's output, line by line.
type consoleLog struct {
	mu    sync.Mutex
	lines []string
	more  chan struct{}
}

// wait waits until the output has n lines containing s.
func (c *consoleLog) wait(t *testing.T, s string, n int, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		count := 0
		for _, l := range c.lines {
			if strings.Contains(l, s) {
				count++
			}
		}
		c.mu.Unlock()
		if count >= n {
			return
		}
		select {
		case <-c.more:
		case <-deadline:
			t.Fatalf("no %d lines with %q in:\n%s", n, s, c.String())
		}
	}
}

// String is the output so far.
func (c *consoleLog) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// TestMainRefusesOnAHost checks that Main, neither PID 1 nor in a
// container nor given a root, changes nothing.
func TestMainRefusesOnAHost(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = []string{mainEnv + "=1", "PATH=" + os.Getenv("PATH")}
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), "refusing") {
		t.Errorf("Main on a host: %v\n%s", err, out)
	}
}

// TestMainSubreaper runs the whole init (Main) in a child process on a
// test root, where it is a child subreaper instead of PID 1: first boot,
// user data, orphan reaping, reboot on SIGTERM, power off on SIGUSR2.
func TestMainSubreaper(t *testing.T) {
	root := writeRoot(t, map[string]string{
		"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"/etc/group":  "root:x:0:\nwheel:x:10:\n",
		"/etc/hosts":  "127.0.0.1 localhost\n",
	})
	script := fmt.Sprintf("#!/bin/sh\necho ran >> %[1]s/counter\nsleep 1000 &\necho $! > %[1]s/sleep.pid\n(sleep 0.2 &)\n", root)
	cfg := Config{InstanceID: "i-0subreaper", Hostname: "ip-10-0-9-9.ec2.internal", PrivateIP: "10.0.9.9", DefaultUser: "ec2-user",
		PublicKeys: []string{testKey("test@gureum")}, UserData: []byte(script)}
	b, _ := json.Marshal(cfg)
	if err := os.MkdirAll(filepath.Join(root, filepath.Dir(ConfigPath)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ConfigPath), b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), mainEnv+"=1", RootEnv+"="+root)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	con := &consoleLog{more: make(chan struct{}, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			con.mu.Lock()
			con.lines = append(con.lines, sc.Text())
			con.mu.Unlock()
			select {
			case con.more <- struct{}{}:
			default:
			}
		}
	}()
	ready := "gureum-init: instance i-0subreaper ready"
	con.wait(t, ready, 1, 30*time.Second)
	if got := readFile(t, root, "/counter"); got != "ran\n" {
		t.Errorf("counter %q", got)
	}
	if got := readFile(t, root, "/home/ec2-user/.ssh/authorized_keys"); !strings.Contains(got, "test@gureum") {
		t.Errorf("authorized_keys %q", got)
	}
	if got := readFile(t, root, "/etc/hosts"); !strings.Contains(got, "10.0.9.9\tip-10-0-9-9.ec2.internal ip-10-0-9-9") {
		t.Errorf("hosts %q", got)
	}
	sleepPID, _ := strconv.Atoi(strings.TrimSpace(readFile(t, root, "/sleep.pid")))
	if p, err := readStat(sleepPID); err != nil || p.ppid != cmd.Process.Pid {
		t.Errorf("the orphaned sleep (pid %d) is not the init's child: %+v, %v", sleepPID, p, err)
	}
	// The orphaned "sleep 0.2" is reaped.
	time.Sleep(1500 * time.Millisecond)
	for pid, p := range readProcs() {
		if p.ppid == cmd.Process.Pid && p.state == 'Z' {
			t.Errorf("zombie %d left unreaped", pid)
		}
	}
	for _, want := range []string{"Cloud-init v. gureum running 'modules:final'", "ci-info: user data finished with exit status 0",
		"Cloud-init v. gureum finished at", "ci-info: authorized key for ec2-user: ssh-ed25519 SHA256:"} {
		con.wait(t, want, 1, time.Second)
	}

	// SIGTERM reboots in place: the orphans are killed, user data does not
	// run again.
	cmd.Process.Signal(syscall.SIGTERM)
	con.wait(t, "reboot: Restarting system", 1, 15*time.Second)
	con.wait(t, ready, 2, 30*time.Second)
	if _, err := readStat(sleepPID); err == nil {
		t.Errorf("the user data's sleep (pid %d) survived the reboot", sleepPID)
	}
	if got := readFile(t, root, "/counter"); got != "ran\n" {
		t.Errorf("user data ran again on reboot: counter %q", got)
	}
	cmd.Process.Signal(syscall.SIGHUP)
	con.wait(t, "received SIGHUP: ignored", 1, 5*time.Second)

	start := time.Now()
	cmd.Process.Signal(syscall.SIGUSR2)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("init exited with %v\n%s", err, con.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("power off took %s", d)
	}
	time.Sleep(100 * time.Millisecond)
	t.Logf("console:\n%s", con.String())
	for _, want := range []string{"gureum-init: shutting down", "reboot: Power down", "gureum-init: received SIGUSR2"} {
		if !strings.Contains(con.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, con.String())
		}
	}
}
