package instinit

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// profileScript is where login shells pick up the instance's Env.
const profileScript = "etc/profile.d/gureum.sh"

// applyEnv sets env (KEY=value lines) for the init, so user data and
// services inherit it, and writes it as a profile script for logins. Keys
// must be shell names; values are single-quoted.
func applyEnv(root string, env []string) error {
	if len(env) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("# Written by gureum's instance init at every boot.\n")
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || !shellName(k) {
			return fmt.Errorf("instance env: %q is not KEY=value", kv)
		}
		if err := os.Setenv(k, v); err != nil {
			return err
		}
		fmt.Fprintf(&b, "export %s='%s'\n", k, strings.ReplaceAll(v, "'", `'\''`))
	}
	p := filepath.Join(root, profileScript)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("instance env: %w", err)
	}
	return writeReplacing(p, []byte(b.String()), 0o644, 0, 0)
}

func shellName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
