// Package linux is the Linux dataplane: it makes a VPC a real network
// with namespaces, bridges, veth pairs and nftables, so that instances (Docker
// containers started with --network none) talk as they would in AWS.
//
// Layout. A VPC is a network namespace named <prefix><vpc-id>, bound under
// /run/netns so that `ip netns exec` works for debugging; it is the VPC's
// router (ip_forward on), so two VPCs may use the same CIDR. A subnet is a
// bridge br-<8 hex> in it holding the subnet's .1 as gateway. An interface
// is a veth pair: v-<8 hex> in the VPC namespace is a port of the bridge,
// the peer lives in the instance's namespace with the interface's name,
// address, MAC and a default route via the gateway. The host's own
// namespace is never changed, except for creating and removing the
// namespaces themselves.
//
// Security groups. The bridge family of nftables has no connection
// tracking on these kernels, so filtering happens in an inet table
// "gureum" in the VPC namespace with net.bridge.bridge-nf-call-iptables=1
// (a per-namespace setting): then frames bridged between two instances of
// one subnet pass the inet forward hook too, as do packets routed between
// subnets. For bridged frames that hook sees the bridge, not the port, as
// input and output interface, so the forward chain tells interfaces apart
// by their addresses, and each port has a small stateless bridge table
// (portfilter.go) that drops frames whose source MAC or IP is not the
// interface's and packets to it for another IP, like AWS's
// source/destination check. Without it, an instance could claim another's
// address and its rules.
//
// Routing, NAT and network ACLs. gureum's internet is a namespace of its
// own that VPCs with an internet gateway reach by an uplink veth
// (internet.go); each subnet's route table is a kernel routing table
// chosen by the subnet's bridge as input interface, and the uplink does
// the internet gateway's 1:1 NAT (routing.go); a NAT gateway is a
// namespace plugged into its subnet (nat.go); network ACLs are a stateless
// forward chain keyed by bridges (nacl.go). Each file's comment follows
// the packets.
//
// Every change to nftables is one atomic netlink batch, every rule carries
// a comment naming its owner (security group, rule or interface), and the
// tables are gureum's own: nothing else's rules are touched.
package linux

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/netplane"
)

// Config configures the Linux dataplane.
type Config struct {
	// Prefix starts the name of every namespace the dataplane owns;
	// default "gureum-". Owned lists the namespaces with this prefix.
	Prefix string
	// Logger receives debug and info logs; default slog.Default().
	Logger *slog.Logger
}

// Dataplane is the Linux dataplane. It keeps no state of its own besides
// locks: the kernel is the record, so a new Dataplane after a restart finds
// everything again.
type Dataplane struct {
	prefix string
	log    *slog.Logger
	locks  keyedMutex
}

var _ netplane.Dataplane = (*Dataplane)(nil)

// New returns the Linux dataplane. It returns an error wrapping
// netplane.ErrUnsupported when the process is not root, netlink or
// nftables are unavailable, or the kernel lacks bridge netfilter.
func New(cfg Config) (*Dataplane, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "gureum-"
	}
	if strings.ContainsAny(cfg.Prefix, "/\x00") {
		return nil, fmt.Errorf("netplane/linux: prefix %q contains a slash", cfg.Prefix)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: netplane/linux needs root", netplane.ErrUnsupported)
	}
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("%w: netlink: %v", netplane.ErrUnsupported, err)
	}
	_, err = h.LinkByName("lo")
	h.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: netlink: %v", netplane.ErrUnsupported, err)
	}
	c, err := nftables.New()
	if err == nil {
		_, err = c.ListTablesOfFamily(nftables.TableFamilyINet)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: nftables: %v", netplane.ErrUnsupported, err)
	}
	if _, err := os.Stat("/proc/sys/net/bridge/bridge-nf-call-iptables"); err != nil {
		return nil, fmt.Errorf("%w: bridge netfilter is not available (modprobe br_netfilter): %v", netplane.ErrUnsupported, err)
	}
	return &Dataplane{prefix: cfg.Prefix, log: cfg.Logger}, nil
}

// Name implements netplane.Dataplane.
func (d *Dataplane) Name() string { return "linux" }

// nsPath returns the path the VPC's namespace is bound at.
func (d *Dataplane) nsPath(vpcID string) string {
	return filepath.Join(runDir, d.prefix+vpcID)
}

// internetName is the name, after the prefix, of gureum's internet
// namespace.
const internetName = "internet"

// inetPath returns the path of gureum's internet namespace.
func (d *Dataplane) inetPath() string {
	return filepath.Join(runDir, d.prefix+internetName)
}

// natPath returns the path of a NAT gateway's namespace: the VPC's name, a
// dot and the NAT gateway's id, so that DeleteVPC finds it by the VPC's.
func (d *Dataplane) natPath(vpcID, natID string) string {
	return filepath.Join(runDir, d.prefix+vpcID+natSep+natID)
}

// natSep separates the VPC id and the NAT gateway id in the name of a NAT
// gateway's namespace; AWS ids never contain it.
const natSep = "."

// Owned implements netplane.Dataplane: the VPC ids of the namespaces under
// /run/netns whose names start with the prefix, sorted. The internet
// namespace and NAT gateways' namespaces (whose names hold a dot) are no
// VPCs and are not listed.
func (d *Dataplane) Owned(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netplane/linux: listing namespaces: %w", err)
	}
	var ids []string
	for _, e := range entries {
		if id, ok := strings.CutPrefix(e.Name(), d.prefix); ok && id != "" && id != internetName && !strings.Contains(id, natSep) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

// vpcHandle returns a netlink handle in the VPC's namespace, or an error
// wrapping netplane.ErrNotFound when the VPC has none.
func (d *Dataplane) vpcHandle(vpcID string) (*netlink.Handle, error) {
	path := d.nsPath(vpcID)
	ok, err := isNS(path)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%w: VPC %s has no network namespace", netplane.ErrNotFound, vpcID)
	}
	return handleIn(path)
}

// keyedMutex serializes the operations on one VPC, while different VPCs
// proceed in parallel.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
}

// lock locks key and returns the function that unlocks it.
func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.m == nil {
		k.m = make(map[string]*keyedEntry)
	}
	e := k.m[key]
	if e == nil {
		e = &keyedEntry{}
		k.m[key] = e
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.m, key)
		}
		k.mu.Unlock()
	}
}

// notFoundOr returns err, or when it is nil an error wrapping
// netplane.ErrNotFound with msg.
func notFoundOr(err error, msg string) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", netplane.ErrNotFound, msg)
}
