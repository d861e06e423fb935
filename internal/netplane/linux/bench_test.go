package linux

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/gureum/gureum/internal/netplane"
)

// BenchmarkPlug measures Plug alone: a veth pair into a fresh instance
// namespace, attached, addressed, routed and filtered.
func BenchmarkPlug(b *testing.B) {
	l := newLab(b)
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		path := filepath.Join(runDir, fmt.Sprintf("%si-bench%d", l.prefix, i))
		if err := createNS(path); err != nil {
			b.Fatal(err)
		}
		ifc := iface(vpcID, subnetA, "10.0.1.0/24", fmt.Sprintf("eni-%017x", i+1), path, "10.0.1.10")
		b.StartTimer()
		if err := l.dp.Plug(l.ctx, ifc); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := l.dp.Unplug(l.ctx, vpcID, ifc.ID); err != nil {
			b.Fatal(err)
		}
		if err := removeNS(path); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkRuleToFirstPacket measures the time from calling
// SetSecurityGroups with a rule that allows a blocked connection to the
// first connection that succeeds, across two subnets.
func BenchmarkRuleToFirstPacket(b *testing.B) {
	l := newLab(b)
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	l.subnet(vpcID, subnetB, "10.0.2.0/24")
	a, s := l.instance("a"), l.instance("s")
	ia := iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", a, "10.0.1.10", "sg-client")
	is := iface(vpcID, subnetB, "10.0.2.0/24", "eni-0000000000000000d", s, "10.0.2.10", "sg-web")
	l.plug(ia)
	l.plug(is)
	l.serve(s, 8080, "s")
	deny, allow := groups(), groups(tcpFrom(8080, "10.0.0.0/16", ""))
	members := []netplane.Interface{ia, is}
	var worst time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		l.setGroups(vpcID, deny, members...)
		b.StartTimer()
		start := time.Now()
		l.setGroups(vpcID, allow, members...)
		if _, err := firstConnect(a, "10.0.2.10:8080", 2*time.Second); err != nil {
			b.Fatalf("no connection: %v", err)
		}
		worst = max(worst, time.Since(start))
	}
	b.ReportMetric(float64(worst.Microseconds()), "worst-µs")
}
