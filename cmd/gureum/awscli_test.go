package main

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestHelpListsCommands(t *testing.T) {
	for _, arg := range []string{"help", "-h", "-help", "--help"} {
		var out, errb bytes.Buffer
		if code := run([]string{arg}, &out, &errb); code != 0 {
			t.Fatalf("gureum %s: exit %d, stderr %q", arg, code, errb.String())
		}
		for _, cmd := range []string{"serve", "aws ARGS", "ami build", "ami list", "ssh INSTANCE_ID", "version", "help"} {
			if !strings.Contains(out.String(), "\n  "+cmd) {
				t.Errorf("gureum %s does not list %q:\n%s", arg, cmd, out.String())
			}
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"nope"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "aws ARGS") {
		t.Errorf("unknown command: exit %d, stderr %q", code, errb.String())
	}
}

func TestClientEndpoint(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"127.0.0.1:4566", "http://127.0.0.1:4566"},
		{":4566", "http://127.0.0.1:4566"},
		{"0.0.0.0:5000", "http://127.0.0.1:5000"},
		{"[::]:4566", "http://[::1]:4566"},
		{"localhost:4567", "http://localhost:4567"},
		{"127.0.0.1:0", ""},
		{"4566", ""},
	} {
		got, err := clientEndpoint(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("clientEndpoint(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestAWSArgs(t *testing.T) {
	const ep = "http://127.0.0.1:4566"
	got, err := awsArgs(ep, []string{"s3", "ls", "--region", "eu-west-1"})
	if err != nil || !slices.Equal(got, []string{"--endpoint-url", ep, "s3", "ls", "--region", "eu-west-1"}) {
		t.Fatalf("awsArgs = %q, %v", got, err)
	}
	for _, args := range [][]string{
		{"s3", "ls", "--endpoint-url", "https://s3.amazonaws.com"},
		{"--endpoint-url=http://elsewhere", "sts", "get-caller-identity"},
		{"s3", "sync", "s3://a", "s3://b", "--source-region", "us-west-2"},
	} {
		if _, err := awsArgs(ep, args); err == nil {
			t.Errorf("awsArgs(%q) accepted", args)
		}
	}
}

func TestAWSEnv(t *testing.T) {
	get := func(env []string, k string) (string, bool) {
		for _, kv := range env {
			if name, v, _ := strings.Cut(kv, "="); name == k {
				return v, true
			}
		}
		return "", false
	}
	const guard = "http://127.0.0.1:9"
	// Nothing set: gureum's root keys and region; a stale token goes.
	env := awsEnv([]string{"PATH=/bin", "AWS_SESSION_TOKEN=old", "HTTPS_PROXY=http://corp:3128", "NO_PROXY=*"}, "http://127.0.0.1:4566", guard)
	for k, want := range map[string]string{
		"PATH": "/bin", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
		"HTTPS_PROXY": guard, "https_proxy": guard, "HTTP_PROXY": guard, "ALL_PROXY": guard, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
	} {
		if v, _ := get(env, k); v != want {
			t.Errorf("%s = %q, want %q (env %q)", k, v, want, env)
		}
	}
	if _, ok := get(env, "AWS_SESSION_TOKEN"); ok {
		t.Errorf("AWS_SESSION_TOKEN kept with gureum's keys: %q", env)
	}
	// gureum's own settings.
	env = awsEnv([]string{"GUREUM_ROOT_ACCESS_KEY=AK", "GUREUM_ROOT_SECRET_KEY=SK", "GUREUM_REGION=eu-west-1"}, "http://[::1]:4566", guard)
	for k, want := range map[string]string{"AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK", "AWS_DEFAULT_REGION": "eu-west-1", "NO_PROXY": "[::1],::1"} {
		if v, _ := get(env, k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	// The user's own keys, token and region stay.
	env = awsEnv([]string{"AWS_ACCESS_KEY_ID=AKIAALICE", "AWS_SECRET_ACCESS_KEY=s", "AWS_SESSION_TOKEN=tok", "AWS_REGION=ap-south-1"}, "http://127.0.0.1:4566", guard)
	for k, want := range map[string]string{"AWS_ACCESS_KEY_ID": "AKIAALICE", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "tok", "AWS_REGION": "ap-south-1"} {
		if v, _ := get(env, k); v != want {
			t.Errorf("%s = %q, want %q", k, v, want)
		}
	}
	if v, ok := get(env, "AWS_DEFAULT_REGION"); ok {
		t.Errorf("AWS_DEFAULT_REGION = %q set over the user's AWS_REGION", v)
	}
}

// TestGuardRefuses checks that the proxy gureum aws gives the CLI
// answers CONNECT (HTTPS) and plain HTTP requests with 403 and names the
// host on stderr.
func TestGuardRefuses(t *testing.T) {
	var stderr lockedBuffer
	g, err := startGuard("http://127.0.0.1:4566", &stderr)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	proxy, _ := url.Parse(g.URL())
	c := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxy)}}
	if resp, err := c.Get("https://s3.us-east-1.amazonaws.com/"); err == nil {
		resp.Body.Close()
		t.Fatalf("HTTPS through the guard: %s", resp.Status)
	}
	resp, err := c.Get("http://169.254.169.254/latest/meta-data/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("HTTP through the guard: %s", resp.Status)
	}
	g.Close()
	for _, host := range []string{"s3.us-east-1.amazonaws.com:443", "169.254.169.254"} {
		if !strings.Contains(stderr.String(), "stopped a connection to "+host+":") {
			t.Errorf("stderr does not name %s: %q", host, stderr.String())
		}
	}
}

// TestAWSCommand runs gureum aws with a stand-in aws on PATH that prints
// its arguments and environment and exits 3.
func TestAWSCommand(t *testing.T) {
	dir := t.TempDir()
	script := "#!/bin/sh\necho \"args: $*\"\necho \"key=$AWS_ACCESS_KEY_ID region=$AWS_DEFAULT_REGION proxy=$HTTPS_PROXY noproxy=$NO_PROXY\"\nexit 3\n"
	if err := os.WriteFile(filepath.Join(dir, "aws"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv("GUREUM_LISTEN", "0.0.0.0:4599")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	var out, errb bytes.Buffer
	if code := awsCommand([]string{"s3", "ls"}, strings.NewReader(""), &out, &errb); code != 3 {
		t.Fatalf("exit %d, want the CLI's 3; stderr %q", code, errb.String())
	}
	if !strings.Contains(out.String(), "args: --endpoint-url http://127.0.0.1:4599 s3 ls\n") ||
		!strings.Contains(out.String(), "key=test region=us-east-1 proxy=http://127.0.0.1:") ||
		!strings.Contains(out.String(), "noproxy=127.0.0.1\n") {
		t.Errorf("the CLI saw:\n%s", out.String())
	}

	t.Setenv("PATH", t.TempDir())
	out.Reset()
	errb.Reset()
	if code := awsCommand([]string{"s3", "ls"}, strings.NewReader(""), &out, &errb); code != 127 || !strings.Contains(errb.String(), "apt-get install awscli") {
		t.Errorf("without aws: exit %d, stderr %q", code, errb.String())
	}
}

// TestBannerClientLines checks the start-up banner's client lines: no
// AWS_ENDPOINT_URL (aws CLIs before 2.13 ignore it and go to real AWS),
// an explicit --endpoint-url, gureum aws with what it needs to find this
// gureum, and no secret other than the default.
func TestBannerClientLines(t *testing.T) {
	o, err := parseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	o.rootAccessKey, o.rootSecretKey, o.region = "test", "test", "us-east-1"
	var b bytes.Buffer
	printClients(&b, o, "127.0.0.1:4566", "gureum")
	s := b.String()
	for _, want := range []string{
		"\n  gureum aws s3 mb s3://my-bucket",
		"aws --endpoint-url http://127.0.0.1:4566 --region us-east-1 s3 ls\n",
		"[profile gureum]\n    endpoint_url = http://127.0.0.1:4566\n",
	} {
		if !strings.Contains("\n"+s, want) {
			t.Errorf("banner lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "AWS_ENDPOINT_URL") || strings.Contains(s, "export") {
		t.Errorf("banner relies on the environment for the endpoint:\n%s", s)
	}

	o.rootAccessKey, o.rootSecretKey, o.region = "AK", "hunter2", "eu-west-1"
	b.Reset()
	printClients(&b, o, "[::]:5000", "./gureum")
	s = b.String()
	if !strings.Contains(s, "GUREUM_LISTEN=[::1]:5000 GUREUM_ROOT_ACCESS_KEY=AK GUREUM_ROOT_SECRET_KEY=<your --root-secret-key> GUREUM_REGION=eu-west-1 ./gureum aws ") ||
		!strings.Contains(s, "--endpoint-url http://[::1]:5000 --region eu-west-1") || strings.Contains(s, "hunter2") {
		t.Errorf("banner for another address, keys and region:\n%s", s)
	}
}

func TestSelfCommand(t *testing.T) {
	for in, want := range map[string]string{
		"gureum":                            "gureum",
		"./gureum":                          "./gureum",
		"/usr/local/bin/gureum":             "/usr/local/bin/gureum",
		"/tmp/go-build1234/b001/exe/gureum": "go run ./cmd/gureum",
	} {
		if got := selfCommand(in); got != want {
			t.Errorf("selfCommand(%q) = %q, want %q", in, got, want)
		}
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
