package ec2

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// ErrNoInstance is returned by MetadataFor when no running instance has
// the address in the VPC.
var ErrNoInstance = errors.New("ec2: no instance has this address in the VPC")

// MetadataView is what the instance metadata service tells an instance
// about itself: its record, its primary interface, subnet and VPC, its
// groups' names and its key pair's public key.
type MetadataView struct {
	Instance   Instance
	ENI        NetworkInterface
	Subnet     Subnet
	Vpc        Vpc
	GroupNames []string
	PublicKey  string
}

// MetadataFor returns the view of the running instance whose interface has
// the private address ip in a VPC (the caller of the metadata service).
func (s *Service) MetadataFor(ctx context.Context, acct, region, vpcID string, ip netip.Addr) (*MetadataView, error) {
	sc := scope{acct, region}
	var v *MetadataView
	err := s.store.View(ctx, func(tx store.Tx) error {
		eni, err := eniAt(tx, sc, vpcID, ip)
		if err != nil || eni == nil || eni.Attachment == nil {
			return err
		}
		inst, err := getRes[Instance](tx, sc, eni.Attachment.InstanceID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if inst.State.Name != "running" {
			return nil
		}
		v = &MetadataView{Instance: *inst, ENI: *eni}
		if sn, err := getRes[Subnet](tx, sc, eni.SubnetID); err == nil {
			v.Subnet = *sn
		}
		if vpc, err := getRes[Vpc](tx, sc, vpcID); err == nil {
			v.Vpc = *vpc
		}
		for _, g := range inst.Groups {
			v.GroupNames = append(v.GroupNames, g.GroupName)
		}
		if inst.KeyName != "" {
			if k, err := keyPairByName(tx, sc, inst.KeyName); err == nil {
				v.PublicKey = strings.TrimSpace(k.PublicKey) + " " + inst.KeyName
			}
		}
		v.Instance.fill()
		return nil
	})
	if err == nil && v == nil {
		err = ErrNoInstance
	}
	return v, err
}

// eniAt returns the network interface holding a private address in a VPC,
// or nil.
func eniAt(tx store.Tx, sc scope, vpcID string, ip netip.Addr) (*NetworkInterface, error) {
	var out *NetworkInterface
	want := ip.String()
	err := scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
		if out == nil && n.VpcID == vpcID && n.PrivateIPAddress == want {
			out = n
		}
		return nil
	})
	return out, err
}

// VPCAddress answers the VPC resolver: whether a private address is an
// interface's in the VPC (public false), or which private address a
// public IP maps to in it (public true).
func (s *Service) VPCAddress(ctx context.Context, acct, region, vpcID string, ip netip.Addr, public bool) (netip.Addr, bool, error) {
	sc := scope{acct, region}
	var out netip.Addr
	want := ip.String()
	err := s.store.View(ctx, func(tx store.Tx) error {
		return scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
			if out.IsValid() || n.VpcID != vpcID {
				return nil
			}
			if !public && (n.PrivateIPAddress == want || slices.Contains(n.SecondaryIPs, want)) {
				out = ip
			}
			if public && n.Association != nil && n.Association.PublicIP == want {
				out, _ = netip.ParseAddr(n.PrivateIPAddress)
			}
			for priv, a := range n.SecondaryAssociations {
				if public && a != nil && a.PublicIP == want {
					out, _ = netip.ParseAddr(priv)
				}
			}
			return nil
		})
	})
	return out, out.IsValid(), err
}

// VPCDNS reports a VPC's enableDnsSupport and enableDnsHostnames.
func (s *Service) VPCDNS(ctx context.Context, acct, region, vpcID string) (support, hostnames bool, err error) {
	err = s.store.View(ctx, func(tx store.Tx) error {
		v, err := getRes[Vpc](tx, scope{acct, region}, vpcID)
		if err != nil {
			return err
		}
		support, hostnames = v.EnableDNSSupport, v.EnableDNSHostnames
		return nil
	})
	return support, hostnames, err
}

// ResolverAddr is the address of a VPC's resolver: its CIDR's base + 2.
func ResolverAddr(vpcCIDR netip.Prefix) netip.Addr {
	return vpcCIDR.Masked().Addr().Next().Next()
}

// APIAddrInVPC is where gureum's AWS endpoint answers inside every VPC:
// the metadata service's address, port 4566 as on the host. Instances get
// AWS_ENDPOINT_URL=http://169.254.169.254:4566.
const APIAddrInVPC = "169.254.169.254:4566"
