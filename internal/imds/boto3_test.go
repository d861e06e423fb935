package imds

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// botoScript asks botocore's default credential chain for credentials and
// prints what it found.
const botoScript = `
import json, boto3
s = boto3.Session(region_name="us-east-1")
c = s.get_credentials()
if c is None:
    print(json.dumps(None))
else:
    f = c.get_frozen_credentials()
    print(json.dumps({"method": c.method, "ak": f.access_key, "sk": f.secret_key, "token": f.token}))
`

// TestBoto3 points botocore's instance metadata provider at Serve: with
// HttpTokens required, credentials can only come through IMDSv2.
func TestBoto3(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import boto3").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with boto3 is required in CI: %v", err)
		}
		t.Skipf("no python3 with boto3: %v", err)
	}
	inst := loopbackInstance()
	inst.HttpTokens = "required"
	f := newFixture(t, inst)
	// botocore refreshes credentials that expire soon by its own clock.
	f.clock.Advance(time.Since(f.clock.Now()))
	base, _ := startServe(t, f)

	dir := t.TempDir()
	cmd := exec.Command(python, "-c", botoScript)
	// Nothing but the metadata service may provide credentials.
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=" + base,
		"AWS_METADATA_SERVICE_TIMEOUT=5",
		"AWS_METADATA_SERVICE_NUM_ATTEMPTS=1",
	}
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("python: %v\n%s", err, ee.Stderr)
		}
		t.Fatal(err)
	}
	var got *struct{ Method, AK, SK, Token string }
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if got == nil {
		t.Fatal("boto3 found no credentials")
	}
	if got.Method != "iam-role" || got.AK != "ASIAEXAMPLE1" || got.SK != "secret/app-role/1" || got.Token != "token-1" {
		t.Fatalf("boto3 credentials: %+v", *got)
	}
}
