package instinit

import (
	"archive/tar"
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// dockerPrefix names the containers and images the tests make.
const dockerPrefix = "gureum-test-instinit-"

// requireDocker skips the test when there is no Docker Engine (or no
// static BusyBox to make an image of), unless CI=true, where it fails.
func requireDocker(t *testing.T) {
	t.Helper()
	skip := t.Skipf
	if os.Getenv("CI") == "true" {
		skip = t.Fatalf
	}
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		skip("docker info: %v\n%s", err, out)
	}
	f, err := elf.Open("/bin/busybox")
	if err != nil {
		skip("no /bin/busybox (Debian's busybox-static): %v", err)
		return
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			skip("/bin/busybox is not statically linked: install busybox-static")
		}
	}
}

// docker runs the docker CLI and returns its standard output.
func docker(t *testing.T, stdin []byte, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// mustDocker is docker, failing the test on an error.
func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := docker(t, nil, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// busyboxRootfs is a tar of a minimal BusyBox system: /bin/busybox, a
// symlink for each of its applets, and root's account.
func busyboxRootfs(t *testing.T) []byte {
	t.Helper()
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal(err)
	}
	list, err := exec.Command("/bin/busybox", "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body []byte) {
		h.ModTime = time.Now()
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"bin", "dev", "etc", "home", "proc", "run", "sys", "usr", "usr/bin", "var", "var/lib", "var/log"} {
		add(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}, nil)
	}
	add(&tar.Header{Name: "root/", Typeflag: tar.TypeDir, Mode: 0o700}, nil)
	add(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, nil)
	add(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755}, bb)
	for _, applet := range strings.Fields(string(list)) {
		if applet != "busybox" {
			add(&tar.Header{Name: "bin/" + applet, Typeflag: tar.TypeSymlink, Linkname: "busybox", Mode: 0o777}, nil)
		}
	}
	add(&tar.Header{Name: "etc/passwd", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("root:x:0:0:root:/root:/bin/sh\n"))
	add(&tar.Header{Name: "etc/group", Typeflag: tar.TypeReg, Mode: 0o644}, []byte("root:x:0:\nwheel:x:10:root\n"))
	add(&tar.Header{Name: "etc/shadow", Typeflag: tar.TypeReg, Mode: 0o600}, []byte("root:*:19000:0:99999:7:::\n"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInitAsPID1InDocker boots a BusyBox instance with the init as PID 1
// in a Docker container: first boot with user data, keys and a user;
// orphans reaped; `docker stop` (SIGRTMIN+3) powers it off cleanly and
// quickly; a restart does not run user data again; SIGTERM reboots in
// place; busybox poweroff (SIGUSR2) powers off.
func TestInitAsPID1InDocker(t *testing.T) {
	requireDocker(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "gureum")
	build := exec.Command("go", "build", "-o", bin, "./testdata/initmain")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the init: %v\n%s", err, out)
	}
	name := fmt.Sprintf("%s%d-%d", dockerPrefix, os.Getpid(), time.Now().UnixNano()%1e9)
	image := name + ":busybox"
	if _, err := docker(t, busyboxRootfs(t), "import", "-", image); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		docker(t, nil, "rm", "-f", name)
		docker(t, nil, "rmi", "-f", image)
	})

	key := testKey("docker@gureum")
	script := "#!/bin/sh\necho 'hello from user data'\necho hello > /tmp/hello\necho ran >> /var/lib/counter\nsleep 1000 &\n"
	cfg := Config{InstanceID: "i-0docker", Hostname: "ip-10-0-1-5.ec2.internal", PrivateIP: "10.0.1.5", DefaultUser: "ec2-user",
		PublicKeys: []string{key}, UserData: []byte(script)}
	b, _ := json.Marshal(cfg)
	cfgPath := filepath.Join(tmp, "instance.json")
	if err := os.WriteFile(cfgPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	mustDocker(t, "run", "-d", "--name", name, "--stop-signal", "37", "--network", "none", "--hostname", "ip-10-0-1-5",
		"-v", bin+":/.gureum/gureum:ro", "-v", cfgPath+":"+ConfigPath+":ro", image, "/.gureum/gureum", "instance-init")

	logs := func() string {
		out, _ := exec.Command("docker", "logs", name).CombinedOutput()
		return string(out)
	}
	waitLog := func(s string, n int) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for strings.Count(logs(), s) < n {
			if time.Now().After(deadline) {
				t.Fatalf("no %d times %q in the console:\n%s", n, s, logs())
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	exe := func(args ...string) string {
		t.Helper()
		return mustDocker(t, append([]string{"exec", name}, args...)...)
	}
	ready := "gureum-init: instance i-0docker ready"
	waitLog(ready, 1)

	if got := exe("cat", "/tmp/hello"); got != "hello\n" {
		t.Errorf("/tmp/hello = %q", got)
	}
	if got := exe("cat", "/home/ec2-user/.ssh/authorized_keys"); got != key+"\n" {
		t.Errorf("authorized_keys = %q", got)
	}
	if got := exe("stat", "-c", "%a %u %g", "/home/ec2-user/.ssh/authorized_keys", "/home/ec2-user/.ssh", "/root/.ssh/authorized_keys"); got != "600 1000 1000\n700 1000 1000\n600 0 0\n" {
		t.Errorf("modes and owners: %q", got)
	}
	if got := exe("id", "ec2-user"); !strings.Contains(got, "uid=1000(ec2-user)") || !strings.Contains(got, "wheel") {
		t.Errorf("id ec2-user: %q", got)
	}
	if got := exe("cat", "/etc/hosts"); !strings.Contains(got, "10.0.1.5\tip-10-0-1-5.ec2.internal ip-10-0-1-5\n") {
		t.Errorf("/etc/hosts:\n%s", got)
	}
	for _, want := range []string{"hello from user data", "ci-info: user data finished with exit status 0", "Cloud-init v. gureum finished at"} {
		if !strings.Contains(logs(), want) {
			t.Errorf("console lacks %q", want)
		}
	}

	// Orphans: each "sleep 0" becomes a zombie of "sleep 2", is handed to
	// PID 1 when that exits, and must be reaped; "(sleep 1 &)" is an
	// orphan from the start.
	exe("sh", "-c", "sleep 0 & sleep 0 & exec sleep 2")
	exe("sh", "-c", "(sleep 1 &); (sleep 1 &); true")
	zombies := func() []string {
		out, _ := docker(t, nil, "exec", name, "sh", "-c", "cat /proc/[0-9]*/stat 2>/dev/null")
		var z []string
		for _, l := range strings.Split(out, "\n") {
			if i := strings.LastIndexByte(l, ')'); i > 0 && strings.HasPrefix(l[i:], ") Z") {
				z = append(z, l)
			}
		}
		return z
	}
	deadline := time.Now().Add(10 * time.Second)
	for z := zombies(); len(z) > 0; z = zombies() {
		if time.Now().After(deadline) {
			t.Fatalf("zombies are left:\n%s", strings.Join(z, "\n"))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// docker stop sends SIGRTMIN+3: a clean, quick power off.
	start := time.Now()
	mustDocker(t, "stop", "-t", "30", name)
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("docker stop took %s", d)
	}
	if got := strings.TrimSpace(mustDocker(t, "inspect", "-f", "{{.State.ExitCode}}", name)); got != "0" {
		t.Errorf("exit code after docker stop: %s\n%s", got, logs())
	}
	if !strings.Contains(logs(), "reboot: Power down") {
		t.Errorf("no power down line:\n%s", logs())
	}

	// A restart is not a first boot.
	mustDocker(t, "start", name)
	waitLog(ready, 2)
	if got := exe("cat", "/var/lib/counter"); got != "ran\n" {
		t.Errorf("user data ran again: counter %q", got)
	}

	// busybox reboot (SIGTERM) reboots in place.
	// (Sent from the host: a signal sent by `docker exec kill` races the
	// shutdown, which also ends the kill process itself.)
	sendSignal(t, name, "TERM")
	waitLog("reboot: Restarting system", 1)
	waitLog(ready, 3)
	if got := exe("cat", "/var/lib/counter"); got != "ran\n" {
		t.Errorf("user data ran on reboot: counter %q", got)
	}

	// busybox poweroff (SIGUSR2) powers off.
	sendSignal(t, name, "USR2")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "wait", name).Output()
	if err != nil || strings.TrimSpace(string(out)) != "0" {
		t.Errorf("docker wait after poweroff: %q, %v\n%s", out, err, logs())
	}
	if n := strings.Count(logs(), "reboot: Power down"); n != 2 {
		t.Errorf("%d power down lines, want 2", n)
	}
	t.Logf("console:\n%s", logs())
}

// sendSignal sends sig to the container's PID 1, as busybox's reboot and
// poweroff do from inside.
func sendSignal(t *testing.T, name, sig string) {
	t.Helper()
	if out, err := exec.Command("docker", "kill", "--signal", sig, name).CombinedOutput(); err != nil {
		t.Fatalf("docker kill --signal %s: %v\n%s", sig, err, out)
	}
}
