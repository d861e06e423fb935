package amibuild

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/client"
)

// The Debian images' default user.
const (
	debianUser = "admin"
	debianUID  = 1000
)

// debianPackages are the packages debootstrap adds to its minbase variant
// in every Debian image; dockerPackages are added for the Docker one.
// systemd-sysv is never among them: gureum's init is PID 1.
const (
	debianPackages = "openssh-server,sudo,curl,ca-certificates,iproute2,python3,procps,less,nano"
	dockerPackages = "docker.io,iptables,nftables,fuse-overlayfs"
)

// Estimates of the number of packages debootstrap retrieves, measured,
// for the progress of retrieving (the exact count is known only after).
const (
	debianPackageEstimate = 145
	dockerPackageEstimate = 164
)

// shutdownScripts are the power commands the Debian images get when they
// have none (there is no systemd): gureum's init powers off on SIGUSR2
// and reboots on SIGTERM.
const (
	poweroffScript = "#!/bin/sh\n# poweroff for a gureum instance (no systemd): gureum's init (PID 1) powers off on SIGUSR2.\nexec kill -USR2 1\n"
	rebootScript   = "#!/bin/sh\n# reboot for a gureum instance (no systemd): gureum's init (PID 1) reboots on SIGTERM.\nexec kill -TERM 1\n"
	shutdownScript = `#!/bin/sh
# shutdown for a gureum instance (no systemd): -r reboots (SIGTERM to
# gureum's init, PID 1); anything else powers off (SIGUSR2). The time is
# ignored: it happens now.
sig=USR2
for a in "$@"; do
	case "$a" in
	-c|--cancel) exit 0 ;;
	-r|--reboot|-[!-]*r*) sig=TERM ;;
	esac
done
exec kill -$sig 1
`
)

// buildDebian bootstraps Debian 12 (with Docker Engine when docker),
// prepares it for gureum and imports it as ref.
func buildDebian(ctx context.Context, c *client.Client, ref string, docker bool, o Options, p *progress) (string, error) {
	if err := ensurePackage(ctx, p, "debootstrap", func() bool {
		_, err := os.Stat("/usr/sbin/debootstrap")
		return err == nil
	}); err != nil {
		return "", err
	}
	mirror := o.Mirror
	if mirror == "" {
		mirror = machineMirror("")
	}
	work, err := makeWorkDir(o.WorkDir)
	if err != nil {
		return "", err
	}
	defer func() {
		if err := removeWorkDir(work); err != nil {
			p.logf("amibuild: %v", err)
		}
	}()
	root := filepath.Join(work, "rootfs")

	include, estimate := debianPackages, debianPackageEstimate
	if docker {
		include, estimate = debianPackages+","+dockerPackages, dockerPackageEstimate
	}
	p.logf("bootstrapping Debian 12 (%s) from %s into %s", suite, mirror, root)
	start := time.Now()
	if err := debootstrap(ctx, p, root, mirror, include, estimate); err != nil {
		return "", err
	}
	p.logf("debootstrap took %s", time.Since(start).Round(time.Second))

	p.logf("preparing the system for gureum (user %s, sshd, power commands, cleaning apt)", debianUser)
	if err := prepareDebian(ctx, root, docker); err != nil {
		return "", err
	}
	version := "12"
	if b, err := os.ReadFile(filepath.Join(root, "etc/debian_version")); err == nil {
		version = strings.TrimSpace(string(b))
	}

	m := meta{
		name:        "debian-12-" + DebianArch() + "-gureum", // the catalogue's name: AMI ids are hashes of it
		description: "Debian 12 (bookworm), built by gureum",
		defaultUser: debianUser,
		volumeGiB:   8,
		message:     "gureum ami build debian (Debian " + version + ")",
	}
	if docker {
		m.name = "debian-12-" + DebianArch() + "-docker-gureum"
		m.description = "Debian 12 (bookworm) with Docker Engine, built by gureum"
		m.docker = true
		m.message = "gureum ami build debian --with-docker (Debian " + version + ")"
	}
	size, err := treeSize(root)
	if err != nil {
		return "", fmt.Errorf("amibuild: measuring %s: %w", root, err)
	}
	p.logf("importing Debian %s (%d MB of files) as %s", version, size>>20, ref)
	start = time.Now()
	id, err := importTar(ctx, c, ref, m, func(w io.Writer) error {
		return writeTreeTar(w, root, func(n int64) {
			p.bar("importing", float64(n)/float64(max(size, 1)), fmt.Sprintf("%d/%d MB", n>>20, size>>20))
		})
	})
	if err != nil {
		return "", err
	}
	p.done("importing")
	p.logf("import took %s", time.Since(start).Round(100*time.Millisecond))
	return id, nil
}

// makeWorkDir makes a new scratch directory, under base when it is not "".
func makeWorkDir(base string) (string, error) {
	if base != "" {
		if err := os.MkdirAll(base, 0o755); err != nil {
			return "", fmt.Errorf("amibuild: making the work directory: %w", err)
		}
	}
	dir, err := os.MkdirTemp(base, "gureum-ami-")
	if err != nil {
		return "", fmt.Errorf("amibuild: making the work directory: %w", err)
	}
	return dir, nil
}

// debootstrap runs debootstrap's minbase variant of bookworm with the
// packages include into root, turning its output into progress.
func debootstrap(ctx context.Context, p *progress, root, mirror, include string, estimate int) error {
	args := []string{"--variant=minbase", "--include=" + include, suite, root, mirror}
	cmd := command(ctx, "debootstrap", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) } // wget, dpkg too
	cmd.WaitDelay = 10 * time.Second
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("amibuild: debootstrap: %w", err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		pr.Close()
		pw.Close()
		return fmt.Errorf("amibuild: starting debootstrap: %w", err)
	}
	pw.Close()
	d := &debootstrapProgress{estimate: estimate}
	var last []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		last = append(last, line)
		if len(last) > 30 {
			last = last[1:]
		}
		if strings.HasPrefix(line, "W: ") || strings.HasPrefix(line, "E: ") {
			p.logf("debootstrap: %s", line)
			continue
		}
		if frac, detail, ok := d.line(line); ok {
			p.bar("debootstrap", frac, detail)
		}
	}
	pr.Close()
	if err := cmd.Wait(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("amibuild: debootstrap: %w", ctx.Err())
		}
		log := ""
		if b, rerr := os.ReadFile(filepath.Join(root, "debootstrap/debootstrap.log")); rerr == nil {
			log = "\n(debootstrap.log:)\n" + tail(b, 15)
		}
		return fmt.Errorf("amibuild: debootstrap %s: %w:\n%s%s", strings.Join(args, " "), err, strings.Join(last, "\n"), log)
	}
	p.done("debootstrap")
	p.logf("debootstrap installed %d packages", d.retrieved)
	return nil
}

// prepareDebian makes the bootstrapped system under root an AMI: the
// default user with passwordless sudo, no ssh host keys, key-only sshd,
// power commands, the inner Docker Engine's storage driver, and no apt
// caches or machine identity.
func prepareDebian(ctx context.Context, root string, docker bool) error {
	groups := "sudo"
	if docker {
		groups += ",docker"
		b, err := os.ReadFile(filepath.Join(root, "etc/group"))
		if err != nil {
			return fmt.Errorf("amibuild: %w", err)
		}
		if !strings.Contains("\n"+string(b), "\ndocker:") {
			if _, err := run(ctx, "chroot", root, "groupadd", "--system", "docker"); err != nil {
				return fmt.Errorf("amibuild: %w", err)
			}
		}
	}
	if _, err := run(ctx, "chroot", root, "useradd", "--create-home", "--uid", fmt.Sprint(debianUID), "--user-group",
		"--shell", "/bin/bash", "--groups", groups, "--comment", "Debian", "--password", "*", debianUser); err != nil {
		return fmt.Errorf("amibuild: adding the user %s: %w", debianUser, err)
	}
	files := []struct {
		rel  string
		mode fs.FileMode
		data string
		keep bool // keep an existing file
	}{
		{"etc/sudoers.d/90-cloud-init-users", 0o440, "# Created by gureum, as cloud-init would have.\n# User rules for " + debianUser + "\n" + debianUser + " ALL=(ALL) NOPASSWD:ALL\n", false},
		{"etc/ssh/sshd_config.d/gureum.conf", 0o644, "# gureum: keys only, as on EC2.\nPasswordAuthentication no\nPermitRootLogin prohibit-password\n", false},
		{"sbin/poweroff", 0o755, poweroffScript, true},
		{"sbin/halt", 0o755, poweroffScript, true},
		{"sbin/reboot", 0o755, rebootScript, true},
		{"sbin/shutdown", 0o755, shutdownScript, true},
		{"etc/machine-id", 0o444, "", false},
		{"etc/resolv.conf", 0o644, "", false},
		{"etc/hosts", 0o644, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n", false},
	}
	if docker {
		files = append(files, struct {
			rel  string
			mode fs.FileMode
			data string
			keep bool
		}{"etc/docker/daemon.json", 0o644, "{\"storage-driver\": \"overlay2\"}\n", false})
	}
	for _, f := range files {
		if err := writeInRoot(root, f.rel, []byte(f.data), f.mode, f.keep); err != nil {
			return fmt.Errorf("amibuild: %w", err)
		}
	}
	if err := mkdirInRoot(root, "var/lib/gureum", 0o755); err != nil {
		return fmt.Errorf("amibuild: %w", err)
	}
	if _, err := run(ctx, "chroot", root, "apt-get", "clean"); err != nil {
		return fmt.Errorf("amibuild: %w", err)
	}
	for _, g := range []string{"etc/ssh/ssh_host_*", "var/lib/apt/lists/*", "var/cache/apt/*.bin", "etc/hostname"} {
		if err := removeInRoot(root, g); err != nil {
			return fmt.Errorf("amibuild: %w", err)
		}
	}
	return mkdirInRoot(root, "var/lib/apt/lists/partial", 0o700)
}

// resolveInRoot is the host path of rel inside root, following symbolic
// links of its directories as if root were "/", so that nothing is
// written outside root; the last element is not followed.
func resolveInRoot(root, rel string) (string, error) {
	parts := strings.Split(filepath.Clean("/"+rel), "/")[1:]
	cur := "/"
	for hops := 0; len(parts) > 0; {
		name := parts[0]
		parts = parts[1:]
		if len(parts) == 0 {
			return filepath.Join(root, cur, name), nil
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(filepath.Join(root, next))
		if err != nil || fi.Mode()&os.ModeSymlink == 0 {
			cur = next // a missing directory is made later, inside root
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s: too many symbolic links", rel)
		}
		target, err := os.Readlink(filepath.Join(root, next))
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(cur, target)
		}
		parts = append(strings.Split(filepath.Clean("/"+target), "/")[1:], parts...)
		cur = "/"
	}
	return root, nil
}

// writeInRoot writes the file rel under root with mode (replacing a
// symbolic link there); with keep, an existing file is left alone.
func writeInRoot(root, rel string, data []byte, mode fs.FileMode, keep bool) error {
	p, err := resolveInRoot(root, rel)
	if err != nil {
		return err
	}
	if fi, err := os.Lstat(p); err == nil {
		if keep {
			return nil
		}
		if fi.Mode()&os.ModeSymlink != 0 || !fi.Mode().IsRegular() {
			if err := os.Remove(p); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode) // WriteFile keeps an existing file's mode, and the umask applies
}

// mkdirInRoot makes the directory rel under root.
func mkdirInRoot(root, rel string, mode fs.FileMode) error {
	p, err := resolveInRoot(root, rel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(p, mode); err != nil {
		return err
	}
	return os.Chmod(p, mode)
}

// removeInRoot removes what the glob pattern rel matches under root.
func removeInRoot(root, pattern string) error {
	dir, err := resolveInRoot(root, filepath.Dir(pattern)+"/x")
	if err != nil {
		return err
	}
	matches, err := filepath.Glob(filepath.Join(filepath.Dir(dir), filepath.Base(pattern)))
	if err != nil {
		return err
	}
	for _, m := range matches {
		if err := os.RemoveAll(m); err != nil {
			return err
		}
	}
	return nil
}

// mountsUnder lists the mount points at or below dir (deepest first).
func mountsUnder(dir string) ([]string, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMountinfo(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// unescapeMountinfo undoes mountinfo's octal escapes ("\040" for a space).
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' {
			n := int(s[i+1]-'0')<<6 | int(s[i+2]-'0')<<3 | int(s[i+3]-'0')
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeWorkDir unmounts whatever a failed debootstrap left mounted under
// dir (its proc, sys) and removes dir; it refuses to remove a directory
// that still has a mount under it, which would reach the host's files.
func removeWorkDir(dir string) error {
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("removing the work directory: %w", err)
	}
	mounts, err := mountsUnder(real)
	if err != nil {
		return fmt.Errorf("removing the work directory: %w", err)
	}
	for _, m := range mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if mounts, err = mountsUnder(real); err != nil || len(mounts) > 0 {
		return fmt.Errorf("not removing the work directory %s: still mounted under it: %v %v", dir, mounts, err)
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("removing the work directory: %w", err)
	}
	return nil
}
