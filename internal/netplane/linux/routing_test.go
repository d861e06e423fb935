package linux

import (
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vishvananda/netlink"

	"github.com/gureum/gureum/internal/netplane"
)

// Internet tests use documentation addresses, all inside the lab's
// namespaces: the internet host 198.51.100.200 (a /32 on the internet
// namespace's loopback, serving TCP 80 with the client's address as seen
// there) and public IPs from 203.0.113.0/24.

const (
	igwID     = "igw-0000000000000000a"
	natID     = "nat-0000000000000000a"
	inetHost  = "198.51.100.200"
	inetURL   = inetHost + ":80"
	publicW   = "203.0.113.10"
	publicP   = "203.0.113.12"
	publicNAT = "203.0.113.50"
	natIP     = "10.0.1.50"
)

var (
	anywhere = netip.MustParsePrefix("0.0.0.0/0")
	hostSrc  = netip.MustParseAddr(inetHost)
)

// internetWorld is a VPC with a public subnet a (10.0.1.0/24) holding w
// (10.0.1.10) and x (10.0.1.11), and a private subnet b (10.0.2.0/24)
// holding p (10.0.2.10); each serves TCP 8080 with its name. The internet
// exists (isolated) with its host.
type internetWorld struct {
	*lab
	inet, w, x, p string
}

func newInternetWorld(t *testing.T) *internetWorld {
	l := newLab(t)
	iw := &internetWorld{lab: l}
	iw.inet = l.internet(netplane.InternetIsolated, "203.0.113.0/24")
	l.inetHost(iw.inet, inetHost)
	l.serveSource(iw.inet, inetHost, 80)
	l.vpc(vpcID, "10.0.0.0/16")
	l.subnet(vpcID, subnetA, "10.0.1.0/24")
	l.subnet(vpcID, subnetB, "10.0.2.0/24")
	iw.w, iw.x, iw.p = l.instance("w"), l.instance("x"), l.instance("p")
	l.plug(iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000a", iw.w, "10.0.1.10"))
	l.plug(iface(vpcID, subnetA, "10.0.1.0/24", "eni-0000000000000000b", iw.x, "10.0.1.11"))
	l.plug(iface(vpcID, subnetB, "10.0.2.0/24", "eni-0000000000000000c", iw.p, "10.0.2.10"))
	l.serve(iw.w, 8080, "w")
	l.serve(iw.x, 8080, "x")
	l.serve(iw.p, 8080, "p")
	return iw
}

// routing returns the world's routing: a routes to the internet gateway,
// b has the given routes; w has a public IP.
func (iw *internetWorld) routing(b ...netplane.Route) netplane.Routing {
	return netplane.Routing{
		VpcID:           vpcID,
		InternetGateway: igwID,
		Routes: map[string][]netplane.Route{
			subnetA: {{Dest: anywhere, InternetGateway: igwID}},
			subnetB: b,
		},
		PublicIPs: []netplane.PublicIP{{Private: netip.MustParseAddr("10.0.1.10"), Public: netip.MustParseAddr(publicW)}},
	}
}

func TestInternetGateway(t *testing.T) {
	iw := newInternetWorld(t)
	r := iw.routing()

	t.Run("before SetRouting nothing reaches the internet", func(t *testing.T) {
		iw.noConnection(iw.w, netip.Addr{}, inetURL)
		iw.noConnection(iw.inet, hostSrc, publicW+":8080")
	})

	t.Run("a public IP reaches out and is reached, 1:1", func(t *testing.T) {
		iw.setRouting(r)
		iw.reaches(iw.w, inetURL, publicW) // the internet sees the public IP
		iw.reachesFrom(iw.inet, hostSrc, publicW+":8080", "w")
		iw.noConnection(iw.inet, hostSrc, "203.0.113.11:8080") // nobody's public IP
		iw.reaches(iw.w, "10.0.2.10:8080", "p")                // local routes stay
		iw.reaches(iw.p, "10.0.1.10:8080", "w")
	})

	t.Run("no public IP, no internet, even in a public subnet", func(t *testing.T) {
		iw.blocked(iw.x, inetURL)
	})

	t.Run("no route to the gateway, no internet either way", func(t *testing.T) {
		iw.unreachable(iw.p, inetURL)
		r2 := r
		r2.PublicIPs = append(r2.PublicIPs[:1:1], netplane.PublicIP{Private: netip.MustParseAddr("10.0.2.10"), Public: netip.MustParseAddr(publicP)})
		iw.setRouting(r2)
		iw.unreachable(iw.p, inetURL)
		iw.blockedFrom(iw.inet, hostSrc, publicP+":8080") // the reply has no route
		iw.reachesFrom(iw.inet, hostSrc, publicW+":8080", "w")
	})

	t.Run("SetRouting is idempotent and keeps the uplink", func(t *testing.T) {
		h, err := handleIn(iw.dp.nsPath(vpcID))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		before, err := h.LinkByName(uplinkName)
		if err != nil {
			t.Fatal(err)
		}
		iw.setRouting(r)
		iw.setRouting(r)
		after, err := h.LinkByName(uplinkName)
		if err != nil || after.Attrs().Index != before.Attrs().Index {
			t.Errorf("uplink %v after SetRouting again (index %d before); want it kept", err, before.Attrs().Index)
		}
		iw.reaches(iw.w, inetURL, publicW)
	})

	t.Run("a blackhole route drops", func(t *testing.T) {
		r2 := r
		r2.Routes = map[string][]netplane.Route{subnetA: {{Dest: netip.MustParsePrefix(inetHost + "/32"), Blackhole: true}, {Dest: anywhere, InternetGateway: igwID}}}
		iw.setRouting(r2)
		iw.unreachable(iw.w, inetURL)
		iw.setRouting(r)
		iw.reaches(iw.w, inetURL, publicW)
	})

	t.Run("a next hop route goes via that address", func(t *testing.T) {
		r2 := r
		r2.Routes = map[string][]netplane.Route{subnetB: {{Dest: netip.MustParsePrefix("192.0.2.0/24"), NextHop: netip.MustParseAddr("10.0.1.11")}}}
		iw.setRouting(r2)
		h, err := handleIn(iw.dp.nsPath(vpcID))
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		got, err := h.RouteGetWithOptions(netip.MustParseAddr("192.0.2.7").AsSlice(), &netlink.RouteGetOptions{Iif: bridgeName(subnetB), SrcAddr: netip.MustParseAddr("10.0.2.10").AsSlice()})
		if err != nil || len(got) != 1 || !got[0].Gw.Equal(netip.MustParseAddr("10.0.1.11").AsSlice()) {
			t.Errorf("route from subnet b to 192.0.2.7: %v, %v; want via 10.0.1.11", got, err)
		}
		if got, err := h.RouteGetWithOptions(netip.MustParseAddr("192.0.2.7").AsSlice(), &netlink.RouteGetOptions{Iif: bridgeName(subnetA), SrcAddr: netip.MustParseAddr("10.0.1.10").AsSlice()}); err == nil {
			t.Errorf("subnet a has a route to 192.0.2.7: %v; want none", got)
		}
		iw.setRouting(r)
	})

	t.Run("nft lists the NAT with owner comments", func(t *testing.T) {
		if _, err := exec.LookPath("nft"); err != nil {
			t.Skip("no nft command")
		}
		out, err := exec.Command("ip", "netns", "exec", filepath.Base(iw.dp.nsPath(vpcID)), "nft", "list", "table", "inet", routingTableName).CombinedOutput()
		if err != nil {
			t.Fatalf("nft list: %v\n%s", err, out)
		}
		for _, want := range []string{`dnat ip to 10.0.1.10 comment "public IP 203.0.113.10 ↔ 10.0.1.10"`, `snat ip to 203.0.113.10`} {
			if !strings.Contains(string(out), want) {
				t.Errorf("nft list lacks %s:\n%s", want, out)
			}
		}
	})

	t.Run("detaching the gateway removes the uplink and the routes", func(t *testing.T) {
		r2 := r
		r2.InternetGateway = ""
		iw.setRouting(r2)
		iw.noConnection(iw.w, netip.Addr{}, inetURL)
		iw.noConnection(iw.inet, hostSrc, publicW+":8080")
		ih, err := handleIn(iw.inet)
		if err != nil {
			t.Fatal(err)
		}
		defer ih.Close()
		if _, err := ih.LinkByName(inetPortName(vpcID)); err == nil {
			t.Errorf("the internet still has the VPC's link")
		}
		iw.reaches(iw.w, "10.0.2.10:8080", "p")
		iw.setRouting(r)
		iw.reaches(iw.w, inetURL, publicW)
	})
}

func TestNATGateway(t *testing.T) {
	iw := newInternetWorld(t)
	nat := netplane.NATGateway{ID: natID, SubnetID: subnetA, PrivateIP: netip.MustParseAddr(natIP), PublicIP: netip.MustParseAddr(publicNAT)}
	r := iw.routing(netplane.Route{Dest: anywhere, NATGateway: natID})
	r.NATGateways = []netplane.NATGateway{nat}
	iw.setRouting(r)

	t.Run("a private instance reaches out behind the Elastic IP", func(t *testing.T) {
		iw.reaches(iw.p, inetURL, publicNAT)
		iw.reaches(iw.w, inetURL, publicW) // its own public IP, not the NAT's
		iw.blocked(iw.x, inetURL)          // the public subnet does not use the NAT
	})

	t.Run("the internet cannot open connections through it", func(t *testing.T) {
		iw.noConnection(iw.inet, hostSrc, publicNAT+":8080")
		iw.noConnection(iw.inet, hostSrc, "10.0.2.10:8080")
	})

	t.Run("it needs its subnet's route to the gateway", func(t *testing.T) {
		r2 := r
		r2.Routes = map[string][]netplane.Route{subnetB: r.Routes[subnetB]}
		iw.setRouting(r2)
		iw.unreachable(iw.p, inetURL)
		iw.setRouting(r)
		iw.reaches(iw.p, inetURL, publicNAT)
	})

	t.Run("removing it removes its namespace; its route drops", func(t *testing.T) {
		r2 := r
		r2.NATGateways = nil
		iw.setRouting(r2)
		if _, err := os.Stat(iw.dp.natPath(vpcID, natID)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("NAT gateway namespace: %v; want it gone", err)
		}
		iw.unreachable(iw.p, inetURL)
		iw.reaches(iw.w, inetURL, publicW)
		iw.setRouting(r)
		iw.reaches(iw.p, inetURL, publicNAT)
	})

	t.Run("DeleteVPC removes it", func(t *testing.T) {
		if err := iw.dp.DeleteVPC(iw.ctx, vpcID); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(iw.dp.natPath(vpcID, natID)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("NAT gateway namespace: %v; want it gone", err)
		}
		if owned, err := iw.dp.Owned(iw.ctx); err != nil || len(owned) != 0 {
			t.Errorf("Owned = %v, %v; want none (the internet is no VPC)", owned, err)
		}
		iw.noConnection(iw.inet, hostSrc, publicW+":8080")
	})
}

func TestInternetOverlappingVPCs(t *testing.T) {
	l := newLab(t)
	inet := l.internet(netplane.InternetIsolated, "203.0.113.0/24")
	l.inetHost(inet, inetHost)
	l.serveSource(inet, inetHost, 80)
	const vpc1, vpc2 = "vpc-00000000000000001", "vpc-00000000000000002"
	var ns [2]string
	for i, v := range []string{vpc1, vpc2} {
		l.vpc(v, "10.0.0.0/16")
		l.subnet(v, subnetA, "10.0.1.0/24")
		ns[i] = l.instance(v)
		l.plug(iface(v, subnetA, "10.0.1.0/24", "eni-0000000000000000a", ns[i], "10.0.1.10"))
		l.serve(ns[i], 8080, v)
		l.setRouting(netplane.Routing{
			VpcID: v, InternetGateway: igwID,
			Routes:    map[string][]netplane.Route{subnetA: {{Dest: anywhere, InternetGateway: igwID}}},
			PublicIPs: []netplane.PublicIP{{Private: netip.MustParseAddr("10.0.1.10"), Public: netip.AddrFrom4([4]byte{203, 0, 113, byte(21 + i)})}},
		})
	}
	l.reaches(ns[0], inetURL, "203.0.113.21")
	l.reaches(ns[1], inetURL, "203.0.113.22")
	l.reachesFrom(inet, hostSrc, "203.0.113.21:8080", vpc1)
	l.reachesFrom(inet, hostSrc, "203.0.113.22:8080", vpc2)
	l.reaches(ns[0], "203.0.113.22:8080", vpc2) // across the internet
	if err := l.dp.DeleteVPC(l.ctx, vpc2); err != nil {
		t.Fatal(err)
	}
	l.noConnection(inet, hostSrc, "203.0.113.22:8080")
	l.reachesFrom(inet, hostSrc, "203.0.113.21:8080", vpc1)
}

func TestRoutingErrors(t *testing.T) {
	l := newLab(t)
	if err := l.dp.SetRouting(l.ctx, netplane.Routing{VpcID: "vpc-missing"}); !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("SetRouting without a VPC: %v; want ErrNotFound", err)
	}
	l.vpc(vpcID, "10.0.0.0/16")
	if err := l.dp.SetRouting(l.ctx, netplane.Routing{VpcID: vpcID, InternetGateway: igwID}); !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("SetRouting with a gateway but no internet: %v; want ErrNotFound", err)
	}
	bad := netplane.Routing{VpcID: vpcID, Routes: map[string][]netplane.Route{subnetA: {{Dest: anywhere, Blackhole: true, InternetGateway: igwID}}}}
	if err := l.dp.SetRouting(l.ctx, bad); !errors.Is(err, netplane.ErrInvalid) {
		t.Errorf("a route with two targets: %v; want ErrInvalid", err)
	}
	p := netip.MustParseAddr("203.0.113.1")
	dup := netplane.Routing{VpcID: vpcID, PublicIPs: []netplane.PublicIP{{Private: netip.MustParseAddr("10.0.1.5"), Public: p}, {Private: netip.MustParseAddr("10.0.1.6"), Public: p}}}
	if err := l.dp.SetRouting(l.ctx, dup); !errors.Is(err, netplane.ErrInvalid) {
		t.Errorf("one public IP twice: %v; want ErrInvalid", err)
	}
	if err := l.dp.SetNetworkACLs(l.ctx, "vpc-missing", nil); !errors.Is(err, netplane.ErrNotFound) {
		t.Errorf("SetNetworkACLs without a VPC: %v; want ErrNotFound", err)
	}
	for range 2 {
		if err := l.dp.DeleteInternet(l.ctx); err != nil {
			t.Errorf("DeleteInternet when there is none: %v", err)
		}
	}
}
