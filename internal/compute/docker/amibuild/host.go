package amibuild

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// hostEnv is the environment of the host commands a build runs: the
// caller's, with a PATH that has the sbin directories, the C locale and
// a noninteractive debconf.
func hostEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "PATH", "LC_ALL", "LANG", "LANGUAGE", "DEBIAN_FRONTEND":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PATH="+imagePath, "LC_ALL=C", "DEBIAN_FRONTEND=noninteractive")
}

// command is a host command with hostEnv, found in the sbin directories
// too.
func command(ctx context.Context, name string, args ...string) *exec.Cmd {
	path := name
	if !strings.Contains(name, "/") {
		for _, d := range strings.Split(imagePath, ":") {
			if fi, err := os.Stat(d + "/" + name); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				path = d + "/" + name
				break
			}
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = hostEnv()
	return cmd
}

// run runs a host command; its error carries the end of its output.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	out, err := command(ctx, name, args...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, tail(out, 15))
	}
	return out, nil
}

// tail is the last n lines of out, trimmed.
func tail(out []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// dpkgInstalled reports whether Debian package pkg is installed on the host.
func dpkgInstalled(ctx context.Context, pkg string) bool {
	out, err := command(ctx, "dpkg-query", "-W", "-f=${Status}", pkg).Output()
	return err == nil && bytes.Contains(out, []byte("install ok installed"))
}

// ensurePackage makes ready() true by installing Debian package pkg on
// the host with apt-get when it is not (apt-get update first only when
// the plain install fails). An installed package is not reinstalled
// unless ready() is false all the same.
func ensurePackage(ctx context.Context, p *progress, pkg string, ready func() bool) error {
	if ready() {
		return nil
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("amibuild: the host package %s is needed; install it with `apt-get install %s` (as root)", pkg, pkg)
	}
	args := []string{"install", "-y", "-q", "--no-install-recommends", pkg}
	if dpkgInstalled(ctx, pkg) {
		args = append(args[:1], append([]string{"--reinstall"}, args[1:]...)...)
	}
	p.logf("installing the host package %s (apt-get %s)", pkg, strings.Join(args, " "))
	if _, err := run(ctx, "apt-get", args...); err != nil {
		p.logf("apt-get install failed; updating the package lists and trying again")
		if _, err := run(ctx, "apt-get", "update", "-q"); err != nil {
			return fmt.Errorf("amibuild: installing %s: %w", pkg, err)
		}
		if _, err := run(ctx, "apt-get", args...); err != nil {
			return fmt.Errorf("amibuild: installing %s: %w", pkg, err)
		}
	}
	if !ready() {
		return fmt.Errorf("amibuild: installed the host package %s, but it is still not usable", pkg)
	}
	return nil
}
