package instinit

import (
	"os"
	"path/filepath"
	"testing"
)

func TestApplyEnv(t *testing.T) {
	root := t.TempDir()
	t.Setenv("GUREUM_TEST_ENDPOINT", "")
	if err := applyEnv(root, []string{"GUREUM_TEST_ENDPOINT=http://169.254.169.254:4566", "Q=it's"}); err != nil {
		t.Fatal(err)
	}
	if got := os.Getenv("GUREUM_TEST_ENDPOINT"); got != "http://169.254.169.254:4566" {
		t.Fatalf("env %q", got)
	}
	b, err := os.ReadFile(filepath.Join(root, profileScript))
	if err != nil {
		t.Fatal(err)
	}
	want := "# Written by gureum's instance init at every boot.\nexport GUREUM_TEST_ENDPOINT='http://169.254.169.254:4566'\nexport Q='it'\\''s'\n"
	if string(b) != want {
		t.Fatalf("profile script:\n%s\nwant:\n%s", b, want)
	}
	for _, bad := range []string{"NOEQUALS", "1X=y", "A B=c", "=v"} {
		if err := applyEnv(root, []string{bad}); err == nil {
			t.Errorf("applyEnv(%q) succeeded", bad)
		}
	}
}
