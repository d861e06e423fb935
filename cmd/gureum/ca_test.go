package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCACommand(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	if code := run([]string{"ca", "--data-dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	ca := filepath.Join(dir, "tls", "ca.pem")
	if !strings.HasPrefix(out.String(), ca+"\n") || !strings.Contains(out.String(), "export AWS_CA_BUNDLE="+ca) {
		t.Fatalf("output:\n%s", out.String())
	}
	if b, err := os.ReadFile(ca); err != nil || !bytes.Contains(b, []byte("BEGIN CERTIFICATE")) {
		t.Fatalf("%s: %v", ca, err)
	}
	// Again: the same CA.
	before, _ := os.ReadFile(ca)
	out.Reset()
	run([]string{"ca", "--data-dir", dir}, &out, &errb)
	if after, _ := os.ReadFile(ca); !bytes.Equal(before, after) {
		t.Fatal("the CA changed")
	}
}
