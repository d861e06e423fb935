package amibuild

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// timeOf parses an RFC 3339 time for a test.
func timeOf(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestRef(t *testing.T) {
	for k, want := range map[Kind]string{Minimal: "gureum/ami:minimal", Debian: "gureum/ami:debian-12", DebianDocker: "gureum/ami:debian-12-docker", "nope": ""} {
		if got := Ref(k); got != want {
			t.Errorf("Ref(%q) = %q, want %q", k, got, want)
		}
	}
}

// engine returns a client of the Docker Engine, skipping the test when
// there is none (failing instead under CI=true).
func engine(t *testing.T) *client.Client {
	t.Helper()
	if out, err := exec.Command("docker", "info").CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("docker info: %v\n%s", err, out)
		}
		t.Skipf("no Docker Engine (docker info: %v)", err)
	}
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// testRef is a tag of the test's own, removed when the test ends.
func testRef(t *testing.T, c *client.Client, kind string) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	ref := "gureum/ami-test:" + kind + "-" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := c.ImageRemove(ctx, ref, image.RemoveOptions{Force: true, PruneChildren: true}); err != nil && !strings.Contains(err.Error(), "No such image") {
			t.Errorf("removing %s: %v", ref, err)
		}
	})
	return ref
}

// dockerRun runs sh -c script in a throwaway container of ref.
func dockerRun(t *testing.T, ref, script string, args ...string) string {
	t.Helper()
	argv := append(append([]string{"run", "--rm"}, args...), ref, "/bin/sh", "-c", script)
	out, err := exec.Command("docker", argv...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(argv, " "), err, out)
	}
	return string(out)
}

// inspectImage is `docker image inspect` of ref.
func inspectImage(t *testing.T, ref string) (labels map[string]string, cmd, env []string, size int64) {
	t.Helper()
	out, err := exec.Command("docker", "image", "inspect", ref).Output()
	if err != nil {
		t.Fatalf("docker image inspect %s: %v", ref, err)
	}
	var ii []struct {
		Size   int64
		Config struct {
			Labels map[string]string
			Cmd    []string
			Env    []string
		}
	}
	if err := json.Unmarshal(out, &ii); err != nil || len(ii) != 1 {
		t.Fatalf("docker image inspect: %v %s", err, out)
	}
	return ii[0].Config.Labels, ii[0].Config.Cmd, ii[0].Config.Env, ii[0].Size
}

// checkCommonLabels checks the labels every gureum AMI has.
func checkCommonLabels(t *testing.T, labels map[string]string, cmd, env []string, user, docker, vol string) {
	t.Helper()
	want := map[string]string{LabelAMI: "true", LabelDefaultUser: user, LabelDocker: docker, LabelArch: Arch(), LabelVolumeSize: vol}
	for k, v := range want {
		if labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, labels[k], v)
		}
	}
	if created, err := time.Parse(time.RFC3339, labels[LabelCreated]); err != nil || time.Since(created) > time.Hour || time.Since(created) < -time.Minute {
		t.Errorf("label %s = %q", LabelCreated, labels[LabelCreated])
	}
	if strings.Join(cmd, " ") != "/bin/sh" {
		t.Errorf("Cmd %q", cmd)
	}
	if !strings.Contains(strings.Join(env, "\n"), "PATH="+imagePath) {
		t.Errorf("Env %q", env)
	}
}

func TestBuildMinimal(t *testing.T) {
	c := engine(t)
	ref := testRef(t, c, "minimal")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var progress bytes.Buffer
	start := time.Now()
	id, err := Build(ctx, c, Minimal, Options{ref: ref, Progress: &progress})
	if err != nil {
		t.Fatalf("Build: %v\n%s", err, progress.String())
	}
	t.Logf("built %s (%s) in %s", ref, shortID(id), time.Since(start))
	if !strings.HasPrefix(id, "sha256:") || !strings.Contains(progress.String(), "built "+ref) {
		t.Errorf("id %q, progress:\n%s", id, progress.String())
	}

	out := dockerRun(t, ref, "echo ok; id ec2-user; cat /etc/os-release; stat -c '%a %U' /tmp /root /home/ec2-user; readlink /sbin/poweroff; readlink /usr/bin/wget; test -d /var/lib/gureum && echo gureum-dir")
	for _, want := range []string{
		"ok\n",
		"uid=1000(ec2-user) gid=1000(ec2-user) groups=1000(ec2-user),10(wheel)",
		`NAME="gureum minimal (BusyBox)"`,
		"ID=busybox",
		"1777 root\n700 root\n700 ec2-user\n",
		"/bin/busybox\n/bin/busybox\n",
		"gureum-dir",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the container's output lacks %q:\n%s", want, out)
		}
	}
	if out := dockerRun(t, ref, "cd && pwd && touch mine && ls -n mine", "-u", "ec2-user"); !strings.Contains(out, "/home/ec2-user\n") || !strings.Contains(out, " 1000 ") {
		t.Errorf("ec2-user's home:\n%s", out)
	}

	labels, cmd, env, size := inspectImage(t, ref)
	checkCommonLabels(t, labels, cmd, env, "ec2-user", "false", "1")
	if name := labels[LabelName]; name != "busybox-minimal-gureum-"+Arch() {
		t.Errorf("name %q", name)
	}
	if !strings.Contains(labels[LabelDescription], "BusyBox") {
		t.Errorf("description %q", labels[LabelDescription])
	}
	if size > 5<<20 || size < 1<<20 {
		t.Errorf("size %d bytes, want about 2 MB", size)
	}

	// A rebuild replaces the tag and drops the untagged old image.
	id2, err := Build(ctx, c, Minimal, Options{ref: ref})
	if err != nil {
		t.Fatal(err)
	}
	if id2 == id {
		t.Fatalf("a rebuild gave the same id %s (the created label differs, or time stood still)", id)
	}
	if _, err := c.ImageInspect(ctx, id); err == nil {
		t.Errorf("the replaced image %s is still there", id)
	}
}

func TestBuildUnknownKind(t *testing.T) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := Build(context.Background(), c, "windows", Options{}); err == nil {
		t.Error("Build of an unknown kind succeeded")
	}
	if _, err := Present(context.Background(), c, "windows"); err == nil {
		t.Error("Present of an unknown kind succeeded")
	}
}

func TestPresent(t *testing.T) {
	c := engine(t)
	ctx := context.Background()
	for _, k := range []Kind{Minimal, Debian, DebianDocker} {
		ok, err := Present(ctx, c, k)
		if err != nil {
			t.Fatal(err)
		}
		_, ierr := c.ImageInspect(ctx, Ref(k))
		if ok != (ierr == nil) {
			t.Errorf("Present(%s) = %v, but inspecting it: %v", k, ok, ierr)
		}
	}
}

// TestBuildDebianDocker builds the Debian image with Docker Engine (a few
// minutes of debootstrap); it runs only with GUREUM_TEST_DEBIAN_AMI=1.
func TestBuildDebianDocker(t *testing.T) {
	if os.Getenv("GUREUM_TEST_DEBIAN_AMI") != "1" {
		t.Skip("slow (debootstrap): set GUREUM_TEST_DEBIAN_AMI=1")
	}
	c := engine(t)
	ref := testRef(t, c, "debian-12-docker")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	work := t.TempDir()
	var progress bytes.Buffer
	start := time.Now()
	if _, err := Build(ctx, c, DebianDocker, Options{ref: ref, Progress: &progress, WorkDir: work}); err != nil {
		t.Fatalf("Build: %v\n%s", err, progress.String())
	}
	t.Logf("built %s in %s", ref, time.Since(start))
	for _, want := range []string{"debootstrap: 100%", "importing: 100%", "debootstrap installed"} {
		if !strings.Contains(progress.String(), want) {
			t.Errorf("progress lacks %q:\n%s", want, progress.String())
		}
	}
	if left, _ := os.ReadDir(work); len(left) != 0 {
		t.Errorf("the work directory was left behind: %v", left)
	}
	out := dockerRun(t, ref, `id admin; ls /etc/ssh/; which dockerd sshd python3 curl; cat /etc/docker/daemon.json
su admin -c 'sudo -n true' && echo sudo-ok
stat -c '%a' /etc/sudoers.d/90-cloud-init-users
test -e /etc/machine-id && test ! -s /etc/machine-id && echo machine-id-empty
ls /var/lib/apt/lists | grep -v partial || echo no-lists
ls /var/cache/apt/archives/*.deb 2>/dev/null || echo no-debs
cat /etc/ssh/sshd_config.d/gureum.conf; head -c 0 /sbin/poweroff && grep -h kill /sbin/poweroff /sbin/reboot
test -d /var/lib/gureum && echo gureum-dir; stat -c '%a' /tmp; dpkg -s systemd-sysv >/dev/null 2>&1 || echo no-systemd-sysv`)
	for _, want := range []string{
		"uid=1000(admin) gid=1000(admin) groups=1000(admin),27(sudo),", "(docker)",
		"sshd_config", "/usr/sbin/dockerd", "/usr/sbin/sshd", "/usr/bin/python3", "/usr/bin/curl",
		`{"storage-driver": "overlay2"}`, "sudo-ok", "440\n", "machine-id-empty", "no-lists", "no-debs",
		"PasswordAuthentication no", "PermitRootLogin prohibit-password", "kill -USR2 1", "kill -TERM 1",
		"gureum-dir", "1777", "no-systemd-sysv",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the container's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ssh_host_") {
		t.Errorf("ssh host keys in the image:\n%s", out)
	}
	// The Engine mounts its own /etc/hostname into every container: look
	// at the image's layer itself.
	names := layerNames(t, c, ref)
	for _, absent := range []string{"etc/hostname", "etc/ssh/ssh_host_ed25519_key", "proc/cpuinfo", "dev/null"} {
		if names[absent] {
			t.Errorf("%s is in the image", absent)
		}
	}
	for _, present := range []string{"etc/machine-id", "usr/sbin/dockerd", "proc/", "dev/", "sys/", "var/lib/gureum/"} {
		if !names[present] {
			t.Errorf("%s is not in the image", present)
		}
	}
	labels, cmd, env, _ := inspectImage(t, ref)
	checkCommonLabels(t, labels, cmd, env, "admin", "true", "8")
	if n := labels[LabelName]; !strings.HasPrefix(n, "debian-12-"+DebianArch()+"-docker-gureum-2") {
		t.Errorf("name %q", n)
	}
	if d := labels[LabelDescription]; !strings.Contains(d, "Docker") || !strings.Contains(d, "Debian 12") {
		t.Errorf("description %q", d)
	}
}

// TestImportKeepsFileCapabilities checks that a security.capability
// written by writeTreeTar survives the Engine's import: BusyBox with
// cap_net_raw, run by an unprivileged user, has it in its effective set.
func TestImportKeepsFileCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("setting security.capability needs root")
	}
	c := engine(t)
	if !staticELF(hostBusybox) {
		t.Skip("no static BusyBox on the host")
	}
	bin, err := os.ReadFile(hostBusybox)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, d := range []string{"bin", "proc", "sys", "dev", "etc"} {
		if err := os.Mkdir(root+"/"+d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(root+"/bin/busybox", bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("busybox", root+"/bin/sh"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root+"/bin/busybox-caps", bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Setxattr(root+"/bin/busybox-caps", "security.capability", []byte(capNetRaw), 0); err != nil {
		t.Fatal(err)
	}
	ref := testRef(t, c, "caps")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := importTar(ctx, c, ref, meta{name: "caps", defaultUser: "nobody", volumeGiB: 1}, func(w io.Writer) error {
		return writeTreeTar(w, root, nil)
	}); err != nil {
		t.Fatal(err)
	}
	out := dockerRun(t, ref, "/bin/busybox-caps grep CapEff /proc/self/status; /bin/busybox grep CapEff /proc/self/status", "-u", "1000")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasSuffix(lines[0], "0000000000002000") || !strings.HasSuffix(lines[1], "0000000000000000") {
		t.Errorf("effective capabilities (capbox, then plain busybox):\n%s", out)
	}
}

// layerNames lists the files of ref's layers (as `docker save` has them).
func layerNames(t *testing.T, c *client.Client, ref string) map[string]bool {
	t.Helper()
	rc, err := c.ImageSave(context.Background(), []string{ref})
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	names := map[string]bool{}
	outer := tar.NewReader(rc)
	for {
		h, err := outer.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, "layer.tar") && !strings.HasPrefix(h.Name, "blobs/") {
			continue
		}
		inner := tar.NewReader(outer)
		for {
			ih, err := inner.Next()
			if err != nil {
				break // the end, or a blob that is no layer
			}
			names[strings.TrimPrefix(ih.Name, "./")] = true
		}
	}
	if len(names) == 0 {
		t.Fatalf("no layer files in docker save of %s", ref)
	}
	return names
}
