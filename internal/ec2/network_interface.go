package ec2

import (
	"time"

	"github.com/gureum/gureum/internal/store"
)

// NetworkInterface is EC2's NetworkInterface (ENI). Every instance has one
// at device index 0; public and Elastic IPs are associated with ENIs.
type NetworkInterface struct {
	NetworkInterfaceID string                       `xml:"networkInterfaceId" json:"id"`
	SubnetID           string                       `xml:"subnetId" json:"subnet"`
	VpcID              string                       `xml:"vpcId" json:"vpc"`
	AvailabilityZone   string                       `xml:"availabilityZone" json:"az"`
	Description        string                       `xml:"description" json:"desc,omitempty"`
	OwnerID            string                       `xml:"ownerId" json:"owner"`
	RequesterManaged   bool                         `xml:"requesterManaged" json:"managed,omitempty"`
	Status             string                       `xml:"status" json:"status"` // available, in-use
	MacAddress         string                       `xml:"macAddress" json:"mac"`
	PrivateIPAddress   string                       `xml:"privateIpAddress" json:"ip"`
	PrivateDNSName     string                       `xml:"privateDnsName" json:"dns"`
	SourceDestCheck    bool                         `xml:"sourceDestCheck" json:"srcdst"`
	InterfaceType      string                       `xml:"interfaceType" json:"type"` // interface, nat_gateway
	Groups             []GroupIdentifier            `xml:"groupSet>item" json:"groups"`
	Attachment         *NetworkInterfaceAttachment  `xml:"attachment,omitempty" json:"attach,omitempty"`
	Association        *NetworkInterfaceAssociation `xml:"association,omitempty" json:"assoc,omitempty"`
	PrivateIPAddresses []NetworkInterfacePrivateIP  `xml:"privateIpAddressesSet>item" json:"-"`
	Tags               []Tag                        `xml:"tagSet>item" json:"tags,omitempty"`
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

// fill derives the members computed from others before an ENI is shown.
func (n *NetworkInterface) fill() {
	n.PrivateIPAddresses = []NetworkInterfacePrivateIP{{PrivateIPAddress: n.PrivateIPAddress, PrivateDNSName: n.PrivateDNSName, Primary: true, Association: n.Association}}
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
		return nil, errf("InvalidNetworkInterfaceID.NotFound", "The networkInterface ID '%s' does not exist", id)
	}
	return n, err
}

// networkInterfaceOps returns this file's operations (Create, Describe,
// Attach, Detach, Delete, ModifyNetworkInterfaceAttribute: not written
// yet).
func (s *Service) networkInterfaceOps() opTable { return nil }
