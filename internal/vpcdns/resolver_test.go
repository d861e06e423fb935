package vpcdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestGoResolver is a real client: Go's own resolver (PreferGo) pointed
// at the server over udp and over tcp.
func TestGoResolver(t *testing.T) {
	up := startUpstream(t, 0)
	ts := startServer(t, Options{Forward: []string{up.addr}})
	for _, network := range networks {
		t.Run(network, func(t *testing.T) {
			r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, ts.addr(network))
			}}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()

			ips, err := r.LookupNetIP(ctx, "ip4", "ip-10-0-1-5.ec2.internal.")
			if err != nil || !slices.Equal(ips, []netip.Addr{netip.MustParseAddr("10.0.1.5")}) {
				t.Errorf("LookupNetIP private = %v, %v", ips, err)
			}
			hosts, err := r.LookupHost(ctx, "EC2-203-0-113-5.compute-1.amazonaws.com.")
			if err != nil || !slices.Equal(hosts, []string{"10.0.1.5"}) {
				t.Errorf("LookupHost public = %v, %v", hosts, err)
			}
			hosts, err = r.LookupHost(ctx, "ip-10-0-1-6.ec2.internal.")
			slices.Sort(hosts)
			if err != nil || !slices.Equal(hosts, []string{"10.0.1.6", "2600:1f18::6"}) {
				t.Errorf("LookupHost dual stack = %v, %v", hosts, err)
			}
			names, err := r.LookupAddr(ctx, "10.0.1.5")
			if err != nil || !slices.Equal(names, []string{"ip-10-0-1-5.ec2.internal."}) {
				t.Errorf("LookupAddr = %v, %v", names, err)
			}
			_, err = r.LookupHost(ctx, "ip-10-0-1-99.ec2.internal.")
			var dnsErr *net.DNSError
			if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound {
				t.Errorf("LookupHost unknown = %v, want not found", err)
			}
			hosts, err = r.LookupHost(ctx, "example.com.")
			if err != nil || !slices.Equal(hosts, []string{"93.184.216.34"}) {
				t.Errorf("LookupHost forwarded = %v, %v", hosts, err)
			}
			hosts, err = r.LookupHost(ctx, "big.example.")
			if err != nil || len(hosts) != 40 {
				t.Errorf("LookupHost big = %d hosts, %v", len(hosts), err)
			}
		})
	}
}

// TestDig asks with dig, when it is installed.
func TestDig(t *testing.T) {
	dig, err := exec.LookPath("dig")
	if err != nil {
		t.Skip("dig not installed")
	}
	ts := startServer(t, Options{})
	for _, network := range networks {
		host, port, _ := net.SplitHostPort(ts.addr(network))
		args := []string{"@" + host, "-p", port, "+short", "+time=2", "+tries=1", "ip-10-0-1-5.ec2.internal", "A"}
		if network == "tcp" {
			args = append(args, "+tcp")
		}
		out, err := exec.Command(dig, args...).CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "10.0.1.5" {
			t.Errorf("dig %s = %q, %v", network, out, err)
		}
	}
}
