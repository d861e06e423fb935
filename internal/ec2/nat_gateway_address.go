package ec2

import (
	"context"
	"fmt"
	"slices"

	"github.com/gureum/gureum/internal/store"
)

// A NAT gateway's secondary addresses: AssociateNatGatewayAddress and
// DisassociateNatGatewayAddress (Elastic IPs), AssignPrivateNatGatewayAddress
// and UnassignPrivateNatGatewayAddress (private addresses). Each secondary
// private address is a secondary address of the gateway's network
// interface, and each secondary Elastic IP is associated with one of them,
// as on AWS. The data plane translates with the primary address.

// natAddressLimit is how many addresses (primary included) a gateway
// takes, AWS's default quota.
const natAddressLimit = 8

type natGatewayAddressesOutput struct {
	NatGatewayID        string              `xml:"natGatewayId"`
	NatGatewayAddresses []NatGatewayAddress `xml:"natGatewayAddressSet>item"`
}

// natForAddressChange is the gateway and its network interface, which
// must be available to take or give up addresses.
func natForAddressChange(tx store.Tx, sc scope, id string) (*NatGateway, *NetworkInterface, error) {
	if id == "" {
		return nil, nil, errMissingParameter("natGatewayId")
	}
	n, err := getNatGateway(tx, sc, id)
	if err != nil {
		return nil, nil, err
	}
	if n.State != "available" {
		return nil, nil, errInvalidParameter("The NAT gateway %s is in state %s; its addresses can only be changed while it is available.", n.NatGatewayID, n.State)
	}
	for _, a := range n.NatGatewayAddresses {
		if a.IsPrimary && a.NetworkInterfaceID != "" {
			eni, err := getENI(tx, sc, a.NetworkInterfaceID)
			return n, eni, err
		}
	}
	return nil, nil, fmt.Errorf("ec2: NAT gateway %s has no network interface", n.NatGatewayID)
}

// changeNatAddresses runs change on an available gateway and its
// interface in one transaction and stores the gateway; change returns
// the addresses the answer shows.
func (s *Service) changeNatAddresses(ctx context.Context, id string, change func(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface) ([]NatGatewayAddress, error)) (*natGatewayAddressesOutput, error) {
	sc := scopeOf(ctx)
	out := &natGatewayAddressesOutput{NatGatewayID: id}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.advanceNatGateways(tx, sc); err != nil {
			return err
		}
		n, eni, err := natForAddressChange(tx, sc, id)
		if err != nil {
			return err
		}
		if out.NatGatewayAddresses, err = change(tx, sc, n, eni); err != nil {
			return err
		}
		return putRes(tx, sc, n.NatGatewayID, n)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// addPrivateNatAddresses takes the named private addresses, then count
// more, in the gateway's subnet, as secondary addresses of its interface.
func addPrivateNatAddresses(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface, want []string, count int) ([]string, error) {
	if len(n.NatGatewayAddresses)+len(want)+count > natAddressLimit {
		return nil, errAddressLimitExceeded("The NAT gateway %s cannot have more than %d addresses.", n.NatGatewayID, natAddressLimit)
	}
	sub, err := getSubnet(tx, sc, n.SubnetID)
	if err != nil {
		return nil, err
	}
	added, err := assignSecondaryIPs(tx, sc, sub, eni, want, count, natAddressLimit, takeFree)
	if err != nil {
		return nil, err
	}
	if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
		return nil, err
	}
	return added, putRes(tx, sc, eni.NetworkInterfaceID, eni)
}

type associateNatGatewayAddressInput struct {
	NatGatewayId     string
	AllocationId     []string
	PrivateIpAddress []string
	DryRun           bool
}

func (s *Service) associateNatGatewayAddress(ctx context.Context, in *associateNatGatewayAddressInput) (*natGatewayAddressesOutput, error) {
	if len(in.AllocationId) == 0 {
		return nil, errMissingParameter("AllocationId")
	}
	if len(in.PrivateIpAddress) > 0 && len(in.PrivateIpAddress) != len(in.AllocationId) {
		return nil, errInvalidParameterValue("The number of private IP addresses (%d) must match the number of allocation IDs (%d).", len(in.PrivateIpAddress), len(in.AllocationId))
	}
	return s.changeNatAddresses(ctx, in.NatGatewayId, func(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface) ([]NatGatewayAddress, error) {
		var shown []NatGatewayAddress
		if n.ConnectivityType != "public" {
			return nil, errInvalidParameter("Elastic IP addresses can only be associated with a public NAT gateway; %s is private.", n.NatGatewayID)
		}
		var addrs []*Address
		for _, id := range in.AllocationId {
			a, err := getAddress(tx, sc, id)
			if err != nil {
				return nil, err
			}
			if a.AssociationID != "" {
				return nil, errResourceAlreadyAssociated("Elastic IP address [%s] is already associated", a.AllocationID)
			}
			addrs = append(addrs, a)
		}
		count := 0
		if len(in.PrivateIpAddress) == 0 {
			count = len(addrs)
		}
		privs, err := addPrivateNatAddresses(tx, sc, n, eni, in.PrivateIpAddress, count)
		if err != nil {
			return nil, err
		}
		vpc, err := getVpc(tx, sc, n.VpcID)
		if err != nil {
			return nil, err
		}
		for i, a := range addrs {
			assoc, err := mapAddress(tx, sc, a, eni, privs[i], vpc.EnableDNSHostnames)
			if err != nil {
				return nil, err
			}
			na := NatGatewayAddress{AllocationID: a.AllocationID, NetworkInterfaceID: eni.NetworkInterfaceID, PrivateIP: privs[i], PublicIP: a.PublicIP,
				AssociationID: assoc, Status: "succeeded"}
			n.NatGatewayAddresses = append(n.NatGatewayAddresses, na)
			na.Status = "associating"
			shown = append(shown, na)
		}
		return shown, nil
	})
}

type disassociateNatGatewayAddressInput struct {
	NatGatewayId            string
	AssociationId           []string
	MaxDrainDurationSeconds *int32
	DryRun                  bool
}

func (s *Service) disassociateNatGatewayAddress(ctx context.Context, in *disassociateNatGatewayAddressInput) (*natGatewayAddressesOutput, error) {
	if len(in.AssociationId) == 0 {
		return nil, errMissingParameter("AssociationId")
	}
	return s.changeNatAddresses(ctx, in.NatGatewayId, func(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface) ([]NatGatewayAddress, error) {
		var shown []NatGatewayAddress
		for _, id := range in.AssociationId {
			i := slices.IndexFunc(n.NatGatewayAddresses, func(a NatGatewayAddress) bool { return a.AssociationID == id })
			if i < 0 {
				return nil, errInvalidAssociationIDNotFound(id)
			}
			a := &n.NatGatewayAddresses[i]
			if a.IsPrimary {
				return nil, errInvalidParameterValue("The association %s is the primary address of NAT gateway %s and cannot be disassociated.", id, n.NatGatewayID)
			}
			eip, err := getAddress(tx, sc, a.AllocationID)
			if err != nil {
				return nil, err
			}
			if err := unmapAddress(tx, sc, eip); err != nil {
				return nil, err
			}
			was := *a
			was.Status = "disassociating"
			shown = append(shown, was)
			// The private address stays until it is unassigned.
			a.AllocationID, a.PublicIP, a.AssociationID = "", "", ""
		}
		return shown, nil
	})
}

type assignPrivateNatGatewayAddressInput struct {
	NatGatewayId          string
	PrivateIpAddress      []string
	PrivateIpAddressCount *int32
	DryRun                bool
}

func (s *Service) assignPrivateNatGatewayAddress(ctx context.Context, in *assignPrivateNatGatewayAddressInput) (*natGatewayAddressesOutput, error) {
	count := 0
	if in.PrivateIpAddressCount != nil {
		count = int(*in.PrivateIpAddressCount)
		if count < 1 || len(in.PrivateIpAddress) > 0 {
			return nil, errInvalidParameterValue("Specify either PrivateIpAddresses or a PrivateIpAddressCount of 1 or more.")
		}
	} else if len(in.PrivateIpAddress) == 0 {
		return nil, errMissingParameter("PrivateIpAddress or PrivateIpAddressCount")
	}
	return s.changeNatAddresses(ctx, in.NatGatewayId, func(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface) ([]NatGatewayAddress, error) {
		var shown []NatGatewayAddress
		privs, err := addPrivateNatAddresses(tx, sc, n, eni, in.PrivateIpAddress, count)
		if err != nil {
			return nil, err
		}
		for _, ip := range privs {
			na := NatGatewayAddress{NetworkInterfaceID: eni.NetworkInterfaceID, PrivateIP: ip, Status: "succeeded"}
			n.NatGatewayAddresses = append(n.NatGatewayAddresses, na)
			na.Status = "assigning"
			shown = append(shown, na)
		}
		return shown, nil
	})
}

type unassignPrivateNatGatewayAddressInput struct {
	NatGatewayId            string
	PrivateIpAddress        []string
	MaxDrainDurationSeconds *int32
	DryRun                  bool
}

func (s *Service) unassignPrivateNatGatewayAddress(ctx context.Context, in *unassignPrivateNatGatewayAddressInput) (*natGatewayAddressesOutput, error) {
	if len(in.PrivateIpAddress) == 0 {
		return nil, errMissingParameter("PrivateIpAddress")
	}
	return s.changeNatAddresses(ctx, in.NatGatewayId, func(tx store.Tx, sc scope, n *NatGateway, eni *NetworkInterface) ([]NatGatewayAddress, error) {
		var shown []NatGatewayAddress
		sub, err := getSubnet(tx, sc, n.SubnetID)
		if err != nil {
			return nil, err
		}
		for _, ip := range in.PrivateIpAddress {
			i := slices.IndexFunc(n.NatGatewayAddresses, func(a NatGatewayAddress) bool { return a.PrivateIP == ip })
			switch {
			case i < 0:
				return nil, errInvalidParameterValue("The private IP address %s is not assigned to NAT gateway %s.", ip, n.NatGatewayID)
			case n.NatGatewayAddresses[i].IsPrimary:
				return nil, errInvalidParameterValue("The private IP address %s is the primary address of NAT gateway %s and cannot be unassigned.", ip, n.NatGatewayID)
			case n.NatGatewayAddresses[i].AssociationID != "":
				return nil, errInvalidParameterValue("The private IP address %s has an Elastic IP address associated; disassociate it first.", ip)
			}
			was := n.NatGatewayAddresses[i]
			was.Status = "unassigning"
			shown = append(shown, was)
			n.NatGatewayAddresses = slices.Delete(n.NatGatewayAddresses, i, i+1)
			eni.SecondaryIPs = slices.DeleteFunc(eni.SecondaryIPs, func(s string) bool { return s == ip })
			sub.releaseIP(ip)
		}
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return nil, err
		}
		if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
			return nil, err
		}
		return shown, nil
	})
}
