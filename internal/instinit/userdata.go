package instinit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// UserDataScript is where a user data script is written to be run.
const UserDataScript = "/var/lib/gureum/user-data"

// userData is an instance's user data, decoded.
type userData struct {
	kind string // "" (none), "script", "cloud-config" or "other"
	data []byte
	cc   *CloudConfig // for cloud-config, if it parses
	err  error        // why it cannot be used
}

// decodeUserData unpacks gzipped user data and tells its kind.
func decodeUserData(b []byte) userData {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		var err error
		if b, err = gunzip(b); err != nil {
			return userData{kind: "other", err: err}
		}
	}
	switch {
	case len(bytes.TrimSpace(b)) == 0:
		return userData{}
	case bytes.HasPrefix(b, []byte("#!")):
		return userData{kind: "script", data: b}
	case bytes.HasPrefix(b, []byte("#cloud-config")):
		cc, err := ParseCloudConfig(b)
		return userData{kind: "cloud-config", data: b, cc: cc, err: err}
	}
	return userData{kind: "other", data: b}
}

// RunUserData runs user data, as on an instance's first boot, on the
// instance whose root is root (in a test's root, its commands run on the
// host), printing to log, and returns its exit status. It reaps only the
// children it starts.
func RunUserData(ctx context.Context, root string, data []byte, log io.Writer) int {
	in := newInstance(root, newConsole(log), false)
	in.pid1 = false
	return in.runUserData(ctx, decodeUserData(data))
}

// runUserData runs user data once, as root, with its output on the
// console, and returns its exit status.
func (in *instance) runUserData(ctx context.Context, ud userData) int {
	status := 0
	switch ud.kind {
	case "":
		in.con.CloudInit("ci-info: no user data")
		return 0
	case "script":
		status = in.runScript(ctx, ud.data)
	case "cloud-config":
		if ud.err != nil {
			in.con.CloudInit("cloud-config: %v: not run", ud.err)
			status = 1
			break
		}
		status = in.applyCloudConfig(ctx, ud.cc)
	default:
		what := "not a shell script (#!) or #cloud-config"
		if ud.err != nil {
			what = ud.err.Error()
		} else if bytes.HasPrefix(ud.data, []byte("Content-Type: multipart")) || bytes.HasPrefix(ud.data, []byte("MIME-Version:")) {
			what = "MIME multi-part user data is not supported"
		}
		in.con.CloudInit("ci-info: user data was not run: %s", what)
		return 0
	}
	if ctx.Err() == nil {
		in.con.CloudInit("ci-info: user data finished with exit status %d", status)
	}
	return status
}

// runScript writes a user data script to UserDataScript and runs it.
func (in *instance) runScript(ctx context.Context, script []byte) int {
	p := at(in.root, UserDataScript)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		in.con.CloudInit("user data: %v", err)
		return 1
	}
	_ = os.Remove(p)
	if err := os.WriteFile(p, script, 0o700); err != nil {
		in.con.CloudInit("user data: %v", err)
		return 1
	}
	if err := os.Chmod(p, 0o700); err != nil {
		in.con.CloudInit("user data: %v", err)
		return 1
	}
	in.con.CloudInit("running user data script %s", UserDataScript)
	ws, err := in.runWait(ctx, spawn{name: "user data", argv: []string{p}, dir: at(in.root, "/"),
		env: childEnv(), stdout: in.con, stderr: in.con})
	if err != nil {
		in.con.CloudInit("user data could not be run: %v", err)
		return 126
	}
	return exitCode(ws)
}

// applyCloudConfig does cloud-config's first-boot work in cloud-init's
// order: write_files, packages, deferred write_files, runcmd. Its status
// is that of the last failure (0 if none).
func (in *instance) applyCloudConfig(ctx context.Context, cc *CloudConfig) int {
	status := 0
	fail := func(s int) {
		if s != 0 {
			status = s
		}
	}
	fail(in.writeFiles(cc.WriteFiles, false))
	fail(in.installPackages(ctx, cc.Packages))
	fail(in.writeFiles(cc.WriteFiles, true))
	fail(in.commands(ctx, "runcmd", cc.RunCmd))
	return status
}

// writeFiles writes the write_files entries whose Defer is deferred.
func (in *instance) writeFiles(files []WriteFile, deferred bool) int {
	status := 0
	for _, f := range files {
		if f.Defer != deferred {
			continue
		}
		if err := in.writeFile(f); err != nil {
			in.con.CloudInit("write_files: %v", err)
			status = 1
		}
	}
	return status
}

// writeFile writes one write_files entry.
func (in *instance) writeFile(f WriteFile) error {
	uid, gid, err := in.owner(f.Owner)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	p := at(in.root, f.Path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if f.Append {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	fh, err := os.OpenFile(p, flags, 0o600)
	if err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	_, werr := fh.Write(f.Content)
	if err := fh.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("%s: %w", f.Path, werr)
	}
	if err := chown(p, uid, gid); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	if err := os.Chmod(p, f.Perm); err != nil {
		return fmt.Errorf("%s: %w", f.Path, err)
	}
	return nil
}

// owner resolves "user:group" (names or numbers) in the image's
// databases; the group defaults to the user's.
func (in *instance) owner(s string) (int, int, error) {
	user, group, hasGroup := strings.Cut(s, ":")
	uid, gid := 0, 0
	if n, err := strconv.Atoi(user); err == nil && n >= 0 {
		uid = n
	} else if u, ok, err := LookupUser(in.root, user); err != nil {
		return 0, 0, err
	} else if !ok {
		return 0, 0, fmt.Errorf("unknown user %q", user)
	} else {
		uid, gid = u.UID, u.GID
	}
	if !hasGroup || group == "" {
		return uid, gid, nil
	}
	if n, err := strconv.Atoi(group); err == nil && n >= 0 {
		return uid, n, nil
	}
	g, ok := lookupGroup(in.root, group)
	if !ok {
		return 0, 0, fmt.Errorf("unknown group %q", group)
	}
	return uid, g, nil
}

// installPackages installs packages with the image's package manager.
func (in *instance) installPackages(ctx context.Context, pkgs []string) int {
	if len(pkgs) == 0 {
		return 0
	}
	var steps [][]string
	switch {
	case in.imageFile("/usr/bin/apt-get") != "":
		apt := in.imageFile("/usr/bin/apt-get")
		steps = [][]string{{apt, "update"}, append([]string{apt, "install", "-y"}, pkgs...)}
	case in.imageFile("/usr/bin/dnf", "/usr/bin/yum") != "":
		names := make([]string, len(pkgs))
		for i, p := range pkgs {
			names[i] = strings.Replace(p, "=", "-", 1)
		}
		steps = [][]string{append([]string{in.imageFile("/usr/bin/dnf", "/usr/bin/yum"), "install", "-y"}, names...)}
	default:
		in.con.CloudInit("packages: the image has no package manager (apt-get or dnf): %s not installed", strings.Join(pkgs, " "))
		return 1
	}
	in.con.CloudInit("packages: installing %s", strings.Join(pkgs, " "))
	for _, argv := range steps {
		ws, err := in.runWait(ctx, spawn{name: "packages", argv: argv, dir: at(in.root, "/"),
			env: append(childEnv(), "DEBIAN_FRONTEND=noninteractive"), stdout: in.con, stderr: in.con})
		if err != nil {
			in.con.CloudInit("packages: %v", err)
			return 126
		}
		if code := exitCode(ws); code != 0 {
			in.con.CloudInit("packages: %s %s failed: %s", filepath.Base(argv[0]), argv[1], statusText(ws))
			return code
		}
	}
	return 0
}
