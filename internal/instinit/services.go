package instinit

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// dockerStopTimeout is how long dockerd gets to stop its containers.
const dockerStopTimeout = 20 * time.Second

// serviceStopTimeout is how long another service gets to stop.
const serviceStopTimeout = 5 * time.Second

// dockerReadyTimeout is how long a Docker Engine gets to answer.
const dockerReadyTimeout = 20 * time.Second

// service is a long-running child: it is not restarted when it dies.
type service struct {
	name     string
	c        *child
	timeout  time.Duration
	stopping atomic.Bool
}

// startServices starts the image's services: a Docker Engine (dockerd),
// then sshd, and waits for the Engine to answer.
func (in *instance) startServices(ctx context.Context) {
	var dockerd *service
	if p := in.imageFile("/usr/bin/dockerd", "/usr/sbin/dockerd"); p != "" {
		_ = os.Remove(at(in.root, "/var/run/docker.pid"))
		var args []string
		if !daemonConfigHasHosts(in.root) {
			args = []string{"--host", "unix:///var/run/docker.sock"}
		}
		s, err := in.startService(ctx, "dockerd", p, args, "/var/log/dockerd.log", dockerStopTimeout)
		if err != nil {
			in.con.Printf("%v", err)
		}
		dockerd = s
	}
	if p := in.imageFile("/usr/sbin/sshd"); p != "" {
		if err := os.MkdirAll(at(in.root, "/run/sshd"), 0o755); err != nil {
			in.con.Printf("creating /run/sshd: %v", err)
		}
		_ = os.Chmod(at(in.root, "/run/sshd"), 0o755)
		in.sshHostKeys(ctx)
		if _, err := in.startService(ctx, "sshd", p, []string{"-D", "-e"}, "/var/log/sshd.log", serviceStopTimeout); err != nil {
			in.con.Printf("%v", err)
		}
	}
	if dockerd != nil {
		in.waitDocker(ctx, dockerd)
	}
}

// daemonConfigHasHosts reports whether the image's /etc/docker/daemon.json
// sets hosts (dockerd refuses the flag then).
func daemonConfigHasHosts(root string) bool {
	b, err := os.ReadFile(at(root, "/etc/docker/daemon.json"))
	if err != nil {
		return false
	}
	var cfg map[string]json.RawMessage
	if json.Unmarshal(b, &cfg) != nil {
		return false
	}
	_, ok := cfg["hosts"]
	return ok
}

// startService starts a service with its output appended to logFile.
func (in *instance) startService(ctx context.Context, name, path string, args []string, logFile string, timeout time.Duration) (*service, error) {
	if err := os.MkdirAll(at(in.root, filepath.Dir(logFile)), 0o755); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	lf, err := os.OpenFile(at(in.root, logFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	defer lf.Close()
	in.mu.Lock()
	defer in.mu.Unlock()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("starting %s: the instance is stopping", name)
	}
	c, err := in.procs.start(spawn{name: name, argv: append([]string{path}, args...), dir: at(in.root, "/"),
		env: childEnv(), stdout: lf, stderr: lf})
	if err != nil {
		return nil, err
	}
	s := &service{name: name, c: c, timeout: timeout}
	in.services = append(in.services, s)
	in.con.Printf("started %s (pid %d): %s %s, logging to %s", name, c.pid, path, strings.Join(args, " "), logFile)
	go func() {
		ws := c.wait()
		if !s.stopping.Load() {
			in.con.Printf("%s (pid %d) exited: %s; it is not restarted (see %s)", name, c.pid, statusText(ws), logFile)
		}
	}()
	return s, nil
}

// stopService stops a service: SIGTERM, then SIGKILL after its timeout.
func (in *instance) stopService(s *service) {
	s.stopping.Store(true)
	if s.c.exited() {
		return
	}
	in.con.Printf("stopping %s (pid %d)", s.name, s.c.pid)
	s.c.signal(unix.SIGTERM)
	if s.c.waitFor(s.timeout) {
		in.con.Printf("%s stopped: %s", s.name, statusText(s.c.status))
		return
	}
	in.con.Printf("%s did not stop within %s: killing it", s.name, s.timeout)
	s.c.signal(unix.SIGKILL)
	s.c.waitFor(5 * time.Second)
}

// waitDocker waits for dockerd to answer on its socket.
func (in *instance) waitDocker(ctx context.Context, dockerd *service) {
	sock := at(in.root, "/var/run/docker.sock")
	deadline := time.Now().Add(dockerReadyTimeout)
	for {
		if conn, err := net.DialTimeout("unix", sock, time.Second); err == nil {
			conn.Close()
			in.con.Printf("docker: engine ready")
			return
		}
		if dockerd.c.exited() {
			in.con.Printf("docker: warning: dockerd exited: %s (see /var/log/dockerd.log)", statusText(dockerd.c.status))
			return
		}
		if time.Now().After(deadline) {
			in.con.Printf("docker: warning: the engine did not answer on /var/run/docker.sock within %s (see /var/log/dockerd.log)", dockerReadyTimeout)
			return
		}
		if !sleepCtx(ctx, 200*time.Millisecond) {
			return
		}
	}
}

// sshHostKeys generates the missing SSH host keys (ssh-keygen -A) and
// prints the host keys to the console, as cloud-init does.
func (in *instance) sshHostKeys(ctx context.Context) {
	missing := false
	for _, t := range []string{"rsa", "ecdsa", "ed25519"} {
		if !exists(in.root, "/etc/ssh/ssh_host_"+t+"_key") {
			missing = true
		}
	}
	if missing {
		kg := in.imageFile("/usr/bin/ssh-keygen", "/usr/sbin/ssh-keygen", "/bin/ssh-keygen")
		if kg == "" {
			in.con.Printf("sshd: host keys are missing and the image has no ssh-keygen")
		} else {
			argv := []string{kg, "-A"}
			if !isRealRoot(in.root) {
				argv = append(argv, "-f", in.root)
			}
			in.con.Printf("generating SSH host keys")
			ws, err := in.runWait(ctx, spawn{name: "ssh-keygen", argv: argv, dir: at(in.root, "/"), env: childEnv(), stdout: in.con, stderr: in.con})
			if err != nil {
				in.con.Printf("ssh-keygen: %v", err)
			} else if ws.ExitStatus() != 0 || ws.Signaled() {
				in.con.Printf("ssh-keygen -A failed: %s", statusText(ws))
			}
		}
	}
	in.printHostKeys()
}

// printHostKeys prints the SSH host keys' fingerprints and public keys.
func (in *instance) printHostKeys() {
	pubs, _ := filepath.Glob(at(in.root, "/etc/ssh/ssh_host_*_key.pub"))
	var fps, keys []string
	for _, p := range pubs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		line := strings.TrimSpace(string(b))
		typ, fp, _, ok := fingerprint(line)
		if !ok {
			continue
		}
		f := strings.Fields(line)
		fps = append(fps, fmt.Sprintf("%d %s root@%s (%s)", keyBits(line), fp, hostnameOf(in.root), keyKind(typ)))
		keys = append(keys, f[0]+" "+f[1])
	}
	if len(fps) == 0 {
		return
	}
	out := "-----BEGIN SSH HOST KEY FINGERPRINTS-----\n" + strings.Join(fps, "\n") + "\n-----END SSH HOST KEY FINGERPRINTS-----\n" +
		"-----BEGIN SSH HOST KEY KEYS-----\n" + strings.Join(keys, "\n") + "\n-----END SSH HOST KEY KEYS-----\n"
	_, _ = in.con.Write([]byte(out))
}

// hostnameOf is the hostname in /etc/hostname under root.
func hostnameOf(root string) string {
	b, _ := os.ReadFile(at(root, "/etc/hostname"))
	if h := strings.TrimSpace(string(b)); h != "" {
		return h
	}
	return "localhost"
}
