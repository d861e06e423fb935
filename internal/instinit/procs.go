package instinit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// procs starts the init's children and collects their exit statuses.
//
// In reap-all mode (PID 1, or a child subreaper) it alone calls wait4,
// for any child: orphans re-parented to the init are reaped and
// forgotten, and the status of a child the init started is handed to
// that child's waiter. A child is started with the lock held, so the
// reaper cannot reap it before its waiter is registered. Otherwise (steps
// called directly, as tests do) each child is waited for by its pid, so
// the statuses of a host process's other children are left alone.
type procs struct {
	mu      sync.Mutex
	reapAll bool
	waiters map[int]*child
}

// newProcs returns a procs, reaping every child when reapAll is set.
func newProcs(reapAll bool) *procs {
	return &procs{reapAll: reapAll, waiters: map[int]*child{}}
}

// spawn says how to start a child.
type spawn struct {
	name   string   // for the console
	argv   []string // argv[0] is an absolute path
	dir    string
	env    []string
	stdout io.Writer // nil: /dev/null
	stderr io.Writer // nil: /dev/null
}

// child is a process the init started.
type child struct {
	pid    int
	name   string
	done   chan struct{} // closed once status is set
	status unix.WaitStatus
	copies []*outCopy
}

// outCopy copies a child's output from a pipe to a writer that is not a
// file.
type outCopy struct {
	r    *os.File
	done chan struct{}
}

// start starts a child.
func (p *procs) start(s spawn) (*child, error) {
	if len(s.argv) == 0 {
		return nil, errors.New("starting a process: empty command")
	}
	devnull, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.name, err)
	}
	defer devnull.Close()
	c := &child{name: s.name, done: make(chan struct{})}
	files := []*os.File{devnull, devnull, devnull}
	var parentEnds []*os.File
	output := func(w io.Writer) (*os.File, error) {
		if con, ok := w.(*console); ok && con.file() != nil {
			return con.file(), nil
		}
		switch w := w.(type) {
		case nil:
			return devnull, nil
		case *os.File:
			return w, nil
		}
		r, pw, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		parentEnds = append(parentEnds, pw)
		oc := &outCopy{r: r, done: make(chan struct{})}
		c.copies = append(c.copies, oc)
		go func() {
			_, _ = io.Copy(w, r)
			_ = r.Close()
			close(oc.done)
		}()
		return pw, nil
	}
	closeAll := func() {
		for _, f := range parentEnds {
			_ = f.Close()
		}
	}
	if files[1], err = output(s.stdout); err != nil {
		closeAll()
		return nil, fmt.Errorf("starting %s: %w", s.name, err)
	}
	if s.stderr == s.stdout {
		files[2] = files[1]
	} else if files[2], err = output(s.stderr); err != nil {
		closeAll()
		return nil, fmt.Errorf("starting %s: %w", s.name, err)
	}
	attr := &os.ProcAttr{Dir: s.dir, Env: s.env, Files: files, Sys: &syscall.SysProcAttr{Setsid: true}}
	p.mu.Lock()
	proc, err := os.StartProcess(s.argv[0], s.argv, attr)
	if err == nil {
		c.pid = proc.Pid
		if p.reapAll {
			p.waiters[c.pid] = c
		}
	}
	p.mu.Unlock()
	closeAll()
	if err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.name, err)
	}
	_ = proc.Release()
	if !p.reapAll {
		go func() {
			var ws unix.WaitStatus
			for {
				_, err := unix.Wait4(c.pid, &ws, 0, nil)
				if err != unix.EINTR {
					break
				}
			}
			c.finish(ws)
		}()
	}
	return c, nil
}

// reap reaps every child that has exited, handing statuses to waiters.
func (p *procs) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG|unix.WALL, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if c := p.waiters[pid]; c != nil {
			delete(p.waiters, pid)
			c.finish(ws)
		}
	}
}

// finish records the child's exit status.
func (c *child) finish(ws unix.WaitStatus) {
	c.status = ws
	close(c.done)
}

// exited reports whether the child has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// wait waits for the child to exit and for its output to be copied, and
// returns its status. Output still open in the child's own children
// (a daemon started in the background) stops being copied after a second.
func (c *child) wait() unix.WaitStatus {
	<-c.done
	for _, oc := range c.copies {
		select {
		case <-oc.done:
		case <-time.After(time.Second):
			_ = oc.r.Close()
			<-oc.done
		}
	}
	return c.status
}

// waitFor waits up to d for the child to exit and reports whether it did.
func (c *child) waitFor(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.done:
		return true
	case <-t.C:
		return false
	}
}

// signal sends sig to the child unless it has exited.
func (c *child) signal(sig unix.Signal) {
	if !c.exited() {
		_ = unix.Kill(c.pid, sig)
	}
}

// exitCode is a shell's view of a status: the exit code, or 128 plus the
// number of the signal that killed the process.
func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}

// statusText describes a status, e.g. "exit status 1".
func statusText(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return fmt.Sprintf("killed by signal %d (%v)", int(ws.Signal()), ws.Signal())
	}
	return fmt.Sprintf("exit status %d", ws.ExitStatus())
}
