package ec2

// The records of the network resources a VPC is born with (its main route
// table, default security group, default network ACL, DHCP options) and
// of internet gateways, which a default VPC has attached. Their own API
// operations live in their files.

// RouteTable is EC2's RouteTable.
type RouteTable struct {
	RouteTableID string                  `xml:"routeTableId" json:"id"`
	VpcID        string                  `xml:"vpcId" json:"vpc"`
	OwnerID      string                  `xml:"ownerId" json:"owner"`
	Routes       []Route                 `xml:"routeSet>item" json:"routes"`
	Associations []RouteTableAssociation `xml:"associationSet>item" json:"assoc"`
	Propagating  []struct{}              `xml:"propagatingVgwSet>item" json:"-"`
	Tags         []Tag                   `xml:"tagSet>item" json:"tags,omitempty"`
}

// Route is one route of a route table.
type Route struct {
	DestinationCidrBlock     string `xml:"destinationCidrBlock,omitempty" json:"dst"`
	DestinationIpv6CidrBlock string `xml:"destinationIpv6CidrBlock,omitempty" json:"dst6,omitempty"`
	// DestinationPrefixListID is a Gateway VPC endpoint's route's
	// destination (its target is the endpoint, in GatewayID).
	DestinationPrefixListID string `xml:"destinationPrefixListId,omitempty" json:"pl,omitempty"`
	GatewayID               string `xml:"gatewayId,omitempty" json:"gw,omitempty"`
	NatGatewayID            string `xml:"natGatewayId,omitempty" json:"nat,omitempty"`
	InstanceID              string `xml:"instanceId,omitempty" json:"i,omitempty"`
	InstanceOwnerID         string `xml:"instanceOwnerId,omitempty" json:"io,omitempty"`
	NetworkInterfaceID      string `xml:"networkInterfaceId,omitempty" json:"eni,omitempty"`
	Origin                  string `xml:"origin" json:"origin"`
	State                   string `xml:"state" json:"state"`
}

// RouteTableAssociation links a route table to a subnet (or is the main
// association of its VPC).
type RouteTableAssociation struct {
	Main          bool             `xml:"main" json:"main,omitempty"`
	AssociationID string           `xml:"routeTableAssociationId" json:"id"`
	RouteTableID  string           `xml:"routeTableId" json:"rtb"`
	SubnetID      string           `xml:"subnetId,omitempty" json:"subnet,omitempty"`
	State         associationState `xml:"associationState" json:"-"`
}

type associationState struct {
	State string `xml:"state"`
}

// InternetGateway is EC2's InternetGateway.
type InternetGateway struct {
	InternetGatewayID string                      `xml:"internetGatewayId" json:"id"`
	OwnerID           string                      `xml:"ownerId" json:"owner"`
	Attachments       []InternetGatewayAttachment `xml:"attachmentSet>item" json:"attach"`
	Tags              []Tag                       `xml:"tagSet>item" json:"tags,omitempty"`
}

// InternetGatewayAttachment is an internet gateway's VPC.
type InternetGatewayAttachment struct {
	State string `xml:"state" json:"state"`
	VpcID string `xml:"vpcId" json:"vpc"`
}

// SecurityGroup is EC2's SecurityGroup.
type SecurityGroup struct {
	GroupID             string         `xml:"groupId" json:"id"`
	GroupName           string         `xml:"groupName" json:"name"`
	Description         string         `xml:"groupDescription" json:"desc"`
	VpcID               string         `xml:"vpcId" json:"vpc"`
	OwnerID             string         `xml:"ownerId" json:"owner"`
	IpPermissions       []IpPermission `xml:"ipPermissions>item" json:"in"`
	IpPermissionsEgress []IpPermission `xml:"ipPermissionsEgress>item" json:"out"`
	SecurityGroupArn    string         `xml:"securityGroupArn" json:"arn"`
	Tags                []Tag          `xml:"tagSet>item" json:"tags,omitempty"`
	// Rules keeps each rule's id (sgr-) for DescribeSecurityGroupRules.
	Rules []SecurityGroupRule `xml:"-" json:"rules,omitempty"`
	// IsDefault marks a VPC's default group, which cannot be deleted.
	IsDefault bool `xml:"-" json:"default,omitempty"`
}

// IpPermission is one permission of a security group.
type IpPermission struct {
	IpProtocol       string            `xml:"ipProtocol" json:"proto"`
	FromPort         *int32            `xml:"fromPort,omitempty" json:"from,omitempty"`
	ToPort           *int32            `xml:"toPort,omitempty" json:"to,omitempty"`
	UserIdGroupPairs []UserIdGroupPair `xml:"groups>item" json:"groups,omitempty"`
	IpRanges         []IpRange         `xml:"ipRanges>item" json:"v4,omitempty"`
	Ipv6Ranges       []Ipv6Range       `xml:"ipv6Ranges>item" json:"v6,omitempty"`
	PrefixListIds    []struct{}        `xml:"prefixListIds>item" json:"-"`
}

// IpRange is an IPv4 CIDR in a permission.
type IpRange struct {
	CidrIP      string `xml:"cidrIp" json:"cidr"`
	Description string `xml:"description,omitempty" json:"desc,omitempty"`
}

// Ipv6Range is an IPv6 CIDR in a permission.
type Ipv6Range struct {
	CidrIpv6    string `xml:"cidrIpv6" json:"cidr"`
	Description string `xml:"description,omitempty" json:"desc,omitempty"`
}

// UserIdGroupPair references another security group.
type UserIdGroupPair struct {
	Description string `xml:"description,omitempty" json:"desc,omitempty"`
	UserID      string `xml:"userId,omitempty" json:"user,omitempty"`
	GroupID     string `xml:"groupId,omitempty" json:"group,omitempty"`
	GroupName   string `xml:"groupName,omitempty" json:"name,omitempty"`
	VpcID       string `xml:"vpcId,omitempty" json:"vpc,omitempty"`
}

// SecurityGroupRule is one rule (one protocol/port range/peer) with its id.
type SecurityGroupRule struct {
	ID          string `json:"id"`
	Egress      bool   `json:"egress,omitempty"`
	Protocol    string `json:"proto"`
	FromPort    int32  `json:"from"`
	ToPort      int32  `json:"to"`
	CidrIPv4    string `json:"v4,omitempty"`
	CidrIPv6    string `json:"v6,omitempty"`
	GroupID     string `json:"group,omitempty"`
	Description string `json:"desc,omitempty"`
	Tags        []Tag  `json:"tags,omitempty"`
}

// NetworkACL is EC2's NetworkAcl.
type NetworkACL struct {
	NetworkACLID string                  `xml:"networkAclId" json:"id"`
	VpcID        string                  `xml:"vpcId" json:"vpc"`
	IsDefault    bool                    `xml:"default" json:"default"`
	OwnerID      string                  `xml:"ownerId" json:"owner"`
	Entries      []NetworkACLEntry       `xml:"entrySet>item" json:"entries"`
	Associations []NetworkACLAssociation `xml:"associationSet>item" json:"assoc"`
	Tags         []Tag                   `xml:"tagSet>item" json:"tags,omitempty"`
}

// NetworkACLEntry is one numbered rule of a network ACL.
type NetworkACLEntry struct {
	RuleNumber    int32         `xml:"ruleNumber" json:"n"`
	Protocol      string        `xml:"protocol" json:"proto"`
	RuleAction    string        `xml:"ruleAction" json:"action"`
	Egress        bool          `xml:"egress" json:"egress"`
	CidrBlock     string        `xml:"cidrBlock,omitempty" json:"cidr,omitempty"`
	Ipv6CidrBlock string        `xml:"ipv6CidrBlock,omitempty" json:"v6,omitempty"`
	PortRange     *PortRange    `xml:"portRange,omitempty" json:"ports,omitempty"`
	IcmpTypeCode  *IcmpTypeCode `xml:"icmpTypeCode,omitempty" json:"icmp,omitempty"`
}

// PortRange is a network ACL entry's ports.
type PortRange struct {
	From int32 `xml:"from" json:"from"`
	To   int32 `xml:"to" json:"to"`
}

// NetworkACLAssociation links a network ACL to a subnet.
type NetworkACLAssociation struct {
	AssociationID string `xml:"networkAclAssociationId" json:"id"`
	NetworkACLID  string `xml:"networkAclId" json:"acl"`
	SubnetID      string `xml:"subnetId" json:"subnet"`
}

// DhcpOptions is EC2's DhcpOptions: the region's default set (Default,
// or no Config: domain name and AmazonProvidedDNS) or one CreateDhcpOptions
// made.
type DhcpOptions struct {
	DhcpOptionsID string       `xml:"dhcpOptionsId" json:"id"`
	OwnerID       string       `xml:"ownerId" json:"owner"`
	Default       bool         `xml:"-" json:"default,omitempty"`
	Config        []dhcpOption `xml:"-" json:"config,omitempty"`
	Tags          []Tag        `xml:"tagSet>item" json:"tags,omitempty"`
}

// dhcpOption is one key of a DHCP options set and its values.
type dhcpOption struct {
	Key    string   `json:"k"`
	Values []string `json:"v"`
}

// defaultEgress is a new security group's one egress rule: all traffic
// to 0.0.0.0/0.
func defaultEgress() []IpPermission {
	return []IpPermission{{IpProtocol: "-1", IpRanges: []IpRange{{CidrIP: "0.0.0.0/0"}}}}
}

// defaultACLEntries are a default network ACL's rules: allow all (100)
// and the final deny (*, 32767), in and out.
func defaultACLEntries() []NetworkACLEntry {
	return []NetworkACLEntry{
		{RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: true, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: true, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 100, Protocol: "-1", RuleAction: "allow", Egress: false, CidrBlock: "0.0.0.0/0"},
		{RuleNumber: 32767, Protocol: "-1", RuleAction: "deny", Egress: false, CidrBlock: "0.0.0.0/0"},
	}
}
