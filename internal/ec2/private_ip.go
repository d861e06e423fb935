package ec2

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/gureum/gureum/internal/store"
)

// Secondary private IPv4 addresses: AssignPrivateIpAddresses and
// UnassignPrivateIpAddresses, and the rules CreateNetworkInterface and
// RunInstances share with them. An interface's secondary addresses are
// its SecondaryIPs, each taken in its subnet's Used like the primary
// address; an Elastic IP associated with one is in SecondaryAssociations.
//
// The errors are AWS's: PrivateIpAddressLimitExceeded when the interface
// would hold more addresses than its instance type allows per interface
// (an interface attached to nothing: the largest limit of any type), and
// InvalidParameterValue for an address assigned elsewhere without
// AllowReassignment, for another interface's primary address, for the
// primary address in an unassignment and for addresses the interface
// does not hold.

// secondaryDNSName is the private DNS name of a secondary address: the
// primary's form (ip-10-0-1-9 in the primary's domain).
func (n *NetworkInterface) secondaryDNSName(ip string) string {
	i := strings.IndexByte(n.PrivateDNSName, '.')
	if i < 0 {
		return ""
	}
	return "ip-" + strings.ReplaceAll(ip, ".", "-") + n.PrivateDNSName[i:]
}

// associations returns the interface's public addresses: the primary
// address's, then each secondary address's, in assignment order.
func (n *NetworkInterface) associations() []*NetworkInterfaceAssociation {
	var out []*NetworkInterfaceAssociation
	if n.Association != nil {
		out = append(out, n.Association)
	}
	for _, ip := range n.SecondaryIPs {
		if a := n.SecondaryAssociations[ip]; a != nil {
			out = append(out, a)
		}
	}
	return out
}

// holdsSecondary reports whether ip is one of the interface's secondary
// addresses.
func (n *NetworkInterface) holdsSecondary(ip string) bool {
	return slices.Contains(n.SecondaryIPs, ip)
}

// dropSecondary removes a secondary address (and its Elastic IP
// association) from the interface, without touching the slices or map it
// had (they may be shared with the decode cache).
func (n *NetworkInterface) dropSecondary(ip string) {
	kept := make([]string, 0, len(n.SecondaryIPs))
	for _, s := range n.SecondaryIPs {
		if s != ip {
			kept = append(kept, s)
		}
	}
	n.SecondaryIPs = kept
	if _, ok := n.SecondaryAssociations[ip]; ok {
		m := maps.Clone(n.SecondaryAssociations)
		delete(m, ip)
		if len(m) == 0 {
			m = nil
		}
		n.SecondaryAssociations = m
	}
}

// setSecondaryAssociation records (a nil a: removes) the Elastic IP of a
// secondary address, copying the map first.
func (n *NetworkInterface) setSecondaryAssociation(ip string, a *NetworkInterfaceAssociation) {
	m := maps.Clone(n.SecondaryAssociations)
	if a == nil {
		delete(m, ip)
	} else {
		if m == nil {
			m = map[string]*NetworkInterfaceAssociation{}
		}
		m[ip] = a
	}
	if len(m) == 0 {
		m = nil
	}
	n.SecondaryAssociations = m
}

// maxIPsPerInterface is the largest number of IPv4 addresses any instance
// type allows per interface: the limit of an interface attached to
// nothing.
var maxIPsPerInterface = sync.OnceValue(func() int {
	m := int32(0)
	for _, t := range instanceTypes() {
		m = max(m, t.ipsPerENI)
	}
	return int(m)
})

// ipsPerInterface is how many IPv4 addresses an instance type allows per
// interface (an unknown type: the largest of any).
func ipsPerInterface(instanceType string) int {
	if t, ok := lookupInstanceType(instanceType); ok && t.ipsPerENI > 0 {
		return int(t.ipsPerENI)
	}
	return maxIPsPerInterface()
}

// ipLimit is how many IPv4 addresses (primary included) the interface may
// hold: its instance's type's limit, or the largest one when it is not
// attached.
func ipLimit(tx store.Tx, sc scope, n *NetworkInterface) (int, error) {
	if n.Attachment == nil {
		return maxIPsPerInterface(), nil
	}
	inst, err := getRes[Instance](tx, sc, n.Attachment.InstanceID)
	if isNotFound(err) {
		return maxIPsPerInterface(), nil
	}
	if err != nil {
		return 0, err
	}
	return ipsPerInterface(inst.InstanceType), nil
}

// subnetENIs returns the interfaces of a subnet by id.
func subnetENIs(tx store.Tx, sc scope, subnetID string) (map[string]*NetworkInterface, error) {
	out := map[string]*NetworkInterface{}
	err := scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
		if n.SubnetID == subnetID && !strings.HasPrefix(n.NetworkInterfaceID, "eni-attach-") {
			out[n.NetworkInterfaceID] = n
		}
		return nil
	})
	return out, err
}

// moveRule is what assignSecondaryIPs does with an address another
// interface holds as a secondary one.
type moveRule int

const (
	takeFree  moveRule = iota // refuse it as in use (a new interface)
	denyMove                  // refuse it: AllowReassignment is not set
	allowMove                 // move it, with its Elastic IP
)

// assignSecondaryIPs gives eni, an interface of sub, the addresses in want
// (in the subnet and free or, as move says, another interface's secondary
// address) and then count free ones. It
// checks the limit of limit addresses per interface, updates sub.Used,
// and writes the interfaces addresses were moved from (and the Elastic
// IPs that moved); the caller writes eni and sub. It returns the
// addresses assigned, in order.
func assignSecondaryIPs(tx store.Tx, sc scope, sub *Subnet, eni *NetworkInterface, want []string, count, limit int, move moveRule) ([]string, error) {
	var wanted []string
	for _, ip := range want {
		if !slices.Contains(wanted, ip) {
			wanted = append(wanted, ip)
		}
	}
	adding := count
	for _, ip := range wanted {
		if !eni.holdsSecondary(ip) {
			adding++
		}
	}
	if 1+len(eni.SecondaryIPs)+adding > limit {
		return nil, errIPLimit()
	}
	used := map[string]bool{}
	for _, u := range sub.Used {
		used[u] = true
	}
	var others map[string]*NetworkInterface // the subnet's interfaces, read when first needed
	changed := map[string]*NetworkInterface{}
	var denied, assigned []string
	secondaries := slices.Clone(eni.SecondaryIPs)
	for _, ip := range wanted {
		if slices.Contains(secondaries, ip) {
			assigned = append(assigned, ip)
			continue
		}
		if ip == eni.PrivateIPAddress {
			return nil, errInvalidParameterValue("secondary-addresses")
		}
		if !used[ip] || move == takeFree {
			if _, err := sub.allocateIP(ip); err != nil { // an address in use: InvalidIPAddress.InUse
				return nil, err
			}
			secondaries = append(secondaries, ip)
			assigned = append(assigned, ip)
			continue
		}
		if others == nil {
			var err error
			if others, err = subnetENIs(tx, sc, sub.SubnetID); err != nil {
				return nil, err
			}
		}
		var owner *NetworkInterface
		for _, o := range others {
			if o.NetworkInterfaceID == eni.NetworkInterfaceID {
				continue
			}
			if c := changed[o.NetworkInterfaceID]; c != nil {
				o = c
			}
			if o.PrivateIPAddress == ip || o.holdsSecondary(ip) {
				owner = o
			}
		}
		switch {
		case owner == nil:
			return nil, errInvalidIPAddressInUse(ip)
		case owner.PrivateIPAddress == ip:
			return nil, errInvalidParameterValue("secondary-addresses")
		case move == denyMove:
			denied = append(denied, ip)
			continue
		}
		// The move: the address leaves its interface with its Elastic IP.
		if a := owner.SecondaryAssociations[ip]; a != nil {
			eni.setSecondaryAssociation(ip, a)
			if addr, err := getRes[Address](tx, sc, a.AllocationID); err == nil {
				addr.NetworkInterfaceID, addr.NetworkInterfaceOwnerID = eni.NetworkInterfaceID, eni.OwnerID
				if err := putRes(tx, sc, addr.AllocationID, addr); err != nil {
					return nil, err
				}
			} else if !isNotFound(err) {
				return nil, err
			}
		}
		owner.dropSecondary(ip)
		changed[owner.NetworkInterfaceID] = owner
		secondaries = append(secondaries, ip)
		assigned = append(assigned, ip)
	}
	if len(denied) > 0 {
		return nil, errInvalidParameterValue("[%s] assigned, but move is not allowed.", strings.Join(denied, ", "))
	}
	for range count {
		ip, err := sub.allocateIP("")
		if err != nil {
			return nil, err
		}
		secondaries = append(secondaries, ip)
		assigned = append(assigned, ip)
	}
	for _, o := range changed {
		if err := putRes(tx, sc, o.NetworkInterfaceID, o); err != nil {
			return nil, err
		}
	}
	eni.SecondaryIPs = secondaries
	return assigned, nil
}

// privateIPSpec is one PrivateIpAddressSpecification of CreateNetworkInterface
// and RunInstances.
type privateIPSpec struct {
	PrivateIpAddress string
	Primary          *bool
}

// splitPrivateIPs resolves a request's primary address (given directly or
// as the specification marked primary) and its secondary addresses.
func splitPrivateIPs(primary string, specs []privateIPSpec) (string, []string, error) {
	var secondary []string
	for _, p := range specs {
		if p.PrivateIpAddress == "" {
			return "", nil, errMissingParameter("privateIpAddresses.privateIpAddress")
		}
		if p.Primary == nil || !*p.Primary {
			secondary = append(secondary, p.PrivateIpAddress)
			continue
		}
		if primary != "" && primary != p.PrivateIpAddress {
			return "", nil, errInvalidParameterValue("Primary IP address %s does not match the private IP address %s.", p.PrivateIpAddress, primary)
		}
		primary = p.PrivateIpAddress
	}
	for _, ip := range secondary {
		if ip == primary {
			return "", nil, errInvalidParameterValue("The private IP address %s is specified more than once.", ip)
		}
	}
	return primary, secondary, nil
}

func validSecondaryCount(n *int32) error {
	if n != nil && *n < 1 {
		return errInvalidParameterValue("Value (%d) for parameter secondaryPrivateIpAddressCount is invalid. Value must be a positive number.", *n)
	}
	return nil
}

type assignPrivateIpAddressesInput struct {
	NetworkInterfaceId             string
	PrivateIpAddress               []string
	SecondaryPrivateIpAddressCount *int32
	AllowReassignment              bool
	Ipv4Prefix                     []string
	Ipv4PrefixCount                *int32
	DryRun                         bool
}

type assignedPrivateIPAddress struct {
	PrivateIPAddress string `xml:"privateIpAddress"`
}

type assignPrivateIpAddressesOutput struct {
	NetworkInterfaceID         string                     `xml:"networkInterfaceId"`
	AssignedPrivateIPAddresses []assignedPrivateIPAddress `xml:"assignedPrivateIpAddressesSet>item"`
	Return                     bool                       `xml:"return"`
}

func (s *Service) assignPrivateIpAddresses(ctx context.Context, in *assignPrivateIpAddressesInput) (*assignPrivateIpAddressesOutput, error) {
	if in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("networkInterfaceId")
	}
	if len(in.Ipv4Prefix) > 0 || in.Ipv4PrefixCount != nil {
		return nil, errUnsupportedOperation("gureum does not assign IPv4 prefixes to network interfaces.")
	}
	if len(in.PrivateIpAddress) > 0 && in.SecondaryPrivateIpAddressCount != nil {
		return nil, errInvalidParameterCombination("You may specify one and only one of privateIpAddressSet or secondaryPrivateIpAddressCount or ipv4Prefixes or ipv4PrefixCount, but not more than one of them.")
	}
	if len(in.PrivateIpAddress) == 0 && in.SecondaryPrivateIpAddressCount == nil {
		return nil, errInvalidParameter("One of privateIpAddressSet or privateIpAddressCount or ipv4PrefixSet or ipv4PrefixCount must be specified.")
	}
	if err := validSecondaryCount(in.SecondaryPrivateIpAddressCount); err != nil {
		return nil, err
	}
	count := 0
	if in.SecondaryPrivateIpAddressCount != nil {
		count = int(*in.SecondaryPrivateIpAddressCount)
	}
	sc := scopeOf(ctx)
	out := &assignPrivateIpAddressesOutput{NetworkInterfaceID: in.NetworkInterfaceId, Return: true}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		eni, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return err
		}
		if eni.RequesterManaged || eni.InterfaceType != "interface" {
			return errAuthFailure("You do not have permission to access the specified resource.")
		}
		sub, err := getSubnet(tx, sc, eni.SubnetID)
		if err != nil {
			return err
		}
		limit, err := ipLimit(tx, sc, eni)
		if err != nil {
			return err
		}
		move := denyMove
		if in.AllowReassignment {
			move = allowMove
		}
		assigned, err := assignSecondaryIPs(tx, sc, sub, eni, in.PrivateIpAddress, count, limit, move)
		if err != nil {
			return err
		}
		out.AssignedPrivateIPAddresses = nil
		for _, ip := range assigned {
			out.AssignedPrivateIPAddresses = append(out.AssignedPrivateIPAddresses, assignedPrivateIPAddress{ip})
		}
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return err
		}
		return putRes(tx, sc, eni.NetworkInterfaceID, eni)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type unassignPrivateIpAddressesInput struct {
	NetworkInterfaceId string
	PrivateIpAddress   []string
	Ipv4Prefix         []string
	DryRun             bool
}

func (s *Service) unassignPrivateIpAddresses(ctx context.Context, in *unassignPrivateIpAddressesInput) (*returnTrue, error) {
	if in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("networkInterfaceId")
	}
	if len(in.Ipv4Prefix) > 0 {
		return nil, errUnsupportedOperation("gureum does not assign IPv4 prefixes to network interfaces.")
	}
	if len(in.PrivateIpAddress) == 0 {
		return nil, errMissingParameter("privateIpAddress")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		eni, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return err
		}
		for _, ip := range in.PrivateIpAddress {
			if ip == eni.PrivateIPAddress {
				return errInvalidParameterValue("Value (%s) for parameter privateIpAddress is invalid. The primary IP address of an interface cannot be unassigned.", ip)
			}
		}
		for _, ip := range in.PrivateIpAddress {
			if !eni.holdsSecondary(ip) {
				return errInvalidParameterValue("Some of the specified addresses are not assigned to interface %s", eni.NetworkInterfaceID)
			}
		}
		sub, err := getSubnet(tx, sc, eni.SubnetID)
		if err != nil {
			return err
		}
		for _, ip := range in.PrivateIpAddress {
			if !eni.holdsSecondary(ip) {
				continue // named twice
			}
			// An Elastic IP on the address is disassociated (its record
			// reads so once the interface no longer holds it).
			eni.dropSecondary(ip)
			sub.releaseIP(ip)
		}
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return err
		}
		return putRes(tx, sc, eni.NetworkInterfaceID, eni)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
