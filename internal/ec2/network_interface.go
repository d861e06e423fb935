package ec2

import (
	"context"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// NetworkInterface is EC2's NetworkInterface (ENI). Every instance has one
// at device index 0; public and Elastic IPs are associated with ENIs.
type NetworkInterface struct {
	NetworkInterfaceID string                        `xml:"networkInterfaceId" json:"id"`
	SubnetID           string                        `xml:"subnetId" json:"subnet"`
	VpcID              string                        `xml:"vpcId" json:"vpc"`
	AvailabilityZone   string                        `xml:"availabilityZone" json:"az"`
	Description        string                        `xml:"description" json:"desc,omitempty"`
	OwnerID            string                        `xml:"ownerId" json:"owner"`
	RequesterManaged   bool                          `xml:"requesterManaged" json:"managed,omitempty"`
	Status             string                        `xml:"status" json:"status"` // available, in-use
	MacAddress         string                        `xml:"macAddress" json:"mac"`
	PrivateIPAddress   string                        `xml:"privateIpAddress" json:"ip"`
	PrivateDNSName     string                        `xml:"privateDnsName" json:"dns"`
	SourceDestCheck    bool                          `xml:"sourceDestCheck" json:"srcdst"`
	InterfaceType      string                        `xml:"interfaceType" json:"type"` // interface, nat_gateway
	Groups             []GroupIdentifier             `xml:"groupSet>item" json:"groups"`
	Attachment         *NetworkInterfaceAttachment   `xml:"attachment,omitempty" json:"attach,omitempty"`
	Association        *NetworkInterfaceAssociation  `xml:"association,omitempty" json:"assoc,omitempty"`
	PrivateIPAddresses []NetworkInterfacePrivateIP   `xml:"privateIpAddressesSet>item" json:"-"`
	Ipv6Addresses      []NetworkInterfaceIpv6Address `xml:"ipv6AddressesSet>item" json:"v6,omitempty"`
	Tags               []Tag                         `xml:"tagSet>item" json:"tags,omitempty"`

	// SecondaryIPs is the interface's secondary private IPv4 addresses, in
	// the order they were assigned (each also taken in the subnet's Used).
	SecondaryIPs []string `xml:"-" json:"sec,omitempty"`
	// SecondaryAssociations holds the Elastic IPs associated with
	// secondary addresses, by private address (Association is the
	// primary address's).
	SecondaryAssociations map[string]*NetworkInterfaceAssociation `xml:"-" json:"secassoc,omitempty"`
}

// GroupIdentifier names a security group.
type GroupIdentifier struct {
	GroupID   string `xml:"groupId" json:"id"`
	GroupName string `xml:"groupName" json:"name"`
}

// NetworkInterfaceAttachment is an ENI's instance.
type NetworkInterfaceAttachment struct {
	AttachmentID        string    `xml:"attachmentId" json:"id"`
	InstanceID          string    `xml:"instanceId" json:"instance"`
	InstanceOwnerID     string    `xml:"instanceOwnerId" json:"owner"`
	DeviceIndex         int32     `xml:"deviceIndex" json:"index"`
	Status              string    `xml:"status" json:"status"`
	AttachTime          time.Time `xml:"attachTime" json:"time"`
	DeleteOnTermination bool      `xml:"deleteOnTermination" json:"dot"`
}

// NetworkInterfaceAssociation is an ENI's public (or Elastic) IP.
type NetworkInterfaceAssociation struct {
	PublicIP      string `xml:"publicIp" json:"ip"`
	PublicDNSName string `xml:"publicDnsName" json:"dns,omitempty"`
	IPOwnerID     string `xml:"ipOwnerId" json:"owner"` // "amazon" for auto-assigned public IPs
	AllocationID  string `xml:"allocationId,omitempty" json:"alloc,omitempty"`
	AssociationID string `xml:"associationId,omitempty" json:"assoc,omitempty"`
}

// NetworkInterfacePrivateIP is one private address of an ENI.
type NetworkInterfacePrivateIP struct {
	PrivateIPAddress string                       `xml:"privateIpAddress"`
	PrivateDNSName   string                       `xml:"privateDnsName"`
	Primary          bool                         `xml:"primary"`
	Association      *NetworkInterfaceAssociation `xml:"association,omitempty"`
}

// fill derives the members computed from others before an ENI is shown:
// the primary address, then each secondary one. It builds new slices (the
// record may be shared with the decode cache).
func (n *NetworkInterface) fill() {
	all := make([]NetworkInterfacePrivateIP, 0, 1+len(n.SecondaryIPs))
	all = append(all, NetworkInterfacePrivateIP{PrivateIPAddress: n.PrivateIPAddress, PrivateDNSName: n.PrivateDNSName, Primary: true, Association: n.Association})
	for _, ip := range n.SecondaryIPs {
		all = append(all, NetworkInterfacePrivateIP{PrivateIPAddress: ip, PrivateDNSName: n.secondaryDNSName(ip), Association: n.SecondaryAssociations[ip]})
	}
	n.PrivateIPAddresses = all
}

// privateDNSName is the ip-10-0-1-5.ec2.internal name AWS gives an address.
func privateDNSName(region, ip string) string {
	name := "ip-"
	for _, c := range ip {
		if c == '.' {
			name += "-"
		} else {
			name += string(c)
		}
	}
	if region == "us-east-1" {
		return name + ".ec2.internal"
	}
	return name + "." + region + ".compute.internal"
}

func getENI(tx store.Tx, sc scope, id string) (*NetworkInterface, error) {
	n, err := getRes[NetworkInterface](tx, sc, id)
	if isNotFound(err) {
		return nil, errInvalidNetworkInterfaceIDNotFound(id)
	}
	return n, err
}

// networkInterfaceOps returns this file's operations.
func (s *Service) networkInterfaceOps() opTable {
	return opTable{
		"CreateNetworkInterface":          handle(s.createNetworkInterface),
		"DescribeNetworkInterfaces":       handle(s.describeNetworkInterfaces),
		"DeleteNetworkInterface":          handle(s.deleteNetworkInterface),
		"AttachNetworkInterface":          handle(s.attachNetworkInterface),
		"DetachNetworkInterface":          handle(s.detachNetworkInterface),
		"ModifyNetworkInterfaceAttribute": handle(s.modifyNetworkInterfaceAttribute),
		"AssignPrivateIpAddresses":        handle(s.assignPrivateIpAddresses),
		"UnassignPrivateIpAddresses":      handle(s.unassignPrivateIpAddresses),
	}
}

type createNetworkInterfaceInput struct {
	SubnetId                       string
	Description                    string
	PrivateIpAddress               string
	PrivateIpAddresses             []privateIPSpec
	SecondaryPrivateIpAddressCount *int32
	Ipv6AddressCount               *int32
	Ipv6Addresses                  []struct{ Ipv6Address string }
	SecurityGroupId                []string
	TagSpecification               []TagSpecification
	ClientToken                    string
	DryRun                         bool
}

type networkInterfaceOutput struct {
	NetworkInterface *NetworkInterface `xml:"networkInterface"`
	ClientToken      string            `xml:"clientToken,omitempty"`
}

func (s *Service) createNetworkInterface(ctx context.Context, in *createNetworkInterfaceInput) (*networkInterfaceOutput, error) {
	if in.SubnetId == "" {
		return nil, errMissingParameter("subnetId")
	}
	tags, err := tagsFor(in.TagSpecification, "network-interface")
	if err != nil {
		return nil, err
	}
	primary, secondary, err := splitPrivateIPs(in.PrivateIpAddress, in.PrivateIpAddresses)
	if err != nil {
		return nil, err
	}
	if err := validSecondaryCount(in.SecondaryPrivateIpAddressCount); err != nil {
		return nil, err
	}
	count := 0
	if in.SecondaryPrivateIpAddressCount != nil {
		count = int(*in.SecondaryPrivateIpAddressCount)
	}
	sc := scopeOf(ctx)
	var eni *NetworkInterface
	params := in.SubnetId + "|" + primary + "|" + strings.Join(secondary, ",") + "|" + itoa(count) + "|" + strings.Join(in.SecurityGroupId, ",")
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if id, err := tokenResource(tx, sc, "CreateNetworkInterface", in.ClientToken, params); err != nil {
			return err
		} else if id != "" {
			if eni, err = getRes[NetworkInterface](tx, sc, id); err == nil {
				return nil
			}
		}
		sub, err := getSubnet(tx, sc, in.SubnetId)
		if err != nil {
			return err
		}
		var groups []GroupIdentifier
		if len(in.SecurityGroupId) > 0 {
			for _, gid := range in.SecurityGroupId {
				g, err := getRes[SecurityGroup](tx, sc, gid)
				if isNotFound(err) {
					return errGroupNotFound(gid)
				}
				if err != nil {
					return err
				}
				if g.VpcID != sub.VpcID {
					return errInvalidParameter("Security group %s and subnet %s belong to different networks.", g.GroupID, sub.SubnetID)
				}
				groups = append(groups, GroupIdentifier{GroupID: g.GroupID, GroupName: g.GroupName})
			}
		} else if err := scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
			if g.VpcID == sub.VpcID && g.GroupName == "default" {
				groups = []GroupIdentifier{{GroupID: g.GroupID, GroupName: g.GroupName}}
			}
			return nil
		}); err != nil {
			return err
		}
		if 1+len(secondary)+count > maxIPsPerInterface() {
			return errIPLimit()
		}
		ip, err := sub.allocateIP(primary)
		if err != nil {
			return err
		}
		eni = &NetworkInterface{NetworkInterfaceID: newID("eni"), SubnetID: sub.SubnetID, VpcID: sub.VpcID, AvailabilityZone: sub.AvailabilityZone,
			Description: in.Description, OwnerID: sc.acct, Status: "available", MacAddress: macAddress(), PrivateIPAddress: ip,
			PrivateDNSName: privateDNSName(sc.region, ip), SourceDestCheck: true, InterfaceType: "interface", Groups: groups, Tags: tags}
		if len(secondary) > 0 || count > 0 {
			if _, err := assignSecondaryIPs(tx, sc, sub, eni, secondary, count, maxIPsPerInterface(), takeFree); err != nil {
				return err
			}
		}
		var v6 []string
		for _, a := range in.Ipv6Addresses {
			v6 = append(v6, a.Ipv6Address)
		}
		n6 := 0
		if in.Ipv6AddressCount != nil {
			n6 = int(*in.Ipv6AddressCount)
		} else if _, has := sub.ipv6Prefix(); has && sub.AssignIpv6AddressOnCreation && len(v6) == 0 {
			n6 = 1
		}
		if err := assignIpv6(sub, eni, v6, max(n6, 0)); err != nil {
			return err
		}
		if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
			return err
		}
		if err := rememberToken(tx, sc, "CreateNetworkInterface", in.ClientToken, params, eni.NetworkInterfaceID); err != nil {
			return err
		}
		return putRes(tx, sc, eni.NetworkInterfaceID, eni)
	})
	if err != nil {
		return nil, err
	}
	eni.fill()
	return &networkInterfaceOutput{NetworkInterface: eni, ClientToken: in.ClientToken}, nil
}

type describeNetworkInterfacesInput struct {
	NetworkInterfaceId []string
	Filter             []Filter
	MaxResults         *int32
	NextToken          *string
	DryRun             bool
}

type describeNetworkInterfacesOutput struct {
	NetworkInterfaces []*NetworkInterface `xml:"networkInterfaceSet>item"`
	NextToken         string              `xml:"nextToken,omitempty"`
}

func (n *NetworkInterface) filter(name string) ([]string, bool) {
	one := func(s string) ([]string, bool) { return []string{s}, true }
	switch name {
	case "network-interface-id":
		return one(n.NetworkInterfaceID)
	case "subnet-id":
		return one(n.SubnetID)
	case "vpc-id":
		return one(n.VpcID)
	case "availability-zone":
		return one(n.AvailabilityZone)
	case "description":
		return one(n.Description)
	case "status":
		return one(n.Status)
	case "owner-id":
		return one(n.OwnerID)
	case "private-ip-address", "addresses.private-ip-address":
		return append([]string{n.PrivateIPAddress}, n.SecondaryIPs...), true
	case "private-dns-name":
		return one(n.PrivateDNSName)
	case "mac-address":
		return one(n.MacAddress)
	case "interface-type":
		return one(n.InterfaceType)
	case "requester-managed":
		return one(boolStr(n.RequesterManaged))
	case "source-dest-check":
		return one(boolStr(n.SourceDestCheck))
	case "group-id":
		var out []string
		for _, g := range n.Groups {
			out = append(out, g.GroupID)
		}
		return out, true
	case "group-name":
		var out []string
		for _, g := range n.Groups {
			out = append(out, g.GroupName)
		}
		return out, true
	case "attachment.instance-id":
		if n.Attachment == nil {
			return nil, true
		}
		return one(n.Attachment.InstanceID)
	case "attachment.attachment-id":
		if n.Attachment == nil {
			return nil, true
		}
		return one(n.Attachment.AttachmentID)
	case "attachment.device-index":
		if n.Attachment == nil {
			return nil, true
		}
		return one(itoa(int(n.Attachment.DeviceIndex)))
	case "attachment.status":
		if n.Attachment == nil {
			return nil, true
		}
		return one(n.Attachment.Status)
	case "association.public-ip", "addresses.association.public-ip":
		var out []string
		for _, a := range n.associations() {
			out = append(out, a.PublicIP)
		}
		return out, true
	case "association.allocation-id":
		var out []string
		for _, a := range n.associations() {
			if a.AllocationID != "" {
				out = append(out, a.AllocationID)
			}
		}
		return out, true
	}
	return nil, false
}

func (s *Service) describeNetworkInterfaces(ctx context.Context, in *describeNetworkInterfacesInput) (*describeNetworkInterfacesOutput, error) {
	items, next, err := describeRes(s, ctx, "eni-", in.NetworkInterfaceId, getENI, func(n *NetworkInterface) string { return n.NetworkInterfaceID },
		func(_ store.Tx, _ scope, n *NetworkInterface) (bool, error) {
			if strings.HasPrefix(n.NetworkInterfaceID, "eni-attach-") {
				return false, nil // attachment records share the prefix
			}
			ok, err := matchFilters(in.Filter, n.Tags, n.filter)
			if ok {
				n.fill()
			}
			return ok, err
		},
		in.MaxResults, in.NextToken, 1000)
	if err != nil {
		return nil, err
	}
	return &describeNetworkInterfacesOutput{NetworkInterfaces: items, NextToken: next}, nil
}

type eniIDInput struct {
	NetworkInterfaceId string
	DryRun             bool
}

func (s *Service) deleteNetworkInterface(ctx context.Context, in *eniIDInput) (*returnTrue, error) {
	if in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("networkInterfaceId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		n, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return err
		}
		if n.Attachment != nil || n.Status == "in-use" {
			return errInvalidNetworkInterfaceInUse("The network interface '%s' is currently in use.", n.NetworkInterfaceID)
		}
		if n.RequesterManaged || n.InterfaceType != "interface" {
			return errOperationNotPermitted("You do not have permission to access the specified resource.")
		}
		if err := releaseAutoPublicIP(tx, n); err != nil {
			return err
		}
		if sub, err := getSubnet(tx, sc, n.SubnetID); err == nil {
			sub.releaseIP(n.PrivateIPAddress)
			for _, ip := range n.SecondaryIPs {
				sub.releaseIP(ip)
			}
			sub.releaseIpv6(n.Ipv6Addresses)
			if err := putRes(tx, sc, sub.SubnetID, sub); err != nil {
				return err
			}
		}
		return delRes(tx, sc, n.NetworkInterfaceID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type attachNetworkInterfaceInput struct {
	NetworkInterfaceId string
	InstanceId         string
	DeviceIndex        *int32
	NetworkCardIndex   *int32
	DryRun             bool
}

type attachNetworkInterfaceOutput struct {
	AttachmentID     string `xml:"attachmentId"`
	NetworkCardIndex int32  `xml:"networkCardIndex"`
}

func (s *Service) attachNetworkInterface(ctx context.Context, in *attachNetworkInterfaceInput) (*attachNetworkInterfaceOutput, error) {
	if in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("networkInterfaceId")
	}
	if in.InstanceId == "" {
		return nil, errMissingParameter("instanceId")
	}
	if in.DeviceIndex == nil {
		return nil, errMissingParameter("deviceIndex")
	}
	sc := scopeOf(ctx)
	out := &attachNetworkInterfaceOutput{}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		n, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return err
		}
		inst, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		if n.Attachment != nil {
			return errInvalidNetworkInterfaceInUse("Interface: [%s] in use.", n.NetworkInterfaceID)
		}
		if inst.State.Name != "running" && inst.State.Name != "stopped" {
			return errInstanceInvalidState(inst.InstanceID)
		}
		if n.VpcID != inst.VpcID {
			return errInvalidParameterValue("The network interface %s and the instance %s are in different VPCs.", n.NetworkInterfaceID, inst.InstanceID)
		}
		if n.AvailabilityZone != inst.Placement.AvailabilityZone {
			return errInvalidParameterValue("The network interface %s and the instance %s are in different availability zones.", n.NetworkInterfaceID, inst.InstanceID)
		}
		max := int32(3)
		if t, ok := lookupInstanceType(inst.InstanceType); ok {
			max = t.enis
		}
		if int32(len(inst.ENIs)) >= max {
			return errAttachmentLimitExceeded(len(inst.ENIs)+1, inst.InstanceType)
		}
		if 1+len(n.SecondaryIPs) > ipsPerInterface(inst.InstanceType) {
			return errIPLimit()
		}
		for _, id := range inst.ENIs {
			o, err := getRes[NetworkInterface](tx, sc, id)
			if err == nil && o.Attachment != nil && o.Attachment.DeviceIndex == *in.DeviceIndex {
				return errInvalidParameterValue("Instance '%s' already has an interface attached at device index '%d'.", inst.InstanceID, *in.DeviceIndex)
			}
		}
		n.Attachment = &NetworkInterfaceAttachment{AttachmentID: newID("eni-attach"), InstanceID: inst.InstanceID, InstanceOwnerID: sc.acct,
			DeviceIndex: *in.DeviceIndex, Status: "attached", AttachTime: s.now().UTC().Truncate(time.Second)}
		n.Status = "in-use"
		inst.ENIs = append(inst.ENIs, n.NetworkInterfaceID)
		out.AttachmentID = n.Attachment.AttachmentID
		if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
			return err
		}
		return putRes(tx, sc, n.NetworkInterfaceID, n)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type detachNetworkInterfaceInput struct {
	AttachmentId string
	Force        bool
	DryRun       bool
}

func (s *Service) detachNetworkInterface(ctx context.Context, in *detachNetworkInterfaceInput) (*returnTrue, error) {
	if in.AttachmentId == "" {
		return nil, errMissingParameter("attachmentId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var n *NetworkInterface
		if err := scanRes(tx, sc, "eni-", func(o *NetworkInterface) error {
			if o.Attachment != nil && o.Attachment.AttachmentID == in.AttachmentId {
				n = o
			}
			return nil
		}); err != nil {
			return err
		}
		if n == nil {
			return errInvalidAttachmentIDNotFound(in.AttachmentId)
		}
		if n.Attachment.DeviceIndex == 0 {
			return errOperationNotPermitted("The network interface at device index 0 cannot be detached.")
		}
		if inst, err := getRes[Instance](tx, sc, n.Attachment.InstanceID); err == nil {
			kept := inst.ENIs[:0]
			for _, id := range inst.ENIs {
				if id != n.NetworkInterfaceID {
					kept = append(kept, id)
				}
			}
			inst.ENIs = kept
			if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
				return err
			}
		}
		n.Attachment, n.Status = nil, "available"
		return putRes(tx, sc, n.NetworkInterfaceID, n)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type modifyNetworkInterfaceAttributeInput struct {
	NetworkInterfaceId string
	Description        *attributeValue
	SourceDestCheck    *attributeBooleanValue
	SecurityGroupId    []string
	Attachment         *struct {
		AttachmentId        string
		DeleteOnTermination *bool
	}
	DryRun bool
}

func (s *Service) modifyNetworkInterfaceAttribute(ctx context.Context, in *modifyNetworkInterfaceAttributeInput) (*returnTrue, error) {
	if in.NetworkInterfaceId == "" {
		return nil, errMissingParameter("networkInterfaceId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		n, err := getENI(tx, sc, in.NetworkInterfaceId)
		if err != nil {
			return err
		}
		changed := false
		if d := in.Description; d != nil && d.Value != nil {
			n.Description, changed = *d.Value, true
		}
		if b := in.SourceDestCheck; b != nil && b.Value != nil {
			n.SourceDestCheck, changed = *b.Value, true
		}
		if a := in.Attachment; a != nil && a.DeleteOnTermination != nil {
			if n.Attachment == nil || n.Attachment.AttachmentID != a.AttachmentId {
				return errInvalidAttachmentIDNotFound(a.AttachmentId)
			}
			n.Attachment.DeleteOnTermination, changed = *a.DeleteOnTermination, true
		}
		if len(in.SecurityGroupId) > 0 {
			groups, err := groupsInVpc(tx, sc, in.SecurityGroupId, n.VpcID)
			if err != nil {
				return err
			}
			n.Groups, changed = groups, true
		}
		if !changed {
			return errExactlyOneAttribute()
		}
		// The instance shows its primary interface's groups and check.
		if n.Attachment != nil && n.Attachment.DeviceIndex == 0 {
			if inst, err := getRes[Instance](tx, sc, n.Attachment.InstanceID); err == nil {
				inst.Groups, inst.SourceDestCheck = n.Groups, n.SourceDestCheck
				if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
					return err
				}
			}
		}
		return putRes(tx, sc, n.NetworkInterfaceID, n)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
