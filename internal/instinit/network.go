package instinit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// waitInterface waits until the network interface name exists and is up
// (the dataplane plugs it from outside after the container starts), or
// until timeout, and says which on the console.
func waitInterface(ctx context.Context, root, name string, timeout time.Duration, con *console) bool {
	if strings.ContainsAny(name, "/.") || name == "" {
		con.Printf("network: bad interface name %q", name)
		return false
	}
	state := filepath.Join(root, "sys/class/net", name, "operstate")
	deadline := time.Now().Add(timeout)
	for {
		if b, err := os.ReadFile(state); err == nil {
			if s := strings.TrimSpace(string(b)); s == "up" || s == "unknown" {
				con.Printf("network: %s is up", name)
				return true
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			con.Printf("network: %s did not come up within %s; booting without it", name, timeout)
			return false
		}
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
	}
}
