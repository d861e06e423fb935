package instinit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// instance is the init's state: the instance it boots and the children
// it runs.
type instance struct {
	root  string
	con   *console
	procs *procs
	pid1  bool // the init is PID 1: it acts on the whole PID namespace

	mu       sync.Mutex
	cancel   context.CancelFunc // cancels the current boot
	services []*service
}

// newInstance returns an instance booting root, logging to con; reapAll
// makes it the reaper of every child (see procs).
func newInstance(root string, con *console, reapAll bool) *instance {
	return &instance{root: root, con: con, procs: newProcs(reapAll), pid1: os.Getpid() == 1}
}

// boot runs one boot: the every-boot steps and, on an instance's first
// boot, the first-boot steps. A boot whose ctx is cancelled (the instance
// is being stopped) starts nothing more.
func (in *instance) boot(ctx context.Context) {
	in.con.CloudInit("Cloud-init v. gureum running 'init' at %s. Up %s seconds.", ciTime(time.Now()), secs(in.con.uptime()))
	in.prepare()
	cfg, err := ReadConfig(in.root)
	if err != nil {
		in.con.Printf("%v; booting without instance data", err)
	}
	ud := decodeUserData(cfg.UserData)
	if ud.cc != nil {
		for _, w := range ud.cc.Warnings {
			in.con.CloudInit("cloud-config: warning: %s", w)
		}
	}
	host := cfg.Hostname
	if ud.cc != nil && ud.cc.Hostname != "" {
		host = ud.cc.Hostname
	}
	if err := ApplyHostname(in.root, host, cfg.PrivateIP, in.con); err != nil {
		in.con.Printf("%v", err)
	}
	if cfg.Interface != "" {
		waitInterface(ctx, in.root, cfg.Interface, 15*time.Second, in.con)
	}
	if err := applyEnv(in.root, cfg.Env); err != nil {
		in.con.Printf("%v", err)
	}
	first, err := FirstBoot(in.root, cfg.InstanceID)
	if err != nil {
		in.con.Printf("%v; taking this for a later boot", err)
	}
	if first {
		in.con.Printf("first boot of instance %s", cfg.InstanceID)
		in.setupUsers(cfg, ud)
	}
	if ud.cc != nil && len(ud.cc.BootCmd) > 0 {
		in.commands(ctx, "bootcmd", ud.cc.BootCmd, "INSTANCE_ID="+cfg.InstanceID)
	}
	in.startServices(ctx)
	in.con.CloudInit("Cloud-init v. gureum running 'modules:final' at %s. Up %s seconds.", ciTime(time.Now()), secs(in.con.uptime()))
	if first {
		in.runUserData(ctx, ud)
		if ctx.Err() != nil {
			return
		}
		if err := MarkBooted(in.root, cfg.InstanceID); err != nil {
			in.con.Printf("%v", err)
		}
	}
	if ctx.Err() != nil {
		return
	}
	in.con.Printf("instance %s ready", cfg.InstanceID)
	in.con.CloudInit("Cloud-init v. gureum finished at %s. Datasource DataSourceGureum [seed=%s].  Up %s seconds",
		ciTime(time.Now()), ConfigPath, secs(in.con.uptime()))
}

// setupUsers creates the default user and authorizes the instance's keys
// for it and root.
func (in *instance) setupUsers(cfg Config, ud userData) {
	keys := append([]string(nil), cfg.PublicKeys...)
	if ud.cc != nil {
		keys = append(keys, ud.cc.AuthorizedKeys...)
	}
	users := []string{"root"}
	if cfg.DefaultUser != "" && cfg.DefaultUser != "root" {
		if _, err := EnsureUser(in.root, cfg.DefaultUser, in.con); err != nil {
			in.con.Printf("%v", err)
		} else {
			users = append(users, cfg.DefaultUser)
		}
	}
	for _, u := range users {
		if err := InstallKeys(in.root, u, keys, in.con); err != nil {
			in.con.Printf("%v", err)
		}
	}
	if len(keys) == 0 {
		in.con.CloudInit("ci-info: no authorized SSH keys for user %s", users[len(users)-1])
	}
	for _, k := range keys {
		if typ, fp, comment, ok := fingerprint(k); ok {
			in.con.CloudInit("ci-info: authorized key for %s: %s %s %s", users[len(users)-1], typ, fp, comment)
		}
	}
}

// start starts a child for the boot of ctx, unless it is being stopped.
func (in *instance) start(ctx context.Context, s spawn) (*child, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("starting %s: the instance is stopping", s.name)
	}
	return in.procs.start(s)
}

// runWait runs a child to its end and returns its status. A program just
// written (user data) may be busy for a moment while another child is
// being started: that is retried.
func (in *instance) runWait(ctx context.Context, s spawn) (unix.WaitStatus, error) {
	for try := 0; ; try++ {
		c, err := in.start(ctx, s)
		if errors.Is(err, syscall.ETXTBSY) && try < 20 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			return 0, err
		}
		return c.wait(), nil
	}
}

// exe finds a program in the image's PATH (in a test's root, then the
// host's: the commands of a test run on its host).
func (in *instance) exe(name string) string {
	if p := lookPath(in.root, name); p != "" {
		return p
	}
	if !isRealRoot(in.root) {
		return lookPath("/", name)
	}
	return ""
}

// imageFile is the first of paths (absolute, in the image) that exists
// under root as an executable file, or "".
func (in *instance) imageFile(paths ...string) string {
	for _, p := range paths {
		if st, err := os.Stat(at(in.root, p)); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return at(in.root, p)
		}
	}
	return ""
}

// commands runs bootcmd or runcmd entries in order, as root, with their
// output on the console, and returns the status of the last that failed
// (0 if none did).
func (in *instance) commands(ctx context.Context, stage string, cmds []Command, env ...string) int {
	status := 0
	for i, c := range cmds {
		if ctx.Err() != nil {
			return status
		}
		var argv []string
		if c.Argv == nil {
			sh := in.exe("sh")
			if sh == "" {
				in.con.CloudInit("%s: the image has no sh: command %d not run", stage, i+1)
				status = 127
				continue
			}
			argv = []string{sh, "-c", c.Shell}
		} else {
			p := in.exe(c.Argv[0])
			if p == "" {
				in.con.CloudInit("%s: command %d: %s: not found", stage, i+1, c.Argv[0])
				status = 127
				continue
			}
			argv = append([]string{p}, c.Argv[1:]...)
		}
		ws, err := in.runWait(ctx, spawn{name: stage, argv: argv, dir: at(in.root, "/"),
			env: append(childEnv(), env...), stdout: in.con, stderr: in.con})
		if err != nil {
			in.con.CloudInit("%s: command %d: %v", stage, i+1, err)
			status = 126
			continue
		}
		if code := exitCode(ws); code != 0 {
			in.con.CloudInit("%s: command %d of %d failed: %s", stage, i+1, len(cmds), statusText(ws))
			status = code
		}
	}
	return status
}
