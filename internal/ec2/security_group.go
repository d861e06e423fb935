package ec2

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gureum/gureum/internal/store"
)

// Security groups: CreateSecurityGroup, DescribeSecurityGroups,
// DeleteSecurityGroup, Authorize/RevokeSecurityGroupIngress/Egress,
// DescribeSecurityGroupRules and ModifySecurityGroupRules.
//
// A group's Rules (one per protocol, port range and peer, each with its
// sgr- id) are the truth; IpPermissions and IpPermissionsEgress, the
// grouped view DescribeSecurityGroups answers, are derived from them on
// every change (rebuildPermissions).

// securityGroupOps returns this file's operations.
func (s *Service) securityGroupOps() opTable {
	return opTable{
		"CreateSecurityGroup":                        handle(s.createSecurityGroup),
		"DescribeSecurityGroups":                     handle(s.describeSecurityGroups),
		"DeleteSecurityGroup":                        handle(s.deleteSecurityGroup),
		"AuthorizeSecurityGroupIngress":              handle(s.authorizeSecurityGroupIngress),
		"AuthorizeSecurityGroupEgress":               handle(s.authorizeSecurityGroupEgress),
		"RevokeSecurityGroupIngress":                 handle(s.revokeSecurityGroupIngress),
		"RevokeSecurityGroupEgress":                  handle(s.revokeSecurityGroupEgress),
		"DescribeSecurityGroupRules":                 handle(s.describeSecurityGroupRules),
		"ModifySecurityGroupRules":                   handle(s.modifySecurityGroupRules),
		"UpdateSecurityGroupRuleDescriptionsIngress": handle(s.updateSecurityGroupRuleDescriptionsIngress),
		"UpdateSecurityGroupRuleDescriptionsEgress":  handle(s.updateSecurityGroupRuleDescriptionsEgress),
	}
}

// Errors, in EC2's words.

// sgDefaultVpcID is the id of the scope's default VPC, or "" if it has none.
func sgDefaultVpcID(tx store.Tx, sc scope) (string, error) {
	id := ""
	err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
		if v.IsDefault {
			id = v.VpcID
		}
		return nil
	})
	return id, err
}

// sgGet reads a group by id.
func sgGet(tx store.Tx, sc scope, id string) (*SecurityGroup, error) {
	if !strings.HasPrefix(id, "sg-") {
		return nil, errGroupIDMalformed(id)
	}
	g, err := getRes[SecurityGroup](tx, sc, id)
	if isNotFound(err) {
		return nil, errGroupNotFound(id)
	}
	return g, err
}

// sgByName finds a group by name in the default VPC, the only VPC where
// EC2 lets a group be named instead of identified.
func sgByName(tx store.Tx, sc scope, name string) (*SecurityGroup, error) {
	def, err := sgDefaultVpcID(tx, sc)
	if err != nil {
		return nil, err
	}
	var out *SecurityGroup
	err = scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
		if def != "" && g.VpcID == def && g.GroupName == name {
			out = g
		}
		return nil
	})
	if err == nil && out == nil {
		err = errGroupNameNotFound(name, def)
	}
	return out, err
}

// sgFind resolves GroupId, or else GroupName (default VPC only).
func sgFind(tx store.Tx, sc scope, id, name string) (*SecurityGroup, error) {
	switch {
	case id != "":
		return sgGet(tx, sc, id)
	case name != "":
		return sgByName(tx, sc, name)
	}
	return nil, errMissingParameter("groupName or groupId")
}

// Protocols and rules.

// sgProtocol returns the protocol as EC2 stores it: tcp, udp, icmp,
// icmpv6, -1 (all), or another protocol number.
func sgProtocol(p string) (string, error) {
	switch strings.ToLower(p) {
	case "tcp", "6":
		return "tcp", nil
	case "udp", "17":
		return "udp", nil
	case "icmp", "1":
		return "icmp", nil
	case "icmpv6", "58":
		return "icmpv6", nil
	case "-1", "all":
		return "-1", nil
	}
	if n, err := strconv.Atoi(p); err == nil && n >= 0 && n <= 255 {
		return strconv.Itoa(n), nil
	}
	return "", errInvalidParameterValue("Invalid value '%s' for IP protocol. Unknown protocol.", p)
}

// sgHasPorts reports whether a protocol's rules carry ports (or ICMP type
// and code); every other protocol covers all ports.
func sgHasPorts(proto string) bool {
	switch proto {
	case "tcp", "udp", "icmp", "icmpv6":
		return true
	}
	return false
}

// sgRulePorts validates and returns a rule's ports for its protocol.
func sgRulePorts(proto string, from, to *int32) (int32, int32, error) {
	switch proto {
	case "tcp", "udp":
		if from == nil || to == nil {
			return 0, 0, errInvalidParameterValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.")
		}
		if *from < 0 || *from > 65535 {
			return 0, 0, errInvalidParameterValue("TCP/UDP (from) port (%d) out of range", *from)
		}
		if *to < 0 || *to > 65535 {
			return 0, 0, errInvalidParameterValue("TCP/UDP (to) port (%d) out of range", *to)
		}
		if *from > *to {
			return 0, 0, errInvalidParameterValue("Invalid TCP/UDP port range (%d - %d)", *from, *to)
		}
		return *from, *to, nil
	case "icmp", "icmpv6":
		t, c := int32(-1), int32(-1)
		if from != nil {
			t = *from
		}
		if to != nil {
			c = *to
		}
		if t < -1 || t > 255 {
			return 0, 0, errInvalidParameterValue("ICMP type (%d) out of range", t)
		}
		if c < -1 || c > 255 {
			return 0, 0, errInvalidParameterValue("ICMP code (%d) out of range", c)
		}
		if t == -1 && c != -1 {
			return 0, 0, errInvalidParameterValue("ICMP code (%d) out of range", c)
		}
		return t, c, nil
	}
	return -1, -1, nil
}

func sgParseCIDR(s string, v6 bool) (string, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil || p.Addr().Is4() == v6 || p.Addr().Is4In6() {
		return "", errInvalidParameterValue("CIDR block %s is malformed", s)
	}
	return p.Masked().String(), nil
}

// sgRuleKey identifies a rule: direction, protocol, ports and peer (not its
// description).
func sgRuleKey(r *SecurityGroupRule) string {
	return fmt.Sprintf("%t|%s|%d|%d|%s|%s|%s", r.Egress, r.Protocol, r.FromPort, r.ToPort, r.CidrIPv4, r.CidrIPv6, r.GroupID)
}

// sgRuleText is how EC2 spells a rule in InvalidPermission.Duplicate.
func sgRuleText(r *SecurityGroupRule) string {
	peer := r.CidrIPv4 + r.CidrIPv6 + r.GroupID
	var what string
	switch r.Protocol {
	case "-1":
		what = "ALL"
	case "tcp", "udp":
		what = fmt.Sprintf("%s, from port: %d, to port: %d", strings.ToUpper(r.Protocol), r.FromPort, r.ToPort)
	case "icmp":
		what = fmt.Sprintf("ICMP, type: %d, code: %d", r.FromPort, r.ToPort)
	case "icmpv6":
		what = fmt.Sprintf("ICMPv6, type: %d, code: %d", r.FromPort, r.ToPort)
	default:
		what = "protocol: " + r.Protocol
	}
	return fmt.Sprintf("peer: %s, %s, ALLOW", peer, what)
}

// rebuildPermissions derives the grouped IpPermissions views from Rules:
// one IpPermission per protocol and port range, in the order the rules
// were added, holding its peers.
func (g *SecurityGroup) rebuildPermissions() {
	build := func(egress bool) []IpPermission {
		out := []IpPermission{}
		index := map[string]int{}
		for _, r := range g.Rules {
			if r.Egress != egress {
				continue
			}
			k := fmt.Sprintf("%s|%d|%d", r.Protocol, r.FromPort, r.ToPort)
			i, ok := index[k]
			if !ok {
				p := IpPermission{IpProtocol: r.Protocol}
				if sgHasPorts(r.Protocol) {
					from, to := r.FromPort, r.ToPort
					p.FromPort, p.ToPort = &from, &to
				}
				out = append(out, p)
				i = len(out) - 1
				index[k] = i
			}
			p := &out[i]
			switch {
			case r.CidrIPv4 != "":
				p.IpRanges = append(p.IpRanges, IpRange{CidrIP: r.CidrIPv4, Description: r.Description})
			case r.CidrIPv6 != "":
				p.Ipv6Ranges = append(p.Ipv6Ranges, Ipv6Range{CidrIpv6: r.CidrIPv6, Description: r.Description})
			case r.GroupID != "":
				p.UserIdGroupPairs = append(p.UserIdGroupPairs, UserIdGroupPair{UserID: g.OwnerID, GroupID: r.GroupID, Description: r.Description})
			}
		}
		return out
	}
	g.IpPermissions = build(false)
	g.IpPermissionsEgress = build(true)
}

// Wire shapes of permissions in requests (their members' locationNames).

type ipPermissionInput struct {
	IpProtocol    string
	FromPort      *int32
	ToPort        *int32
	Groups        []userIDGroupPairInput
	IpRanges      []ipRangeInput
	Ipv6Ranges    []ipv6RangeInput
	PrefixListIds []prefixListIDInput
}

type userIDGroupPairInput struct {
	Description string
	UserId      string
	GroupId     string
	GroupName   string
	VpcId       string
}

type ipRangeInput struct {
	CidrIp      string
	Description string
}

type ipv6RangeInput struct {
	CidrIpv6    string
	Description string
}

type prefixListIDInput struct {
	PrefixListId string
	Description  string
}

// sgRulesFrom expands permissions into rules (without ids) for group g,
// checking protocols, ports, CIDRs and referenced groups. With lookup
// false (revoking), a referenced group id is taken as given.
func sgRulesFrom(tx store.Tx, sc scope, g *SecurityGroup, perms []ipPermissionInput, egress, lookup bool) ([]SecurityGroupRule, error) {
	var out []SecurityGroupRule
	for _, p := range perms {
		proto, err := sgProtocol(p.IpProtocol)
		if err != nil {
			return nil, err
		}
		from, to, err := sgRulePorts(proto, p.FromPort, p.ToPort)
		if err != nil {
			return nil, err
		}
		base := SecurityGroupRule{Egress: egress, Protocol: proto, FromPort: from, ToPort: to}
		for _, r := range p.IpRanges {
			c, err := sgParseCIDR(r.CidrIp, false)
			if err != nil {
				return nil, err
			}
			rule := base
			rule.CidrIPv4, rule.Description = c, r.Description
			out = append(out, rule)
		}
		for _, r := range p.Ipv6Ranges {
			c, err := sgParseCIDR(r.CidrIpv6, true)
			if err != nil {
				return nil, err
			}
			rule := base
			rule.CidrIPv6, rule.Description = c, r.Description
			out = append(out, rule)
		}
		for _, pair := range p.Groups {
			id, err := sgReferencedGroup(tx, sc, g, pair.GroupId, pair.GroupName, lookup)
			if err != nil {
				return nil, err
			}
			rule := base
			rule.GroupID, rule.Description = id, pair.Description
			out = append(out, rule)
		}
		if len(p.PrefixListIds) > 0 {
			return nil, errInvalidPrefixListIDNotFound(p.PrefixListIds[0].PrefixListId)
		}
	}
	return out, nil
}

// sgReferencedGroup resolves a group a rule points at, which must be in the
// same VPC as the rule's group.
func sgReferencedGroup(tx store.Tx, sc scope, g *SecurityGroup, id, name string, lookup bool) (string, error) {
	if id == "" && name == "" {
		return "", errMissingParameter("groupId")
	}
	if id == g.GroupID {
		return id, nil
	}
	if id != "" && !lookup {
		return id, nil
	}
	ref, err := sgFind(tx, sc, id, name)
	if err != nil {
		return "", err
	}
	if ref.VpcID != g.VpcID {
		return "", errDifferentNetworks()
	}
	return ref.GroupID, nil
}

// The rule as DescribeSecurityGroupRules and Authorize* answer it.

type securityGroupRuleXML struct {
	SecurityGroupRuleID  string              `xml:"securityGroupRuleId"`
	GroupID              string              `xml:"groupId"`
	GroupOwnerID         string              `xml:"groupOwnerId"`
	IsEgress             bool                `xml:"isEgress"`
	IpProtocol           string              `xml:"ipProtocol"`
	FromPort             int32               `xml:"fromPort"`
	ToPort               int32               `xml:"toPort"`
	CidrIpv4             string              `xml:"cidrIpv4,omitempty"`
	CidrIpv6             string              `xml:"cidrIpv6,omitempty"`
	ReferencedGroupInfo  *referencedGroupXML `xml:"referencedGroupInfo,omitempty"`
	Description          string              `xml:"description,omitempty"`
	Tags                 []Tag               `xml:"tagSet>item"`
	SecurityGroupRuleArn string              `xml:"securityGroupRuleArn"`
}

type referencedGroupXML struct {
	GroupID string `xml:"groupId"`
	UserID  string `xml:"userId"`
}

func sgRuleXML(sc scope, g *SecurityGroup, r *SecurityGroupRule) securityGroupRuleXML {
	out := securityGroupRuleXML{SecurityGroupRuleID: r.ID, GroupID: g.GroupID, GroupOwnerID: g.OwnerID, IsEgress: r.Egress,
		IpProtocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIpv4: r.CidrIPv4, CidrIpv6: r.CidrIPv6,
		Description: r.Description, Tags: r.Tags,
		SecurityGroupRuleArn: "arn:aws:ec2:" + sc.region + ":" + g.OwnerID + ":security-group-rule/" + r.ID}
	if r.GroupID != "" {
		out.ReferencedGroupInfo = &referencedGroupXML{GroupID: r.GroupID, UserID: g.OwnerID}
	}
	return out
}

// CreateSecurityGroup.

type createSecurityGroupInput struct {
	GroupName        string
	GroupDescription string
	VpcId            string
	TagSpecification []TagSpecification
	DryRun           bool
}

type createSecurityGroupOutput struct {
	GroupID          string `xml:"groupId"`
	Tags             []Tag  `xml:"tagSet>item,omitempty"`
	SecurityGroupArn string `xml:"securityGroupArn"`
}

func (s *Service) createSecurityGroup(ctx context.Context, in *createSecurityGroupInput) (*createSecurityGroupOutput, error) {
	if in.GroupName == "" {
		return nil, errMissingParameter("GroupName")
	}
	if in.GroupDescription == "" {
		return nil, errMissingParameter("GroupDescription")
	}
	if strings.HasPrefix(strings.ToLower(in.GroupName), "sg-") {
		return nil, errInvalidParameterValue("Value (%s) for parameter GroupName is invalid. Group names may not be in the format sg-*.", in.GroupName)
	}
	if len(in.GroupName) > 255 {
		return nil, errInvalidParameterValue("Value (%s) for parameter GroupName is invalid. Length exceeds maximum of 255 characters", in.GroupName)
	}
	if len(in.GroupDescription) > 255 {
		return nil, errInvalidParameterValue("Value (%s) for parameter GroupDescription is invalid. Length exceeds maximum of 255 characters", in.GroupDescription)
	}
	tags, err := tagsFor(in.TagSpecification, "security-group")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var g *SecurityGroup
	err = s.store.Update(ctx, func(tx store.Tx) error {
		vpcID := in.VpcId
		if vpcID == "" {
			def, err := sgDefaultVpcID(tx, sc)
			if err != nil {
				return err
			}
			if def == "" {
				return errVPCIdNotSpecified("No default VPC for this user")
			}
			vpcID = def
		} else if _, err := getVpc(tx, sc, vpcID); err != nil {
			return err
		}
		if in.GroupName == "default" {
			// The name of every VPC's default group is reserved.
			return errInvalidParameterValue("Cannot use reserved security group name: default")
		}
		if err := scanRes(tx, sc, "sg-", func(o *SecurityGroup) error {
			if o.VpcID == vpcID && o.GroupName == in.GroupName {
				return errInvalidGroupDuplicate(in.GroupName, vpcID)
			}
			return nil
		}); err != nil {
			return err
		}
		g = &SecurityGroup{GroupID: newID("sg"), GroupName: in.GroupName, Description: in.GroupDescription, VpcID: vpcID,
			OwnerID: sc.acct, Tags: tags}
		g.SecurityGroupArn = "arn:aws:ec2:" + sc.region + ":" + sc.acct + ":security-group/" + g.GroupID
		g.Rules = []SecurityGroupRule{{ID: newID("sgr"), Egress: true, Protocol: "-1", FromPort: -1, ToPort: -1, CidrIPv4: "0.0.0.0/0"}}
		g.rebuildPermissions()
		return putRes(tx, sc, g.GroupID, g)
	})
	if err != nil {
		return nil, err
	}
	return &createSecurityGroupOutput{GroupID: g.GroupID, Tags: g.Tags, SecurityGroupArn: g.SecurityGroupArn}, nil
}

// DescribeSecurityGroups.

type describeSecurityGroupsInput struct {
	GroupId    []string
	GroupName  []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeSecurityGroupsOutput struct {
	SecurityGroups []*SecurityGroup `xml:"securityGroupInfo>item"`
	NextToken      string           `xml:"nextToken,omitempty"`
}

func sgPermValues(perms []IpPermission, what string) []string {
	var out []string
	for _, p := range perms {
		switch what {
		case "cidr":
			for _, r := range p.IpRanges {
				out = append(out, r.CidrIP)
			}
		case "ipv6-cidr":
			for _, r := range p.Ipv6Ranges {
				out = append(out, r.CidrIpv6)
			}
		case "from-port":
			if p.FromPort != nil {
				out = append(out, strconv.Itoa(int(*p.FromPort)))
			}
		case "to-port":
			if p.ToPort != nil {
				out = append(out, strconv.Itoa(int(*p.ToPort)))
			}
		case "protocol":
			out = append(out, p.IpProtocol)
		case "group-id":
			for _, u := range p.UserIdGroupPairs {
				out = append(out, u.GroupID)
			}
		case "user-id":
			for _, u := range p.UserIdGroupPairs {
				out = append(out, u.UserID)
			}
		default:
			return nil
		}
	}
	return out
}

func (g *SecurityGroup) filter(name string) ([]string, bool) {
	switch name {
	case "group-id":
		return []string{g.GroupID}, true
	case "group-name":
		return []string{g.GroupName}, true
	case "vpc-id":
		return []string{g.VpcID}, true
	case "description":
		return []string{g.Description}, true
	case "owner-id":
		return []string{g.OwnerID}, true
	}
	for prefix, perms := range map[string][]IpPermission{"ip-permission.": g.IpPermissions, "egress.ip-permission.": g.IpPermissionsEgress} {
		if what, ok := strings.CutPrefix(name, prefix); ok {
			switch what {
			case "cidr", "ipv6-cidr", "from-port", "to-port", "protocol", "group-id", "user-id":
				return sgPermValues(perms, what), true
			case "group-name":
				return nil, true
			}
		}
	}
	return nil, false
}

func (s *Service) describeSecurityGroups(ctx context.Context, in *describeSecurityGroupsInput) (*describeSecurityGroupsOutput, error) {
	sc := scopeOf(ctx)
	var all []*SecurityGroup
	err := s.store.View(ctx, func(tx store.Tx) error {
		want := map[string]bool{}
		for _, id := range in.GroupId {
			if _, err := sgGet(tx, sc, id); err != nil {
				return err
			}
			want[id] = true
		}
		for _, name := range in.GroupName {
			g, err := sgByName(tx, sc, name)
			if err != nil {
				return err
			}
			want[g.GroupID] = true
		}
		return scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
			if len(want) > 0 && !want[g.GroupID] {
				return nil
			}
			ok, err := matchFilters(in.Filter, g.Tags, g.filter)
			if ok {
				all = append(all, g)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSecurityGroupsOutput{SecurityGroups: items, NextToken: next}, nil
}

// DeleteSecurityGroup.

type deleteSecurityGroupInput struct {
	GroupId   string
	GroupName string
	DryRun    bool
}

type deleteSecurityGroupOutput struct {
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

func (s *Service) deleteSecurityGroup(ctx context.Context, in *deleteSecurityGroupInput) (*deleteSecurityGroupOutput, error) {
	sc := scopeOf(ctx)
	var id string
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := sgFind(tx, sc, in.GroupId, in.GroupName)
		if err != nil {
			return err
		}
		id = g.GroupID
		if g.IsDefault {
			return errCannotDelete(g.GroupID, g.GroupName)
		}
		dep := errDependency("resource %s has a dependent object", g.GroupID)
		if err := scanRes(tx, sc, "sg-", func(o *SecurityGroup) error {
			if o.GroupID == g.GroupID {
				return nil
			}
			for _, r := range o.Rules {
				if r.GroupID == g.GroupID {
					return dep
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if err := scanRes(tx, sc, "eni-", func(n *NetworkInterface) error {
			for _, gi := range n.Groups {
				if gi.GroupID == g.GroupID {
					return dep
				}
			}
			return nil
		}); err != nil {
			return err
		}
		return delRes(tx, sc, g.GroupID)
	})
	if err != nil {
		return nil, err
	}
	return &deleteSecurityGroupOutput{Return: true, GroupID: id}, nil
}

// Authorize.

type authorizeIngressInput struct {
	GroupId                    string
	GroupName                  string
	IpPermissions              []ipPermissionInput
	IpProtocol                 string
	FromPort                   *int32
	ToPort                     *int32
	CidrIp                     string
	SourceSecurityGroupName    string
	SourceSecurityGroupOwnerId string
	TagSpecification           []TagSpecification
	DryRun                     bool
}

type authorizeEgressInput struct {
	GroupId                    string
	IpPermissions              []ipPermissionInput
	IpProtocol                 string
	FromPort                   *int32
	ToPort                     *int32
	CidrIp                     string
	SourceSecurityGroupName    string
	SourceSecurityGroupOwnerId string
	TagSpecification           []TagSpecification
	DryRun                     bool
}

type sgAuthorizeOutput struct {
	Return             bool                   `xml:"return"`
	SecurityGroupRules []securityGroupRuleXML `xml:"securityGroupRuleSet>item"`
}

// sgLegacyPermissions turns the flat IpProtocol/FromPort/ToPort/CidrIp and
// SourceSecurityGroupName parameters into permissions. A source group
// without a protocol grants all of ICMP, TCP and UDP, as EC2 does.
func sgLegacyPermissions(proto string, from, to *int32, cidr, srcGroup string) []ipPermissionInput {
	if proto == "" && cidr == "" && srcGroup == "" {
		return nil
	}
	if srcGroup != "" && proto == "" {
		all, none := int32(65535), int32(0)
		m1 := int32(-1)
		pair := []userIDGroupPairInput{{GroupName: srcGroup}}
		return []ipPermissionInput{
			{IpProtocol: "icmp", FromPort: &m1, ToPort: &m1, Groups: pair},
			{IpProtocol: "tcp", FromPort: &none, ToPort: &all, Groups: pair},
			{IpProtocol: "udp", FromPort: &none, ToPort: &all, Groups: pair},
		}
	}
	p := ipPermissionInput{IpProtocol: proto, FromPort: from, ToPort: to}
	if cidr != "" {
		p.IpRanges = []ipRangeInput{{CidrIp: cidr}}
	}
	if srcGroup != "" {
		p.Groups = []userIDGroupPairInput{{GroupName: srcGroup}}
	}
	return []ipPermissionInput{p}
}

func (s *Service) authorizeSecurityGroupIngress(ctx context.Context, in *authorizeIngressInput) (*sgAuthorizeOutput, error) {
	perms := append(sgLegacyPermissions(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName), in.IpPermissions...)
	return s.authorize(ctx, in.GroupId, in.GroupName, perms, false, in.TagSpecification)
}

func (s *Service) authorizeSecurityGroupEgress(ctx context.Context, in *authorizeEgressInput) (*sgAuthorizeOutput, error) {
	if in.GroupId == "" {
		return nil, errMissingParameter("groupId")
	}
	perms := append(sgLegacyPermissions(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName), in.IpPermissions...)
	return s.authorize(ctx, in.GroupId, "", perms, true, in.TagSpecification)
}

func (s *Service) authorize(ctx context.Context, groupID, groupName string, perms []ipPermissionInput, egress bool, specs []TagSpecification) (*sgAuthorizeOutput, error) {
	if len(perms) == 0 {
		return nil, errMissingParameter("ipPermissions")
	}
	tags, err := tagsFor(specs, "security-group-rule")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	out := &sgAuthorizeOutput{Return: true, SecurityGroupRules: []securityGroupRuleXML{}}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		g, err := sgFind(tx, sc, groupID, groupName)
		if err != nil {
			return err
		}
		rules, err := sgRulesFrom(tx, sc, g, perms, egress, true)
		if err != nil {
			return err
		}
		if len(rules) == 0 {
			return errMissingParameter("ipPermissions")
		}
		have := map[string]bool{}
		for i := range g.Rules {
			have[sgRuleKey(&g.Rules[i])] = true
		}
		seen := map[string]bool{}
		for i := range rules {
			k := sgRuleKey(&rules[i])
			if seen[k] {
				return errInvalidParameterValue("The same permission must not appear multiple times")
			}
			seen[k] = true
			if have[k] {
				return errDuplicateRule(&rules[i])
			}
		}
		for i := range rules {
			rules[i].ID = newID("sgr")
			if len(tags) > 0 {
				rules[i].Tags = append([]Tag(nil), tags...)
			}
			g.Rules = append(g.Rules, rules[i])
			out.SecurityGroupRules = append(out.SecurityGroupRules, sgRuleXML(sc, g, &rules[i]))
		}
		g.rebuildPermissions()
		return putRes(tx, sc, g.GroupID, g)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Revoke.

type revokeIngressInput struct {
	GroupId                    string
	GroupName                  string
	IpPermissions              []ipPermissionInput
	IpProtocol                 string
	FromPort                   *int32
	ToPort                     *int32
	CidrIp                     string
	SourceSecurityGroupName    string
	SourceSecurityGroupOwnerId string
	SecurityGroupRuleId        []string
	DryRun                     bool
}

type revokeEgressInput struct {
	GroupId                    string
	IpPermissions              []ipPermissionInput
	IpProtocol                 string
	FromPort                   *int32
	ToPort                     *int32
	CidrIp                     string
	SourceSecurityGroupName    string
	SourceSecurityGroupOwnerId string
	SecurityGroupRuleId        []string
	DryRun                     bool
}

type sgRevokedRuleXML struct {
	SecurityGroupRuleID string `xml:"securityGroupRuleId"`
	GroupID             string `xml:"groupId"`
	IsEgress            bool   `xml:"isEgress"`
	IpProtocol          string `xml:"ipProtocol"`
	FromPort            int32  `xml:"fromPort"`
	ToPort              int32  `xml:"toPort"`
	CidrIpv4            string `xml:"cidrIpv4,omitempty"`
	CidrIpv6            string `xml:"cidrIpv6,omitempty"`
	ReferencedGroupID   string `xml:"referencedGroupId,omitempty"`
	Description         string `xml:"description,omitempty"`
}

type sgRevokeOutput struct {
	Return                    bool               `xml:"return"`
	UnknownIpPermissions      []IpPermission     `xml:"unknownIpPermissionSet>item,omitempty"`
	RevokedSecurityGroupRules []sgRevokedRuleXML `xml:"revokedSecurityGroupRuleSet>item,omitempty"`
}

func (s *Service) revokeSecurityGroupIngress(ctx context.Context, in *revokeIngressInput) (*sgRevokeOutput, error) {
	perms := append(sgLegacyPermissions(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName), in.IpPermissions...)
	return s.revoke(ctx, in.GroupId, in.GroupName, perms, in.SecurityGroupRuleId, false)
}

func (s *Service) revokeSecurityGroupEgress(ctx context.Context, in *revokeEgressInput) (*sgRevokeOutput, error) {
	if in.GroupId == "" {
		return nil, errMissingParameter("groupId")
	}
	perms := append(sgLegacyPermissions(in.IpProtocol, in.FromPort, in.ToPort, in.CidrIp, in.SourceSecurityGroupName), in.IpPermissions...)
	return s.revoke(ctx, in.GroupId, "", perms, in.SecurityGroupRuleId, true)
}

// revoke removes rules given as permissions or rule ids. A permission
// matching no rule fails the whole call with InvalidPermission.NotFound,
// except in the default VPC, where EC2 revokes what matches and lists
// the rest as unknown.
func (s *Service) revoke(ctx context.Context, groupID, groupName string, perms []ipPermissionInput, ruleIDs []string, egress bool) (*sgRevokeOutput, error) {
	if len(perms) == 0 && len(ruleIDs) == 0 {
		return nil, errMissingParameter("ipPermissions")
	}
	sc := scopeOf(ctx)
	out := &sgRevokeOutput{Return: true}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := sgFind(tx, sc, groupID, groupName)
		if err != nil {
			return err
		}
		drop := map[string]bool{} // rule ids
		for _, id := range ruleIDs {
			found := false
			for _, r := range g.Rules {
				if r.ID == id && r.Egress == egress {
					found = true
				}
			}
			if !found {
				return errRuleIDNotFound(id)
			}
			drop[id] = true
		}
		rules, err := sgRulesFrom(tx, sc, g, perms, egress, false)
		if err != nil {
			return err
		}
		var unknown []SecurityGroupRule
		for i := range rules {
			k := sgRuleKey(&rules[i])
			found := false
			for _, r := range g.Rules {
				if sgRuleKey(&r) == k {
					drop[r.ID], found = true, true
				}
			}
			if !found {
				unknown = append(unknown, rules[i])
			}
		}
		if len(unknown) > 0 {
			def, err := sgDefaultVpcID(tx, sc)
			if err != nil {
				return err
			}
			if g.VpcID != def {
				return errPermissionNotFound()
			}
			u := SecurityGroup{OwnerID: g.OwnerID, Rules: unknown}
			u.rebuildPermissions()
			out.UnknownIpPermissions = append(u.IpPermissions, u.IpPermissionsEgress...)
			out.Return = false
		}
		kept := g.Rules[:0:0]
		for _, r := range g.Rules {
			if drop[r.ID] {
				out.RevokedSecurityGroupRules = append(out.RevokedSecurityGroupRules, sgRevokedRuleXML{SecurityGroupRuleID: r.ID, GroupID: g.GroupID,
					IsEgress: r.Egress, IpProtocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort, CidrIpv4: r.CidrIPv4, CidrIpv6: r.CidrIPv6,
					ReferencedGroupID: r.GroupID, Description: r.Description})
				continue
			}
			kept = append(kept, r)
		}
		if len(out.RevokedSecurityGroupRules) > 0 {
			out.Return = true
		}
		g.Rules = kept
		g.rebuildPermissions()
		return putRes(tx, sc, g.GroupID, g)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeSecurityGroupRules.

type describeSecurityGroupRulesInput struct {
	SecurityGroupRuleId []string
	Filter              []Filter
	MaxResults          *int32
	NextToken           *string
	DryRun              bool
}

type describeSecurityGroupRulesOutput struct {
	SecurityGroupRules []securityGroupRuleXML `xml:"securityGroupRuleSet>item"`
	NextToken          string                 `xml:"nextToken,omitempty"`
}

func (s *Service) describeSecurityGroupRules(ctx context.Context, in *describeSecurityGroupRulesInput) (*describeSecurityGroupRulesOutput, error) {
	sc := scopeOf(ctx)
	var all []securityGroupRuleXML
	want := map[string]bool{}
	for _, id := range in.SecurityGroupRuleId {
		want[id] = true
	}
	found := map[string]bool{}
	err := s.store.View(ctx, func(tx store.Tx) error {
		return scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
			for i := range g.Rules {
				r := &g.Rules[i]
				if len(want) > 0 && !want[r.ID] {
					continue
				}
				found[r.ID] = true
				ok, err := matchFilters(in.Filter, r.Tags, func(name string) ([]string, bool) {
					switch name {
					case "group-id":
						return []string{g.GroupID}, true
					case "security-group-rule-id":
						return []string{r.ID}, true
					}
					return nil, false
				})
				if err != nil {
					return err
				}
				if ok {
					all = append(all, sgRuleXML(sc, g, r))
				}
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	for _, id := range in.SecurityGroupRuleId {
		if !found[id] {
			return nil, errRuleIDNotFound(id)
		}
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	if items == nil {
		items = []securityGroupRuleXML{}
	}
	return &describeSecurityGroupRulesOutput{SecurityGroupRules: items, NextToken: next}, nil
}

// ModifySecurityGroupRules.

type modifySecurityGroupRulesInput struct {
	GroupId           string
	SecurityGroupRule []securityGroupRuleUpdateInput
	DryRun            bool
}

type securityGroupRuleUpdateInput struct {
	SecurityGroupRuleId string
	SecurityGroupRule   *securityGroupRuleRequestInput
}

type securityGroupRuleRequestInput struct {
	IpProtocol        string
	FromPort          *int32
	ToPort            *int32
	CidrIpv4          string
	CidrIpv6          string
	PrefixListId      string
	ReferencedGroupId string
	Description       string
}

func (s *Service) modifySecurityGroupRules(ctx context.Context, in *modifySecurityGroupRulesInput) (*returnTrue, error) {
	if in.GroupId == "" {
		return nil, errMissingParameter("GroupId")
	}
	if len(in.SecurityGroupRule) == 0 {
		return nil, errMissingParameter("SecurityGroupRule")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := sgGet(tx, sc, in.GroupId)
		if err != nil {
			return err
		}
		for _, u := range in.SecurityGroupRule {
			if u.SecurityGroupRuleId == "" {
				return errMissingParameter("SecurityGroupRuleId")
			}
			idx := -1
			for i := range g.Rules {
				if g.Rules[i].ID == u.SecurityGroupRuleId {
					idx = i
				}
			}
			if idx < 0 {
				return errRuleIDNotFound(u.SecurityGroupRuleId)
			}
			if u.SecurityGroupRule == nil {
				return errMissingParameter("SecurityGroupRule")
			}
			old := g.Rules[idx]
			req := u.SecurityGroupRule
			perm := ipPermissionInput{IpProtocol: req.IpProtocol, FromPort: req.FromPort, ToPort: req.ToPort}
			peers := 0
			if req.CidrIpv4 != "" {
				perm.IpRanges = []ipRangeInput{{CidrIp: req.CidrIpv4, Description: req.Description}}
				peers++
			}
			if req.CidrIpv6 != "" {
				perm.Ipv6Ranges = []ipv6RangeInput{{CidrIpv6: req.CidrIpv6, Description: req.Description}}
				peers++
			}
			if req.ReferencedGroupId != "" {
				perm.Groups = []userIDGroupPairInput{{GroupId: req.ReferencedGroupId, Description: req.Description}}
				peers++
			}
			if req.PrefixListId != "" {
				perm.PrefixListIds = []prefixListIDInput{{PrefixListId: req.PrefixListId}}
				peers++
			}
			if peers != 1 {
				return errInvalidParameterValue("Exactly one of CidrIpv4, CidrIpv6, PrefixListId and ReferencedGroupId must be specified for security group rule '%s'.", old.ID)
			}
			if (old.CidrIPv4 != "") != (req.CidrIpv4 != "") || (old.CidrIPv6 != "") != (req.CidrIpv6 != "") || (old.GroupID != "") != (req.ReferencedGroupId != "") {
				return errInvalidParameterValue("Invalid rule type for security group rule '%s'. You may not change the type of a security group rule.", old.ID)
			}
			rules, err := sgRulesFrom(tx, sc, g, []ipPermissionInput{perm}, old.Egress, true)
			if err != nil {
				return err
			}
			nr := rules[0]
			nr.ID, nr.Tags = old.ID, old.Tags
			k := sgRuleKey(&nr)
			for i := range g.Rules {
				if i != idx && sgRuleKey(&g.Rules[i]) == k {
					return errDuplicateRule(&nr)
				}
			}
			g.Rules[idx] = nr
		}
		g.rebuildPermissions()
		return putRes(tx, sc, g.GroupID, g)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// UpdateSecurityGroupRuleDescriptionsIngress / ...Egress: a rule is named
// by its id or by its permission (protocol, ports, peer), and gets the
// description given with it.

type updateRuleDescriptionsInput struct {
	GroupId                      string
	GroupName                    string
	IpPermissions                []ipPermissionInput
	SecurityGroupRuleDescription []struct{ SecurityGroupRuleId, Description string }
	DryRun                       bool
}

func (s *Service) updateSecurityGroupRuleDescriptionsIngress(ctx context.Context, in *updateRuleDescriptionsInput) (*returnTrue, error) {
	return s.updateRuleDescriptions(ctx, in, false)
}

func (s *Service) updateSecurityGroupRuleDescriptionsEgress(ctx context.Context, in *updateRuleDescriptionsInput) (*returnTrue, error) {
	return s.updateRuleDescriptions(ctx, in, true)
}

func (s *Service) updateRuleDescriptions(ctx context.Context, in *updateRuleDescriptionsInput, egress bool) (*returnTrue, error) {
	if len(in.IpPermissions) == 0 && len(in.SecurityGroupRuleDescription) == 0 {
		return nil, errMissingParameter("IpPermissions")
	}
	if in.GroupId == "" && in.GroupName == "" {
		return nil, errMissingParameter("GroupId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := sgFind(tx, sc, in.GroupId, in.GroupName)
		if err != nil {
			return err
		}
		for _, d := range in.SecurityGroupRuleDescription {
			found := false
			for i := range g.Rules {
				if r := &g.Rules[i]; r.ID == d.SecurityGroupRuleId && r.Egress == egress {
					r.Description, found = d.Description, true
				}
			}
			if !found {
				return errRuleIDNotFound(d.SecurityGroupRuleId)
			}
		}
		rules, err := sgRulesFrom(tx, sc, g, in.IpPermissions, egress, true)
		if err != nil {
			return err
		}
		for i := range rules {
			k := sgRuleKey(&rules[i])
			found := false
			for j := range g.Rules {
				if sgRuleKey(&g.Rules[j]) == k {
					g.Rules[j].Description, found = rules[i].Description, true
				}
			}
			if !found {
				return errPermissionNotFound()
			}
		}
		g.rebuildPermissions()
		return putRes(tx, sc, g.GroupID, g)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
