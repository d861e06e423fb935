// Package instinit is the init of gureum's EC2 instances: the program
// that runs as PID 1 inside every instance container. Like cloud-init and
// a tiny init system together, it sets the hostname, creates the default
// user and installs its SSH keys on an instance's first boot, runs its
// user data once, starts the image's services (a Docker Engine, sshd),
// reaps orphaned processes, and stops everything cleanly when the
// container is stopped. Everything it prints is the instance's console
// output.
//
// The package also has CopyTree, which copies a directory tree
// faithfully (a Docker volume of an instance's inner Engine).
package instinit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ConfigPath is where the driver mounts the instance's Config (read-only).
const ConfigPath = "/.gureum/instance.json"

// RootEnv names the environment variable that, when set (in tests only),
// is a directory the init treats as "/" for every file it reads or writes.
const RootEnv = "GUREUM_INIT_ROOT"

// Config describes an instance to its init.
type Config struct {
	InstanceID string `json:"instanceId"`
	// Hostname is the instance's DNS name, e.g. ip-10-0-1-5.ec2.internal;
	// empty keeps the container's.
	Hostname string `json:"hostname"`
	// PrivateIP is the instance's primary private address; may be empty.
	PrivateIP string `json:"privateIp"`
	// DefaultUser is the image's login user (e.g. admin, ec2-user),
	// created on first boot when missing.
	DefaultUser string `json:"defaultUser"`
	// PublicKeys are authorized_keys lines.
	PublicKeys []string `json:"publicKeys"`
	// UserData is the decoded user data (may be empty).
	UserData []byte `json:"userData"`
	// Interface, when set, is the network interface (eth0) the dataplane
	// plugs into the instance after its container starts: services and
	// user data wait for it, as cloud-init waits for the network.
	Interface string `json:"interface,omitempty"`
	// Env are KEY=value settings for everything in the instance (user
	// data, services, login shells through /etc/profile.d/gureum.sh),
	// such as AWS_ENDPOINT_URL: where gureum's API answers inside the VPC.
	Env []string `json:"env,omitempty"`
}

// Main runs the init with the arguments after `instance-init` and
// returns its exit code. It returns only when the instance powers off.
// It refuses to run on a host: it must be PID 1, or in a container (the
// driver sets container=docker), or have RootEnv set.
func Main(args []string) int {
	root := RootDir()
	con := newConsole(os.Stdout)
	if os.Getpid() != 1 && os.Getenv(RootEnv) == "" && os.Getenv("container") == "" {
		fmt.Fprintln(os.Stderr, "instance-init: not PID 1 of an instance container; refusing to change this machine (set "+RootEnv+" to boot a directory)")
		return 2
	}
	for _, a := range args {
		con.Printf("ignoring unknown argument %q", a)
	}
	in := newInstance(root, con, true)
	return in.run(context.Background())
}

// RootDir is the directory the init treats as "/": the value of RootEnv
// when set, "/" otherwise.
func RootDir() string {
	if r := os.Getenv(RootEnv); r != "" {
		return r
	}
	return "/"
}

// ReadConfig reads the instance's Config from ConfigPath under root.
func ReadConfig(root string) (Config, error) {
	var c Config
	b, err := os.ReadFile(at(root, ConfigPath))
	if err != nil {
		return c, fmt.Errorf("reading instance config: %w", err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("parsing %s: %w", ConfigPath, err)
	}
	return c, nil
}

// at is the path p (absolute, as seen inside the instance) under root;
// ".." in p never leads out of root.
func at(root, p string) string {
	p = filepath.Clean("/" + p)
	if root == "" || root == "/" {
		return p
	}
	return filepath.Join(root, p)
}

// isRealRoot reports whether root is the real "/" (not a test directory),
// so that system calls acting on the whole machine may be made.
func isRealRoot(root string) bool {
	return root == "" || root == "/"
}

// childPath is the PATH of user data and services.
const childPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// childEnv is the environment of every child: the init's own, less every
// GUREUM_* variable, with PATH and HOME set as on a booted instance.
func childEnv() []string {
	env := []string{"PATH=" + childPath, "HOME=/root"}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GUREUM_") || strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// lookPath finds an executable named name in childPath under root, or
// returns "" (a name with a slash is returned as is).
func lookPath(root, name string) string {
	if strings.Contains(name, "/") {
		return name
	}
	for _, dir := range filepath.SplitList(childPath) {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(at(root, p)); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return at(root, p)
		}
	}
	return ""
}

// exists reports whether the path p under root exists (without following
// a final symlink).
func exists(root, p string) bool {
	_, err := os.Lstat(at(root, p))
	return err == nil
}

// sleepCtx waits for d or until ctx is done, and reports whether the full
// time passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
