package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/compute/docker/amibuild"
)

// amiCommand is `gureum ami build KIND [--with-docker]` and `gureum ami list`.
func amiCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	c, err := docker.NewClient()
	if err != nil {
		fmt.Fprintln(stderr, "gureum:", err)
		return 1
	}
	defer c.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch args[0] {
	case "list":
		for _, k := range []amibuild.Kind{amibuild.Minimal, amibuild.Debian, amibuild.DebianDocker} {
			ok, err := amibuild.Present(ctx, c, k)
			if err != nil {
				fmt.Fprintln(stderr, "gureum:", err)
				return 1
			}
			state := "not built"
			if ok {
				state = "built"
			}
			fmt.Fprintf(stdout, "%-14s %-28s %s\n", k, amibuild.Ref(k), state)
		}
		return 0
	case "build":
	default:
		fmt.Fprintf(stderr, "gureum: unknown ami command %q\n\n%s", args[0], usage)
		return 2
	}
	fs := flag.NewFlagSet("ami build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	withDocker := fs.Bool("with-docker", false, "include Docker Engine (debian only)")
	mirror := fs.String("mirror", "", "Debian mirror (default: the machine's apt sources)")
	if len(args) < 2 {
		fmt.Fprintln(stderr, "usage: gureum ami build minimal|debian [--with-docker] [--mirror URL]")
		return 2
	}
	kindArg := args[1]
	if err := fs.Parse(args[2:]); err != nil {
		return 2
	}
	var kind amibuild.Kind
	switch {
	case kindArg == "minimal" && !*withDocker:
		kind = amibuild.Minimal
	case kindArg == "debian" && *withDocker:
		kind = amibuild.DebianDocker
	case kindArg == "debian":
		kind = amibuild.Debian
	default:
		fmt.Fprintln(stderr, "usage: gureum ami build minimal|debian [--with-docker] [--mirror URL]")
		return 2
	}
	if _, err := amibuild.Build(ctx, c, kind, amibuild.Options{Progress: stderr, Mirror: *mirror}); err != nil {
		fmt.Fprintln(stderr, "gureum: building the", kind, "AMI:", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s is an amazon-owned AMI: aws ec2 describe-images --owners amazon\n", amibuild.Ref(kind))
	return 0
}

// sshCommand is `gureum ssh INSTANCE_ID [command …]`: a shell in a running
// instance as its AMI's default user (like EC2 Instance Connect), with a
// terminal when standard input is one.
func sshCommand(args []string) int {
	fs := flag.NewFlagSet("ssh", flag.ContinueOnError)
	user := fs.String("l", "", "log in as this user instead of the AMI's default user")
	fs.Usage = func() { fmt.Fprintln(os.Stderr, "usage: gureum ssh [-l user] INSTANCE_ID [command …]") }
	if err := fs.Parse(args); err != nil || fs.NArg() < 1 {
		fs.Usage()
		return 2
	}
	c, err := docker.NewClient()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gureum:", err)
		return 1
	}
	defer c.Close()
	o := docker.ExecOptions{User: *user, Command: fs.Args()[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	fd := int(os.Stdin.Fd())
	if term.IsTerminal(fd) && term.IsTerminal(int(os.Stdout.Fd())) {
		o.TTY = true
		if w, h, err := term.GetSize(fd); err == nil {
			o.Size = &[2]uint{uint(h), uint(w)}
		}
		old, err := term.MakeRaw(fd)
		if err == nil {
			defer term.Restore(fd, old)
		}
		resize := make(chan [2]uint, 1)
		winch := make(chan os.Signal, 1)
		signal.Notify(winch, syscall.SIGWINCH)
		defer signal.Stop(winch)
		go func() {
			for range winch {
				if w, h, err := term.GetSize(fd); err == nil {
					select {
					case resize <- [2]uint{uint(h), uint(w)}:
					default:
					}
				}
			}
		}()
		o.Resize = resize
	}
	code, err := docker.Exec(context.Background(), c, fs.Arg(0), o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gureum ssh:", err)
		return 255
	}
	return code
}
