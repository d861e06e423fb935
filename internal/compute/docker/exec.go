package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
)

// ExecOptions are Exec's options.
type ExecOptions struct {
	User    string   // "" = the AMI's default user (root without one)
	Command []string // nil = a login shell
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	TTY     bool
	// Size is the terminal's [height, width] with TTY.
	Size *[2]uint
	// Resize, with TTY, delivers later terminal sizes.
	Resize <-chan [2]uint
}

// Exec runs a command (or a login shell) in a running instance, like EC2
// Instance Connect, and returns its exit code. It finds the instance's
// container by name among those gureum labels.
func Exec(ctx context.Context, c *client.Client, instanceID string, o ExecOptions) (int, error) {
	ci, err := c.ContainerInspect(ctx, instanceID)
	if cerrdefs.IsNotFound(err) || (err == nil && (ci.Config == nil || ci.Config.Labels[LabelKind] != "instance")) {
		return 0, fmt.Errorf("no instance %s runs in this Docker Engine", instanceID)
	}
	if err != nil {
		return 0, err
	}
	if ci.State == nil || !ci.State.Running {
		return 0, fmt.Errorf("instance %s is not running", instanceID)
	}
	user := o.User
	if user == "" {
		user = ci.Config.Labels[LabelUser]
	}
	if user == "" {
		user = "root"
	}
	cmd := o.Command
	if len(cmd) == 0 {
		cmd = []string{"/bin/sh", "-c", `cd; if [ -x /bin/bash ]; then exec /bin/bash -l; fi; exec /bin/sh -l`}
	} else if len(cmd) == 1 {
		cmd = []string{"/bin/sh", "-c", cmd[0]}
	}
	home := "/home/" + user
	if user == "root" {
		home = "/root"
	}
	env := []string{"HOME=" + home, "USER=" + user, "LOGNAME=" + user, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	if o.TTY {
		env = append(env, "TERM=xterm-256color")
	}
	ex, err := c.ContainerExecCreate(ctx, ci.ID, container.ExecOptions{User: user, Tty: o.TTY, ConsoleSize: o.Size,
		AttachStdin: o.Stdin != nil, AttachStdout: true, AttachStderr: true, Env: env, WorkingDir: home, Cmd: cmd})
	if err != nil {
		return 0, err
	}
	hj, err := c.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{Tty: o.TTY, ConsoleSize: o.Size})
	if err != nil {
		return 0, err
	}
	defer hj.Close()
	if o.TTY && o.Resize != nil {
		go func() {
			for sz := range o.Resize {
				_ = c.ContainerExecResize(ctx, ex.ID, container.ResizeOptions{Height: sz[0], Width: sz[1]})
			}
		}()
	}
	if o.Stdin != nil {
		go func() {
			_, _ = io.Copy(hj.Conn, o.Stdin)
			_ = hj.CloseWrite()
		}()
	}
	stdout, stderr := o.Stdout, o.Stderr
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	if o.TTY {
		_, err = io.Copy(stdout, hj.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, hj.Reader)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		return 0, err
	}
	for range 50 {
		st, err := c.ContainerExecInspect(ctx, ex.ID)
		if err != nil {
			return 0, err
		}
		if !st.Running {
			return st.ExitCode, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, errors.New("the command's exit status did not arrive")
}
