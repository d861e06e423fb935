package instinit

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// sigRTMin3 is SIGRTMIN+3, systemd's "halt" signal, which `docker stop`
// sends to instances.
const sigRTMin3 = unix.Signal(37)

// bootStopTimeout is how long a stopped boot gets to wind down.
const bootStopTimeout = 10 * time.Second

// killGrace is how long the remaining processes get after SIGTERM.
const killGrace = 5 * time.Second

// action is what a signal asks of the init.
type action int

const (
	actIgnore action = iota
	actShutdown
	actReboot
)

// actionOf is what sig asks: SIGRTMIN+3, SIGUSR1 (busybox halt), SIGUSR2
// (busybox poweroff) and SIGPWR power off; SIGTERM (busybox reboot) and
// SIGINT (ctrl-alt-del) reboot in place; anything else is ignored.
func actionOf(sig os.Signal) action {
	switch sig {
	case sigRTMin3, unix.SIGUSR1, unix.SIGUSR2, unix.SIGPWR:
		return actShutdown
	case unix.SIGTERM, unix.SIGINT:
		return actReboot
	}
	return actIgnore
}

// sigName names a signal, e.g. SIGRTMIN+3.
func sigName(sig os.Signal) string {
	s, ok := sig.(unix.Signal)
	if !ok {
		return sig.String()
	}
	if s >= 34 && s <= 64 {
		return "SIGRTMIN+" + strconv.Itoa(int(s)-34)
	}
	if name := unix.SignalName(s); name != "" {
		return name
	}
	return s.String()
}

// run is the init's life: boot, then wait for a signal; a reboot stops
// everything and boots again, a shutdown stops everything and returns
// the exit code. It returns when ctx is done too.
func (in *instance) run(ctx context.Context) int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, sigRTMin3, unix.SIGUSR1, unix.SIGUSR2, unix.SIGPWR, unix.SIGTERM, unix.SIGINT, unix.SIGHUP)
	defer signal.Stop(sigs)
	if in.procs.reapAll {
		chld := make(chan os.Signal, 1)
		signal.Notify(chld, unix.SIGCHLD)
		defer signal.Stop(chld)
		if !in.pid1 {
			if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
				in.con.Printf("cannot become the reaper of orphans: %v", err)
			}
		}
		stop := make(chan struct{})
		defer close(stop)
		go in.reaper(chld, stop)
	}
	in.con.Printf("gureum instance init, pid %d", os.Getpid())
	for {
		bctx, cancel := context.WithCancel(ctx)
		in.mu.Lock()
		in.cancel = cancel
		in.mu.Unlock()
		done := make(chan struct{})
		go func() {
			defer close(done)
			in.boot(bctx)
		}()
		act := in.await(ctx, sigs)
		if act == actShutdown {
			in.con.Printf("shutting down")
		} else {
			in.con.Printf("rebooting")
		}
		in.stop()
		select {
		case <-done:
		case <-time.After(bootStopTimeout):
			in.con.Printf("the boot did not wind down within %s; going on", bootStopTimeout)
		}
		cancel()
		unix.Sync()
		if act == actShutdown {
			in.con.Kernel("reboot: Power down")
			return 0
		}
		in.con.Kernel("reboot: Restarting system")
	}
}

// await waits for a signal that asks for a shutdown or a reboot.
func (in *instance) await(ctx context.Context, sigs <-chan os.Signal) action {
	for {
		select {
		case <-ctx.Done():
			return actShutdown
		case sig := <-sigs:
			if a := actionOf(sig); a != actIgnore {
				in.con.Printf("received %s", sigName(sig))
				return a
			}
			in.con.Printf("received %s: ignored", sigName(sig))
		}
	}
}

// reaper reaps children on SIGCHLD (and every second, in case one was
// missed) until stop is closed.
func (in *instance) reaper(chld <-chan os.Signal, stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		in.procs.reap()
		select {
		case <-chld:
		case <-t.C:
		case <-stop:
			return
		}
	}
}

// stop stops the current boot: it starts nothing more; dockerd stops
// first (so its containers stop cleanly), then the other services, then
// every remaining process.
func (in *instance) stop() {
	in.mu.Lock()
	if in.cancel != nil {
		in.cancel()
	}
	svcs := in.services
	in.services = nil
	in.mu.Unlock()
	for _, s := range svcs {
		if s.name == "dockerd" {
			in.stopService(s)
		}
	}
	for _, s := range svcs {
		if s.name != "dockerd" {
			in.stopService(s)
		}
	}
	in.killRemaining(killGrace)
}

// killRemaining sends SIGTERM to every other process, waits up to grace
// for them to exit and sends SIGKILL to the rest.
func (in *instance) killRemaining(grace time.Duration) {
	pids := in.others()
	if len(pids) == 0 {
		return
	}
	in.con.Printf("sending SIGTERM to %d processes", len(pids))
	for _, pid := range pids {
		_ = unix.Kill(pid, unix.SIGTERM)
		_ = unix.Kill(pid, unix.SIGCONT)
	}
	if in.waitGone(grace) {
		return
	}
	pids = in.others()
	in.con.Printf("sending SIGKILL to %d processes", len(pids))
	for _, pid := range pids {
		_ = unix.Kill(pid, unix.SIGKILL)
	}
	if !in.waitGone(2 * time.Second) {
		in.con.Printf("%d processes are still there", len(in.others()))
	}
}

// waitGone waits up to d for every other process to be gone.
func (in *instance) waitGone(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if len(in.others()) == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// others lists the live processes the init stops: as PID 1 every other
// process in the PID namespace, otherwise its descendants.
func (in *instance) others() []int {
	procs := readProcs()
	self := os.Getpid()
	var out []int
	if in.pid1 {
		for pid, p := range procs {
			if pid != self && p.state != 'Z' && p.state != 'X' {
				out = append(out, pid)
			}
		}
		return out
	}
	children := map[int][]int{}
	for pid, p := range procs {
		children[p.ppid] = append(children[p.ppid], pid)
	}
	queue := []int{self}
	for len(queue) > 0 {
		pid := queue[0]
		queue = queue[1:]
		for _, c := range children[pid] {
			if p := procs[c]; p.state != 'Z' && p.state != 'X' {
				out = append(out, c)
			}
			queue = append(queue, c)
		}
	}
	return out
}

// procInfo is what the init needs of a process in /proc.
type procInfo struct {
	state byte
	ppid  int
}

// readProcs reads the processes of /proc.
func readProcs() map[int]procInfo {
	out := map[int]procInfo{}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return out
	}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, err := readStat(pid); err == nil {
			out[pid] = p
		}
	}
	return out
}

// readStat reads a process's state and parent from /proc/PID/stat.
func readStat(pid int) (procInfo, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procInfo{}, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procInfo{}, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 || len(f[0]) != 1 {
		return procInfo{}, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procInfo{}, fmt.Errorf("bad /proc/%d/stat: %w", pid, err)
	}
	return procInfo{state: f[0][0], ppid: ppid}, nil
}
