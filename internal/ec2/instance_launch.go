package ec2

import (
	"context"
	"encoding/base64"
	"sort"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// RunInstances, in steps. validateLaunch checks the request alone into a
// launchPlan; the profile and the image are then looked up outside the
// store's transaction. Inside it, launchTx answers a client token seen
// before, or checks the image (launchImage), finds where the instances
// go (placeLaunch: subnet, VPC, zone, security groups, how many fit) and
// creates each (launchInstance: its Spot request, volumes, ENI through
// launchENI, work item). The steps run in the order of the checks, which
// is the order a client sees AWS's errors in: keep it.

// launchPlan is a RunInstances request once checked, with its defaults
// filled in. The transaction only reads it: it may run more than once.
type launchPlan struct {
	in         *runInstancesInput
	minC, maxC int32 // maxC is at most 1000
	typ        string
	it         itype
	userData   string // base64, as given
	// nic is the network interface given explicitly, which describes the
	// primary ENI; nil when none was.
	nic      *networkInterfaceSpec
	privIP   string
	secIPs   []string // the primary interface's secondary addresses: given, then secCount more
	secCount int
	v6       []string // the IPv6 addresses given
	v6n      int      // how many IPv6 addresses: -1 for the subnet's default
	shutdown string
	profile  *IamInstanceProfile
	md       metadataOptions

	instTags, eniTags, volTags []Tag
}

// launchSite is where a launch goes and what it boots, found in its
// transaction.
type launchSite struct {
	img      *Image
	disks    []launchDisk
	existing *NetworkInterface // the ENI given by id; nil when each instance gets a new one
	def      *Vpc              // the default VPC; nil when there is none
	sub      *Subnet
	vpc      *Vpc
	groups   []GroupIdentifier
	count    int32 // how many instances fit
	public   bool  // whether the ENIs get a public IP
	dot      bool  // the ENIs' DeleteOnTermination
}

// runInstances is RunInstances (and RequestSpotInstances' launch, with
// in.spot set).
func (s *Service) runInstances(ctx context.Context, in *runInstancesInput) (*Reservation, error) {
	p, err := s.validateLaunch(in)
	if err != nil {
		return nil, err
	}
	if pr := in.IamInstanceProfile; pr != nil && (pr.Arn != "" || pr.Name != "") {
		if p.profile, err = s.resolveProfile(ctx, pr.Arn, pr.Name); err != nil {
			return nil, err
		}
	}
	sc := scopeOf(ctx)
	if err := s.checkImage(ctx, sc, in.ImageId); err != nil {
		return nil, err
	}
	now := s.now().UTC().Truncate(time.Second)
	res := &Reservation{ReservationID: newID("r"), OwnerID: sc.acct, Groups: []GroupIdentifier{}}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		return s.launchTx(ctx, tx, sc, p, res, now)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// validateLaunch checks a RunInstances request without reading the
// store: counts, type and user data, the network interface, the
// addresses, tags, the Spot options, the shutdown behaviour.
func (s *Service) validateLaunch(in *runInstancesInput) (*launchPlan, error) {
	p := &launchPlan{in: in}
	if err := p.checkCounts(); err != nil {
		return nil, err
	}
	if err := p.checkNetworkInterface(); err != nil {
		return nil, err
	}
	if err := p.checkAddresses(); err != nil {
		return nil, err
	}
	var err error
	if p.instTags, err = tagsFor(in.TagSpecification, "instance", "volume", "network-interface", "spot-instances-request"); err != nil {
		return nil, err
	}
	if err := in.spotFromMarketOptions(s.now()); err != nil {
		return nil, err
	}
	p.eniTags, _ = tagsFor(in.TagSpecification, "network-interface", "instance", "volume", "spot-instances-request")
	p.volTags, _ = tagsFor(in.TagSpecification, "volume", "instance", "network-interface", "spot-instances-request")
	p.shutdown = in.InstanceInitiatedShutdownBehavior
	if p.shutdown == "" {
		p.shutdown = "stop"
	}
	if p.shutdown != "stop" && p.shutdown != "terminate" {
		return nil, errInvalidParameterValue("Value (%s) for parameter instanceInitiatedShutdownBehavior is invalid. Valid values are: stop, terminate.", p.shutdown)
	}
	p.md = launchMetadataOptions(in)
	return p, nil
}

// checkCounts checks the image id, the counts, the instance type and the
// user data.
func (p *launchPlan) checkCounts() error {
	in := p.in
	if in.ImageId == "" {
		return errMissingParameter("ImageId")
	}
	if in.MinCount == nil {
		return errMissingParameter("MinCount")
	}
	if in.MaxCount == nil {
		return errMissingParameter("MaxCount")
	}
	minC, maxC := *in.MinCount, *in.MaxCount
	if minC < 1 {
		return errInvalidParameterValue("Value (%d) for parameter minCount is invalid. Expected a positive integer.", minC)
	}
	if maxC < minC {
		return errInvalidParameterValue("Value (%d) for parameter maxCount is invalid. Expected a value greater than or equal to minCount (%d).", maxC, minC)
	}
	if minC > 1000 {
		return errInstanceLimitExceeded(minC)
	}
	p.minC, p.maxC = minC, min(maxC, 1000)
	p.typ = in.InstanceType
	if p.typ == "" {
		p.typ = "m1.small"
	}
	var found bool
	if p.it, found = lookupInstanceType(p.typ); !found {
		return errInvalidParameterValue("Invalid value '%s' for InstanceType.", p.typ)
	}
	if in.UserData != "" {
		raw, err := base64.StdEncoding.DecodeString(in.UserData)
		if err != nil {
			return errInvalidParameterValue("Invalid BASE64 encoding of user data.")
		}
		if len(raw) > 16384 {
			return errInvalidParameterValue("User data is limited to 16384 bytes")
		}
		p.userData = in.UserData
	}
	return nil
}

// checkNetworkInterface finds the network interface given explicitly,
// which describes the primary ENI.
func (p *launchPlan) checkNetworkInterface() error {
	in := p.in
	if len(in.NetworkInterface) == 0 {
		return nil
	}
	if in.SubnetId != "" {
		return errInvalidParameterCombination("Network interfaces and an instance-level subnet ID may not be specified on the same request")
	}
	if len(in.SecurityGroupId) > 0 || len(in.SecurityGroup) > 0 {
		return errInvalidParameterCombination("Network interfaces and an instance-level security groups may not be specified on the same request")
	}
	if in.PrivateIpAddress != "" {
		return errInvalidParameterCombination("Network interfaces and an instance-level private IP address may not be specified on the same request")
	}
	for i := range in.NetworkInterface {
		n := &in.NetworkInterface[i]
		if n.DeviceIndex == nil && n.NetworkInterfaceId == "" {
			return errMissingParameter("NetworkInterface.DeviceIndex")
		}
		if n.DeviceIndex != nil && *n.DeviceIndex == 0 {
			p.nic = n
		}
	}
	if p.nic == nil {
		return errInvalidParameterValue("Each network interface requires a device index, and one of them must have device index 0.")
	}
	if len(in.NetworkInterface) > 1 {
		return errUnsupportedOperation("gureum launches instances with one network interface; attach more with AttachNetworkInterface.")
	}
	if p.nic.NetworkInterfaceId != "" && p.maxC > 1 {
		return errInvalidParameterValue("You may only launch one instance when specifying an existing network interface.")
	}
	return nil
}

// checkAddresses checks the private IPv4 and the IPv6 addresses asked
// for, at the instance's level or the network interface's.
func (p *launchPlan) checkAddresses() error {
	in, nic := p.in, p.nic
	p.privIP = in.PrivateIpAddress
	if nic != nil {
		var err error
		if p.privIP, p.secIPs, err = splitPrivateIPs(nic.PrivateIpAddress, nic.PrivateIpAddresses); err != nil {
			return err
		}
		if err := validSecondaryCount(nic.SecondaryPrivateIpAddressCount); err != nil {
			return err
		}
		if nic.SecondaryPrivateIpAddressCount != nil {
			p.secCount = int(*nic.SecondaryPrivateIpAddressCount)
		}
		if nic.NetworkInterfaceId != "" && (p.privIP != "" || len(p.secIPs) > 0 || p.secCount > 0) {
			return errInvalidParameterCombination("Network interfaces and private IP addresses may not be specified on the same request as an existing network interface")
		}
	}
	v6Count, v6Addrs := in.Ipv6AddressCount, in.Ipv6Address
	if nic != nil && (nic.Ipv6AddressCount != nil || len(nic.Ipv6Addresses) > 0) {
		if v6Count != nil || len(v6Addrs) > 0 {
			return errInvalidParameterCombination("Network interfaces and an instance-level IPv6 address count or addresses may not be specified on the same request")
		}
		v6Count, v6Addrs = nic.Ipv6AddressCount, nic.Ipv6Addresses
	}
	for _, a := range v6Addrs {
		p.v6 = append(p.v6, a.Ipv6Address)
	}
	p.v6n = -1 // the subnet's default
	if v6Count != nil {
		if *v6Count < 0 {
			return errInvalidParameterValue("Value (%d) for parameter ipv6AddressCount is invalid. It must be a non-negative number.", *v6Count)
		}
		p.v6n = int(*v6Count)
	}
	if (p.privIP != "" || len(p.secIPs) > 0 || len(p.v6) > 0) && p.maxC > 1 {
		return errInvalidParameterCombination("Cannot specify an IP address when launching more than one instance")
	}
	if 1+len(p.secIPs)+p.secCount > ipsPerInterface(p.typ) {
		return errIPLimit()
	}
	return nil
}

// launchMetadataOptions is the instances' metadata options: AWS's
// defaults, then the request's.
func launchMetadataOptions(in *runInstancesInput) metadataOptions {
	md := metadataOptions{State: "pending", HttpTokens: "required", HttpPutResponseHopLimit: 2, HttpEndpoint: "enabled", HttpProtocolIpv6: "disabled", InstanceMetadataTags: "disabled"}
	if m := in.MetadataOptions; m != nil {
		if m.HttpTokens != "" {
			md.HttpTokens = m.HttpTokens
		}
		if m.HttpPutResponseHopLimit != nil {
			md.HttpPutResponseHopLimit = *m.HttpPutResponseHopLimit
		}
		if m.HttpEndpoint != "" {
			md.HttpEndpoint = m.HttpEndpoint
		}
		if m.InstanceMetadataTags != "" {
			md.InstanceMetadataTags = m.InstanceMetadataTags
		}
	}
	return md
}

// launchTx is RunInstances' transaction: it fills res with the
// instances launched, or with those a client token launched before.
// store.Update may call it more than once, so it starts afresh each
// time: res emptied, the image and the site found again.
func (s *Service) launchTx(ctx context.Context, tx store.Tx, sc scope, p *launchPlan, res *Reservation, now time.Time) error {
	in := p.in
	res.Instances = nil
	// Idempotency: the same client token answers the same reservation.
	if in.ClientToken != "" {
		if done, err := s.replayLaunch(tx, sc, in.ClientToken, res); done || err != nil {
			return err
		}
	}
	site := &launchSite{}
	var err error
	if site.img, site.disks, err = s.launchImage(ctx, tx, sc, p); err != nil {
		return err
	}
	if err := placeLaunch(tx, sc, p, site); err != nil {
		return err
	}
	var ids []string
	for n := int32(0); n < site.count; n++ {
		inst, err := s.launchInstance(tx, sc, p, site, res.ReservationID, now, n)
		if err != nil {
			return err
		}
		res.Instances = append(res.Instances, inst)
		ids = append(ids, inst.InstanceID)
	}
	if site.existing == nil {
		if err := putRes(tx, sc, site.sub.SubnetID, site.sub); err != nil {
			return err
		}
	}
	if in.ClientToken != "" {
		if err := tx.Put(tToken, resKey(sc.acct, sc.region, in.ClientToken), []byte(strings.Join(ids, ","))); err != nil {
			return err
		}
	}
	return s.showInstances(tx, sc, res.Instances)
}

// replayLaunch fills res with the instances that still exist of those
// a client token launched, reporting whether there were any (then
// shown).
func (s *Service) replayLaunch(tx store.Tx, sc scope, token string, res *Reservation) (bool, error) {
	b, err := tx.Get(tToken, resKey(sc.acct, sc.region, token))
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, id := range strings.Split(string(b), ",") {
		inst, err := getRes[Instance](tx, sc, id)
		if err != nil {
			continue
		}
		res.ReservationID = inst.ReservationID
		res.Instances = append(res.Instances, inst)
	}
	if len(res.Instances) == 0 {
		return false, nil
	}
	return true, s.showInstances(tx, sc, res.Instances)
}

// launchImage finds the image to boot, which must be available and of
// the instance type's architecture, and the volumes the instances get;
// and it checks the key pair.
func (s *Service) launchImage(ctx context.Context, tx store.Tx, sc scope, p *launchPlan) (*Image, []launchDisk, error) {
	in := p.in
	img, err := s.findImage(ctx, tx, sc, in.ImageId)
	if err != nil {
		return nil, nil, err
	}
	if img.State != "available" {
		return nil, nil, errInvalidAMIIDUnavailable("The image id '[%s]' is not available", img.ImageID)
	}
	disks, err := s.launchDisks(ctx, tx, sc, img, in.BlockDeviceMapping)
	if err != nil {
		return nil, nil, err
	}
	if !p.it.supports(img.Architecture) {
		return nil, nil, errInvalidParameterValue("The architecture '%s' of the specified instance type does not match the architecture '%s' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.", p.it.primaryArch(), img.Architecture)
	}
	if in.KeyName != "" {
		k, err := keyPairByName(tx, sc, in.KeyName)
		if err != nil {
			return nil, nil, err
		}
		if k == nil {
			return nil, nil, errKeyPairNotFound(in.KeyName)
		}
	}
	return img, disks, nil
}

// placeLaunch finds where the instances go: the subnet, its VPC, the
// security groups, how many instances fit, and how their ENIs are made.
func placeLaunch(tx store.Tx, sc scope, p *launchPlan, site *launchSite) error {
	in, nic := p.in, p.nic
	// The subnet: given, the existing ENI's, or the default VPC's.
	subnetID := in.SubnetId
	if nic != nil {
		subnetID = nic.SubnetId
		if nic.NetworkInterfaceId != "" {
			existing, err := getENI(tx, sc, nic.NetworkInterfaceId)
			if err != nil {
				return err
			}
			if existing.Attachment != nil {
				return errInvalidNetworkInterfaceInUse("Interface: [%s] in use.", existing.NetworkInterfaceID)
			}
			subnetID = existing.SubnetID
			site.existing = existing
		}
	}
	var err error
	if site.def, err = defaultVpc(tx, sc); err != nil {
		return err
	}
	if site.sub, err = launchSubnet(tx, sc, in, subnetID, site.def); err != nil {
		return err
	}
	sub, existing := site.sub, site.existing
	if in.Placement != nil && in.Placement.AvailabilityZone != "" && in.Placement.AvailabilityZone != sub.AvailabilityZone {
		return errInvalidParameterValue("Value (%s) for parameter availabilityZone is invalid. Subnet '%s' is in the availability zone %s", in.Placement.AvailabilityZone, sub.SubnetID, sub.AvailabilityZone)
	}
	if site.groups, err = launchGroups(tx, sc, p, site); err != nil {
		return err
	}
	if site.vpc, err = getVpc(tx, sc, sub.VpcID); err != nil {
		return err
	}
	// How many fit.
	site.count = p.maxC
	if existing != nil && 1+len(existing.SecondaryIPs) > ipsPerInterface(p.typ) {
		return errIPLimit()
	}
	if existing == nil {
		free := int32(sub.AvailableIPAddressCount / (1 + len(p.secIPs) + p.secCount))
		if free < p.minC {
			return errInsufficientFreeAddressesInSubnet(sub.SubnetID)
		}
		site.count = min(site.count, free)
	}
	site.public = sub.MapPublicIPOnLaunch
	if nic != nil && nic.AssociatePublicIpAddress != nil {
		site.public = *nic.AssociatePublicIpAddress
	}
	if existing != nil {
		site.public = false
	}
	site.dot = true
	if nic != nil && nic.DeleteOnTermination != nil {
		site.dot = *nic.DeleteOnTermination
	} else if existing != nil {
		site.dot = false
	}
	return nil
}

// launchSubnet is the subnet given by id, or else the default VPC's
// default subnet in the zone asked for (the first zone's when none is).
func launchSubnet(tx store.Tx, sc scope, in *runInstancesInput, subnetID string, def *Vpc) (*Subnet, error) {
	if subnetID != "" {
		return getSubnet(tx, sc, subnetID)
	}
	if def == nil {
		if len(in.SecurityGroup) > 0 {
			return nil, errVPCIdNotSpecified("No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
		}
		return nil, errVPCIdNotSpecified("No default VPC for this user")
	}
	zone := ""
	if in.Placement != nil {
		zone = in.Placement.AvailabilityZone
	}
	if zone != "" && !contains(zones(sc.region), zone) {
		return nil, errInvalidParameterValue("Invalid availability zone: [%s]", zone)
	}
	var subs []*Subnet
	if err := scanRes(tx, sc, "subnet-", func(o *Subnet) error {
		if o.VpcID == def.VpcID && o.DefaultForAz && (zone == "" || o.AvailabilityZone == zone) {
			subs = append(subs, o)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return nil, errMissingInput(def.VpcID)
	}
	sort.Slice(subs, func(a, b int) bool { return subs[a].AvailabilityZone < subs[b].AvailabilityZone })
	sub := subs[0]
	sub.fill()
	return sub, nil
}

// launchGroups is the instances' security groups: given by id (the
// instance's or the network interface's), then by name (the default
// VPC's only); else the existing ENI's; else the VPC's default group.
func launchGroups(tx store.Tx, sc scope, p *launchPlan, site *launchSite) ([]GroupIdentifier, error) {
	in, sub, def := p.in, site.sub, site.def
	var groups []GroupIdentifier
	ids := in.SecurityGroupId
	if p.nic != nil {
		ids = p.nic.SecurityGroupId
	}
	for _, gid := range ids {
		g, err := getRes[SecurityGroup](tx, sc, gid)
		if isNotFound(err) || (err == nil && !strings.HasPrefix(gid, "sg-")) {
			return nil, errGroupNotInVpc(gid, sub.VpcID)
		}
		if err != nil {
			return nil, err
		}
		if g.VpcID != sub.VpcID {
			return nil, errInvalidParameter("Security group %s and subnet %s belong to different networks.", g.GroupID, sub.SubnetID)
		}
		groups = append(groups, GroupIdentifier{GroupID: g.GroupID, GroupName: g.GroupName})
	}
	if len(in.SecurityGroup) > 0 {
		if def == nil || sub.VpcID != def.VpcID {
			return nil, errInvalidParameterCombination("The parameter groupName cannot be used with the parameter subnet")
		}
		all, err := listRes[SecurityGroup](tx, sc, "sg-")
		if err != nil {
			return nil, err
		}
		for _, name := range in.SecurityGroup {
			var hit *SecurityGroup
			for _, g := range all {
				if g.VpcID == def.VpcID && g.GroupName == name {
					hit = g
				}
			}
			if hit == nil {
				return nil, errGroupNameNotFound(name, def.VpcID)
			}
			groups = append(groups, GroupIdentifier{GroupID: hit.GroupID, GroupName: hit.GroupName})
		}
	}
	if site.existing != nil && len(groups) == 0 {
		groups = site.existing.Groups
	}
	if len(groups) == 0 {
		if err := scanRes(tx, sc, "sg-", func(g *SecurityGroup) error {
			if g.VpcID == sub.VpcID && g.GroupName == "default" && len(groups) == 0 {
				groups = []GroupIdentifier{{GroupID: g.GroupID, GroupName: g.GroupName}}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return groups, nil
}

// launchInstance creates the n-th instance of reservation resID, with
// its Spot request, volumes, ENI and work item.
func (s *Service) launchInstance(tx store.Tx, sc scope, p *launchPlan, site *launchSite, resID string, now time.Time, n int32) (*Instance, error) {
	in := p.in
	inst := p.instance(sc, site, resID, now, n)
	if in.spot != nil {
		if err := newSpotRequest(tx, sc, in.spot, inst, now); err != nil {
			return nil, err
		}
	}
	if c := in.CreditSpecification; c != nil && p.it.burst {
		inst.CpuCredits = c.CpuCredits
	}
	if err := attachLaunchDisks(tx, sc, inst, site.disks, p.volTags, now); err != nil {
		return nil, err
	}
	eni, err := s.launchENI(tx, sc, p, site, inst, now)
	if err != nil {
		return nil, err
	}
	inst.ENIs = []string{eni.NetworkInterfaceID}
	inst.PrivateIPAddress, inst.PrivateDNSName = eni.PrivateIPAddress, eni.PrivateDNSName
	if err := putRes(tx, sc, eni.NetworkInterfaceID, eni); err != nil {
		return nil, err
	}
	if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
		return nil, err
	}
	if err := addWork(tx, sc, inst.InstanceID, s.now().Add(s.delay(s.timings.InstancePending))); err != nil {
		return nil, err
	}
	return inst, nil
}

// instance is the n-th instance of reservation resID, pending, before
// its volumes and ENI.
func (p *launchPlan) instance(sc scope, site *launchSite, resID string, now time.Time, n int32) *Instance {
	in, img, sub := p.in, site.img, site.sub
	tenancy := "default"
	if in.Placement != nil && in.Placement.Tenancy != "" {
		tenancy = in.Placement.Tenancy
	}
	monitoring := "disabled"
	if in.Monitoring != nil && in.Monitoring.Enabled {
		monitoring = "enabled"
	}
	threads := int32(2)
	if p.it.vcpu == 1 || p.it.maker == "AWS" {
		threads = 1
	}
	inst := &Instance{InstanceID: newID("i"), ImageID: img.ImageID, State: statePending, KeyName: in.KeyName, AmiLaunchIndex: n,
		InstanceType: p.typ, LaunchTime: now, Placement: Placement{AvailabilityZone: sub.AvailabilityZone, GroupName: placementGroup(in.Placement), Tenancy: tenancy},
		Monitoring: monitoringState{monitoring}, SubnetID: sub.SubnetID, VpcID: sub.VpcID, SourceDestCheck: true, Groups: site.groups,
		Architecture: img.Architecture, RootDeviceName: img.RootDeviceName, ClientToken: in.ClientToken, Tags: p.instTags,
		IamInstanceProfile: p.profile, EbsOptimized: in.EbsOptimized, EnaSupport: true,
		CpuOptions: cpuOptions{CoreCount: max(p.it.vcpu/threads, 1), ThreadsPerCore: threads}, MetadataOptions: p.md,
		CurrentBootMode: "legacy-bios", ReservationID: resID, OwnerID: sc.acct, UserData: p.userData,
		DisableAPITermination: in.DisableApiTermination, DisableAPIStop: in.DisableApiStop, ShutdownBehavior: p.shutdown, PublicOnLaunch: site.public}
	if img.Architecture == "arm64" {
		inst.CurrentBootMode = "uefi"
	}
	return inst
}

// launchENI attaches inst's primary ENI: the existing one, or a new one
// in the subnet; with a public IP when the launch maps one.
func (s *Service) launchENI(tx store.Tx, sc scope, p *launchPlan, site *launchSite, inst *Instance, now time.Time) (*NetworkInterface, error) {
	eni := site.existing
	if eni == nil {
		var err error
		if eni, err = newLaunchENI(tx, sc, p, site.sub); err != nil {
			return nil, err
		}
	}
	eni.Groups, eni.Status = site.groups, "in-use"
	eni.Attachment = &NetworkInterfaceAttachment{AttachmentID: newID("eni-attach"), InstanceID: inst.InstanceID, InstanceOwnerID: sc.acct,
		DeviceIndex: 0, Status: "attached", AttachTime: now, DeleteOnTermination: site.dot}
	if site.public {
		if err := s.associatePublicIP(tx, sc, site.vpc, eni); err != nil {
			return nil, err
		}
	}
	return eni, nil
}

// newLaunchENI makes an instance's new primary ENI in sub, with the
// private IPs and the IPv6 addresses asked for (the subnet's one IPv6
// address when it assigns one on creation and no count was given).
func newLaunchENI(tx store.Tx, sc scope, p *launchPlan, sub *Subnet) (*NetworkInterface, error) {
	ip, err := sub.allocateIP(p.privIP)
	if err != nil {
		return nil, err
	}
	eni := &NetworkInterface{NetworkInterfaceID: newID("eni"), SubnetID: sub.SubnetID, VpcID: sub.VpcID, AvailabilityZone: sub.AvailabilityZone,
		OwnerID: sc.acct, MacAddress: macAddress(), PrivateIPAddress: ip, PrivateDNSName: privateDNSName(sc.region, ip),
		SourceDestCheck: true, InterfaceType: "interface", Tags: p.eniTags}
	if p.nic != nil {
		eni.Description = p.nic.Description
	}
	if len(p.secIPs) > 0 || p.secCount > 0 {
		if _, err := assignSecondaryIPs(tx, sc, sub, eni, p.secIPs, p.secCount, ipsPerInterface(p.typ), takeFree); err != nil {
			return nil, err
		}
	}
	n6 := p.v6n
	if _, has := sub.ipv6Prefix(); n6 < 0 && has && sub.AssignIpv6AddressOnCreation {
		n6 = 1
	}
	if err := assignIpv6(sub, eni, p.v6, max(n6, 0)); err != nil {
		return nil, err
	}
	return eni, nil
}
