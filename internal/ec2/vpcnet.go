package ec2

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/netplane"
	"github.com/gureum/gureum/internal/store"
)

// The VPC data plane is state derived from the store: the network of a
// VPC is a function of its records (subnets, interfaces of running
// instances, security groups, routes). So it is driven by a level-
// triggered loop, not by durable work items: every mutating EC2 call (and
// every instance that starts) marks its account and region dirty, and the
// loop makes each VPC there match the store, in full, at once. A start of
// gureum marks everything dirty, and a periodic pass repairs drift. Nothing
// is lost when gureum dies between an API call and the sync: the next
// start syncs from the store.

// netResync is how often every VPC network is compared with the store.
const netResync = 30 * time.Second

// VPCServices opens the services AWS runs inside every VPC (the instance
// metadata service, the resolver) on a VPC's network; the returned closer
// stops them. gureum's server implements it with internal/imds and
// internal/vpcdns.
type VPCServices interface {
	Open(ctx context.Context, dp netplane.Dataplane, acct, region string, vpc *Vpc) (io.Closer, error)
}

// SetVPCServices sets what opens the services in each VPC network; call
// it before Resume.
func (s *Service) SetVPCServices(v VPCServices) { s.vpcServices = v }

// netState is the in-memory side of the data-plane loop.
type netState struct {
	mu      sync.Mutex
	dirty   map[scope]bool
	all     bool // every scope, and orphans
	wake    chan struct{}
	plugged map[string]plugState  // eni id → what was plugged where
	svcs    map[string]io.Closer  // vpc id → its services
	applied map[string]appliedVPC // vpc id → its last sync
}

// appliedVPC is a VPC network gureum made in this process.
type appliedVPC struct {
	sc scope
	at time.Time // when it last matched the store in full
	// What was last applied, by step: a sync that is not a full pass
	// skips a step whose input is unchanged (a full pass repeats every
	// step, repairing drift).
	infra, sg, rt, acl string
}

// plugState remembers a plug, so that a sync replugs only when the
// instance's namespace changed (its container started again) or the
// interface did.
type plugState struct {
	vpcID  string
	nsPath string
	nsIno  uint64
	iface  string // a digest of the netplane.Interface
}

// netOn reports whether a real data plane runs.
func (s *Service) netOn() bool { return s.netplane != nil && s.netplane.Name() != "none" }

// markNet marks a scope's VPC networks for a sync.
func (s *Service) markNet(sc scope) {
	if !s.netOn() {
		return
	}
	s.net.mu.Lock()
	s.net.dirty[sc] = true
	s.net.mu.Unlock()
	s.wakeNet()
}

// markAllNet marks every VPC network (and orphans) for a sync.
func (s *Service) markAllNet() {
	if !s.netOn() {
		return
	}
	s.net.mu.Lock()
	s.net.all = true
	s.net.mu.Unlock()
	s.wakeNet()
}

func (s *Service) wakeNet() {
	select {
	case s.net.wake <- struct{}{}:
	default:
	}
}

// runNet is the data-plane loop; it returns when ctx ends.
func (s *Service) runNet(ctx context.Context) {
	inetOK, inetLogged := s.internet.Mode == "", false
	tick := time.NewTicker(netResync)
	defer tick.Stop()
	backoff := time.Duration(0)
	for {
		var retry <-chan time.Time
		if backoff > 0 {
			retry = time.After(backoff)
		}
		select {
		case <-ctx.Done():
			s.closeVPCServices()
			return
		case <-s.net.wake:
		case <-tick.C:
			s.net.mu.Lock()
			s.net.all = true
			s.net.mu.Unlock()
		case <-retry:
		}
		s.net.mu.Lock()
		all, dirty := s.net.all, s.net.dirty
		s.net.all, s.net.dirty = false, map[scope]bool{}
		s.net.mu.Unlock()
		if !inetOK || (all && s.internet.Mode != "") {
			// VPCs work without the internet; it is retried with them,
			// and made sure of at every full pass (a firewall reload or
			// Docker's restart may have dropped the host's rules).
			if _, err := s.netplane.EnsureInternet(ctx, s.internet); err == nil {
				inetOK = true
			} else if !inetLogged {
				inetLogged = true
				s.log.Error("netplane: gureum's internet is not available; VPCs work without it", "mode", s.internet.Mode, "err", err)
			}
		}
		if !all && len(dirty) == 0 && backoff == 0 {
			continue
		}
		failed := s.syncNets(ctx, all, dirty)
		if failed == nil {
			backoff = 0
			continue
		}
		// Put back what failed and try again later.
		s.net.mu.Lock()
		s.net.all = s.net.all || failed.all
		for sc := range failed.scopes {
			s.net.dirty[sc] = true
		}
		s.net.mu.Unlock()
		backoff = min(max(2*backoff, 200*time.Millisecond), 10*time.Second)
	}
}

type netFailures struct {
	all    bool
	scopes map[scope]bool
}

// syncNets syncs the marked scopes (every scope when all, then removes
// networks whose VPC is gone). It returns what failed, or nil.
func (s *Service) syncNets(ctx context.Context, all bool, dirty map[scope]bool) *netFailures {
	scopes := dirty
	known := map[string]bool{}
	if all {
		scopes = map[scope]bool{}
		err := s.store.View(ctx, func(tx store.Tx) error {
			return tx.Scan(tRes, nil, nil, func(k, _ []byte) (bool, error) {
				sc, id, ok := splitWork(string(k))
				if ok && strings.HasPrefix(id, "vpc-") {
					scopes[sc] = true
					known[id] = true
				}
				return true, nil
			})
		})
		if err != nil {
			s.log.Warn("netplane: reading VPCs", "err", err)
			return &netFailures{all: true}
		}
	}
	var f *netFailures
	for sc := range scopes {
		if err := s.syncScope(ctx, sc, all); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			s.log.Warn("netplane: VPC networks not in sync; retrying", "account", sc.acct, "region", sc.region, "err", err)
			if f == nil {
				f = &netFailures{scopes: map[scope]bool{}}
			}
			f.scopes[sc] = true
		}
	}
	if all {
		owned, err := s.netplane.Owned(ctx)
		if err != nil {
			s.log.Warn("netplane: listing networks", "err", err)
			return &netFailures{all: true}
		}
		for _, id := range owned {
			if strings.HasPrefix(id, "vpc-") && !known[id] {
				s.log.Info("netplane: removing the network of a VPC that no longer exists", "vpc", id)
				s.dropVPC(ctx, id)
			}
		}
	}
	return f
}

// dropVPC removes a VPC's network and stops its services.
func (s *Service) dropVPC(ctx context.Context, vpcID string) {
	s.net.mu.Lock()
	c := s.net.svcs[vpcID]
	delete(s.net.svcs, vpcID)
	delete(s.net.applied, vpcID)
	s.net.mu.Unlock()
	if c != nil {
		c.Close()
	}
	if err := s.netplane.DeleteVPC(ctx, vpcID); err != nil {
		s.log.Warn("netplane: removing a VPC network", "vpc", vpcID, "err", err)
	}
}

func (s *Service) closeVPCServices() {
	s.net.mu.Lock()
	svcs := s.net.svcs
	s.net.svcs = map[string]io.Closer{}
	s.net.mu.Unlock()
	for _, c := range svcs {
		c.Close()
	}
}

// scopeNet is what a scope's VPC networks are made from, read in one
// transaction.
type scopeNet struct {
	vpcs    []*Vpc
	subnets []*Subnet
	groups  []*SecurityGroup
	ifaces  []plugWant
	routing map[string]*netplane.Routing
	acls    map[string]map[string][]netplane.ACLEntry
}

// plugWant is an interface of a running instance.
type plugWant struct {
	eni    *NetworkInterface
	handle compute.Handle
	subnet *Subnet
}

func (s *Service) readScopeNet(ctx context.Context, sc scope) (*scopeNet, error) {
	n := &scopeNet{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		if n.vpcs, err = listRes[Vpc](tx, sc, "vpc-"); err != nil {
			return err
		}
		if n.subnets, err = listRes[Subnet](tx, sc, "subnet-"); err != nil {
			return err
		}
		if n.groups, err = listRes[SecurityGroup](tx, sc, "sg-"); err != nil {
			return err
		}
		subnets := map[string]*Subnet{}
		for _, sn := range n.subnets {
			subnets[sn.SubnetID] = sn
		}
		enis, err := listRes[NetworkInterface](tx, sc, "eni-")
		if err != nil {
			return err
		}
		for _, e := range enis {
			if e.Attachment == nil || e.Attachment.InstanceID == "" || subnets[e.SubnetID] == nil {
				continue
			}
			inst, err := getRes[Instance](tx, sc, e.Attachment.InstanceID)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if inst.State.Name != "running" || inst.Handle == nil {
				continue
			}
			n.ifaces = append(n.ifaces, plugWant{eni: e, handle: *inst.Handle, subnet: subnets[e.SubnetID]})
		}
		n.routing, n.acls, err = s.readRouting(tx, sc, n)
		return err
	})
	return n, err
}

// syncScope makes every VPC network of a scope match the store.
func (s *Service) syncScope(ctx context.Context, sc scope, full bool) error {
	n, err := s.readScopeNet(ctx, sc)
	if err != nil {
		return err
	}
	var errs []error
	exists := map[string]bool{}
	for _, v := range n.vpcs {
		exists[v.VpcID] = true
		if err := s.syncVPC(ctx, sc, n, v, full); err != nil {
			errs = append(errs, err)
		}
	}
	// A VPC deleted since its network was made: remove it now rather
	// than at the next full pass.
	s.net.mu.Lock()
	var gone []string
	for id, a := range s.net.applied {
		if a.sc == sc && !exists[id] {
			gone = append(gone, id)
		}
	}
	s.net.mu.Unlock()
	for _, id := range gone {
		s.dropVPC(ctx, id)
	}
	return errors.Join(errs...)
}

func (s *Service) syncVPC(ctx context.Context, sc scope, n *scopeNet, v *Vpc, full bool) error {
	cidr, err := netip.ParsePrefix(v.CidrBlock)
	if err != nil {
		return nil // not a network gureum can make real
	}
	dp := s.netplane
	s.net.mu.Lock()
	last, known := s.net.applied[v.VpcID]
	s.net.mu.Unlock()
	if !known {
		last = appliedVPC{sc: sc}
	}
	// unchanged reports whether a step may be skipped, and records its
	// input for when it succeeds.
	unchanged := func(prev *string, input string) (bool, func()) {
		return !full && known && *prev == input, func() { *prev = input }
	}
	have := map[string]bool{}
	var subnets []netplane.Subnet
	for _, sn := range n.subnets {
		if sn.VpcID != v.VpcID {
			continue
		}
		p, err := netip.ParsePrefix(sn.CidrBlock)
		if err != nil {
			continue
		}
		have[sn.SubnetID] = true
		subnets = append(subnets, netplane.Subnet{ID: sn.SubnetID, VpcID: v.VpcID, CIDR: p})
	}
	if skip, done := unchanged(&last.infra, fmt.Sprint(cidr, subnets)); !skip {
		if err := dp.EnsureVPC(ctx, netplane.VPC{ID: v.VpcID, CIDR: cidr}); err != nil {
			return err
		}
		for _, sn := range subnets {
			if err := dp.EnsureSubnet(ctx, sn); err != nil {
				return err
			}
		}
		done()
	}
	s.ensureVPCServices(ctx, sc, v)
	var members []netplane.Interface
	var errs []error
	for _, w := range n.ifaces {
		if w.eni.VpcID != v.VpcID || !have[w.subnet.SubnetID] {
			continue
		}
		ifc, err := s.plug(ctx, w)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		members = append(members, ifc)
	}
	// Interfaces plugged before that are no longer wanted (detached, or
	// their instance stopped): unplug them.
	want := map[string]bool{}
	for _, w := range n.ifaces {
		if w.eni.VpcID == v.VpcID {
			want[w.eni.NetworkInterfaceID] = true
		}
	}
	s.net.mu.Lock()
	var stale []string
	for id, p := range s.net.plugged {
		if p.vpcID == v.VpcID && !want[id] {
			stale = append(stale, id)
		}
	}
	s.net.mu.Unlock()
	for _, id := range stale {
		if err := dp.Unplug(ctx, v.VpcID, id); err != nil {
			errs = append(errs, err)
			continue
		}
		s.net.mu.Lock()
		delete(s.net.plugged, id)
		s.net.mu.Unlock()
	}
	var groups []netplane.SecurityGroup
	for _, g := range n.groups {
		if g.VpcID == v.VpcID {
			groups = append(groups, sgRules(g))
		}
	}
	if skip, done := unchanged(&last.sg, fmt.Sprint(groups, members)); !skip {
		if err := dp.SetSecurityGroups(ctx, v.VpcID, groups, members); err != nil {
			errs = append(errs, err)
		} else {
			done()
		}
	}
	if r := n.routing[v.VpcID]; r != nil {
		if skip, done := unchanged(&last.rt, fmt.Sprint(*r)); !skip {
			if err := dp.SetRouting(ctx, *r); err != nil {
				errs = append(errs, err)
			} else {
				done()
			}
		}
	}
	if acls := n.acls[v.VpcID]; acls != nil {
		if skip, done := unchanged(&last.acl, fmt.Sprint(acls)); !skip {
			if err := dp.SetNetworkACLs(ctx, v.VpcID, acls); err != nil {
				errs = append(errs, err)
			} else {
				done()
			}
		}
	}
	if len(errs) == 0 {
		last.at = time.Now()
	}
	s.net.mu.Lock()
	s.net.applied[v.VpcID] = last // only this loop writes it
	s.net.mu.Unlock()
	return errors.Join(errs...)
}

// plug plugs a running instance's interface unless it already is, in the
// same namespace and with the same settings.
func (s *Service) plug(ctx context.Context, w plugWant) (netplane.Interface, error) {
	p, _ := netip.ParsePrefix(w.subnet.CidrBlock)
	ip, _ := netip.ParseAddr(w.eni.PrivateIPAddress)
	mac, _ := net.ParseMAC(w.eni.MacAddress)
	ifc := netplane.Interface{ID: w.eni.NetworkInterfaceID, VpcID: w.eni.VpcID, SubnetID: w.subnet.SubnetID,
		Name: ifaceName(w.eni), IP: ip, Prefix: p.Bits(), MAC: mac, Gateway: netplane.Gateway(p),
		NoSourceDestCheck: !w.eni.SourceDestCheck, NoDefaultRoute: ifaceName(w.eni) != "eth0"}
	for _, a := range w.eni.SecondaryIPs {
		if ip, err := netip.ParseAddr(a); err == nil {
			ifc.Secondary = append(ifc.Secondary, ip)
		}
	}
	for _, g := range w.eni.Groups {
		ifc.Groups = append(ifc.Groups, g.GroupID)
	}
	sort.Strings(ifc.Groups)
	digest := fmt.Sprint(ifc.Name, "|", ifc.SubnetID, "|", ifc.Addrs(), "|", mac, "|", ifc.NoSourceDestCheck)

	s.net.mu.Lock()
	prev, ok := s.net.plugged[ifc.ID]
	s.net.mu.Unlock()
	if ok && prev.iface == digest && nsInode(prev.nsPath) == prev.nsIno && prev.nsIno != 0 {
		ifc.NetNS = prev.nsPath
		return ifc, nil
	}
	nser, isNSer := s.compute.(compute.NetNSer)
	if !isNSer {
		return ifc, errors.New("the compute driver has no network namespaces")
	}
	path, err := nser.NetNS(ctx, w.handle)
	if err != nil {
		return ifc, err
	}
	ifc.NetNS = path
	ino := nsInode(path)
	if err := s.netplane.Plug(ctx, ifc); err != nil {
		return ifc, err
	}
	s.net.mu.Lock()
	s.net.plugged[ifc.ID] = plugState{vpcID: ifc.VpcID, nsPath: path, nsIno: ino, iface: digest}
	s.net.mu.Unlock()
	return ifc, nil
}

// ifaceName is the name of an interface inside the instance: eth<device
// index>, as on EC2's Nitro Debian images' first interface.
func ifaceName(e *NetworkInterface) string {
	if e.Attachment != nil && e.Attachment.DeviceIndex > 0 {
		return "eth" + itoa(int(e.Attachment.DeviceIndex))
	}
	return "eth0"
}

// nsInode returns the inode of a namespace file, or 0 when it is gone.
func nsInode(path string) uint64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// sgRules converts a security group's permissions to the data plane's
// rules: one per CIDR and per referenced group.
func sgRules(g *SecurityGroup) netplane.SecurityGroup {
	out := netplane.SecurityGroup{ID: g.GroupID, VpcID: g.VpcID}
	add := func(egress bool, perms []IpPermission) {
		for _, p := range perms {
			r := netplane.Rule{Egress: egress, Protocol: p.IpProtocol, FromPort: -1, ToPort: -1}
			if p.FromPort != nil {
				r.FromPort = *p.FromPort
			}
			if p.ToPort != nil {
				r.ToPort = *p.ToPort
			}
			for _, c := range p.IpRanges {
				pr, err := netip.ParsePrefix(c.CidrIP)
				if err != nil || !pr.Addr().Is4() {
					continue
				}
				r := r
				r.CIDR = pr.Masked()
				out.Rules = append(out.Rules, r)
			}
			for _, u := range p.UserIdGroupPairs {
				if u.GroupID == "" {
					continue
				}
				r := r
				r.Group = u.GroupID
				out.Rules = append(out.Rules, r)
			}
		}
	}
	add(false, g.IpPermissions)
	add(true, g.IpPermissionsEgress)
	return out
}

// ensureVPCServices opens a VPC's metadata service and resolver once.
func (s *Service) ensureVPCServices(ctx context.Context, sc scope, v *Vpc) {
	if s.vpcServices == nil {
		return
	}
	s.net.mu.Lock()
	_, open := s.net.svcs[v.VpcID]
	s.net.mu.Unlock()
	if open {
		return
	}
	c, err := s.vpcServices.Open(ctx, s.netplane, sc.acct, sc.region, v)
	if err != nil {
		s.log.Warn("netplane: the VPC's services", "vpc", v.VpcID, "err", err)
		return
	}
	s.net.mu.Lock()
	s.net.svcs[v.VpcID] = c
	s.net.mu.Unlock()
}

// NetSynced returns when the VPC's network was last made to match the
// store (zero when never), for tests and benchmarks.
func (s *Service) NetSynced(vpcID string) time.Time {
	s.net.mu.Lock()
	defer s.net.mu.Unlock()
	return s.net.applied[vpcID].at
}
