package clients

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gureum/gureum/tests/internal/gureumtest"
)

// TestGureumAWS runs `gureum aws` with the AWS CLI v2 the other tests use
// (Debian's 2.9, which ignores AWS_ENDPOINT_URL and endpoint_url) as the
// only aws on PATH and nothing but GUREUM_LISTEN to find the shared
// server: a bucket made and listed, the caller identity (the root by
// default, an IAM user's own keys when set), and a command that would
// upload to real S3 (`cloudformation package`) stopped by gureum aws.
func TestGureumAWS(t *testing.T) {
	t.Parallel()
	aws := lookAWSCLI(t)
	bin := t.TempDir()
	if err := os.Symlink(aws, filepath.Join(bin, "aws")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir() // no ~/.aws of the machine's user
	base := append(gureumtest.CleanEnv(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+home,
		"GUREUM_LISTEN="+strings.TrimPrefix(server.url, "http://"),
	)
	for _, kv := range base {
		if strings.HasPrefix(kv, "GUREUM_ROOT_") || strings.HasPrefix(kv, "GUREUM_REGION=") {
			t.Fatalf("the test's environment sets %s", kv)
		}
	}
	gureumAWS := func(env []string, dir string, args ...string) (stdout, stderr string, code int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, server.bin, append([]string{"aws"}, args...)...)
		cmd.Env = append(append([]string{}, base...), env...)
		cmd.Dir = dir
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		t.Logf("gureum aws %s: %v\n%s%s", strings.Join(args, " "), err, o.String(), e.String())
		if ctx.Err() != nil {
			t.Fatalf("gureum aws %s: timed out", strings.Join(args, " "))
		}
		return o.String(), e.String(), cmd.ProcessState.ExitCode()
	}
	must := func(env []string, args ...string) string {
		t.Helper()
		out, stderr, code := gureumAWS(env, home, args...)
		if code != 0 {
			t.Fatalf("gureum aws %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
		}
		return out
	}

	bucket := bucketName("gureum-aws")
	if out := must(nil, "s3", "mb", "s3://"+bucket); !strings.Contains(out, "make_bucket: "+bucket) {
		t.Errorf("s3 mb: %q", out)
	}
	defer must(nil, "s3", "rb", "s3://"+bucket)
	if out := must(nil, "s3", "ls"); !strings.Contains(out, " "+bucket+"\n") {
		t.Errorf("s3 ls does not list %s: %q", bucket, out)
	}
	if out := must(nil, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"); strings.TrimSpace(out) != "arn:aws:iam::000000000000:root" {
		t.Errorf("sts get-caller-identity as root: %q", out)
	}

	// The user's own keys win over the root's.
	user := bucketName("gureum-aws-user")
	must(nil, "iam", "create-user", "--user-name", user)
	defer must(nil, "iam", "delete-user", "--user-name", user)
	var key struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey string }
	}
	if err := json.Unmarshal([]byte(must(nil, "iam", "create-access-key", "--user-name", user, "--output", "json")), &key); err != nil {
		t.Fatal(err)
	}
	defer must(nil, "iam", "delete-access-key", "--user-name", user, "--access-key-id", key.AccessKey.AccessKeyId)
	userEnv := []string{"AWS_ACCESS_KEY_ID=" + key.AccessKey.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + key.AccessKey.SecretAccessKey}
	if out := must(userEnv, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"); strings.TrimSpace(out) != "arn:aws:iam::000000000000:user/"+user {
		t.Errorf("sts get-caller-identity with %s's keys: %q", user, out)
	}

	// The CLI's exit status is gureum aws's.
	if _, stderr, code := gureumAWS(nil, home, "s3api", "head-bucket", "--bucket", bucketName("absent")); code == 0 || !strings.Contains(stderr, "404") {
		t.Errorf("head-bucket of a missing bucket: exit %d, %q", code, stderr)
	}
	// --endpoint-url is refused before the CLI runs.
	if _, stderr, code := gureumAWS(nil, home, "s3", "ls", "--endpoint-url", "https://s3.amazonaws.com"); code != 2 || !strings.Contains(stderr, "--endpoint-url") {
		t.Errorf("--endpoint-url: exit %d, %q", code, stderr)
	}
	// cloudformation package uploads with a client of its own that ignores
	// --endpoint-url: real S3, which gureum aws stops.
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "code"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "code", "index.py"), []byte("def handler(e, c): pass\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := "Resources:\n  F:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: ./code\n"
	if err := os.WriteFile(filepath.Join(dir, "t.yaml"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := gureumAWS(nil, dir, "cloudformation", "package", "--template-file", "t.yaml", "--s3-bucket", bucket)
	if code == 0 || !strings.Contains(stderr, "gureum aws: stopped a connection to "+bucket+".s3.") || !strings.Contains(stderr, "amazonaws.com:443") {
		t.Errorf("cloudformation package: exit %d, stderr %q; want it stopped on its way to real S3", code, stderr)
	}
}
