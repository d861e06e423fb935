// Package netplane is the engine that makes a VPC a real network. The EC2
// API records VPCs, subnets, network interfaces and security groups; a
// Dataplane turns them into kernel state: on Linux (linux/) each VPC is a
// network namespace acting as its router, each subnet a bridge in it, each
// instance interface a veth pair from the instance's namespace to its
// subnet's bridge, and security groups stateful nftables rules. Machines
// without that support use none/, where every call succeeds and nothing is
// filtered.
//
// Every method is idempotent, so that a reconciler can call it again after
// a crash or a restart of gureum: Ensure… and Plug make it so, Delete… and
// Unplug succeed when the thing is already gone.
package netplane

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
)

// ErrUnsupported is returned (wrapped) by a constructor when this machine
// cannot run the dataplane; callers then fall back to none.
var ErrUnsupported = errors.New("netplane: unsupported on this machine")

// ErrNotFound is returned (wrapped) when an operation needs a VPC or subnet
// network that does not exist, such as EnsureSubnet before EnsureVPC.
var ErrNotFound = errors.New("netplane: not found")

// ErrInvalid is returned (wrapped) for arguments that cannot be made real,
// such as an IPv6 VPC CIDR or an interface name longer than 15 bytes.
var ErrInvalid = errors.New("netplane: invalid argument")

// VPC is a VPC's network: a namespace acting as its router.
type VPC struct {
	ID   string
	CIDR netip.Prefix
}

// Subnet is a bridge in the VPC's namespace with the subnet's first usable
// address (.1) as gateway.
type Subnet struct {
	ID    string
	VpcID string
	CIDR  netip.Prefix
}

// Interface is an instance's network interface: a veth from the
// container's network namespace (NetNS, a path such as /proc/<pid>/ns/net)
// to its subnet's bridge.
type Interface struct {
	ID       string // eni-…
	VpcID    string
	SubnetID string
	NetNS    string
	Name     string // eth0
	IP       netip.Addr
	Prefix   int
	MAC      net.HardwareAddr // nil: one derived from ID
	Gateway  netip.Addr
	Groups   []string // security group ids
	// Secondary are the interface's secondary private IPs (in its
	// subnet). They are configured on the interface, as Amazon Linux's
	// ec2-net-utils does, pass its port's checks and are members of its
	// groups.
	Secondary []netip.Addr
	// NoSourceDestCheck turns AWS's source/destination check off (an
	// instance that routes, such as a NAT instance): its port passes IPv4
	// packets from and to any address.
	NoSourceDestCheck bool
	// NoDefaultRoute leaves the instance's default route alone: an
	// interface attached as eth1… gets none, as on EC2.
	NoDefaultRoute bool
}

// Addrs returns the interface's primary and secondary IPs.
func (i Interface) Addrs() []netip.Addr {
	return append([]netip.Addr{i.IP}, i.Secondary...)
}

// Rule is one security group rule, ingress or egress, IPv4 only for now.
// Exactly one of CIDR and Group is set. Protocol is "-1" (all), "tcp",
// "udp", "icmp" or an IP protocol number; for tcp and udp FromPort and
// ToPort are the port range (-1 for all), for icmp the type and code (-1
// for all).
type Rule struct {
	Egress   bool
	Protocol string
	FromPort int32
	ToPort   int32
	CIDR     netip.Prefix
	Group    string // a referenced security group id: its members' IPs
}

// SecurityGroup is a security group with its rules.
type SecurityGroup struct {
	ID    string
	VpcID string
	Rules []Rule
}

// Dataplane makes VPCs real. Implementations MUST be safe for concurrent
// use and every method MUST be idempotent.
type Dataplane interface {
	// Name returns "linux" or "none".
	Name() string
	// EnsureVPC creates the VPC's network or accepts the existing one.
	EnsureVPC(ctx context.Context, vpc VPC) error
	// DeleteVPC removes the VPC's namespace with its links and tables. It
	// MUST return nil when the VPC's network is already gone.
	DeleteVPC(ctx context.Context, vpcID string) error
	// EnsureSubnet creates the subnet's bridge or accepts the existing one.
	// It MUST return an error wrapping ErrNotFound when the VPC's network
	// does not exist.
	EnsureSubnet(ctx context.Context, subnet Subnet) error
	// DeleteSubnet removes the subnet's bridge and any interface still
	// plugged into it. It MUST return nil when the subnet is already gone.
	DeleteSubnet(ctx context.Context, vpcID, subnetID string) error
	// Plug connects an interface to its subnet. It is idempotent and
	// replaces a stale plug, such as one into the namespace of a container
	// before it restarted. It MUST return an error wrapping ErrNotFound when
	// the VPC or subnet network does not exist.
	Plug(ctx context.Context, iface Interface) error
	// Unplug removes an interface. It MUST return nil when it is already
	// gone.
	Unplug(ctx context.Context, vpcID, ifaceID string) error
	// SetSecurityGroups replaces the VPC's whole security-group filtering
	// in one atomic step: the groups, and which interfaces (by id, with
	// their IPs) are members of which groups. Filtering is stateful:
	// established and related traffic is allowed; otherwise ingress is
	// denied and egress allowed only by rules. Interfaces not among the
	// members are not filtered. The change applies to running interfaces
	// at once.
	SetSecurityGroups(ctx context.Context, vpcID string, groups []SecurityGroup, members []Interface) error
	// Owned lists the VPC ids whose networks this dataplane owns, for leak
	// checks and reconciliation after a restart.
	Owned(ctx context.Context) ([]string, error)

	// EnsureInternet creates gureum's internet (one namespace that VPCs
	// with an attached internet gateway connect to) or accepts the
	// existing one, and returns the path of its network namespace, so that
	// tests can place "internet hosts" in it. In InternetIsolated mode
	// nothing leaves the machine; in InternetHost mode the host gets a
	// route for each of Pool into the internet namespace (nothing else of
	// the host changes) and traffic from the internet namespace to other
	// destinations is NATed through the host.
	EnsureInternet(ctx context.Context, inet Internet) (nsPath string, err error)
	// DeleteInternet removes the internet namespace and what EnsureInternet
	// changed on the host. It MUST return nil when it is already gone.
	DeleteInternet(ctx context.Context) error
	// SetRouting replaces the VPC's whole routing in one step: its
	// internet gateway, each subnet's routes, the 1:1 NAT of public IPs and
	// its NAT gateways. It MUST return an error wrapping ErrNotFound when
	// the VPC's network does not exist.
	SetRouting(ctx context.Context, r Routing) error
	// SetNetworkACLs replaces the VPC's network ACLs: stateless rules per
	// subnet, evaluated in rule-number order, first match decides. A
	// subnet absent from acls is not filtered.
	SetNetworkACLs(ctx context.Context, vpcID string, acls map[string][]ACLEntry) error

	// Listen opens a listener inside the VPC's network, for the services
	// AWS runs at fixed addresses in every VPC (the instance metadata
	// service at 169.254.169.254, the resolver at the VPC's base + 2).
	// network is "tcp" or "udp"; address is ip:port, and the ip is made
	// an address of the VPC router first. For "udp" the result is a
	// net.PacketConn, for "tcp" a net.Listener. It returns an error
	// wrapping ErrNotFound when the VPC's network does not exist, and
	// ErrUnsupported on the none dataplane.
	Listen(ctx context.Context, vpcID, network, address string) (io.Closer, error)
}

// InternetMode says whether gureum's internet reaches out of the machine.
type InternetMode string

const (
	// InternetIsolated has no path out of the machine at all.
	InternetIsolated InternetMode = "isolated"
	// InternetHost NATs egress through the host, and routes the public
	// pool from the host into the internet namespace.
	InternetHost InternetMode = "host"
)

// Internet configures gureum's internet namespace.
type Internet struct {
	Mode InternetMode
	// Pool are the prefixes public and Elastic IPs come from.
	Pool []netip.Prefix
}

// Routing is a VPC's routing as the dataplane applies it.
type Routing struct {
	VpcID string
	// InternetGateway is the id of the attached internet gateway, or "".
	// Without one, the VPC has no link to the internet namespace.
	InternetGateway string
	// Routes holds, per subnet id, the routes of the subnet's route table
	// (its association, or the VPC's main table), without the local route
	// that every table has.
	Routes map[string][]Route
	// PublicIPs maps private IPs to public (or Elastic) IPs 1:1 at the
	// internet gateway, for instances and network interfaces.
	PublicIPs []PublicIP
	// NATGateways are the VPC's available NAT gateways.
	NATGateways []NATGateway
}

// Route is one route. Exactly one target is set.
type Route struct {
	Dest netip.Prefix
	// InternetGateway: igw-…, to the internet (only when it is the VPC's
	// attached gateway; otherwise the route is a blackhole).
	InternetGateway string
	// NATGateway: nat-…, via that NAT gateway of NATGateways.
	NATGateway string
	// NextHop: an instance or network interface target, by its private IP.
	NextHop netip.Addr
	// Blackhole drops matching packets (a route whose target is gone).
	Blackhole bool
}

// PublicIP is a 1:1 NAT between a private and a public IP.
type PublicIP struct {
	Private netip.Addr
	Public  netip.Addr
}

// NATGateway is a NAT gateway: it sits in a (public) subnet with a private
// IP and masquerades what it forwards behind that IP, which the internet
// gateway maps 1:1 to its Elastic IP.
type NATGateway struct {
	ID        string
	SubnetID  string
	PrivateIP netip.Addr
	PublicIP  netip.Addr
}

// ACLEntry is one network ACL rule.
type ACLEntry struct {
	RuleNumber int32
	Egress     bool
	// Protocol: "-1" (all), "6" tcp, "17" udp, "1" icmp, or a number.
	Protocol string
	// FromPort and ToPort bound the port range for tcp and udp (0..65535
	// when unset).
	FromPort, ToPort int32
	CIDR             netip.Prefix
	Allow            bool
}

// Gateway returns a subnet's gateway address: the first address after the
// network address, as in AWS.
func Gateway(subnet netip.Prefix) netip.Addr {
	return subnet.Masked().Addr().Next()
}

// Validate reports whether the VPC can be made real.
func (v VPC) Validate() error {
	if err := validID("VPC id", v.ID); err != nil {
		return err
	}
	return validCIDR("VPC "+v.ID, v.CIDR)
}

// Validate reports whether the subnet can be made real.
func (s Subnet) Validate() error {
	if err := validID("VPC id", s.VpcID); err != nil {
		return err
	}
	if err := validID("subnet id", s.ID); err != nil {
		return err
	}
	if err := validCIDR("subnet "+s.ID, s.CIDR); err != nil {
		return err
	}
	if s.CIDR.Bits() > 30 {
		return fmt.Errorf("%w: subnet %s: %s leaves no room for instances", ErrInvalid, s.ID, s.CIDR)
	}
	return nil
}

// Validate reports whether the interface can be plugged.
func (i Interface) Validate() error {
	for _, f := range []struct{ what, v string }{{"VPC id", i.VpcID}, {"subnet id", i.SubnetID}, {"interface id", i.ID}} {
		if err := validID(f.what, f.v); err != nil {
			return err
		}
	}
	switch {
	case i.NetNS == "":
		return fmt.Errorf("%w: interface %s: no network namespace", ErrInvalid, i.ID)
	case i.Name == "" || len(i.Name) > 15 || strings.ContainsAny(i.Name, "/ \t\n:") || i.Name == "." || i.Name == "..":
		return fmt.Errorf("%w: interface %s: name %q is not a valid Linux interface name", ErrInvalid, i.ID, i.Name)
	case !i.IP.Is4():
		return fmt.Errorf("%w: interface %s: IP %v is not IPv4", ErrInvalid, i.ID, i.IP)
	case i.Prefix < 1 || i.Prefix > 30:
		return fmt.Errorf("%w: interface %s: prefix length %d", ErrInvalid, i.ID, i.Prefix)
	case i.MAC != nil && len(i.MAC) != 6:
		return fmt.Errorf("%w: interface %s: MAC %v is not a 48-bit address", ErrInvalid, i.ID, i.MAC)
	case !i.Gateway.Is4():
		return fmt.Errorf("%w: interface %s: gateway %v is not IPv4", ErrInvalid, i.ID, i.Gateway)
	}
	p := netip.PrefixFrom(i.IP, i.Prefix).Masked()
	if !p.Contains(i.Gateway) || i.Gateway == i.IP {
		return fmt.Errorf("%w: interface %s: gateway %v is not another address of %v", ErrInvalid, i.ID, i.Gateway, p)
	}
	seen := map[netip.Addr]bool{i.IP: true, i.Gateway: true}
	for _, a := range i.Secondary {
		if !a.Is4() || !p.Contains(a) || seen[a] {
			return fmt.Errorf("%w: interface %s: secondary IP %v is not another address of %v", ErrInvalid, i.ID, a, p)
		}
		seen[a] = true
	}
	return nil
}

// ValidateID reports whether id (of the kind what, for the message) can
// name kernel objects: not empty, at most 64 bytes, no slash, space or NUL.
func ValidateID(what, id string) error { return validID(what, id) }

func validID(what, id string) error {
	if id == "" || len(id) > 64 || strings.ContainsAny(id, "/\x00 ") || id == "." || id == ".." {
		return fmt.Errorf("%w: %s %q", ErrInvalid, what, id)
	}
	return nil
}

func validCIDR(what string, p netip.Prefix) error {
	if !p.IsValid() || !p.Addr().Is4() {
		return fmt.Errorf("%w: %s: CIDR %v is not IPv4", ErrInvalid, what, p)
	}
	if p.Masked() != p {
		return fmt.Errorf("%w: %s: CIDR %v has host bits set", ErrInvalid, what, p)
	}
	return nil
}
