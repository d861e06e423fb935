// Package gureumtest holds what the tests that run a real `gureum serve`
// process (tests/clients, tests/ansible) share: waiting until it is
// healthy, reading its log after a failure, and a clean environment for
// the clients they run.
package gureumtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"
)

// WaitHealthy polls /_gureum/health until it reports ok.
func WaitHealthy(url string, exited <-chan error) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url + "/_gureum/health")
		if err == nil {
			var h struct {
				Status   string            `json:"status"`
				Services map[string]string `json:"services"`
				Engines  map[string]string `json:"engines"`
			}
			derr := json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if derr == nil && resp.StatusCode == http.StatusOK && h.Status == "ok" && h.Services["s3"] == "running" {
				// In CI, EC2 runs on real containers…
				if os.Getenv("CI") == "true" && h.Engines["compute"] != "docker" {
					return fmt.Errorf("CI: gureum's compute driver is %q, want docker", h.Engines["compute"])
				}
				// …in real VPC networks.
				if os.Getenv("GUREUM_REQUIRE_NETPLANE") == "1" && h.Engines["netplane"] != "linux" {
					return fmt.Errorf("GUREUM_REQUIRE_NETPLANE: gureum's VPC data plane is %q, want linux", h.Engines["netplane"])
				}
				return nil
			}
			err = fmt.Errorf("status %d, %+v, decode error %v", resp.StatusCode, h, derr)
		}
		select {
		case werr := <-exited:
			return fmt.Errorf("gureum serve exited before it was healthy: %v", werr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("gureum serve not healthy after 30s: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Notable returns the lines of a server log worth reading after a failure:
// everything but the access log lines of successful requests, at most the
// last 300.
func Notable(log string) string {
	var keep []string
	status := regexp.MustCompile(` status=([0-9]+) `)
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if m := status.FindStringSubmatch(line); m != nil && m[1] < "400" && len(m[1]) == 3 {
			continue
		}
		keep = append(keep, line)
	}
	if len(keep) > 300 {
		keep = keep[len(keep)-300:]
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// CleanEnv is this process's environment without AWS_* and RCLONE_*
// variables, so that nothing ambient (profiles, a CA bundle, an rclone
// remote) changes what a client does.
func CleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "RCLONE_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}
