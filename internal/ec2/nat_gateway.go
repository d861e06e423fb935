package ec2

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// NAT gateways: CreateNatGateway, DeleteNatGateway, DescribeNatGateways.
//
// A gateway moves pending → available (or failed) and deleting → deleted
// on its own, as AWS's do. Each record keeps when its current state ends
// (Due); the reconciler makes the move when it is due (work "ec2.nat"),
// and every operation whose outcome depends on a gateway's state runs
// advanceNatGateways first in its transaction. The work is in the store,
// so a restart loses nothing. Deleted
// gateways stay visible for natDeletedTTL, as AWS keeps them about an
// hour, in a table of their own: they are history, no longer resources
// of their VPC (which can then be deleted):
//
//	ec2.nat-deleted: account "/" region "/" nat-id → NatGateway
const tNatDeleted = "ec2.nat-deleted"

// natTransition is how long pending and deleting last.
const natTransition = time.Second

// natDeletedTTL is how long a deleted gateway stays visible.
const natDeletedTTL = time.Hour

// NatGateway is EC2's NatGateway.
type NatGateway struct {
	CreateTime          time.Time           `xml:"createTime" json:"created"`
	DeleteTime          *time.Time          `xml:"deleteTime,omitempty" json:"deleted,omitempty"`
	FailureCode         string              `xml:"failureCode,omitempty" json:"fcode,omitempty"`
	FailureMessage      string              `xml:"failureMessage,omitempty" json:"fmsg,omitempty"`
	NatGatewayAddresses []NatGatewayAddress `xml:"natGatewayAddressSet>item" json:"addrs"`
	NatGatewayID        string              `xml:"natGatewayId" json:"id"`
	State               string              `xml:"state" json:"state"`
	SubnetID            string              `xml:"subnetId" json:"subnet"`
	VpcID               string              `xml:"vpcId" json:"vpc"`
	Tags                []Tag               `xml:"tagSet>item" json:"tags,omitempty"`
	ConnectivityType    string              `xml:"connectivityType" json:"type"`
	// Due is when the current state (pending, deleting) ends.
	Due time.Time `xml:"-" json:"due"`
	// ClientToken makes CreateNatGateway idempotent.
	ClientToken string `xml:"-" json:"token,omitempty"`
}

// NatGatewayAddress is one address of a NAT gateway.
type NatGatewayAddress struct {
	AllocationID       string `xml:"allocationId,omitempty" json:"alloc,omitempty"`
	NetworkInterfaceID string `xml:"networkInterfaceId,omitempty" json:"eni,omitempty"`
	PrivateIP          string `xml:"privateIp,omitempty" json:"priv,omitempty"`
	PublicIP           string `xml:"publicIp,omitempty" json:"ip,omitempty"`
	AssociationID      string `xml:"associationId,omitempty" json:"assoc,omitempty"`
	IsPrimary          bool   `xml:"isPrimary" json:"primary"`
	FailureMessage     string `xml:"failureMessage,omitempty" json:"fmsg,omitempty"`
	Status             string `xml:"status" json:"status"`
}

func getNatGateway(tx store.Tx, sc scope, id string) (*NatGateway, error) {
	n, err := getRes[NatGateway](tx, sc, id)
	if isNotFound(err) {
		n, err = getDeletedNatGateway(tx, sc, id)
	}
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "nat-")) {
		return nil, errNatGatewayNotFound(id)
	}
	return n, err
}

func getDeletedNatGateway(tx store.Tx, sc scope, id string) (*NatGateway, error) {
	b, err := tx.Get(tNatDeleted, resKey(sc.acct, sc.region, id))
	if err != nil {
		return nil, err
	}
	n := new(NatGateway)
	return n, json.Unmarshal(b, n)
}

// deletedNatGateways returns the deleted gateways still shown.
func deletedNatGateways(tx store.Tx, sc scope) ([]*NatGateway, error) {
	var out []*NatGateway
	err := tx.Scan(tNatDeleted, resKey(sc.acct, sc.region, "nat-"), nil, func(_, v []byte) (bool, error) {
		n := new(NatGateway)
		if err := json.Unmarshal(v, n); err != nil {
			return false, err
		}
		out = append(out, n)
		return true, nil
	})
	return out, err
}

func (n *NatGateway) expired(now time.Time) bool {
	return n.DeleteTime != nil && now.Sub(*n.DeleteTime) > natDeletedTTL
}

// setAddressStatus sets every address's status.
func (n *NatGateway) setAddressStatus(status string) {
	for i := range n.NatGatewayAddresses {
		n.NatGatewayAddresses[i].Status = status
	}
}

// advance moves the gateway to its next state if the current one is
// over, releasing what a deleted gateway held. It reports whether the
// record changed.
func (n *NatGateway) advance(tx store.Tx, sc scope, now time.Time) (changed bool, err error) {
	switch n.State {
	case "pending":
		if now.Before(n.Due) {
			return false, nil
		}
		if n.FailureCode != "" {
			n.State = "failed"
			n.setAddressStatus("failed")
		} else {
			n.State = "available"
			n.setAddressStatus("succeeded")
		}
		return true, nil
	case "deleting":
		if now.Before(n.Due) {
			return false, nil
		}
		if err := n.releaseResources(tx, sc); err != nil {
			return false, err
		}
		t := n.Due.UTC().Truncate(time.Second)
		n.State, n.DeleteTime = "deleted", &t
		n.setAddressStatus("succeeded")
		return true, nil
	}
	return false, nil
}

// releaseResources removes the gateway's network interfaces, giving back
// their private addresses and unmapping their Elastic IPs.
func (n *NatGateway) releaseResources(tx store.Tx, sc scope) error {
	for _, a := range n.NatGatewayAddresses {
		if a.IsPrimary || a.AllocationID == "" {
			continue
		}
		// A secondary Elastic IP.
		if addr, err := getRes[Address](tx, sc, a.AllocationID); err == nil && addr.AssociationID == a.AssociationID {
			addr.clearAssociation()
			if err := putRes(tx, sc, addr.AllocationID, addr); err != nil {
				return err
			}
		}
	}
	for _, a := range n.NatGatewayAddresses {
		if a.NetworkInterfaceID == "" {
			continue
		}
		eni, err := getRes[NetworkInterface](tx, sc, a.NetworkInterfaceID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if eni.Association != nil && eni.Association.AllocationID != "" {
			if addr, err := getRes[Address](tx, sc, eni.Association.AllocationID); err == nil {
				addr.clearAssociation()
				if err := putRes(tx, sc, addr.AllocationID, addr); err != nil {
					return err
				}
			}
		}
		if sub, err := getRes[Subnet](tx, sc, eni.SubnetID); err == nil {
			sub.releaseIP(eni.PrivateIPAddress)
			for _, ip := range eni.SecondaryIPs {
				sub.releaseIP(ip)
			}
			if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
				return err
			}
		}
		if err := delRes(tx, sc, eni.NetworkInterfaceID); err != nil {
			return err
		}
	}
	return nil
}

// advanceNatGateways makes every due state change of the scope's NAT
// gateways; operations whose outcome depends on them run it first in
// their transaction.
func (s *Service) advanceNatGateways(tx store.Tx, sc scope) error {
	now := s.now()
	gws, err := listRes[NatGateway](tx, sc, "nat-")
	if err != nil {
		return err
	}
	for _, n := range gws {
		changed, err := n.advance(tx, sc, now)
		if err != nil {
			return err
		}
		if !changed {
			continue
		}
		if n.State != "deleted" {
			if err := putRes(tx, sc, n.NatGatewayID, n); err != nil {
				return err
			}
			continue
		}
		b, err := json.Marshal(n)
		if err != nil {
			return err
		}
		if err := tx.Put(tNatDeleted, resKey(sc.acct, sc.region, n.NatGatewayID), b); err != nil {
			return err
		}
		if err := delRes(tx, sc, n.NatGatewayID); err != nil {
			return err
		}
	}
	deleted, err := deletedNatGateways(tx, sc)
	if err != nil {
		return err
	}
	for _, n := range deleted {
		if n.expired(now) {
			if err := tx.Delete(tNatDeleted, resKey(sc.acct, sc.region, n.NatGatewayID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// natGatewayOps returns this file's operations.
func (s *Service) natGatewayOps() opTable {
	return opTable{
		"CreateNatGateway":    handle(s.createNatGateway),
		"DeleteNatGateway":    handle(s.deleteNatGateway),
		"DescribeNatGateways": handle(s.describeNatGateways),

		"AssociateNatGatewayAddress":       handle(s.associateNatGatewayAddress),
		"DisassociateNatGatewayAddress":    handle(s.disassociateNatGatewayAddress),
		"AssignPrivateNatGatewayAddress":   handle(s.assignPrivateNatGatewayAddress),
		"UnassignPrivateNatGatewayAddress": handle(s.unassignPrivateNatGatewayAddress),
	}
}

type createNatGatewayInput struct {
	SubnetId         string
	AllocationId     string
	ConnectivityType string
	PrivateIpAddress string
	ClientToken      string
	TagSpecification []TagSpecification
	DryRun           bool
}

type createNatGatewayOutput struct {
	ClientToken string      `xml:"clientToken,omitempty"`
	NatGateway  *NatGateway `xml:"natGateway"`
}

// natGatewayMAC is a locally administered unicast MAC address, as AWS gives
// network interfaces (0e:…, 12:…).
func natGatewayMAC() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	b[0] = (b[0] | 0x02) &^ 0x01
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
}

func (s *Service) createNatGateway(ctx context.Context, in *createNatGatewayInput) (*createNatGatewayOutput, error) {
	if in.SubnetId == "" {
		return nil, errMissingParameter("subnetId")
	}
	kind := in.ConnectivityType
	switch kind {
	case "":
		kind = "public"
	case "public", "private":
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter connectivityType is invalid. Valid values: public, private", kind)
	}
	if kind == "public" && in.AllocationId == "" {
		return nil, errMissingParameter("allocationId")
	}
	if kind == "private" && in.AllocationId != "" {
		return nil, errInvalidParameterCombination("AllocationId cannot be specified for a private NAT gateway.")
	}
	tags, err := tagsFor(in.TagSpecification, "natgateway")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	now := s.now().UTC()
	var out *NatGateway
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		if in.ClientToken != "" {
			if err := scanRes(tx, sc, "nat-", func(n *NatGateway) error {
				if n.ClientToken == in.ClientToken {
					out = n
				}
				return nil
			}); err != nil || out != nil {
				return err
			}
		}
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		n := &NatGateway{CreateTime: now.Truncate(time.Second), NatGatewayID: newID("nat"), State: "pending", SubnetID: sub.SubnetID, VpcID: sub.VpcID,
			Tags: tags, ConnectivityType: kind, Due: now.Add(natTransition), ClientToken: in.ClientToken}
		var addr *Address
		if kind == "public" {
			if addr, err = getAddress(tx, sc, in.AllocationId); err != nil {
				return err
			}
			// What makes AWS's gateway fail shows once it leaves pending.
			igw, err := attachedInternetGateway(tx, sc, sub.VpcID)
			if err != nil {
				return err
			}
			switch {
			case addr.AssociationID != "":
				n.FailureCode, n.FailureMessage = "Resource.AlreadyAssociated", fmt.Sprintf("Elastic IP address [%s] is already associated", addr.AllocationID)
			case igw == nil:
				n.FailureCode, n.FailureMessage = "Gateway.NotAttached", fmt.Sprintf("Network %s has no Internet gateway attached", sub.VpcID)
			}
		}
		if n.FailureCode == "" && in.PrivateIpAddress == "" && sub.AvailableIPAddressCount <= 0 {
			n.FailureCode, n.FailureMessage = "InsufficientFreeAddressesInSubnet", "Subnet has insufficient free addresses to create this NAT gateway"
		}
		if n.FailureCode != "" {
			a := NatGatewayAddress{IsPrimary: true, Status: "associating", FailureMessage: n.FailureMessage}
			if addr != nil {
				a.AllocationID = addr.AllocationID
			}
			n.NatGatewayAddresses = []NatGatewayAddress{a}
			out = n
			return putDue(tx, sc, n.NatGatewayID, n.Due, n)
		}
		ip, err := sub.allocateIP(in.PrivateIpAddress)
		if err != nil {
			return err
		}
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return err
		}
		eni := &NetworkInterface{NetworkInterfaceID: newID("eni"), SubnetID: sub.SubnetID, VpcID: sub.VpcID, AvailabilityZone: sub.AvailabilityZone,
			Description: "Interface for NAT Gateway " + n.NatGatewayID, OwnerID: sc.acct, RequesterManaged: true, Status: "in-use",
			MacAddress: natGatewayMAC(), PrivateIPAddress: ip, PrivateDNSName: privateDNSName(sc.region, ip), InterfaceType: "nat_gateway",
			Groups: []GroupIdentifier{}}
		a := NatGatewayAddress{NetworkInterfaceID: eni.NetworkInterfaceID, PrivateIP: ip, IsPrimary: true, Status: "associating"}
		if addr != nil {
			vpc, err := getVpc(tx, sc, sub.VpcID)
			if err != nil {
				return err
			}
			assoc, err := mapAddress(tx, sc, addr, eni, "", vpc.EnableDNSHostnames)
			if err != nil {
				return err
			}
			a.AllocationID, a.PublicIP, a.AssociationID = addr.AllocationID, addr.PublicIP, assoc
		} else if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
			return err
		}
		n.NatGatewayAddresses = []NatGatewayAddress{a}
		out = n
		return putDue(tx, sc, n.NatGatewayID, n.Due, n)
	})
	if err != nil {
		return nil, err
	}
	return &createNatGatewayOutput{ClientToken: in.ClientToken, NatGateway: out}, nil
}

type deleteNatGatewayInput struct {
	NatGatewayId string
	DryRun       bool
}

type deleteNatGatewayOutput struct {
	NatGatewayID string `xml:"natGatewayId"`
}

func (s *Service) deleteNatGateway(ctx context.Context, in *deleteNatGatewayInput) (*deleteNatGatewayOutput, error) {
	if in.NatGatewayId == "" {
		return nil, errMissingParameter("natGatewayId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		n, err := getNatGateway(tx, sc, in.NatGatewayId)
		if err != nil {
			return err
		}
		if n.State == "deleting" || n.State == "deleted" {
			return nil
		}
		n.State, n.Due = "deleting", s.now().UTC().Add(natTransition)
		n.setAddressStatus("disassociating")
		return putDue(tx, sc, n.NatGatewayID, n.Due, n)
	})
	if err != nil {
		return nil, err
	}
	return &deleteNatGatewayOutput{NatGatewayID: in.NatGatewayId}, nil
}

type describeNatGatewaysInput struct {
	NatGatewayId []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type describeNatGatewaysOutput struct {
	NatGateways []*NatGateway `xml:"natGatewaySet>item"`
	NextToken   string        `xml:"nextToken,omitempty"`
}

func (n *NatGateway) filter(name string) ([]string, bool) {
	switch name {
	case "nat-gateway-id":
		return []string{n.NatGatewayID}, true
	case "state":
		return []string{n.State}, true
	case "subnet-id":
		return []string{n.SubnetID}, true
	case "vpc-id":
		return []string{n.VpcID}, true
	}
	return nil, false
}

func (s *Service) describeNatGateways(ctx context.Context, in *describeNatGatewaysInput) (*describeNatGatewaysOutput, error) {
	sc := scopeOf(ctx)
	var all []*NatGateway
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range in.NatGatewayId {
			if _, err := getNatGateway(tx, sc, id); err != nil {
				return err
			}
		}
		live, err := listRes[NatGateway](tx, sc, "nat-")
		if err != nil {
			return err
		}
		deleted, err := deletedNatGateways(tx, sc)
		if err != nil {
			return err
		}
		for _, n := range append(live, deleted...) {
			if len(in.NatGatewayId) > 0 && !contains(in.NatGatewayId, n.NatGatewayID) {
				continue
			}
			ok, err := matchFilters(in.Filter, n.Tags, n.filter)
			if err != nil {
				return err
			}
			if ok {
				all = append(all, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i].NatGatewayID < all[j].NatGatewayID })
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeNatGatewaysOutput{NatGateways: items, NextToken: next}, nil
}
