package ec2

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Elastic IP addresses: AllocateAddress, AssociateAddress,
// DisassociateAddress, ReleaseAddress, DescribeAddresses.
//
// Public addresses (Elastic and auto-assigned alike) come from one pool
// shared by every account and region, as AWS never hands the same public
// address to two customers at once. The pool's allocation table is its
// own store table, keyed by address:
//
//	ec2.pool: ip → poolEntry (account, region, owner id)
//
// An address record holds its association (eipassoc-, network interface,
// private IP), and the network interface's Association holds the address;
// the interface is the truth: when it is gone (deleted by its own file's
// operations, or with its instance), the address reads as unassociated.
const tPool = "ec2.pool"

// tInstancePublicIP is the table instance launch has kept its
// auto-assigned public addresses in (instance_publicip.go); the pool
// skips its addresses too, so an address is never held twice.
const tInstancePublicIP = "ec2.pubip"

// maxAddresses is the default Elastic IP quota per account and region.
const maxAddresses = 5

// addressPoolKey is where SetAddressPool keeps the pool in the Service's
// defaults map (whose other keys are "account/region" and never start
// with a NUL byte). TODO: move to Config once service.go takes it.
const addressPoolKey = "\x00address-pool"

// defaultAddressPool is the documentation ranges (RFC 5737): addresses
// that route nowhere, so nothing gureum hands out is someone's real host.
var defaultAddressPool = []netip.Prefix{
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
}

// SetAddressPool sets the IPv4 prefixes public addresses are taken from,
// in order. Each prefix's network address, first address (the gateway's)
// and broadcast address are never handed out. Without a call (or with an
// empty list) the pool is 198.51.100.0/24 then 203.0.113.0/24.
func (s *Service) SetAddressPool(prefixes []netip.Prefix) {
	var ps []netip.Prefix
	for _, p := range prefixes {
		if p.Addr().Is4() {
			ps = append(ps, p.Masked())
		}
	}
	s.defaults.Store(addressPoolKey, ps)
}

func (s *Service) addressPool() []netip.Prefix {
	if v, ok := s.defaults.Load(addressPoolKey); ok {
		if ps := v.([]netip.Prefix); len(ps) > 0 {
			return ps
		}
	}
	return defaultAddressPool
}

// poolEntry is who holds a public address.
type poolEntry struct {
	Acct   string `json:"a"`
	Region string `json:"r"`
	Owner  string `json:"o"` // eipalloc- id, or the eni- id of an auto-assigned address
}

// takePublicIP reserves the first free public address of the pool for
// owner (an allocation id, or the network interface an auto-assigned
// public address is mapped to).
func (s *Service) takePublicIP(tx store.Tx, sc scope, owner string) (string, error) {
	entry, err := json.Marshal(poolEntry{sc.acct, sc.region, owner})
	if err != nil {
		return "", err
	}
	for _, p := range s.addressPool() {
		first, last := p.Addr(), p.Addr()
		for i := 0; i < (1<<(32-p.Bits()))-1; i++ {
			last = last.Next()
		}
		a := first
		if p.Bits() < 31 {
			a = first.Next().Next() // skip the network address and .1
		} else {
			last = last.Next() // /31 and /32: every address is usable
		}
		for ; a.IsValid() && a.Compare(last) < 0; a = a.Next() {
			free, err := poolFree(tx, a.String())
			if err != nil {
				return "", err
			}
			if free {
				return a.String(), tx.Put(tPool, []byte(a.String()), entry)
			}
		}
	}
	return "", errInsufficientAddressCapacity()
}

func poolFree(tx store.Tx, ip string) (bool, error) {
	for _, t := range []string{tPool, tInstancePublicIP} {
		_, err := tx.Get(t, []byte(ip))
		if err == nil {
			return false, nil
		}
		if !isNotFound(err) {
			return false, err
		}
	}
	return true, nil
}

// returnPublicIP gives a public address back to the pool.
func returnPublicIP(tx store.Tx, ip string) error {
	if ip == "" {
		return nil
	}
	if err := tx.Delete(tInstancePublicIP, []byte(ip)); err != nil {
		return err
	}
	return tx.Delete(tPool, []byte(ip))
}

// Address is EC2's Address: an Elastic IP allocation.
type Address struct {
	AllocationID            string `xml:"allocationId" json:"id"`
	AssociationID           string `xml:"associationId,omitempty" json:"assoc,omitempty"`
	Domain                  string `xml:"domain" json:"domain"`
	NetworkInterfaceID      string `xml:"networkInterfaceId,omitempty" json:"eni,omitempty"`
	NetworkInterfaceOwnerID string `xml:"networkInterfaceOwnerId,omitempty" json:"enio,omitempty"`
	PrivateIPAddress        string `xml:"privateIpAddress,omitempty" json:"priv,omitempty"`
	Tags                    []Tag  `xml:"tagSet>item" json:"tags,omitempty"`
	PublicIpv4Pool          string `xml:"publicIpv4Pool" json:"pool"`
	NetworkBorderGroup      string `xml:"networkBorderGroup" json:"nbg"`
	InstanceID              string `xml:"instanceId,omitempty" json:"-"`
	PublicIP                string `xml:"publicIp" json:"ip"`
}

func getAddress(tx store.Tx, sc scope, id string) (*Address, error) {
	if !strings.HasPrefix(id, "eipalloc-") {
		return nil, errInvalidAllocationIDNotFound(id)
	}
	a, err := getRes[Address](tx, sc, id)
	if isNotFound(err) {
		return nil, errInvalidAllocationIDNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	return a, a.resolve(tx, sc)
}

// resolve reads the address's association from its network interface:
// the private address (primary or secondary) holding it and the instance
// the interface is attached to, or nothing if the interface is gone or
// holds another address now.
func (a *Address) resolve(tx store.Tx, sc scope) error {
	a.InstanceID = ""
	if a.NetworkInterfaceID == "" {
		return nil
	}
	eni, err := getRes[NetworkInterface](tx, sc, a.NetworkInterfaceID)
	if isNotFound(err) {
		a.clearAssociation()
		return nil
	}
	if err != nil {
		return err
	}
	priv := eni.privateIPOf(a.AllocationID)
	if priv == "" {
		a.clearAssociation()
		return nil
	}
	a.PrivateIPAddress = priv
	if eni.Attachment != nil {
		a.InstanceID = eni.Attachment.InstanceID
	}
	return nil
}

func (a *Address) clearAssociation() {
	a.AssociationID, a.NetworkInterfaceID, a.NetworkInterfaceOwnerID, a.PrivateIPAddress, a.InstanceID = "", "", "", "", ""
}

// elasticIPDNSName is the ec2-198-51-100-2.compute-1.amazonaws.com name
// AWS gives a public address.
func elasticIPDNSName(region, ip string) string {
	name := "ec2-" + strings.ReplaceAll(ip, ".", "-")
	if region == "us-east-1" {
		return name + ".compute-1.amazonaws.com"
	}
	return name + "." + region + ".compute.amazonaws.com"
}

// instanceENI returns the primary (device index 0) network interface of
// an instance.
func instanceENI(tx store.Tx, sc scope, instanceID string) (*NetworkInterface, error) {
	var out *NetworkInterface
	err := scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
		if n.Attachment != nil && n.Attachment.InstanceID == instanceID && n.Attachment.DeviceIndex == 0 {
			out = n
		}
		return nil
	})
	if err == nil && out == nil {
		err = errInstanceNotFound(instanceID)
	}
	return out, err
}

// privateIPOf returns the private address (primary or secondary) the
// Elastic IP allocation is associated with on the interface, "" if none.
func (n *NetworkInterface) privateIPOf(allocationID string) string {
	if n.Association != nil && n.Association.AllocationID == allocationID {
		return n.PrivateIPAddress
	}
	for _, ip := range n.SecondaryIPs {
		if as := n.SecondaryAssociations[ip]; as != nil && as.AllocationID == allocationID {
			return ip
		}
	}
	return ""
}

// mapAddress maps an Elastic IP to a private address of a network
// interface, its primary one when priv is "" (which must not hold another
// Elastic IP; an auto-assigned public address the primary holds goes back
// to the pool) and returns the association id.
func mapAddress(tx store.Tx, sc scope, a *Address, eni *NetworkInterface, priv string, dnsHostnames bool) (string, error) {
	if priv == "" {
		priv = eni.PrivateIPAddress
	}
	if old := eni.Association; priv == eni.PrivateIPAddress && old != nil && old.AllocationID == "" {
		if err := returnPublicIP(tx, old.PublicIP); err != nil {
			return "", err
		}
	}
	assoc := newID("eipassoc")
	as := &NetworkInterfaceAssociation{PublicIP: a.PublicIP, IPOwnerID: sc.acct, AllocationID: a.AllocationID, AssociationID: assoc}
	if dnsHostnames {
		as.PublicDNSName = elasticIPDNSName(sc.region, a.PublicIP)
	}
	if priv == eni.PrivateIPAddress {
		eni.Association = as
	} else {
		eni.setSecondaryAssociation(priv, as)
	}
	a.AssociationID, a.NetworkInterfaceID, a.NetworkInterfaceOwnerID, a.PrivateIPAddress = assoc, eni.NetworkInterfaceID, eni.OwnerID, priv
	if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
		return "", err
	}
	return assoc, putRes(tx, sc, a.AllocationID, a)
}

// unmapAddress undoes mapAddress (the interface may be gone already).
func unmapAddress(tx store.Tx, sc scope, a *Address) error {
	if a.NetworkInterfaceID != "" {
		eni, err := getRes[NetworkInterface](tx, sc, a.NetworkInterfaceID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil && eni.privateIPOf(a.AllocationID) != "" {
			if priv := eni.privateIPOf(a.AllocationID); priv == eni.PrivateIPAddress {
				eni.Association = nil
			} else {
				eni.setSecondaryAssociation(priv, nil)
			}
			if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
				return err
			}
		}
	}
	a.clearAssociation()
	return putRes(tx, sc, a.AllocationID, a)
}

// addressOps returns this file's operations.
func (s *Service) addressOps() opTable {
	return opTable{
		"AllocateAddress":     handle(s.allocateAddress),
		"AssociateAddress":    handle(s.associateAddress),
		"DisassociateAddress": handle(s.disassociateAddress),
		"ReleaseAddress":      handle(s.releaseAddress),
		"DescribeAddresses":   handle(s.describeAddresses),

		"DescribeAddressesAttribute": handle(s.describeAddressesAttribute),
	}
}

type allocateAddressInput struct {
	Domain             string
	Address            string
	PublicIpv4Pool     string
	NetworkBorderGroup string
	TagSpecification   []TagSpecification
	DryRun             bool
}

type allocateAddressOutput struct {
	AllocationID       string `xml:"allocationId"`
	PublicIpv4Pool     string `xml:"publicIpv4Pool"`
	NetworkBorderGroup string `xml:"networkBorderGroup"`
	Domain             string `xml:"domain"`
	PublicIP           string `xml:"publicIp"`
}

func (s *Service) allocateAddress(ctx context.Context, in *allocateAddressInput) (*allocateAddressOutput, error) {
	sc := scopeOf(ctx)
	switch in.Domain {
	case "", "vpc", "standard": // EC2-Classic is gone: every address is a VPC one
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter domain is invalid.", in.Domain)
	}
	if in.NetworkBorderGroup != "" && in.NetworkBorderGroup != sc.region {
		return nil, errInvalidParameterValue("Value (%s) for parameter networkBorderGroup is invalid.", in.NetworkBorderGroup)
	}
	if in.PublicIpv4Pool != "" && in.PublicIpv4Pool != "amazon" {
		return nil, errInvalidPublicIpv4PoolIDNotFound(in.PublicIpv4Pool)
	}
	if in.Address != "" {
		return nil, errInvalidAddressNotFound(in.Address)
	}
	tags, err := tagsFor(in.TagSpecification, "elastic-ip")
	if err != nil {
		return nil, err
	}
	a := &Address{AllocationID: newID("eipalloc"), Domain: "vpc", PublicIpv4Pool: "amazon", NetworkBorderGroup: sc.region, Tags: tags}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		n := 0
		if err := scanRes(tx, sc, "eipalloc-", func(*Address) error { n++; return nil }); err != nil {
			return err
		}
		if n >= maxAddresses {
			return errAddressLimitExceeded("The maximum number of addresses has been reached.")
		}
		ip, err := s.takePublicIP(tx, sc, a.AllocationID)
		if err != nil {
			return err
		}
		a.PublicIP = ip
		return putRes(tx, sc, a.AllocationID, a)
	})
	if err != nil {
		return nil, err
	}
	return &allocateAddressOutput{AllocationID: a.AllocationID, PublicIpv4Pool: a.PublicIpv4Pool, NetworkBorderGroup: a.NetworkBorderGroup, Domain: a.Domain, PublicIP: a.PublicIP}, nil
}

type associateAddressInput struct {
	AllocationId       string
	InstanceId         string
	PublicIp           string
	NetworkInterfaceId string
	PrivateIpAddress   string
	AllowReassociation bool
	DryRun             bool
}

type associateAddressOutput struct {
	AssociationID string `xml:"associationId"`
}

func (s *Service) associateAddress(ctx context.Context, in *associateAddressInput) (*associateAddressOutput, error) {
	if in.AllocationId == "" {
		if in.PublicIp != "" {
			return nil, errInvalidParameterValue("You must specify an allocation id when mapping an address to a VPC instance")
		}
		return nil, errMissingParameter("allocationId")
	}
	if in.InstanceId == "" && in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("instanceId or networkInterfaceId")
	}
	sc := scopeOf(ctx)
	var assoc string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		a, err := getAddress(tx, sc, in.AllocationId)
		if err != nil {
			return err
		}
		var eni *NetworkInterface
		if in.NetworkInterfaceId != "" {
			eni, err = getENI(tx, sc, in.NetworkInterfaceId)
			if err == nil && in.InstanceId != "" && (eni.Attachment == nil || eni.Attachment.InstanceID != in.InstanceId) {
				err = errInvalidParameterCombination("You may specify an instance ID or a network interface ID, but not both, unless the network interface is attached to that instance.")
			}
		} else {
			eni, err = instanceENI(tx, sc, in.InstanceId)
		}
		if err != nil {
			return err
		}
		priv := in.PrivateIpAddress
		if priv == "" {
			priv = eni.PrivateIPAddress
		}
		if priv != eni.PrivateIPAddress && !eni.holdsSecondary(priv) {
			return errInvalidParameterValue("The private IP address %s is not assigned to network interface %s.", in.PrivateIpAddress, eni.NetworkInterfaceID)
		}
		if eni.RequesterManaged {
			return errAuthFailure("You do not have permission to access the specified resource.")
		}
		igw, err := attachedInternetGateway(tx, sc, eni.VpcID)
		if err != nil {
			return err
		}
		if igw == nil {
			return errGatewayNotAttached("Network %s is not attached to any internet gateway", eni.VpcID)
		}
		if a.AssociationID != "" {
			if !in.AllowReassociation {
				return errResourceAlreadyAssociated("resource %s is already associated with associate-id %s", a.AllocationID, a.AssociationID)
			}
			if err := unmapAddress(tx, sc, a); err != nil {
				return err
			}
		}
		// Re-read the interface: unmapping may have rewritten it.
		if eni, err = getENI(tx, sc, eni.NetworkInterfaceID); err != nil {
			return err
		}
		old := eni.Association
		if priv != eni.PrivateIPAddress {
			old = eni.SecondaryAssociations[priv]
		}
		if old != nil && old.AllocationID != "" {
			// The private address's Elastic IP is replaced.
			prev, err := getAddress(tx, sc, old.AllocationID)
			if err == nil {
				if err := unmapAddress(tx, sc, prev); err != nil {
					return err
				}
			}
			if eni, err = getENI(tx, sc, eni.NetworkInterfaceID); err != nil {
				return err
			}
			if priv == eni.PrivateIPAddress {
				eni.Association = nil
			} else {
				eni.setSecondaryAssociation(priv, nil)
			}
		}
		vpc, err := getVpc(tx, sc, eni.VpcID)
		if err != nil {
			return err
		}
		assoc, err = mapAddress(tx, sc, a, eni, priv, vpc.EnableDNSHostnames)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &associateAddressOutput{AssociationID: assoc}, nil
}

type disassociateAddressInput struct {
	AssociationId string
	PublicIp      string
	DryRun        bool
}

func (s *Service) disassociateAddress(ctx context.Context, in *disassociateAddressInput) (*returnTrue, error) {
	if in.AssociationId == "" && in.PublicIp == "" {
		return nil, errMissingParameter("associationId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		var found *Address
		err := scanRes(tx, sc, "eipalloc-", func(a *Address) error {
			if err := a.resolve(tx, sc); err != nil {
				return err
			}
			if (in.AssociationId != "" && a.AssociationID == in.AssociationId) || (in.AssociationId == "" && a.PublicIP == in.PublicIp) {
				found = a
			}
			return nil
		})
		if err != nil {
			return err
		}
		if found == nil && in.AssociationId != "" {
			return errInvalidAssociationIDNotFound(in.AssociationId)
		}
		if found == nil {
			return errInvalidAddressNotFound(in.PublicIp)
		}
		if found.AssociationID == "" {
			return nil
		}
		if eni, err := getRes[NetworkInterface](tx, sc, found.NetworkInterfaceID); err == nil && eni.RequesterManaged {
			return errAuthFailure("You do not have permission to access the specified resource.")
		}
		return unmapAddress(tx, sc, found)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type releaseAddressInput struct {
	AllocationId       string
	PublicIp           string
	NetworkBorderGroup string
	DryRun             bool
}

func (s *Service) releaseAddress(ctx context.Context, in *releaseAddressInput) (*returnTrue, error) {
	if in.AllocationId == "" {
		if in.PublicIp != "" {
			return nil, errInvalidParameterValue("You must specify an allocation id when releasing a VPC elastic IP address")
		}
		return nil, errMissingParameter("allocationId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		a, err := getAddress(tx, sc, in.AllocationId)
		if err != nil {
			return err
		}
		if a.AssociationID != "" {
			if eni, err := getRes[NetworkInterface](tx, sc, a.NetworkInterfaceID); err == nil && eni.RequesterManaged {
				return errAuthFailure("You do not have permission to access the specified resource.")
			}
			return errInvalidIPAddressInUse(a.PublicIP)
		}
		if err := returnPublicIP(tx, a.PublicIP); err != nil {
			return err
		}
		return delRes(tx, sc, a.AllocationID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type describeAddressesInput struct {
	PublicIp     []string
	AllocationId []string
	Filter       []Filter
	DryRun       bool
}

type describeAddressesOutput struct {
	Addresses []*Address `xml:"addressesSet>item"`
}

func (a *Address) filter(name string) ([]string, bool) {
	one := func(v string) ([]string, bool) {
		if v == "" {
			return nil, true
		}
		return []string{v}, true
	}
	switch name {
	case "allocation-id":
		return one(a.AllocationID)
	case "association-id":
		return one(a.AssociationID)
	case "domain":
		return one(a.Domain)
	case "instance-id":
		return one(a.InstanceID)
	case "network-border-group":
		return one(a.NetworkBorderGroup)
	case "network-interface-id":
		return one(a.NetworkInterfaceID)
	case "network-interface-owner-id":
		return one(a.NetworkInterfaceOwnerID)
	case "private-ip-address":
		return one(a.PrivateIPAddress)
	case "public-ip":
		return one(a.PublicIP)
	case "public-ipv4-pool":
		return one(a.PublicIpv4Pool)
	}
	return nil, false
}

func (s *Service) describeAddresses(ctx context.Context, in *describeAddressesInput) (*describeAddressesOutput, error) {
	sc := scopeOf(ctx)
	out := &describeAddressesOutput{Addresses: []*Address{}}
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range in.AllocationId {
			if _, err := getAddress(tx, sc, id); err != nil {
				return err
			}
		}
		seen := map[string]bool{}
		err := scanRes(tx, sc, "eipalloc-", func(a *Address) error {
			seen[a.PublicIP] = true
			if len(in.AllocationId) > 0 && !contains(in.AllocationId, a.AllocationID) {
				return nil
			}
			if len(in.PublicIp) > 0 && !contains(in.PublicIp, a.PublicIP) {
				return nil
			}
			if err := a.resolve(tx, sc); err != nil {
				return err
			}
			ok, err := matchFilters(in.Filter, a.Tags, a.filter)
			if ok {
				out.Addresses = append(out.Addresses, a)
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, ip := range in.PublicIp {
			if !seen[ip] {
				return errInvalidAddressNotFound(ip)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeAddressesAttribute: the only attribute is domain-name, the
// reverse DNS (PTR) record of an address, which gureum never sets (there
// is no ModifyAddressAttribute), so each address answers without one.

type describeAddressesAttributeInput struct {
	AllocationId []string
	Attribute    string
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

// AddressAttribute is EC2's AddressAttribute.
type AddressAttribute struct {
	PublicIP     string `xml:"publicIp"`
	AllocationID string `xml:"allocationId"`
}

type describeAddressesAttributeOutput struct {
	Addresses []AddressAttribute `xml:"addressSet>item"`
	NextToken string             `xml:"nextToken,omitempty"`
}

func (s *Service) describeAddressesAttribute(ctx context.Context, in *describeAddressesAttributeInput) (*describeAddressesAttributeOutput, error) {
	if in.Attribute != "" && in.Attribute != "domain-name" {
		return nil, errInvalidParameterValue("Value (%s) for parameter attribute is invalid. Valid values are: domain-name.", in.Attribute)
	}
	sc := scopeOf(ctx)
	var all []AddressAttribute
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range in.AllocationId {
			a, err := getRes[Address](tx, sc, id)
			if isNotFound(err) || err == nil && !strings.HasPrefix(id, "eipalloc-") {
				return errInvalidAllocationIDNotFound(id)
			}
			if err != nil {
				return err
			}
			all = append(all, AddressAttribute{a.PublicIP, a.AllocationID})
		}
		if len(in.AllocationId) > 0 {
			return nil
		}
		return scanRes(tx, sc, "eipalloc-", func(a *Address) error {
			all = append(all, AddressAttribute{a.PublicIP, a.AllocationID})
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 1, 1000)
	if err != nil {
		return nil, err
	}
	return &describeAddressesAttributeOutput{Addresses: items, NextToken: next}, nil
}
