package linux

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/vishvananda/netlink"

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

// benchChunk is what one iteration of a throughput benchmark sends.
const benchChunk = 1 << 20

// tcpThroughput sends b.N chunks over one TCP connection from the
// namespace client to addr, where a sink in the namespace server reads
// everything; b.SetBytes makes go test report MB/s.
func tcpThroughput(b *testing.B, client, server, addr string) {
	var ln net.Listener
	if err := do(server, func() error {
		var err error
		ln, err = net.Listen("tcp4", addr)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		_, err = io.Copy(io.Discard, c)
		done <- err
	}()
	var c net.Conn
	if err := do(client, func() error {
		var err error
		c, err = net.DialTimeout("tcp4", addr, 5*time.Second)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, benchChunk)
	b.SetBytes(benchChunk)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
}

// BenchmarkTCPBridge measures TCP between two instances of one subnet:
// veth, bridge (with bridge netfilter and the port filters), veth.
func BenchmarkTCPBridge(b *testing.B) {
	l := newLab(b)
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	a, c := l.instance("a"), l.instance("c")
	l.plug(iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", a, "10.0.1.10"))
	l.plug(iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000c", c, "10.0.1.12"))
	tcpThroughput(b, a, c, "10.0.1.12:5201")
}

// BenchmarkTCPRouted measures TCP between two instances of two subnets,
// routed by the VPC router with security groups allowing all.
func BenchmarkTCPRouted(b *testing.B) {
	w := newTwoSubnets(b)
	w.setGroups(vpcID, groups(tcpFrom(5201, "10.0.0.0/16", "")), w.members()...)
	tcpThroughput(b, w.a, w.s, "10.0.2.10:5201")
}

// BenchmarkTCPVeth is the baseline: two namespaces joined by one bare veth
// pair.
func BenchmarkTCPVeth(b *testing.B) {
	l := newLab(b)
	a, c := l.instance("a"), l.instance("c")
	ah, err := handleIn(a)
	if err != nil {
		b.Fatal(err)
	}
	defer ah.Close()
	cf, err := openNS(c)
	if err != nil {
		b.Fatal(err)
	}
	defer cf.Close()
	attrs := netlink.NewLinkAttrs()
	attrs.Name = "eth0"
	if err := ah.LinkAdd(&netlink.Veth{LinkAttrs: attrs, PeerName: "eth0", PeerNamespace: netlink.NsFd(int(cf.Fd()))}); err != nil {
		b.Fatal(err)
	}
	ch, err := handleIn(c)
	if err != nil {
		b.Fatal(err)
	}
	defer ch.Close()
	for _, e := range []struct {
		h  *netlink.Handle
		ip string
	}{{ah, "10.9.0.1/24"}, {ch, "10.9.0.2/24"}} {
		link, err := e.h.LinkByName("eth0")
		if err == nil {
			err = e.h.AddrAdd(link, &netlink.Addr{IPNet: netipToIPNet(netip.MustParsePrefix(e.ip))})
		}
		if err == nil {
			err = e.h.LinkSetUp(link)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	tcpThroughput(b, a, c, "10.9.0.2:5201")
}

// BenchmarkSetRouting measures SetRouting of a VPC with two subnets, an
// internet gateway, two public IPs and a NAT gateway, alternating between
// two configurations (a public IP and a route change each time).
func BenchmarkSetRouting(b *testing.B) {
	l := newLab(b)
	l.internet(netplane.InternetIsolated, "203.0.113.0/24")
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	l.subnet(vpcID, subnetB, "10.0.2.0/24")
	nat := netplane.NATGateway{ID: natID, SubnetID: subnetA, PrivateIP: netip.MustParseAddr(natIP), PublicIP: netip.MustParseAddr(publicNAT)}
	var rs [2]netplane.Routing
	for i := range rs {
		rs[i] = netplane.Routing{
			VpcID: vpcID, InternetGateway: igwID,
			Routes: map[string][]netplane.Route{
				subnetA: {{Dest: anywhere, InternetGateway: igwID}},
				subnetB: {{Dest: anywhere, NATGateway: natID}, {Dest: netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 0, 2, byte(i * 128)}), 25), Blackhole: true}},
			},
			PublicIPs: []netplane.PublicIP{
				{Private: netip.MustParseAddr("10.0.1.10"), Public: netip.MustParseAddr(publicW)},
				{Private: netip.MustParseAddr("10.0.1.11"), Public: netip.AddrFrom4([4]byte{203, 0, 113, byte(20 + i)})},
			},
			NATGateways: []netplane.NATGateway{nat},
		}
	}
	start := time.Now()
	l.setRouting(rs[0]) // the first: uplink and NAT gateway created
	first := time.Since(start)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		l.setRouting(rs[(i+1)%2])
	}
	b.ReportMetric(float64(first.Microseconds()), "first-µs")
}
