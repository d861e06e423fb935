package ec2

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// Instances: RunInstances, DescribeInstances, Start/Stop/Reboot/Terminate.
// The API records the state and the reconciler (instance_reconcile.go)
// moves it on through the compute driver: pending 0 → running 16,
// stopping 64 → stopped 80, shutting-down 32 → terminated 48; terminated
// instances stay visible for Timings.TerminatedRetention, then vanish.

// InstanceState is an instance's state.
type InstanceState struct {
	Code int32  `xml:"code" json:"code"`
	Name string `xml:"name" json:"name"`
}

var (
	statePending      = InstanceState{0, "pending"}
	stateRunning      = InstanceState{16, "running"}
	stateShuttingDown = InstanceState{32, "shutting-down"}
	stateTerminated   = InstanceState{48, "terminated"}
	stateStopping     = InstanceState{64, "stopping"}
	stateStopped      = InstanceState{80, "stopped"}
)

// Placement is an instance's placement.
type Placement struct {
	AvailabilityZone string `xml:"availabilityZone" json:"az"`
	GroupName        string `xml:"groupName" json:"group,omitempty"`
	Tenancy          string `xml:"tenancy" json:"tenancy"`
}

type monitoringState struct {
	State string `xml:"state" json:"state"`
}

// InstanceBlockDeviceMapping is an instance's volume.
type InstanceBlockDeviceMapping struct {
	DeviceName string                 `xml:"deviceName" json:"dev"`
	Ebs        EbsInstanceBlockDevice `xml:"ebs" json:"ebs"`
}

// EbsInstanceBlockDevice is an instance's EBS volume.
type EbsInstanceBlockDevice struct {
	AttachTime          time.Time `xml:"attachTime" json:"time"`
	DeleteOnTermination bool      `xml:"deleteOnTermination" json:"dot"`
	Status              string    `xml:"status" json:"status"`
	VolumeID            string    `xml:"volumeId" json:"vol"`
}

// IamInstanceProfile is an instance's profile.
type IamInstanceProfile struct {
	Arn string `xml:"arn" json:"arn"`
	ID  string `xml:"id" json:"id"`
}

type cpuOptions struct {
	CoreCount      int32 `xml:"coreCount" json:"cores"`
	ThreadsPerCore int32 `xml:"threadsPerCore" json:"threads"`
}

type metadataOptions struct {
	State                   string `xml:"state" json:"state"`
	HttpTokens              string `xml:"httpTokens" json:"tokens"`
	HttpPutResponseHopLimit int32  `xml:"httpPutResponseHopLimit" json:"hops"`
	HttpEndpoint            string `xml:"httpEndpoint" json:"endpoint"`
	HttpProtocolIpv6        string `xml:"httpProtocolIpv6" json:"v6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags" json:"tags"`
}

type enabledFlag struct {
	Enabled bool `xml:"enabled" json:"on"`
}

type hibernation struct {
	Configured bool `xml:"configured" json:"on"`
}

type capacityReservation struct {
	Preference string `xml:"capacityReservationPreference" json:"pref"`
}

type privateDNSOptions struct {
	HostnameType                    string `xml:"hostnameType" json:"type"`
	EnableResourceNameDnsARecord    bool   `xml:"enableResourceNameDnsARecord" json:"a"`
	EnableResourceNameDnsAAAARecord bool   `xml:"enableResourceNameDnsAAAARecord" json:"aaaa"`
}

type maintenanceOptions struct {
	AutoRecovery string `xml:"autoRecovery" json:"auto"`
}

// InstanceNetworkInterface is an ENI as an instance shows it.
type InstanceNetworkInterface struct {
	Association        *NetworkInterfaceAssociation  `xml:"association,omitempty"`
	Attachment         *NetworkInterfaceAttachment   `xml:"attachment,omitempty"`
	Description        string                        `xml:"description"`
	Groups             []GroupIdentifier             `xml:"groupSet>item"`
	MacAddress         string                        `xml:"macAddress"`
	NetworkInterfaceID string                        `xml:"networkInterfaceId"`
	OwnerID            string                        `xml:"ownerId"`
	PrivateDNSName     string                        `xml:"privateDnsName"`
	PrivateIPAddress   string                        `xml:"privateIpAddress"`
	PrivateIPAddresses []NetworkInterfacePrivateIP   `xml:"privateIpAddressesSet>item"`
	Ipv6Addresses      []NetworkInterfaceIpv6Address `xml:"ipv6AddressesSet>item"`
	SourceDestCheck    bool                          `xml:"sourceDestCheck"`
	Status             string                        `xml:"status"`
	SubnetID           string                        `xml:"subnetId"`
	VpcID              string                        `xml:"vpcId"`
	InterfaceType      string                        `xml:"interfaceType"`
}

// Instance is EC2's Instance, as stored and shown.
type Instance struct {
	InstanceID            string                       `xml:"instanceId" json:"id"`
	ImageID               string                       `xml:"imageId" json:"ami"`
	State                 InstanceState                `xml:"instanceState" json:"state"`
	PrivateDNSName        string                       `xml:"privateDnsName" json:"pdns"`
	DNSName               string                       `xml:"dnsName" json:"-"`
	Reason                string                       `xml:"reason" json:"reason,omitempty"`
	KeyName               string                       `xml:"keyName,omitempty" json:"key,omitempty"`
	AmiLaunchIndex        int32                        `xml:"amiLaunchIndex" json:"idx"`
	InstanceType          string                       `xml:"instanceType" json:"type"`
	LaunchTime            time.Time                    `xml:"launchTime" json:"launch"`
	Placement             Placement                    `xml:"placement" json:"place"`
	Monitoring            monitoringState              `xml:"monitoring" json:"mon"`
	SubnetID              string                       `xml:"subnetId,omitempty" json:"subnet"`
	VpcID                 string                       `xml:"vpcId,omitempty" json:"vpc"`
	PrivateIPAddress      string                       `xml:"privateIpAddress,omitempty" json:"ip"`
	IPAddress             string                       `xml:"ipAddress,omitempty" json:"-"`
	SourceDestCheck       bool                         `xml:"sourceDestCheck" json:"srcdst"`
	Groups                []GroupIdentifier            `xml:"groupSet>item" json:"groups"`
	StateReason           *StateReason                 `xml:"stateReason,omitempty" json:"sr,omitempty"`
	Architecture          string                       `xml:"architecture" json:"arch"`
	RootDeviceType        string                       `xml:"rootDeviceType" json:"-"`
	RootDeviceName        string                       `xml:"rootDeviceName" json:"root"`
	BlockDeviceMapping    []InstanceBlockDeviceMapping `xml:"blockDeviceMapping>item" json:"bdm"`
	VirtualizationType    string                       `xml:"virtualizationType" json:"-"`
	ClientToken           string                       `xml:"clientToken" json:"token,omitempty"`
	Tags                  []Tag                        `xml:"tagSet>item,omitempty" json:"tags,omitempty"`
	Hypervisor            string                       `xml:"hypervisor" json:"-"`
	NetworkInterfaces     []InstanceNetworkInterface   `xml:"networkInterfaceSet>item" json:"-"`
	IamInstanceProfile    *IamInstanceProfile          `xml:"iamInstanceProfile,omitempty" json:"iam,omitempty"`
	EbsOptimized          bool                         `xml:"ebsOptimized" json:"ebsopt,omitempty"`
	EnaSupport            bool                         `xml:"enaSupport" json:"ena"`
	CpuOptions            cpuOptions                   `xml:"cpuOptions" json:"cpu"`
	CapacityReservation   capacityReservation          `xml:"capacityReservationSpecification" json:"cr,omitzero"`
	HibernationOptions    hibernation                  `xml:"hibernationOptions" json:"-"`
	MetadataOptions       metadataOptions              `xml:"metadataOptions" json:"md"`
	EnclaveOptions        enabledFlag                  `xml:"enclaveOptions" json:"-"`
	BootMode              string                       `xml:"bootMode,omitempty" json:"-"`
	PlatformDetails       string                       `xml:"platformDetails" json:"-"`
	UsageOperation        string                       `xml:"usageOperation" json:"-"`
	UsageOperationUpdate  time.Time                    `xml:"usageOperationUpdateTime" json:"-"`
	PrivateDNSNameOptions privateDNSOptions            `xml:"privateDnsNameOptions" json:"pdnso,omitzero"`
	MaintenanceOptions    maintenanceOptions           `xml:"maintenanceOptions" json:"-"`
	CurrentBootMode       string                       `xml:"currentInstanceBootMode" json:"boot"`

	InstanceLifecycle     string `xml:"instanceLifecycle,omitempty" json:"life,omitempty"`
	SpotInstanceRequestID string `xml:"spotInstanceRequestId,omitempty" json:"sir,omitempty"`

	// Not shown by DescribeInstances.
	ReservationID         string          `xml:"-" json:"rsv"`
	OwnerID               string          `xml:"-" json:"owner"`
	ENIs                  []string        `xml:"-" json:"enis"`
	UserData              string          `xml:"-" json:"ud,omitempty"` // base64
	DisableAPITermination bool            `xml:"-" json:"noterm,omitempty"`
	DisableAPIStop        bool            `xml:"-" json:"nostop,omitempty"`
	ShutdownBehavior      string          `xml:"-" json:"shutdown,omitempty"`
	PublicOnLaunch        bool            `xml:"-" json:"pubOnLaunch,omitempty"`
	Handle                *compute.Handle `xml:"-" json:"handle,omitempty"`
	TerminatedAt          time.Time       `xml:"-" json:"tat,omitzero"`
	// IamAssociation is the id of the profile's association when
	// Associate/ReplaceIamInstanceProfileAssociation made it, and
	// IamAssociatedAt when (see profileAssociation).
	IamAssociation  string    `xml:"-" json:"iipa,omitempty"`
	IamAssociatedAt time.Time `xml:"-" json:"iipat,omitzero"`
	// CpuCredits is a burstable instance's credit option ("" is its
	// type's default, see cpuCredits).
	CpuCredits string `xml:"-" json:"credits,omitempty"`

	// xmlSrc is the stored records this value was made from, when it was
	// read for a listing (see AppendXML).
	xmlSrc [][]byte
}

// fill sets the members that are the same for every instance or derived
// from others, before the instance is shown.
func (i *Instance) fill() {
	i.RootDeviceType, i.VirtualizationType, i.Hypervisor = "ebs", "hvm", "xen"
	if i.CapacityReservation.Preference == "" {
		i.CapacityReservation = capacityReservation{"open"}
	}
	i.PlatformDetails, i.UsageOperation, i.UsageOperationUpdate = "Linux/UNIX", "RunInstances", i.LaunchTime
	if i.PrivateDNSNameOptions.HostnameType == "" {
		i.PrivateDNSNameOptions = privateDNSOptions{HostnameType: "ip-name"}
	}
	i.MaintenanceOptions = maintenanceOptions{"default"}
	if i.MetadataOptions.State == "" || i.State.Name != "pending" {
		i.MetadataOptions.State = "applied"
	}
	if i.State.Name == "pending" {
		i.MetadataOptions.State = "pending"
	}
}

func validInstanceID(id string) error {
	if !strings.HasPrefix(id, "i-") || len(id) < 10 || strings.Trim(id[2:], "0123456789abcdef") != "" {
		return errInvalidInstanceIDMalformed(id)
	}
	return nil
}

func getInstance(tx store.Tx, sc scope, id string) (*Instance, error) {
	if err := validInstanceID(id); err != nil {
		return nil, err
	}
	i, err := getRes[Instance](tx, sc, id)
	if isNotFound(err) {
		return nil, errInstanceNotFound(id)
	}
	return i, err
}

func (s *Service) instanceOps() opTable {
	return opTable{
		"RunInstances":              handle(s.runInstances),
		"DescribeInstances":         handle(s.describeInstances),
		"StartInstances":            handle(s.startInstances),
		"StopInstances":             handle(s.stopInstances),
		"TerminateInstances":        handle(s.terminateInstances),
		"RebootInstances":           handle(s.rebootInstances),
		"DescribeInstanceStatus":    handle(s.describeInstanceStatus),
		"DescribeInstanceAttribute": handle(s.describeInstanceAttribute),
		"ModifyInstanceAttribute":   handle(s.modifyInstanceAttribute),
		"GetConsoleOutput":          handle(s.getConsoleOutput),
	}
}

// instanceSpec is what the driver needs to start an instance.
func (s *Service) instanceSpec(ctx context.Context, tx store.Tx, sc scope, inst *Instance) (compute.Spec, error) {
	spec := compute.Spec{Account: sc.acct, Region: sc.region, InstanceID: inst.InstanceID, InstanceType: inst.InstanceType, Architecture: inst.Architecture,
		Hostname: inst.PrivateDNSName, PrivateIP: inst.PrivateIPAddress, VpcID: inst.VpcID, SubnetID: inst.SubnetID, Previous: inst.Handle}
	if s.netOn() {
		spec.Interface = "eth0" // the VPC network plugs it after each start
		if vpc, err := getRes[Vpc](tx, sc, inst.VpcID); err == nil {
			if p, err := netip.ParsePrefix(vpc.CidrBlock); err == nil {
				spec.Nameservers, spec.Search = instanceDNS(tx, sc, vpc, ResolverAddr(p))
				spec.Env = []string{"AWS_ENDPOINT_URL=http://" + APIAddrInVPC, "AWS_DEFAULT_REGION=" + sc.region, "AWS_REGION=" + sc.region}
			}
		}
	}
	if t, ok := lookupInstanceType(inst.InstanceType); ok {
		spec.VCPUs, spec.MemoryMiB = t.vcpu, t.memMiB
	}
	if inst.UserData != "" {
		spec.UserData, _ = base64.StdEncoding.DecodeString(inst.UserData)
	}
	if im, err := s.findImage(ctx, tx, sc, inst.ImageID); err == nil {
		spec.ImageRef = im.Ref
	}
	if sub, err := getSubnet(tx, sc, inst.SubnetID); err == nil {
		spec.SubnetCIDR = sub.CidrBlock
	}
	if inst.KeyName != "" {
		if k, err := keyPairByName(tx, sc, inst.KeyName); err == nil && k.PublicKey != "" {
			spec.PublicKeys = []string{strings.TrimSpace(k.PublicKey) + " " + inst.KeyName}
		}
	}
	if len(inst.ENIs) > 0 {
		if n, err := getRes[NetworkInterface](tx, sc, inst.ENIs[0]); err == nil && n.Association != nil {
			spec.PublicIP = n.Association.PublicIP
		}
	}
	disks, err := instanceDisks(tx, sc, inst)
	if err != nil {
		return spec, err
	}
	spec.Disks = disks
	return spec, nil
}

// checkImage fails a launch at once when the driver knows the AMI's image
// cannot be had (not built, not pullable). An engine that does not answer
// is no reason to refuse: the reconciler retries until it does.
func (s *Service) checkImage(ctx context.Context, sc scope, amiID string) error {
	c, ok := s.driver().(compute.ImageChecker)
	if !ok || amiID == "" {
		return nil
	}
	var ref string
	if err := s.store.View(ctx, func(tx store.Tx) error {
		if im, err := s.findImage(ctx, tx, sc, amiID); err == nil && im.State == "available" {
			ref = im.Ref
		}
		return nil
	}); err != nil || ref == "" {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := c.CheckImage(cctx, ref)
	if errors.Is(err, compute.ErrImageUnavailable) {
		msg := strings.TrimPrefix(err.Error(), compute.ErrImageUnavailable.Error()+": ")
		return errInvalidAMIIDUnavailable("The image id '[%s]' is not available: %s", amiID, msg)
	}
	if err != nil {
		s.log.Warn("ec2: checking an AMI's image", "ami", amiID, "err", err)
	}
	return nil
}

// RunInstances.

type networkInterfaceSpec struct {
	AssociatePublicIpAddress       *bool
	DeleteOnTermination            *bool
	Description                    string
	DeviceIndex                    *int32
	SecurityGroupId                []string
	NetworkInterfaceId             string
	PrivateIpAddress               string
	PrivateIpAddresses             []privateIPSpec
	SecondaryPrivateIpAddressCount *int32
	SubnetId                       string
	Ipv6AddressCount               *int32
	Ipv6Addresses                  []struct{ Ipv6Address string }
}

type runInstancesInput struct {
	ImageId                           string
	InstanceType                      string
	MinCount                          *int32
	MaxCount                          *int32
	KeyName                           string
	SecurityGroupId                   []string
	SecurityGroup                     []string
	SubnetId                          string
	UserData                          string
	PrivateIpAddress                  string
	Ipv6AddressCount                  *int32
	Ipv6Address                       []struct{ Ipv6Address string }
	NetworkInterface                  []networkInterfaceSpec
	IamInstanceProfile                *struct{ Arn, Name string }
	Placement                         *struct{ AvailabilityZone, GroupName, Tenancy string }
	Monitoring                        *struct{ Enabled bool }
	TagSpecification                  []TagSpecification
	ClientToken                       string
	DisableApiTermination             bool
	DisableApiStop                    bool
	InstanceInitiatedShutdownBehavior string
	EbsOptimized                      bool
	MetadataOptions                   *struct {
		HttpTokens              string
		HttpPutResponseHopLimit *int32
		HttpEndpoint            string
		InstanceMetadataTags    string
	}
	CreditSpecification   *struct{ CpuCredits string }
	BlockDeviceMapping    []blockDeviceSpec
	InstanceMarketOptions *struct {
		MarketType  string
		SpotOptions *struct {
			MaxPrice                     string
			SpotInstanceType             string
			InstanceInterruptionBehavior string
			ValidUntil                   *time.Time
			BlockDurationMinutes         *int32
		}
	}
	DryRun bool

	// spot is set when the launch is a Spot request's.
	spot *spotOrder
}

// Reservation is EC2's Reservation.
type Reservation struct {
	ReservationID string            `xml:"reservationId"`
	OwnerID       string            `xml:"ownerId"`
	Groups        []GroupIdentifier `xml:"groupSet>item"`
	Instances     []*Instance       `xml:"instancesSet>item"`

	rendered *renderedReservation // set for a cached listing's reservations
}

// tToken indexes RunInstances client tokens:
//
//	ec2.itoken: account "/" region "/" token → instance ids, comma-separated
const tToken = "ec2.itoken"

func macAddress() string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "0e:" + h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10]
}

func userInitiated(now time.Time) string {
	return "User initiated (" + now.UTC().Format("2006-01-02 15:04:05") + " GMT)"
}

var userShutdown = &StateReason{Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown"}

// defaultVpc returns the region's default VPC, nil when there is none.
func defaultVpc(tx store.Tx, sc scope) (*Vpc, error) {
	var def *Vpc
	err := scanRes(tx, sc, "vpc-", func(v *Vpc) error {
		if v.IsDefault {
			def = v
		}
		return nil
	})
	return def, err
}

func placementGroup(p *struct{ AvailabilityZone, GroupName, Tenancy string }) string {
	if p == nil {
		return ""
	}
	return p.GroupName
}

// associatePublicIP gives an ENI a public IP from the pool Elastic IPs
// share (address.go).
func (s *Service) associatePublicIP(tx store.Tx, sc scope, vpc *Vpc, eni *NetworkInterface) error {
	ip, err := s.takePublicIP(tx, sc, eni.NetworkInterfaceID)
	if err != nil {
		return err
	}
	a := &NetworkInterfaceAssociation{PublicIP: ip, IPOwnerID: "amazon"}
	if vpc == nil || vpc.EnableDNSHostnames {
		a.PublicDNSName = publicDNSName(sc.region, ip)
	}
	eni.Association = a
	return nil
}

// releaseAutoPublicIP drops an ENI's auto-assigned public IP (an Elastic
// IP stays).
func releaseAutoPublicIP(tx store.Tx, eni *NetworkInterface) error {
	if eni.Association == nil || eni.Association.AllocationID != "" || eni.Association.IPOwnerID != "amazon" {
		return nil
	}
	ip := eni.Association.PublicIP
	eni.Association = nil
	return returnPublicIP(tx, ip)
}

// showInstances fills the members derived from the instances' ENIs.
func (s *Service) showInstances(tx store.Tx, sc scope, insts []*Instance) error {
	return s.showWith(tx, sc, insts, nil)
}

// showWith is showInstances with the scope's ENIs already read (enis nil:
// read them here).
func (s *Service) showWith(tx store.Tx, sc scope, insts []*Instance, enis map[string]viewed[NetworkInterface]) error {
	// Many instances read their interfaces in one pass over the ENIs
	// rather than one lookup each (a listing of 1,000 spent more on the
	// lookups than on anything else).
	if enis == nil && len(insts) >= scanENIsFrom {
		var err error
		if enis, err = scanViews[NetworkInterface](tx, sc, "eni-"); err != nil {
			return err
		}
	}
	for _, inst := range insts {
		inst.fill()
		inst.NetworkInterfaces = nil
		inst.IPAddress, inst.DNSName = "", ""
		for _, id := range inst.ENIs {
			var n *NetworkInterface
			var raw []byte
			if enis != nil {
				v, ok := enis[id]
				if !ok {
					continue
				}
				cp := *v.v
				n, raw = &cp, v.raw
			} else {
				var err error
				n, raw, err = viewRes[NetworkInterface](tx, sc, id)
				if isNotFound(err) {
					continue
				}
				if err != nil {
					return err
				}
			}
			if inst.xmlSrc != nil {
				inst.xmlSrc = append(inst.xmlSrc, raw)
			}
			if n.Attachment != nil && n.Attachment.DeviceIndex == 0 && n.Association != nil {
				inst.IPAddress, inst.DNSName = n.Association.PublicIP, n.Association.PublicDNSName
			}
			n.fill()
			inst.NetworkInterfaces = append(inst.NetworkInterfaces, InstanceNetworkInterface{Association: n.Association, Attachment: n.Attachment,
				Description: n.Description, Groups: n.Groups, MacAddress: n.MacAddress, NetworkInterfaceID: n.NetworkInterfaceID, OwnerID: n.OwnerID,
				PrivateDNSName: n.PrivateDNSName, PrivateIPAddress: n.PrivateIPAddress, PrivateIPAddresses: n.PrivateIPAddresses, Ipv6Addresses: n.Ipv6Addresses,
				SourceDestCheck: n.SourceDestCheck, Status: n.Status, SubnetID: n.SubnetID, VpcID: n.VpcID, InterfaceType: n.InterfaceType})
		}
		if inst.State.Name == "terminated" {
			inst.NetworkInterfaces, inst.SubnetID, inst.VpcID, inst.PrivateIPAddress = nil, "", "", ""
			inst.BlockDeviceMapping = nil
		}
	}
	return nil
}

// releaseInstanceNetwork runs when an instance is terminated: ENIs that
// go with it are deleted (their addresses returned), others detached.
func (s *Service) releaseInstanceNetwork(tx store.Tx, sc scope, inst *Instance) error {
	for _, id := range inst.ENIs {
		n, err := getRes[NetworkInterface](tx, sc, id)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if err := releaseAutoPublicIP(tx, n); err != nil {
			return err
		}
		if n.Attachment != nil && n.Attachment.DeleteOnTermination {
			if n.Association != nil {
				// An Elastic IP is disassociated, not released.
				n.Association = nil
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
			if err := delRes(tx, sc, n.NetworkInterfaceID); err != nil {
				return err
			}
			continue
		}
		n.Attachment, n.Status = nil, "available"
		if err := putRes(tx, sc, n.NetworkInterfaceID, n); err != nil {
			return err
		}
	}
	return nil
}

// DescribeInstances.

type describeInstancesInput struct {
	InstanceId []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeInstancesOutput struct {
	Reservations []*Reservation `xml:"reservationSet>item"`
	NextToken    string         `xml:"nextToken,omitempty"`
}

func (i *Instance) filter(name string) ([]string, bool) {
	one := func(s string) ([]string, bool) { return []string{s}, true }
	switch name {
	case "instance-id":
		return one(i.InstanceID)
	case "instance-state-name":
		return one(i.State.Name)
	case "instance-state-code":
		return one(itoa(int(i.State.Code)))
	case "instance-type":
		return one(i.InstanceType)
	case "image-id":
		return one(i.ImageID)
	case "vpc-id":
		return one(i.VpcID)
	case "subnet-id":
		return one(i.SubnetID)
	case "private-ip-address":
		return one(i.PrivateIPAddress)
	case "network-interface.addresses.private-ip-address":
		if i.NetworkInterfaces == nil {
			return one(i.PrivateIPAddress)
		}
		var out []string
		for _, n := range i.NetworkInterfaces {
			for _, a := range n.PrivateIPAddresses {
				out = append(out, a.PrivateIPAddress)
			}
		}
		return out, true
	case "ip-address", "network-interface.addresses.association.public-ip":
		return one(i.IPAddress)
	case "private-dns-name":
		return one(i.PrivateDNSName)
	case "dns-name":
		return one(i.DNSName)
	case "key-name":
		return one(i.KeyName)
	case "availability-zone":
		return one(i.Placement.AvailabilityZone)
	case "tenancy":
		return one(i.Placement.Tenancy)
	case "architecture":
		return one(i.Architecture)
	case "reservation-id":
		return one(i.ReservationID)
	case "owner-id":
		return one(i.OwnerID)
	case "client-token":
		return one(i.ClientToken)
	case "launch-index":
		return one(itoa(int(i.AmiLaunchIndex)))
	case "launch-time":
		return one(i.LaunchTime.Format("2006-01-02T15:04:05.000Z"))
	case "root-device-type":
		return one("ebs")
	case "root-device-name":
		return one(i.RootDeviceName)
	case "monitoring-state":
		return one(i.Monitoring.State)
	case "platform-details":
		return one("Linux/UNIX")
	case "hypervisor":
		return one("xen")
	case "virtualization-type":
		return one("hvm")
	case "source-dest-check":
		return one(boolStr(i.SourceDestCheck))
	case "iam-instance-profile.arn":
		if i.IamInstanceProfile == nil {
			return nil, true
		}
		return one(i.IamInstanceProfile.Arn)
	case "state-reason-code":
		if i.StateReason == nil {
			return nil, true
		}
		return one(i.StateReason.Code)
	case "instance.group-id", "group-id", "network-interface.group-id":
		var out []string
		for _, g := range i.Groups {
			out = append(out, g.GroupID)
		}
		return out, true
	case "instance.group-name", "group-name", "network-interface.group-name":
		var out []string
		for _, g := range i.Groups {
			out = append(out, g.GroupName)
		}
		return out, true
	case "network-interface.network-interface-id":
		return i.ENIs, true
	case "block-device-mapping.volume-id":
		var out []string
		for _, b := range i.BlockDeviceMapping {
			out = append(out, b.Ebs.VolumeID)
		}
		return out, true
	case "block-device-mapping.device-name":
		var out []string
		for _, b := range i.BlockDeviceMapping {
			out = append(out, b.DeviceName)
		}
		return out, true
	case "block-device-mapping.status":
		var out []string
		for _, b := range i.BlockDeviceMapping {
			out = append(out, b.Ebs.Status)
		}
		return out, true
	case "block-device-mapping.delete-on-termination":
		var out []string
		for _, b := range i.BlockDeviceMapping {
			out = append(out, boolStr(b.Ebs.DeleteOnTermination))
		}
		return out, true
	case "block-device-mapping.attach-time":
		var out []string
		for _, b := range i.BlockDeviceMapping {
			out = append(out, b.Ebs.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
		return out, true
	}
	return nil, false
}

// group arranges instances in reservations, in the order they come.
func group(insts []*Instance) []*Reservation {
	var out []*Reservation
	byID := map[string]*Reservation{}
	for _, inst := range insts {
		r := byID[inst.ReservationID]
		if r == nil {
			r = &Reservation{ReservationID: inst.ReservationID, OwnerID: inst.OwnerID, Groups: []GroupIdentifier{}}
			byID[inst.ReservationID] = r
			out = append(out, r)
		}
		r.Instances = append(r.Instances, inst)
	}
	return out
}

// instancesByID loads the named instances; every one must exist.
func instancesByID(tx store.Tx, sc scope, ids []string) ([]*Instance, error) {
	var out []*Instance
	var missing []string
	seen := map[string]bool{}
	for _, id := range ids {
		if err := validInstanceID(id); err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		inst, err := getRes[Instance](tx, sc, id)
		if isNotFound(err) {
			missing = append(missing, id)
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, inst)
	}
	if len(missing) > 0 {
		return nil, errInstanceNotFound(missing...)
	}
	return out, nil
}

func (s *Service) describeInstances(ctx context.Context, in *describeInstancesInput) (*describeInstancesOutput, error) {
	if len(in.InstanceId) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterCombination("The parameter instancesSet cannot be used with the parameter maxResults")
	}
	sc := scopeOf(ctx)
	var out []*Instance
	var next string
	var whole *listing
	err := s.store.View(ctx, func(tx store.Tx) error {
		var all []*Instance
		var err error
		shown := false
		if len(in.InstanceId) > 0 {
			if all, err = instancesByID(tx, sc, in.InstanceId); err != nil {
				return err
			}
		} else {
			l, err := s.listInstances(tx, sc)
			if err != nil {
				return err
			}
			if len(in.Filter) == 0 && in.MaxResults == nil && (in.NextToken == nil || *in.NextToken == "") {
				whole = l // every instance: the listing's own reservations
				return nil
			}
			all, shown = l.shown, true
		}
		needNet := filtersNeedNetwork(in.Filter)
		if needNet && !shown {
			if err := s.showInstances(tx, sc, all); err != nil {
				return err
			}
		}
		for _, inst := range all {
			ok, err := matchFilters(in.Filter, inst.Tags, inst.filter)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, inst)
			}
		}
		if out, next, err = page(out, in.MaxResults, in.NextToken, 5, 1000); err != nil {
			return err
		}
		if !needNet && !shown {
			return s.showInstances(tx, sc, out)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if whole != nil {
		return &describeInstancesOutput{Reservations: whole.reservations()}, nil
	}
	return &describeInstancesOutput{Reservations: group(out), NextToken: next}, nil
}

// State changes.

type instanceIDsInput struct {
	InstanceId []string
	Force      bool
	Hibernate  bool
	DryRun     bool
}

// InstanceStateChange is one instance's move.
type InstanceStateChange struct {
	InstanceID    string        `xml:"instanceId"`
	CurrentState  InstanceState `xml:"currentState"`
	PreviousState InstanceState `xml:"previousState"`
}

type stateChangeOutput struct {
	Instances []InstanceStateChange `xml:"instancesSet>item"`
}

// changeState applies fn to each instance (in one transaction, after all
// were checked) and records the moves.
func (s *Service) changeState(ctx context.Context, ids []string, check func(*Instance) error, apply func(store.Tx, scope, *Instance, time.Time) (time.Duration, error)) (*stateChangeOutput, error) {
	if len(ids) == 0 {
		return nil, errMissingParameter("InstanceId")
	}
	sc := scopeOf(ctx)
	out := &stateChangeOutput{}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		out.Instances = nil
		insts, err := instancesByID(tx, sc, ids)
		if err != nil {
			return err
		}
		for _, inst := range insts {
			if err := check(inst); err != nil {
				return err
			}
		}
		now := s.now().UTC()
		for _, inst := range insts {
			prev := inst.State
			due, err := apply(tx, sc, inst, now)
			if err != nil {
				return err
			}
			if inst.State != prev {
				if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
					return err
				}
				if due >= 0 {
					if err := addWork(tx, sc, inst.InstanceID, now.Add(due)); err != nil {
						return err
					}
				}
			}
			out.Instances = append(out.Instances, InstanceStateChange{InstanceID: inst.InstanceID, CurrentState: inst.State, PreviousState: prev})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) primaryENI(tx store.Tx, sc scope, inst *Instance) (*NetworkInterface, error) {
	if len(inst.ENIs) == 0 {
		return nil, nil
	}
	n, err := getRes[NetworkInterface](tx, sc, inst.ENIs[0])
	if isNotFound(err) {
		return nil, nil
	}
	return n, err
}

func (s *Service) stopInstances(ctx context.Context, in *instanceIDsInput) (*stateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceId, func(i *Instance) error {
		switch i.State.Name {
		case "pending":
			return errInstanceNeverRan(i.InstanceID)
		case "shutting-down", "terminated":
			return errInstanceCannotStop(i.InstanceID)
		}
		if i.DisableAPIStop && !in.Force {
			return errOperationNotPermitted("The instance '%s' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.", i.InstanceID)
		}
		return nil
	}, func(tx store.Tx, sc scope, i *Instance, now time.Time) (time.Duration, error) {
		if i.State.Name != "running" {
			return -1, nil
		}
		i.State, i.Reason, i.StateReason = stateStopping, userInitiated(now), userShutdown
		n, err := s.primaryENI(tx, sc, i)
		if err != nil || n == nil {
			return s.delay(s.timings.InstanceStopping), err
		}
		if err := releaseAutoPublicIP(tx, n); err != nil {
			return 0, err
		}
		return s.delay(s.timings.InstanceStopping), putRes(tx, sc, n.NetworkInterfaceID, n)
	})
}

func (s *Service) startInstances(ctx context.Context, in *instanceIDsInput) (*stateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceId, func(i *Instance) error {
		switch i.State.Name {
		case "stopping", "shutting-down", "terminated":
			return errInstanceState(i.InstanceID, "started")
		}
		return nil
	}, func(tx store.Tx, sc scope, i *Instance, now time.Time) (time.Duration, error) {
		if i.State.Name != "stopped" {
			return -1, nil
		}
		i.State, i.Reason, i.StateReason = statePending, "", nil
		if i.PublicOnLaunch {
			n, err := s.primaryENI(tx, sc, i)
			if err != nil {
				return 0, err
			}
			if n != nil && n.Association == nil {
				vpc, _ := getVpc(tx, sc, n.VpcID)
				if err := s.associatePublicIP(tx, sc, vpc, n); err != nil {
					return 0, err
				}
				if err := putRes(tx, sc, n.NetworkInterfaceID, n); err != nil {
					return 0, err
				}
			}
		}
		return s.delay(s.timings.InstancePending), nil
	})
}

func (s *Service) terminateInstances(ctx context.Context, in *instanceIDsInput) (*stateChangeOutput, error) {
	return s.changeState(ctx, in.InstanceId, func(i *Instance) error {
		if i.DisableAPITermination && i.State.Name != "terminated" {
			return errOperationNotPermitted("The instance '%s' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.", i.InstanceID)
		}
		return nil
	}, func(tx store.Tx, sc scope, i *Instance, now time.Time) (time.Duration, error) {
		if i.State.Name == "terminated" || i.State.Name == "shutting-down" {
			return -1, nil
		}
		i.State, i.Reason, i.StateReason = stateShuttingDown, userInitiated(now), userShutdown
		n, err := s.primaryENI(tx, sc, i)
		if err != nil || n == nil {
			return s.delay(s.timings.InstanceStopping), err
		}
		if err := releaseAutoPublicIP(tx, n); err != nil {
			return 0, err
		}
		return s.delay(s.timings.InstanceStopping), putRes(tx, sc, n.NetworkInterfaceID, n)
	})
}

func (s *Service) rebootInstances(ctx context.Context, in *instanceIDsInput) (*returnTrue, error) {
	// The reboot itself happens in the workload, through the reconciler;
	// the API does not wait.
	_, err := s.changeState(ctx, in.InstanceId, func(i *Instance) error {
		if i.State.Name == "terminated" {
			return errInstanceState(i.InstanceID, "rebooted")
		}
		return nil
	}, func(tx store.Tx, sc scope, i *Instance, now time.Time) (time.Duration, error) {
		if i.State.Name == "running" && i.Handle != nil {
			return -1, reconcile.Add(tx, workReboot, string(resKey(sc.acct, sc.region, i.InstanceID)), now)
		}
		return -1, nil
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
