// Package clients runs real S3 clients against a real `gureum serve`
// process: the AWS CLI v2, boto3 (with requests), s3cmd and rclone.
//
// TestMain builds the gureum binary once, starts it with --ephemeral on a
// free loopback port and stops it with SIGTERM at the end, failing the run
// if it does not exit cleanly. Each test runs a script from this directory
// (awscli.sh, in two halves; boto3_clients.py; s3cmd.sh; rclone.sh; the
// learner story, learner_awscli.sh and learner_boto3.py, which also drive
// IAM and STS; and kms_boto3.py, KMS) with the endpoint in GUREUM_*
// environment variables and a bucket of its own; the scripts check every
// answer and exit non-zero on any failed check. They also run by hand
// against any gureum; see lib.sh.
//
// A missing client skips its test locally and fails it when CI=true.
// Set GUREUM_CLIENTS_RACE=1 to build the server with the race detector.
// When a test fails, the server's warnings and failed requests are logged.
package clients

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gureum/gureum/tests/internal/gureumtest"
)

// server is the gureum process the tests share.
var server struct {
	url string        // http://127.0.0.1:PORT
	bin string        // the gureum binary it runs
	log *bytes.Buffer // its stderr
	mu  *sync.Mutex   // guards log
}

// clientTimeout bounds one script; the scripts' own I/O timeouts are shorter.
const clientTimeout = 8 * time.Minute

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gureum-clients-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin, err := buildGureum(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// With a Docker Engine, gureum's instances are containers of the
	// minimal AMI (sorted first among the amazon x86_64 images).
	if out, err := exec.Command(bin, "ami", "list").Output(); err == nil && !regexp.MustCompile(`(?m)^minimal +\S+ +built$`).Match(out) {
		if out, err := exec.Command(bin, "ami", "build", "minimal").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "gureum ami build minimal: %v\n%s", err, out)
			return 1
		}
	}
	server.bin = bin
	stop, err := startGureum(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "gureum serve did not stop cleanly:", err)
		fmt.Fprintln(os.Stderr, serverLog())
		if code == 0 {
			code = 1
		}
	}
	return code
}

// buildGureum builds cmd/gureum into dir.
func buildGureum(dir string) (string, error) {
	bin := filepath.Join(dir, "gureum")
	args := []string{"build", "-o", bin}
	if os.Getenv("GUREUM_CLIENTS_RACE") == "1" {
		args = append(args, "-race")
	}
	cmd := exec.Command("go", append(args, "github.com/gureum/gureum/cmd/gureum")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gureum: %v\n%s", err, out)
	}
	return bin, nil
}

// startGureum starts `gureum serve --ephemeral` on a port the kernel picks,
// waits for /_gureum/health and returns a function that stops it.
func startGureum(bin string) (stop func() error, err error) {
	cmd := exec.Command(bin, "serve", "--ephemeral", "--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--log-level", "debug", "--internet", "isolated")
	cmd.Env = gureumtest.CleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	server.log, server.mu = &bytes.Buffer{}, &sync.Mutex{}
	cmd.Stderr = lockedWriter{server.log, server.mu}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	banner := make(chan string, 1)
	var rest bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		banner <- line
		_, _ = io.Copy(&rest, r)
	}()
	go func() {
		<-copied
		exited <- cmd.Wait()
	}()

	// The banner names the address: "gureum … serving AWS on http://127.0.0.1:PORT (…".
	var line string
	select {
	case line = <-banner:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("gureum serve printed no banner in 30s\n%s", serverLog())
	}
	addr := regexp.MustCompile(`serving AWS on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(line)
	if addr == nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("gureum serve: unexpected banner %q\n%s", line, serverLog())
	}
	server.url = addr[1]
	if err := gureumtest.WaitHealthy(server.url, exited); err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("%v\n%s", err, serverLog())
	}

	return func() error {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			return err
		}
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("after SIGTERM: %v (stdout: %q)", err, rest.String())
			}
			if !strings.Contains(serverLog(), "shutting down") {
				return errors.New(`after SIGTERM: exited 0 but never logged "shutting down"`)
			}
			return nil
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			return errors.New("still running 20s after SIGTERM; killed")
		}
	}, nil
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func serverLog() string {
	server.mu.Lock()
	defer server.mu.Unlock()
	return server.log.String()
}

// missing skips the test, or fails it in CI, where every client is installed.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format+" (CI=true: the clients must be installed; see .ci/run)", args...)
	}
	t.Skipf(format, args...)
}

// lookClient returns the first of the candidates that is an executable.
func lookClient(t *testing.T, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p
		}
	}
	missing(t, "%s is not installed", candidates[len(candidates)-1])
	return ""
}

// bucketName returns a bucket name no other test or run uses.
func bucketName(prefix string) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// runClient runs a script from this directory (argv: interpreter, script,
// arguments) against the shared server, streams its output into the test
// log and fails the test if it exits non-zero, repeating the failed checks
// at the end, followed by the server's error lines.
func runClient(t *testing.T, argv []string, env ...string) {
	t.Helper()
	script := strings.Join(argv[1:], " ")
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	tmp := t.TempDir()
	name := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(t.Name(), "Test"), "/", "-"))
	cmd.Env = append(gureumtest.CleanEnv(),
		"GUREUM_ENDPOINT="+server.url,
		"GUREUM_BUCKET="+bucketName(name),
		"GUREUM_ACCESS_KEY_ID=test",
		"GUREUM_SECRET_ACCESS_KEY=test",
		"GUREUM_REGION=us-east-1",
		"TMPDIR="+tmp,
	)
	cmd.Env = append(cmd.Env, env...)
	// Own process group, so a timeout kills the client's children too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second

	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var failed []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			t.Log(line)
			if strings.HasPrefix(line, "FAIL: ") || strings.HasPrefix(line, "ABORT: ") {
				failed = append(failed, line)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	start := time.Now()
	logStart := len(serverLog())
	err := cmd.Run()
	pw.Close()
	<-done
	t.Logf("%s finished in %s", script, time.Since(start).Round(time.Millisecond))
	if ctx.Err() != nil {
		t.Errorf("%s: timed out after %s", script, clientTimeout)
	}
	if err != nil {
		t.Errorf("%s: %v", script, err)
		for _, f := range failed {
			t.Error(f)
		}
		if log := gureumtest.Notable(serverLog()[logStart:]); log != "" {
			t.Logf("gureum serve log during %s (errors and warnings; other tests run alongside):\n%s", script, log)
		}
	}
}

// lookAWSCLI returns the AWS CLI v2. Debian's awscli package is v2 at
// /usr/bin/aws; a v1 `aws` (pip) may come first on PATH.
func lookAWSCLI(t *testing.T) string {
	t.Helper()
	aws := lookClient(t, "/usr/bin/aws", "aws")
	out, err := exec.Command(aws, "--version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "aws-cli/2.") {
		missing(t, "%s is not the AWS CLI v2: %q %v", aws, out, err)
	}
	return aws
}

// lookBoto3 returns a python3 that can import boto3 and requests.
func lookBoto3(t *testing.T) string {
	t.Helper()
	py := lookClient(t, "python3")
	if out, err := exec.Command(py, "-c", "import boto3, requests").CombinedOutput(); err != nil {
		missing(t, "%s cannot import boto3 and requests: %s", py, out)
	}
	return py
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	aws := lookAWSCLI(t)
	// Every CLI call starts a Python process; the two halves run side by side.
	for _, part := range []string{"s3", "s3api"} {
		t.Run(part, func(t *testing.T) {
			t.Parallel()
			runClient(t, []string{"bash", "awscli.sh", part}, "GUREUM_AWS="+aws)
		})
	}
}

func TestBoto3(t *testing.T) {
	t.Parallel()
	runClient(t, []string{lookBoto3(t), "boto3_clients.py"})
}

// TestLearnerAWSCLI walks the learner story with the AWS CLI and curl: a
// private new bucket, a public bucket policy refused under Block Public
// Access and then allowed, an IAM user denied until AmazonS3ReadOnlyAccess
// is attached and then only allowed to read, and its caller identity.
func TestLearnerAWSCLI(t *testing.T) {
	t.Parallel()
	runClient(t, []string{"bash", "learner_awscli.sh"}, "GUREUM_AWS="+lookAWSCLI(t))
}

// TestLearnerBoto3 walks the same learner story with boto3 and requests.
// Both learner tests create IAM users in the one account of the shared
// server; each script names its user with a suffix of its own.
func TestLearnerBoto3(t *testing.T) {
	t.Parallel()
	runClient(t, []string{lookBoto3(t), "learner_boto3.py"})
}

// TestKMSBoto3 drives KMS with boto3, so botocore's model parses every
// answer: keys, aliases (alias/aws/s3 among them), the encryption
// context, an IAM user against the key policy, grants, and the errors of
// disabled keys and keys pending deletion.
func TestKMSBoto3(t *testing.T) {
	t.Parallel()
	runClient(t, []string{lookBoto3(t), "kms_boto3.py"})
}

// TestEC2AWSCLI builds and tears down the two-tier VPC with the AWS CLI v2
// (in eu-central-1, its own region on the shared server).
func TestEC2AWSCLI(t *testing.T) {
	t.Parallel()
	runClient(t, []string{"bash", "ec2_awscli.sh"}, "GUREUM_AWS="+lookAWSCLI(t))
}

// TestEC2Boto3 does the same with boto3 (in eu-west-1).
func TestEC2Boto3(t *testing.T) {
	t.Parallel()
	runClient(t, []string{lookBoto3(t), "ec2_boto3.py"})
}

func TestS3cmd(t *testing.T) {
	t.Parallel()
	s3cmd := lookClient(t, "s3cmd")
	runClient(t, []string{"bash", "s3cmd.sh"}, "GUREUM_S3CMD="+s3cmd)
}

func TestRclone(t *testing.T) {
	t.Parallel()
	rclone := lookClient(t, "rclone")
	runClient(t, []string{"bash", "rclone.sh"}, "GUREUM_RCLONE="+rclone)
}
