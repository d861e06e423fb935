package instinit

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWaitInterface(t *testing.T) {
	root := t.TempDir()
	var out bytes.Buffer
	con := newConsole(&out)
	go func() {
		time.Sleep(100 * time.Millisecond)
		dir := filepath.Join(root, "sys/class/net/eth0")
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "operstate"), []byte("up\n"), 0o644)
	}()
	if !waitInterface(context.Background(), root, "eth0", 5*time.Second, con) || !strings.Contains(out.String(), "eth0 is up") {
		t.Fatalf("eth0 not seen: %s", out.String())
	}
	out.Reset()
	start := time.Now()
	if waitInterface(context.Background(), root, "eth1", 200*time.Millisecond, con) || time.Since(start) > 2*time.Second {
		t.Fatal("a missing interface was taken for up, or the wait did not end")
	}
	if waitInterface(context.Background(), root, "../x", time.Second, con) {
		t.Fatal("a path was accepted as an interface name")
	}
}
