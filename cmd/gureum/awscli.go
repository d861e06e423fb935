package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

// awsCommand is `gureum aws ARGS…`: the aws CLI found on PATH, run with
// --endpoint-url set to the gureum that GUREUM_LISTEN names (default
// 127.0.0.1:4566), as LocalStack's awslocal does. Every argument goes to
// the CLI unchanged; gureum's own settings come from the environment only.
//
// The point is that nothing reaches real AWS, whatever the CLI's version
// (Debian 12's aws CLI 2.9 ignores AWS_ENDPOINT_URL and endpoint_url in
// ~/.aws/config):
//   - --endpoint-url and --source-region are refused: the first would
//     point elsewhere, the second makes `aws s3 cp|sync|mv` build its
//     source client for AWS's own endpoint.
//   - every other connection the CLI tries (`cloudformation package`'s S3
//     uploads, `sso login`, a profile that assumes a role through real STS)
//     goes to a proxy of ours that refuses it and says so on stderr:
//     HTTP(S)_PROXY name that proxy, and NO_PROXY only gureum's host.
//
// Credentials and region are the root user's (GUREUM_ROOT_ACCESS_KEY and
// GUREUM_ROOT_SECRET_KEY, default test/test) and GUREUM_REGION (default
// us-east-1), unless AWS_ACCESS_KEY_ID, AWS_REGION or AWS_DEFAULT_REGION
// are set; --profile and --region work as usual. The CLI shares the
// terminal (its pager, prompts and Ctrl-C work) and its exit status is
// gureum's.
func awsCommand(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	endpoint, err := clientEndpoint(env("GUREUM_LISTEN", "127.0.0.1:4566"))
	if err != nil {
		fmt.Fprintln(stderr, "gureum aws: GUREUM_LISTEN:", err)
		return 2
	}
	argv, err := awsArgs(endpoint, args)
	if err != nil {
		fmt.Fprintln(stderr, "gureum aws:", err)
		return 2
	}
	bin, err := exec.LookPath("aws")
	if err != nil {
		fmt.Fprintln(stderr, "gureum aws: the aws CLI is not on PATH; install it (Debian, Ubuntu: apt-get install awscli) or see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html")
		return 127
	}
	guard, err := startGuard(endpoint, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "gureum aws:", err)
		return 1
	}
	defer guard.Close()

	cmd := exec.Command(bin, argv...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Env = awsEnv(os.Environ(), endpoint, guard.URL())
	// Ctrl-C and Ctrl-\ reach the CLI from the terminal (it is in our
	// process group); TERM and HUP sent to gureum are passed on.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGQUIT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(stderr, "gureum aws:", err)
		return 126
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case s := <-sigs:
				if s == syscall.SIGTERM || s == syscall.SIGHUP {
					_ = cmd.Process.Signal(s)
				}
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit):
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	default:
		fmt.Fprintln(stderr, "gureum aws:", err)
		return 1
	}
}

// clientEndpoint is the URL a client on this machine reaches a gureum
// listening on addr at: an unspecified host (":4566", "0.0.0.0:4566") is
// the loopback address.
func clientEndpoint(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	if port == "0" || port == "" {
		return "", fmt.Errorf("%q has no fixed port", addr)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}

// awsArgs is the aws CLI's argv (without the program) for args: gureum's
// endpoint first. It refuses the options that would send requests
// elsewhere.
func awsArgs(endpoint string, args []string) ([]string, error) {
	for _, a := range args {
		name, _, _ := strings.Cut(a, "=")
		switch name {
		case "--endpoint-url":
			return nil, fmt.Errorf("%s: gureum aws always sends to gureum at %s (GUREUM_LISTEN chooses which gureum); for another endpoint run aws itself", name, endpoint)
		case "--source-region":
			return nil, fmt.Errorf("%s: with it the aws CLI reads the source bucket from real AWS, not gureum; gureum's buckets need no source region", name)
		}
	}
	return append([]string{"--endpoint-url", endpoint}, args...), nil
}

// awsEnv is the aws CLI's environment: environ with gureum's root keys and
// region where the user set none, and every proxy variable pointing at
// guard except for gureum's own host.
func awsEnv(environ []string, endpoint, guard string) []string {
	vars := map[string]string{}
	var order []string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		if _, dup := vars[k]; !dup {
			order = append(order, k)
		}
		vars[k] = v
	}
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	if vars["AWS_ACCESS_KEY_ID"] == "" {
		set("AWS_ACCESS_KEY_ID", lookup(vars, "GUREUM_ROOT_ACCESS_KEY", "test"))
		set("AWS_SECRET_ACCESS_KEY", lookup(vars, "GUREUM_ROOT_SECRET_KEY", "test"))
		// A token left over from a real session would spoil the signature.
		delete(vars, "AWS_SESSION_TOKEN")
		delete(vars, "AWS_SECURITY_TOKEN")
	}
	if vars["AWS_REGION"] == "" && vars["AWS_DEFAULT_REGION"] == "" {
		set("AWS_DEFAULT_REGION", lookup(vars, "GUREUM_REGION", "us-east-1"))
	}
	host := strings.TrimPrefix(endpoint, "http://")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	noProxy := host
	if strings.Contains(host, ":") { // Python matches IPv6 hosts with their brackets
		noProxy = "[" + host + "]," + host
	}
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"} {
		set(k, guard)
		set(strings.ToLower(k), guard)
	}
	set("NO_PROXY", noProxy)
	set("no_proxy", noProxy)

	out := make([]string, 0, len(order))
	for _, k := range order {
		if v, ok := vars[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func lookup(vars map[string]string, k, def string) string {
	if v, ok := vars[k]; ok {
		return v
	}
	return def
}

// guard is a loopback HTTP proxy that refuses every request, so that an
// aws CLI whose proxy it is reaches nothing but the hosts in NO_PROXY.
type guard struct {
	ln       net.Listener
	endpoint string
	stderr   io.Writer
	mu       sync.Mutex
	told     map[string]bool
	wg       sync.WaitGroup
}

func startGuard(endpoint string, stderr io.Writer) (*guard, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	g := &guard{ln: ln, endpoint: endpoint, stderr: stderr, told: map[string]bool{}}
	g.wg.Add(1)
	go g.serve()
	return g, nil
}

// URL is the proxy's address for HTTP(S)_PROXY.
func (g *guard) URL() string { return "http://" + g.ln.Addr().String() }

// Close stops the proxy and waits for the connections it is answering.
func (g *guard) Close() error {
	err := g.ln.Close()
	g.wg.Wait()
	return err
}

func (g *guard) serve() {
	defer g.wg.Done()
	for {
		c, err := g.ln.Accept()
		if err != nil {
			return
		}
		g.wg.Add(1)
		go func() {
			defer g.wg.Done()
			g.refuse(c)
		}()
	}
}

// refuse answers one connection's request (CONNECT host:443, or a plain
// GET http://host/…) with 403 and tells the user, once per host, what was
// stopped.
func (g *guard) refuse(c net.Conn) {
	defer c.Close()
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return
	}
	host := req.Host
	if host == "" && req.URL != nil {
		host = req.URL.Host
	}
	msg := fmt.Sprintf("gureum aws: stopped a connection to %s: gureum aws reaches only gureum at %s, never AWS", host, g.endpoint)
	g.mu.Lock()
	if !g.told[host] {
		g.told[host] = true
		fmt.Fprintln(g.stderr, msg)
	}
	g.mu.Unlock()
	body := msg + "\n"
	fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}
