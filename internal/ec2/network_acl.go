package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Network ACLs: CreateNetworkAcl, DescribeNetworkAcls, DeleteNetworkAcl,
// Create/Replace/DeleteNetworkAclEntry and ReplaceNetworkAclAssociation.
//
// Every subnet is associated with exactly one network ACL. Associations
// made by ReplaceNetworkAclAssociation are stored in the ACL's record; a
// subnet with no stored association belongs implicitly to its VPC's
// default ACL, under an association id derived from the subnet's id
// (implicitACLAssociationID), so the id is the same on every Describe and
// ReplaceNetworkAclAssociation accepts it without anything having been
// written when the subnet was created.

// networkACLOps returns this file's operations.
func (s *Service) networkACLOps() opTable {
	return opTable{
		"CreateNetworkAcl":             handle(s.createNetworkACL),
		"DescribeNetworkAcls":          handle(s.describeNetworkACLs),
		"DeleteNetworkAcl":             handle(s.deleteNetworkACL),
		"CreateNetworkAclEntry":        handle(s.createNetworkACLEntry),
		"ReplaceNetworkAclEntry":       handle(s.replaceNetworkACLEntry),
		"DeleteNetworkAclEntry":        handle(s.deleteNetworkACLEntry),
		"ReplaceNetworkAclAssociation": handle(s.replaceNetworkACLAssociation),
	}
}

// IcmpTypeCode is a network ACL entry's ICMP type and code.
type IcmpTypeCode struct {
	Code int32 `xml:"code" json:"code"`
	Type int32 `xml:"type" json:"type"`
}

func getNetworkACL(tx store.Tx, sc scope, id string) (*NetworkACL, error) {
	if id == "" {
		return nil, errMissingParameter("networkAclId")
	}
	a, err := getRes[NetworkACL](tx, sc, id)
	if isNotFound(err) || (err == nil && !strings.HasPrefix(id, "acl-")) {
		return nil, errNotFound("InvalidNetworkAclID.NotFound", "networkAcl", id)
	}
	return a, err
}

// implicitACLAssociationID is the stable id of a subnet's implicit
// association with its VPC's default network ACL.
func implicitACLAssociationID(subnetID string) string {
	sum := sha256.Sum256([]byte("network-acl-association/" + subnetID))
	return "aclassoc-" + hex.EncodeToString(sum[:])[:17]
}

// explicitACLSubnets is every subnet with a stored association.
func explicitACLSubnets(tx store.Tx, sc scope) (map[string]bool, error) {
	out := map[string]bool{}
	err := scanRes(tx, sc, "acl-", func(a *NetworkACL) error {
		for _, as := range a.Associations {
			out[as.SubnetID] = true
		}
		return nil
	})
	return out, err
}

// addImplicitAssociations adds to each default ACL in acls the subnets of
// its VPC that have no stored association.
func addImplicitAssociations(tx store.Tx, sc scope, acls []*NetworkACL) error {
	defaults := map[string]*NetworkACL{}
	for _, a := range acls {
		if a.IsDefault {
			defaults[a.VpcID] = a
		}
	}
	if len(defaults) == 0 {
		return nil
	}
	explicit, err := explicitACLSubnets(tx, sc)
	if err != nil {
		return err
	}
	return scanRes(tx, sc, "subnet-", func(sub *Subnet) error {
		if a := defaults[sub.VpcID]; a != nil && !explicit[sub.SubnetID] {
			a.Associations = append(a.Associations, NetworkACLAssociation{AssociationID: implicitACLAssociationID(sub.SubnetID), NetworkACLID: a.NetworkACLID, SubnetID: sub.SubnetID})
		}
		return nil
	})
}

// aclSortEntries orders entries as EC2 lists them: egress first, each by
// rule number.
func aclSortEntries(es []NetworkACLEntry) {
	sort.SliceStable(es, func(i, j int) bool {
		if es[i].Egress != es[j].Egress {
			return es[i].Egress
		}
		return es[i].RuleNumber < es[j].RuleNumber
	})
}

// CreateNetworkAcl.

type createNetworkACLInput struct {
	VpcId            string
	ClientToken      string
	TagSpecification []TagSpecification
	DryRun           bool
}

type createNetworkACLOutput struct {
	NetworkACL  *NetworkACL `xml:"networkAcl"`
	ClientToken string      `xml:"clientToken,omitempty"`
}

func (s *Service) createNetworkACL(ctx context.Context, in *createNetworkACLInput) (*createNetworkACLOutput, error) {
	if in.VpcId == "" {
		return nil, errMissingParameter("vpcId")
	}
	tags, err := tagsFor(in.TagSpecification, "network-acl")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var acl *NetworkACL
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if id, err := tokenResource(tx, sc, "CreateNetworkAcl", in.ClientToken, in.VpcId); err != nil {
			return err
		} else if id != "" {
			if acl, err = getRes[NetworkACL](tx, sc, id); err == nil {
				return nil
			}
		}
		vpc, err := getVpc(tx, sc, in.VpcId)
		if err != nil {
			return err
		}
		acl = &NetworkACL{NetworkACLID: newID("acl"), VpcID: vpc.VpcID, OwnerID: sc.acct, Tags: tags,
			Entries: []NetworkACLEntry{
				{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: true, CidrBlock: "0.0.0.0/0"},
				{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: false, CidrBlock: "0.0.0.0/0"},
			},
			Associations: []NetworkACLAssociation{}}
		if err := rememberToken(tx, sc, "CreateNetworkAcl", in.ClientToken, in.VpcId, acl.NetworkACLID); err != nil {
			return err
		}
		return putRes(tx, sc, acl.NetworkACLID, acl)
	})
	if err != nil {
		return nil, err
	}
	return &createNetworkACLOutput{NetworkACL: acl, ClientToken: in.ClientToken}, nil
}

// DescribeNetworkAcls.

type describeNetworkACLsInput struct {
	NetworkAclId []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type describeNetworkACLsOutput struct {
	NetworkACLs []*NetworkACL `xml:"networkAclSet>item"`
	NextToken   string        `xml:"nextToken,omitempty"`
}

// aclProtocolNames gives the names EC2 also accepts for protocol numbers.
var aclProtocolNames = map[string]string{"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all"}

func (a *NetworkACL) filter(name string) ([]string, bool) {
	var out []string
	switch name {
	case "network-acl-id":
		return []string{a.NetworkACLID}, true
	case "vpc-id":
		return []string{a.VpcID}, true
	case "default":
		return []string{boolStr(a.IsDefault)}, true
	case "owner-id":
		return []string{a.OwnerID}, true
	case "association.association-id", "association.network-acl-association-id":
		for _, as := range a.Associations {
			out = append(out, as.AssociationID)
		}
		return out, true
	case "association.network-acl-id":
		for _, as := range a.Associations {
			out = append(out, as.NetworkACLID)
		}
		return out, true
	case "association.subnet-id":
		for _, as := range a.Associations {
			out = append(out, as.SubnetID)
		}
		return out, true
	}
	what, ok := strings.CutPrefix(name, "entry.")
	switch what {
	case "rule-number", "protocol", "rule-action", "cidr", "ipv6-cidr", "egress", "port-range.from", "port-range.to", "icmp.type", "icmp.code":
	default:
		ok = false
	}
	if !ok {
		return nil, false
	}
	for _, e := range a.Entries {
		switch what {
		case "rule-number":
			out = append(out, strconv.Itoa(int(e.RuleNumber)))
		case "protocol":
			out = append(out, e.Protocol)
			if n, ok := aclProtocolNames[e.Protocol]; ok {
				out = append(out, n)
			}
		case "rule-action":
			out = append(out, e.RuleAction)
		case "cidr":
			if e.CidrBlock != "" {
				out = append(out, e.CidrBlock)
			}
		case "ipv6-cidr":
			if e.Ipv6CidrBlock != "" {
				out = append(out, e.Ipv6CidrBlock)
			}
		case "egress":
			out = append(out, boolStr(e.Egress))
		case "port-range.from":
			if e.PortRange != nil {
				out = append(out, strconv.Itoa(int(e.PortRange.From)))
			}
		case "port-range.to":
			if e.PortRange != nil {
				out = append(out, strconv.Itoa(int(e.PortRange.To)))
			}
		case "icmp.type":
			if e.IcmpTypeCode != nil {
				out = append(out, strconv.Itoa(int(e.IcmpTypeCode.Type)))
			}
		case "icmp.code":
			if e.IcmpTypeCode != nil {
				out = append(out, strconv.Itoa(int(e.IcmpTypeCode.Code)))
			}
		}
	}
	return out, true
}

func (s *Service) describeNetworkACLs(ctx context.Context, in *describeNetworkACLsInput) (*describeNetworkACLsOutput, error) {
	sc := scopeOf(ctx)
	var all []*NetworkACL
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range in.NetworkAclId {
			if _, err := getNetworkACL(tx, sc, id); err != nil {
				return err
			}
		}
		acls, err := listRes[NetworkACL](tx, sc, "acl-")
		if err != nil {
			return err
		}
		if err := addImplicitAssociations(tx, sc, acls); err != nil {
			return err
		}
		for _, a := range acls {
			if len(in.NetworkAclId) > 0 && !contains(in.NetworkAclId, a.NetworkACLID) {
				continue
			}
			ok, err := matchFilters(in.Filter, a.Tags, a.filter)
			if err != nil {
				return err
			}
			if ok {
				aclSortEntries(a.Entries)
				all = append(all, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeNetworkACLsOutput{NetworkACLs: items, NextToken: next}, nil
}

// DeleteNetworkAcl.

type networkACLIDInput struct {
	NetworkAclId string
	DryRun       bool
}

func (s *Service) deleteNetworkACL(ctx context.Context, in *networkACLIDInput) (*returnTrue, error) {
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		a, err := getNetworkACL(tx, sc, in.NetworkAclId)
		if err != nil {
			return err
		}
		if a.IsDefault {
			return errInvalidParameterValue("cannot delete default network ACL %s", a.NetworkACLID)
		}
		if len(a.Associations) > 0 {
			return errDependency("The networkAcl '%s' has dependencies and cannot be deleted.", a.NetworkACLID)
		}
		return delRes(tx, sc, a.NetworkACLID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// Entries.

type aclIcmpInput struct {
	Code *int32
	Type *int32
}

type aclPortRangeInput struct {
	From *int32
	To   *int32
}

type networkACLEntryInput struct {
	NetworkAclId  string
	RuleNumber    *int32
	Protocol      string
	RuleAction    string
	Egress        bool
	CidrBlock     string
	Ipv6CidrBlock string
	Icmp          *aclIcmpInput
	PortRange     *aclPortRangeInput
	DryRun        bool
}

func aclCheckRuleNumber(n *int32) error {
	if n == nil {
		return errMissingParameter("ruleNumber")
	}
	if *n < 1 || *n > 32766 {
		return errInvalidParameterValue("Invalid value '%d' for ruleNumber. Rule numbers must be between 1 and 32766.", *n)
	}
	return nil
}

// aclProtocol returns a network ACL protocol as EC2 stores it: a number,
// or -1 for all.
func aclProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "":
		return "", errMissingParameter("protocol")
	case "-1", "all":
		return "-1", nil
	case "tcp":
		return "6", nil
	case "udp":
		return "17", nil
	case "icmp":
		return "1", nil
	case "icmpv6":
		return "58", nil
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return strconv.Itoa(n), nil
	}
	return "", errInvalidParameterValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// aclEntryFrom validates a Create/ReplaceNetworkAclEntry request.
func aclEntryFrom(in *networkACLEntryInput) (NetworkACLEntry, error) {
	if err := aclCheckRuleNumber(in.RuleNumber); err != nil {
		return NetworkACLEntry{}, err
	}
	proto, err := aclProtocol(in.Protocol)
	if err != nil {
		return NetworkACLEntry{}, err
	}
	action := strings.ToLower(in.RuleAction)
	if in.RuleAction == "" {
		return NetworkACLEntry{}, errMissingParameter("ruleAction")
	}
	if action != "allow" && action != "deny" {
		return NetworkACLEntry{}, errInvalidParameterValue("Invalid value '%s' for ruleAction. Valid values are allow and deny.", in.RuleAction)
	}
	e := NetworkACLEntry{RuleNumber: *in.RuleNumber, Protocol: proto, RuleAction: action, Egress: in.Egress}
	switch {
	case in.CidrBlock != "" && in.Ipv6CidrBlock != "":
		return NetworkACLEntry{}, errInvalidParameterCombination("You may specify either a CIDR block or an IPv6 CIDR block, not both.")
	case in.CidrBlock != "":
		p, err := netip.ParsePrefix(in.CidrBlock)
		if err != nil || !p.Addr().Is4() {
			return NetworkACLEntry{}, errInvalidParameterValue("CIDR block %s is malformed", in.CidrBlock)
		}
		e.CidrBlock = p.Masked().String()
	case in.Ipv6CidrBlock != "":
		p, err := netip.ParsePrefix(in.Ipv6CidrBlock)
		if err != nil || !p.Addr().Is6() || p.Addr().Is4In6() {
			return NetworkACLEntry{}, errInvalidParameterValue("CIDR block %s is malformed", in.Ipv6CidrBlock)
		}
		e.Ipv6CidrBlock = p.Masked().String()
	default:
		return NetworkACLEntry{}, errMissingParameter("cidrBlock or ipv6CidrBlock")
	}
	switch proto {
	case "6", "17":
		if in.PortRange == nil || in.PortRange.From == nil || in.PortRange.To == nil {
			return NetworkACLEntry{}, errMissingParameter("portRange")
		}
		from, to := *in.PortRange.From, *in.PortRange.To
		if from < 0 || from > 65535 || to < 0 || to > 65535 || from > to {
			return NetworkACLEntry{}, errInvalidParameterValue("Invalid value for portRange. Port range %d-%d is invalid.", from, to)
		}
		e.PortRange = &PortRange{From: from, To: to}
	case "1", "58":
		if in.Icmp == nil || in.Icmp.Type == nil || in.Icmp.Code == nil {
			return NetworkACLEntry{}, errMissingParameter("icmpTypeCode")
		}
		t, c := *in.Icmp.Type, *in.Icmp.Code
		if t < -1 || t > 255 || c < -1 || c > 255 {
			return NetworkACLEntry{}, errInvalidParameterValue("Invalid value for icmpTypeCode. ICMP type %d, code %d is invalid.", t, c)
		}
		e.IcmpTypeCode = &IcmpTypeCode{Type: t, Code: c}
	}
	return e, nil
}

func aclFindEntry(a *NetworkACL, n int32, egress bool) int {
	for i, e := range a.Entries {
		if e.RuleNumber == n && e.Egress == egress {
			return i
		}
	}
	return -1
}

func (s *Service) createNetworkACLEntry(ctx context.Context, in *networkACLEntryInput) (*returnTrue, error) {
	return s.editNetworkACLEntry(ctx, in, false)
}

func (s *Service) replaceNetworkACLEntry(ctx context.Context, in *networkACLEntryInput) (*returnTrue, error) {
	return s.editNetworkACLEntry(ctx, in, true)
}

func (s *Service) editNetworkACLEntry(ctx context.Context, in *networkACLEntryInput, replace bool) (*returnTrue, error) {
	if in.NetworkAclId == "" {
		return nil, errMissingParameter("networkAclId")
	}
	e, err := aclEntryFrom(in)
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	err = s.store.Update(ctx, func(tx store.Tx) error {
		a, err := getNetworkACL(tx, sc, in.NetworkAclId)
		if err != nil {
			return err
		}
		i := aclFindEntry(a, e.RuleNumber, e.Egress)
		switch {
		case replace && i < 0:
			return errInvalidNetworkAclEntryNotFound(e.RuleNumber)
		case replace:
			a.Entries[i] = e
		case i >= 0:
			return errNetworkAclEntryAlreadyExists(e.RuleNumber)
		default:
			a.Entries = append(a.Entries, e)
		}
		aclSortEntries(a.Entries)
		return putRes(tx, sc, a.NetworkACLID, a)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type deleteNetworkACLEntryInput struct {
	NetworkAclId string
	RuleNumber   *int32
	Egress       bool
	DryRun       bool
}

func (s *Service) deleteNetworkACLEntry(ctx context.Context, in *deleteNetworkACLEntryInput) (*returnTrue, error) {
	if in.NetworkAclId == "" {
		return nil, errMissingParameter("networkAclId")
	}
	if err := aclCheckRuleNumber(in.RuleNumber); err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		a, err := getNetworkACL(tx, sc, in.NetworkAclId)
		if err != nil {
			return err
		}
		i := aclFindEntry(a, *in.RuleNumber, in.Egress)
		if i < 0 {
			return errInvalidNetworkAclEntryNotFound(*in.RuleNumber)
		}
		a.Entries = append(a.Entries[:i], a.Entries[i+1:]...)
		return putRes(tx, sc, a.NetworkACLID, a)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// ReplaceNetworkAclAssociation.

type replaceNetworkACLAssociationInput struct {
	AssociationId string
	NetworkAclId  string
	DryRun        bool
}

type replaceNetworkACLAssociationOutput struct {
	NewAssociationID string `xml:"newAssociationId"`
}

func (s *Service) replaceNetworkACLAssociation(ctx context.Context, in *replaceNetworkACLAssociationInput) (*replaceNetworkACLAssociationOutput, error) {
	if in.AssociationId == "" {
		return nil, errMissingParameter("associationId")
	}
	if in.NetworkAclId == "" {
		return nil, errMissingParameter("networkAclId")
	}
	sc := scopeOf(ctx)
	assocID := newID("aclassoc")
	err := s.store.Update(ctx, func(tx store.Tx) error {
		target, err := getNetworkACL(tx, sc, in.NetworkAclId)
		if err != nil {
			return err
		}
		// A stored association…
		var from *NetworkACL
		subnetID := ""
		if err := scanRes(tx, sc, "acl-", func(a *NetworkACL) error {
			for i, as := range a.Associations {
				if as.AssociationID == in.AssociationId {
					subnetID = as.SubnetID
					a.Associations = append(a.Associations[:i], a.Associations[i+1:]...)
					from = a
					return nil
				}
			}
			return nil
		}); err != nil {
			return err
		}
		// …or a subnet's implicit one with its VPC's default ACL.
		if from == nil {
			explicit, err := explicitACLSubnets(tx, sc)
			if err != nil {
				return err
			}
			if err := scanRes(tx, sc, "subnet-", func(sub *Subnet) error {
				if !explicit[sub.SubnetID] && implicitACLAssociationID(sub.SubnetID) == in.AssociationId {
					subnetID = sub.SubnetID
				}
				return nil
			}); err != nil {
				return err
			}
		}
		if subnetID == "" {
			return errInvalidAssociationIDNotFound(in.AssociationId)
		}
		sub, err := getSubnet(tx, sc, subnetID)
		if err != nil {
			return err
		}
		if sub.VpcID != target.VpcID {
			return errInvalidParameterValue("Network ACL %s and subnet %s belong to different networks", target.NetworkACLID, sub.SubnetID)
		}
		if from != nil {
			if err := putRes(tx, sc, from.NetworkACLID, from); err != nil {
				return err
			}
			if from.NetworkACLID == target.NetworkACLID {
				target = from
			}
		}
		target.Associations = append(target.Associations, NetworkACLAssociation{AssociationID: assocID, NetworkACLID: target.NetworkACLID, SubnetID: sub.SubnetID})
		return putRes(tx, sc, target.NetworkACLID, target)
	})
	if err != nil {
		return nil, err
	}
	return &replaceNetworkACLAssociationOutput{NewAssociationID: assocID}, nil
}
