package server_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/compute/docker"
	"github.com/gureum/gureum/internal/netplane/linux"
	"github.com/gureum/gureum/internal/server"
)

// TestHostInternetDetachedOnClose: a gureum whose internet is the host's
// (--internet host, the default) keeps its region's networks when it
// stops, but leaves nothing of its own in the host's network: no table,
// no forward rules, no link or routes into its internet; starting again
// puts them back. The pool is a random /24 of 198.18.0.0/15 (benchmarking
// addresses, never routed off the machine).
func TestHostInternetDetachedOnClose(t *testing.T) {
	needNetplane(t)
	needDocker(t)
	dir := t.TempDir()
	third := byte(rand.IntN(256))
	pool := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18 + third%2, third, 0}), 24)
	cfg := server.Config{DataDir: dir, Compute: "docker", Netplane: "linux", Internet: "host", PublicIPPool: []netip.Prefix{pool}}
	open := func() (*server.Server, string) {
		t.Helper()
		c := cfg
		c.Accounts = testAccounts
		srv, err := server.Open(c)
		if err != nil {
			t.Fatal(err)
		}
		return srv, "gureum-" + srv.Compute.(*docker.Driver).Owner() + "-"
	}
	srv, prefix := open()
	t.Cleanup(func() {
		// What the test leaves: the internet namespace (and the host's
		// side, should a check below fail).
		d, err := linux.New(linux.Config{Prefix: prefix})
		if err == nil {
			_ = d.DeleteInternet(context.Background())
		}
		checkNetLeaks(t, prefix)
	})
	hostTable := func() bool {
		out, _ := exec.Command("nft", "list", "tables").CombinedOutput()
		return strings.Contains(string(out), prefix+"internet")
	}
	routed := func() bool {
		out, _ := exec.Command("ip", "route", "show", pool.String()).CombinedOutput()
		return strings.TrimSpace(string(out)) != ""
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 20s", what)
			}
		}
	}
	waitFor("the host's table and route into gureum's internet", func() bool { return hostTable() && routed() })
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if hostTable() || routed() {
		t.Fatalf("after Close: host table %v, route to %v %v", hostTable(), pool, routed())
	}
	if _, err := os.Stat("/run/netns/" + prefix + "internet"); err != nil {
		t.Fatalf("the internet namespace did not stay: %v", err)
	}
	srv, _ = open()
	waitFor("the host's side back after a restart", func() bool { return hostTable() && routed() })
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
}
