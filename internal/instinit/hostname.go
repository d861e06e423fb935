package instinit

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// ApplyHostname gives the instance its hostname: the kernel's (only when
// root is the real "/"; not being permitted is no error) and
// /etc/hostname get the short name, and /etc/hosts maps the loopback
// addresses, and ip (when known) to hostname and its short name.
// An empty hostname keeps the container's. Docker's /etc/hosts and
// /etc/hostname are bind mounts, so they are written in place.
func ApplyHostname(root, hostname, ip string, log io.Writer) error {
	con := newConsole(log)
	if ip != "" && net.ParseIP(ip) == nil {
		con.Printf("ignoring the private address %q: not an IP address", ip)
		ip = ""
	}
	short, _, _ := strings.Cut(hostname, ".")
	if hostname != "" {
		if !validHostname(hostname) {
			return fmt.Errorf("setting the hostname: %q is not a valid hostname", hostname)
		}
		if isRealRoot(root) {
			if err := unix.Sethostname([]byte(short)); err != nil && !errors.Is(err, unix.EPERM) {
				con.Printf("cannot set the hostname: %v", err)
			}
		}
		if err := writeInPlace(at(root, "/etc/hostname"), []byte(short+"\n"), 0o644); err != nil {
			return fmt.Errorf("setting the hostname: %w", err)
		}
		con.Printf("hostname %s", hostname)
	}
	old, err := os.ReadFile(at(root, "/etc/hosts"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("updating /etc/hosts: %w", err)
	}
	if err := writeInPlace(at(root, "/etc/hosts"), []byte(rewriteHosts(string(old), ip, hostname)), 0o644); err != nil {
		return fmt.Errorf("updating /etc/hosts: %w", err)
	}
	return nil
}

// validHostname reports whether h is a DNS name (letters, digits, hyphens
// and dots), so it can go in /etc/hosts.
func validHostname(h string) bool {
	if len(h) > 253 || strings.HasPrefix(h, ".") || strings.HasPrefix(h, "-") {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// loopbackNames are the names the init's loopback lines give, by address.
func loopbackNames(addr string) []string {
	switch addr {
	case "127.0.0.1":
		return []string{"localhost"}
	case "::1":
		return []string{"localhost", "ip6-localhost", "ip6-loopback"}
	}
	return nil
}

// rewriteHosts returns the /etc/hosts content old with the lines the
// init owns replaced: the loopback lines naming only the usual loopback
// names, and every line for ip or naming hostname or its short name. The
// other lines are kept, in order, after the init's. Without an ip the
// hostname is mapped to 127.0.1.1, as Debian does.
func rewriteHosts(old, ip, hostname string) string {
	short, _, _ := strings.Cut(hostname, ".")
	owned := func(fields []string) bool {
		if len(fields) == 0 {
			return false
		}
		if fields[0] == ip && ip != "" {
			return true
		}
		usual := map[string]bool{"localhost": true, "ip6-localhost": true, "ip6-loopback": true, "localhost.localdomain": true}
		onlyUsual := loopbackNames(fields[0]) != nil
		for _, name := range fields[1:] {
			if hostname != "" && (name == hostname || name == short) {
				return true
			}
			onlyUsual = onlyUsual && usual[name]
		}
		return onlyUsual
	}
	lines := []string{"127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback"}
	if hostname != "" {
		addr := ip
		if addr == "" {
			addr = "127.0.1.1"
		}
		names := hostname
		if short != hostname {
			names += " " + short
		}
		lines = append(lines, addr+"\t"+names)
	}
	for _, l := range strings.Split(strings.TrimRight(old, "\n"), "\n") {
		body, _, _ := strings.Cut(l, "#")
		if owned(strings.Fields(body)) {
			continue
		}
		if strings.TrimSpace(l) == "" && len(lines) > 0 && lines[len(lines)-1] == "" {
			continue
		}
		lines = append(lines, l)
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n") + "\n"
}
