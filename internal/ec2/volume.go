package ec2

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// EBS volumes: CreateVolume, AttachVolume, DetachVolume, ModifyVolume,
// DeleteVolume, DescribeVolumes, DescribeVolumesModifications,
// Describe/ModifyVolumeAttribute.
//
// Every instance has a root volume (RunInstances makes it from the AMI's
// block device mapping, with its other volumes); more are created and
// attached by the user. A volume moves as AWS's do:
//
//	creating → available → (AttachVolume) in-use, attachment attaching → attached
//	in-use → (DetachVolume) attachment detaching → available
//	available → (DeleteVolume) deleting → gone (InvalidVolume.NotFound)
//
// The API records the move and schedules work "ec2.volume" in the same
// transaction; the reconciler makes it real through the compute driver
// when it implements compute.Disks (with the docker driver an attached
// volume is a directory mounted in the instance at /mnt/NAME for device
// /dev/NAME, see internal/compute/docker/disks.go) and records the
// outcome. With the none driver each move takes Timings.Volume, as AWS's take
// a moment. The root volume is the workload's own disk: it is a record,
// and with the docker driver its bytes are the container's.
//
// At terminate, volumes whose attachment has DeleteOnTermination are
// deleted and the others become available.

// Timings.Volume is how long creating, attaching, detaching, deleting (and
// each step of a modification) last with the none driver.

// Volume is EC2's Volume.
type Volume struct {
	Attachments        []VolumeAttachment `xml:"attachmentSet>item" json:"att,omitempty"`
	AvailabilityZone   string             `xml:"availabilityZone" json:"az"`
	CreateTime         time.Time          `xml:"createTime" json:"created"`
	Encrypted          bool               `xml:"encrypted" json:"enc"`
	KmsKeyID           string             `xml:"kmsKeyId,omitempty" json:"kms,omitempty"`
	Size               int32              `xml:"size" json:"size"`
	SnapshotID         string             `xml:"snapshotId" json:"snap"`
	State              string             `xml:"status" json:"state"`
	VolumeID           string             `xml:"volumeId" json:"id"`
	Iops               int32              `xml:"iops,omitempty" json:"iops,omitempty"`
	Tags               []Tag              `xml:"tagSet>item" json:"tags,omitempty"`
	VolumeType         string             `xml:"volumeType" json:"type"`
	MultiAttachEnabled bool               `xml:"multiAttachEnabled" json:"multi"`
	Throughput         int32              `xml:"throughput,omitempty" json:"tput,omitempty"`

	// Not shown by DescribeVolumes.
	// Due is when the move in flight (creating, attaching, detaching,
	// deleting) may end.
	Due          time.Time           `xml:"-" json:"due,omitzero"`
	AutoEnableIO bool                `xml:"-" json:"aeio,omitempty"`
	Modification *VolumeModification `xml:"-" json:"mod,omitempty"`
	// ModDue is when the modification's current step ends.
	ModDue time.Time `xml:"-" json:"moddue,omitzero"`
}

// VolumeAttachment is one attachment of a volume (and AttachVolume's and
// DetachVolume's answer).
type VolumeAttachment struct {
	AttachTime          time.Time `xml:"attachTime" json:"time"`
	Device              string    `xml:"device" json:"dev"`
	InstanceID          string    `xml:"instanceId" json:"inst"`
	State               string    `xml:"status" json:"state"`
	VolumeID            string    `xml:"volumeId" json:"vol"`
	DeleteOnTermination bool      `xml:"deleteOnTermination" json:"dot"`
}

// VolumeModification is a volume's last ModifyVolume.
type VolumeModification struct {
	VolumeID                   string     `xml:"volumeId" json:"vol"`
	ModificationState          string     `xml:"modificationState" json:"state"`
	TargetSize                 int32      `xml:"targetSize" json:"tsize"`
	TargetIops                 int32      `xml:"targetIops,omitempty" json:"tiops,omitempty"`
	TargetVolumeType           string     `xml:"targetVolumeType" json:"ttype"`
	TargetThroughput           int32      `xml:"targetThroughput,omitempty" json:"ttput,omitempty"`
	TargetMultiAttachEnabled   bool       `xml:"targetMultiAttachEnabled" json:"tmulti"`
	OriginalSize               int32      `xml:"originalSize" json:"osize"`
	OriginalIops               int32      `xml:"originalIops,omitempty" json:"oiops,omitempty"`
	OriginalVolumeType         string     `xml:"originalVolumeType" json:"otype"`
	OriginalThroughput         int32      `xml:"originalThroughput,omitempty" json:"otput,omitempty"`
	OriginalMultiAttachEnabled bool       `xml:"originalMultiAttachEnabled" json:"omulti"`
	Progress                   int64      `xml:"progress" json:"progress"`
	StartTime                  time.Time  `xml:"startTime" json:"start"`
	EndTime                    *time.Time `xml:"endTime,omitempty" json:"end,omitempty"`
}

func validVolumeID(id string) error {
	if !strings.HasPrefix(id, "vol-") || len(id) < 8 || strings.Trim(id[4:], "0123456789abcdef") != "" {
		return errInvalidVolumeIDMalformed(id)
	}
	return nil
}

func getVolume(tx store.Tx, sc scope, id string) (*Volume, error) {
	if err := validVolumeID(id); err != nil {
		return nil, err
	}
	v, err := getRes[Volume](tx, sc, id)
	if isNotFound(err) {
		return nil, errVolumeNotFound(id)
	}
	return v, err
}

// attachment returns the volume's attachment to an instance ("" any).
func (v *Volume) attachment(instanceID string) *VolumeAttachment {
	for i := range v.Attachments {
		if instanceID == "" || v.Attachments[i].InstanceID == instanceID {
			return &v.Attachments[i]
		}
	}
	return nil
}

// settle sets the volume's state from its attachments.
func (v *Volume) settle() {
	if v.State != "in-use" && v.State != "available" {
		return
	}
	v.State = "available"
	if len(v.Attachments) > 0 {
		v.State = "in-use"
	}
}

// pending reports whether a move is in flight.
func (v *Volume) pending() bool {
	if v.State == "creating" || v.State == "deleting" {
		return true
	}
	for _, a := range v.Attachments {
		if a.State == "attaching" || a.State == "detaching" {
			return true
		}
	}
	return false
}

func (v *Volume) modPending() bool {
	return v.Modification != nil && (v.Modification.ModificationState == "modifying" || v.Modification.ModificationState == "optimizing")
}

func (s *Service) volumeOps() opTable {
	return opTable{
		"CreateVolume":                 handle(s.createVolume),
		"DeleteVolume":                 handle(s.deleteVolume),
		"DescribeVolumes":              handle(s.describeVolumes),
		"AttachVolume":                 handle(s.attachVolume),
		"DetachVolume":                 handle(s.detachVolume),
		"ModifyVolume":                 handle(s.modifyVolume),
		"DescribeVolumesModifications": handle(s.describeVolumesModifications),
		"DescribeVolumeAttribute":      handle(s.describeVolumeAttribute),
		"ModifyVolumeAttribute":        handle(s.modifyVolumeAttribute),
	}
}

// volumeTypes are the EBS volume types with their size bounds (GiB).
var volumeTypes = map[string]struct{ min, max int32 }{
	"standard": {1, 1024}, "gp2": {1, 16384}, "gp3": {1, 16384}, "io1": {4, 16384}, "io2": {4, 65536},
	"st1": {125, 16384}, "sc1": {125, 16384},
}

// volumeSpec is what a new (or modified) volume is made of.
type volumeSpec struct {
	Size       int32
	Type       string
	Iops       int32
	Throughput int32
	Multi      bool
}

// checkVolumeSpec validates a volume's type, size, IOPS and throughput
// and fills in their defaults (gp3: 3,000 IOPS and 125 MiB/s; gp2: 3 IOPS
// per GiB, 100 to 16,000), as AWS does.
func checkVolumeSpec(v *volumeSpec, iopsGiven, tputGiven bool) error {
	b, ok := volumeTypes[v.Type]
	if !ok {
		return errInvalidParameterValue("Value (%s) for parameter volumeType is invalid. Valid values: standard, io1, io2, gp2, sc1, st1, gp3", v.Type)
	}
	if v.Size < b.min || v.Size > b.max {
		return errInvalidParameterValue("Volume of %dGiB is not valid for volume type %s: the size must be between %d and %d GiB.", v.Size, v.Type, b.min, b.max)
	}
	switch v.Type {
	case "gp3":
		if !iopsGiven {
			v.Iops = 3000
		}
		if !tputGiven {
			v.Throughput = 125
		}
		if v.Iops < 3000 || v.Iops > 16000 {
			return errInvalidParameterValue("Value (%d) for parameter iops is invalid. Expected a value between 3000 and 16000.", v.Iops)
		}
		if v.Throughput < 125 || v.Throughput > 1000 {
			return errInvalidParameterValue("Value (%d) for parameter throughput is invalid. Expected a value between 125 and 1000.", v.Throughput)
		}
	case "io1", "io2":
		if !iopsGiven {
			return errMissingParameter("iops")
		}
		if v.Iops < 100 || v.Iops > 64000 {
			return errInvalidParameterValue("Value (%d) for parameter iops is invalid. Expected a value between 100 and 64000.", v.Iops)
		}
	default:
		if iopsGiven {
			return errInvalidParameterCombination("The parameter iops is not supported for %s volumes.", v.Type)
		}
		v.Iops = 0
		if v.Type == "gp2" {
			v.Iops = min(max(3*v.Size, 100), 16000)
		}
	}
	if v.Type != "gp3" {
		if tputGiven {
			return errInvalidParameterCombination("The parameter throughput is not supported for %s volumes.", v.Type)
		}
		v.Throughput = 0
	}
	if v.Multi && v.Type != "io1" && v.Type != "io2" {
		return errInvalidParameterValue("The parameter multiAttachEnabled is only supported for io1 and io2 volumes.")
	}
	return nil
}

func checkZone(region, az string) error {
	if !contains(zones(region), az) {
		return errInvalidParameterValue("Invalid availability zone: [%s]", az)
	}
	return nil
}

// zoneByID returns the zone name of a zone id (use1-az1) in a region.
func zoneByID(region, id string) string {
	for i, z := range zones(region) {
		if zoneID(region, i) == id {
			return z
		}
	}
	return ""
}

// defaultKmsKey is the ARN gureum shows for the account's aws/ebs key.
func defaultKmsKey(sc scope) string {
	h := hashID("k", sc.acct, sc.region, "aws/ebs")[2:]
	return "arn:aws:kms:" + sc.region + ":" + sc.acct + ":key/" + h[:8] + "-" + h[8:12] + "-4" + h[12:15] + "-8" + h[15:17] + "0-" + hashID("k", h)[2:14]
}

type createVolumeInput struct {
	AvailabilityZone   string
	AvailabilityZoneId string
	Encrypted          *bool
	Iops               *int32
	KmsKeyId           string
	Size               *int32
	SnapshotId         string
	VolumeType         string
	TagSpecification   []TagSpecification
	MultiAttachEnabled bool
	Throughput         *int32
	ClientToken        string
	DryRun             bool
}

func (s *Service) createVolume(ctx context.Context, in *createVolumeInput) (*Volume, error) {
	sc := scopeOf(ctx)
	az := in.AvailabilityZone
	if az == "" && in.AvailabilityZoneId != "" {
		if az = zoneByID(sc.region, in.AvailabilityZoneId); az == "" {
			return nil, errInvalidParameterValue("Invalid availability zone ID: [%s]", in.AvailabilityZoneId)
		}
	}
	if az == "" {
		return nil, errMissingParameter("AvailabilityZone")
	}
	if err := checkZone(sc.region, az); err != nil {
		return nil, err
	}
	if in.Size == nil && in.SnapshotId == "" {
		return nil, errMissingParameter("size or snapshotId")
	}
	tags, err := tagsFor(in.TagSpecification, "volume")
	if err != nil {
		return nil, err
	}
	spec := volumeSpec{Type: in.VolumeType, Multi: in.MultiAttachEnabled}
	if spec.Type == "" {
		spec.Type = "gp2"
	}
	if in.Iops != nil {
		spec.Iops = *in.Iops
	}
	if in.Throughput != nil {
		spec.Throughput = *in.Throughput
	}
	deref := func(p *int32) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(int(*p))
	}
	params := fmt.Sprintf("%s|%s|%s|%s|%s|%s|%v|%s", az, deref(in.Size), in.SnapshotId, spec.Type, deref(in.Iops), deref(in.Throughput),
		in.Encrypted != nil && *in.Encrypted, in.KmsKeyId)
	now := s.now().UTC()
	var out *Volume
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if id, err := tokenResource(tx, sc, "CreateVolume", in.ClientToken, params); err != nil || id != "" {
			if err == nil {
				out, err = getRes[Volume](tx, sc, id)
			}
			return err
		}
		enc := in.Encrypted != nil && *in.Encrypted
		kms := in.KmsKeyId
		if in.SnapshotId != "" {
			snap, err := s.findSnapshot(ctx, tx, sc, in.SnapshotId)
			if err != nil {
				return err
			}
			if snap.State != "completed" {
				return errIncorrectState("Snapshot is in invalid state - %s", snap.State)
			}
			if in.Size == nil {
				spec.Size = snap.VolumeSize
			} else if *in.Size < snap.VolumeSize {
				return errInvalidParameterValue("Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", *in.Size, snap.SnapshotID, snap.VolumeSize)
			}
			if snap.Encrypted {
				enc, kms = true, snap.KmsKeyID
			}
		}
		if in.Size != nil {
			spec.Size = *in.Size
		}
		if err := checkVolumeSpec(&spec, in.Iops != nil, in.Throughput != nil); err != nil {
			return err
		}
		if kms != "" && !enc {
			return errInvalidParameterDependency()
		}
		if enc && kms == "" {
			kms = defaultKmsKey(sc)
		}
		v := &Volume{AvailabilityZone: az, CreateTime: now.Truncate(time.Millisecond), Encrypted: enc, KmsKeyID: kms, Size: spec.Size,
			SnapshotID: in.SnapshotId, State: "creating", VolumeID: newID("vol"), Iops: spec.Iops, Tags: tags, VolumeType: spec.Type,
			MultiAttachEnabled: spec.Multi, Throughput: spec.Throughput, Due: now.Add(s.delay(s.timings.Volume))}
		out = v
		if err := rememberToken(tx, sc, "CreateVolume", in.ClientToken, params, v.VolumeID); err != nil {
			return err
		}
		return putDue(tx, sc, v.VolumeID, v.Due, v)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type volumeIDInput struct {
	VolumeId string
	DryRun   bool
}

func (s *Service) deleteVolume(ctx context.Context, in *volumeIDInput) (*returnTrue, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("VolumeId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		if a := v.attachment(""); a != nil {
			return errVolumeInUse("Volume %s is currently attached to %s", v.VolumeID, a.InstanceID)
		}
		switch v.State {
		case "deleting":
			return nil
		case "available", "error":
		default:
			return errVolumeState(v.VolumeID, v.State)
		}
		v.State, v.Due = "deleting", s.now().UTC().Add(s.delay(s.timings.Volume))
		return putDue(tx, sc, v.VolumeID, v.Due, v)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type describeVolumesInput struct {
	VolumeId   []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeVolumesOutput struct {
	Volumes   []*Volume `xml:"volumeSet>item"`
	NextToken string    `xml:"nextToken,omitempty"`
}

func (v *Volume) filter(name string) ([]string, bool) {
	one := func(s string) ([]string, bool) { return []string{s}, true }
	each := func(f func(a VolumeAttachment) string) ([]string, bool) {
		out := []string{}
		for _, a := range v.Attachments {
			out = append(out, f(a))
		}
		return out, true
	}
	switch name {
	case "volume-id":
		return one(v.VolumeID)
	case "status":
		return one(v.State)
	case "availability-zone":
		return one(v.AvailabilityZone)
	case "create-time":
		return one(v.CreateTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	case "encrypted":
		return one(boolStr(v.Encrypted))
	case "multi-attach-enabled":
		return one(boolStr(v.MultiAttachEnabled))
	case "fast-restored":
		return one("false")
	case "size":
		return one(strconv.Itoa(int(v.Size)))
	case "snapshot-id":
		return one(v.SnapshotID)
	case "volume-type":
		return one(v.VolumeType)
	case "attachment.instance-id":
		return each(func(a VolumeAttachment) string { return a.InstanceID })
	case "attachment.device":
		return each(func(a VolumeAttachment) string { return a.Device })
	case "attachment.status":
		return each(func(a VolumeAttachment) string { return a.State })
	case "attachment.attach-time":
		return each(func(a VolumeAttachment) string { return a.AttachTime.UTC().Format("2006-01-02T15:04:05.000Z") })
	case "attachment.delete-on-termination":
		return each(func(a VolumeAttachment) string { return boolStr(a.DeleteOnTermination) })
	}
	return nil, false
}

func (s *Service) describeVolumes(ctx context.Context, in *describeVolumesInput) (*describeVolumesOutput, error) {
	if len(in.VolumeId) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterCombination("The parameter volumeSet cannot be used with the parameter maxResults")
	}
	for _, id := range in.VolumeId {
		if err := validVolumeID(id); err != nil {
			return nil, err
		}
	}
	// AWS: "if you specify a value larger than 500, only 500 items are
	// returned" (the aws CLI v2 sends 1000 by default).
	if m := in.MaxResults; m != nil && *m > 500 {
		*m = 500
	}
	items, next, err := describeRes(s, ctx, "vol-", in.VolumeId, getVolume, func(v *Volume) string { return v.VolumeID },
		func(_ store.Tx, _ scope, v *Volume) (bool, error) {
			if v.Attachments == nil {
				v.Attachments = []VolumeAttachment{}
			}
			return matchFilters(in.Filter, v.Tags, v.filter)
		}, in.MaxResults, in.NextToken, 500)
	if err != nil {
		return nil, err
	}
	return &describeVolumesOutput{Volumes: items, NextToken: next}, nil
}

// devicePattern is the device names gureum accepts for EBS volumes
// (Linux: /dev/sd[b-z], /dev/xvd[b-z], /dev/sd[b-z][1-15], xvd[b-z][a-z]).
var devicePattern = regexp.MustCompile(`^(/dev/)?(sd|xvd|hd)[a-z]{1,2}[0-9]{0,2}$`)

type attachVolumeInput struct {
	Device     string
	InstanceId string
	VolumeId   string
	DryRun     bool
}

func (s *Service) attachVolume(ctx context.Context, in *attachVolumeInput) (*VolumeAttachment, error) {
	switch {
	case in.Device == "":
		return nil, errMissingParameter("device")
	case in.InstanceId == "":
		return nil, errMissingParameter("instanceId")
	case in.VolumeId == "":
		return nil, errMissingParameter("volumeId")
	}
	if !devicePattern.MatchString(in.Device) {
		return nil, errInvalidParameterValue("Value (%s) for parameter device is invalid. %s is not a valid EBS device name.", in.Device, in.Device)
	}
	sc := scopeOf(ctx)
	var out VolumeAttachment
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		inst, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		if st := inst.State.Name; st != "running" && st != "stopped" {
			return errInstanceNotRunning(inst.InstanceID)
		}
		if v.AvailabilityZone != inst.Placement.AvailabilityZone {
			return errInvalidVolumeZoneMismatch(v.VolumeID, inst.InstanceID)
		}
		if a := v.attachment(""); a != nil && (!v.MultiAttachEnabled || v.attachment(inst.InstanceID) != nil) {
			return errVolumeInUse("%s is already attached to an instance", v.VolumeID)
		}
		if v.State != "available" && !(v.MultiAttachEnabled && v.State == "in-use") {
			return errIncorrectState("vol '%s' is not 'available'.", v.VolumeID)
		}
		for _, b := range inst.BlockDeviceMapping {
			if sameDevice(b.DeviceName, in.Device) {
				return errInvalidParameterValue("Invalid value '%s' for unixDevice. Attachment point %s is already in use", in.Device, in.Device)
			}
		}
		if sameDevice(inst.RootDeviceName, in.Device) {
			return errInvalidParameterValue("Invalid value '%s' for unixDevice. Attachment point %s is already in use", in.Device, in.Device)
		}
		now := s.now().UTC()
		a := VolumeAttachment{AttachTime: now.Truncate(time.Millisecond), Device: in.Device, InstanceID: inst.InstanceID, State: "attaching", VolumeID: v.VolumeID}
		v.Attachments = append(v.Attachments, a)
		v.State, v.Due = "in-use", now.Add(s.delay(s.timings.Volume))
		inst.BlockDeviceMapping = append(inst.BlockDeviceMapping, InstanceBlockDeviceMapping{DeviceName: in.Device,
			Ebs: EbsInstanceBlockDevice{AttachTime: a.AttachTime, Status: "attaching", VolumeID: v.VolumeID}})
		out = a
		if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
			return err
		}
		return putDue(tx, sc, v.VolumeID, v.Due, v)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// sameDevice reports whether two device names name the same attachment
// point (/dev/sdf and sdf; /dev/sdf and /dev/xvdf are the same disk on
// Xen instances).
func sameDevice(a, b string) bool {
	norm := func(d string) string {
		d = strings.TrimPrefix(d, "/dev/")
		if strings.HasPrefix(d, "xvd") {
			d = "sd" + d[3:]
		}
		return d
	}
	return norm(a) == norm(b)
}

type detachVolumeInput struct {
	Device     string
	Force      bool
	InstanceId string
	VolumeId   string
	DryRun     bool
}

func (s *Service) detachVolume(ctx context.Context, in *detachVolumeInput) (*VolumeAttachment, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("volumeId")
	}
	sc := scopeOf(ctx)
	var out VolumeAttachment
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		if len(v.Attachments) == 0 {
			return errIncorrectState("Volume '%s' is in the '%s' state.", v.VolumeID, v.State)
		}
		a := v.attachment(in.InstanceId)
		if a == nil {
			return errInvalidAttachmentNotFound("Volume %s can not be detached from %s because it is not attached", v.VolumeID, in.InstanceId)
		}
		if in.Device != "" && !sameDevice(a.Device, in.Device) {
			return errInvalidAttachmentNotFound("The volume %s is not attached to instance %s as device %s", v.VolumeID, a.InstanceID, in.Device)
		}
		if a.State == "detaching" {
			out = *a
			return nil
		}
		inst, err := getRes[Instance](tx, sc, a.InstanceID)
		if err != nil && !isNotFound(err) {
			return err
		}
		if inst != nil && sameDevice(a.Device, inst.RootDeviceName) && inst.State.Name != "stopped" {
			return errOperationNotPermitted("Unable to detach root volume '%s' from instance '%s'", v.VolumeID, a.InstanceID)
		}
		a.State = "detaching"
		v.Due = s.now().UTC().Add(s.delay(s.timings.Volume))
		out = *a
		if inst != nil {
			inst.setDeviceStatus(v.VolumeID, "detaching")
			if err := putRes(tx, sc, inst.InstanceID, inst); err != nil {
				return err
			}
		}
		return putDue(tx, sc, v.VolumeID, v.Due, v)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// setDeviceStatus sets the status of the instance's mapping of a volume.
func (i *Instance) setDeviceStatus(volumeID, status string) {
	for k := range i.BlockDeviceMapping {
		if i.BlockDeviceMapping[k].Ebs.VolumeID == volumeID {
			i.BlockDeviceMapping[k].Ebs.Status = status
		}
	}
}

// dropDevice removes the instance's mapping of a volume.
func (i *Instance) dropDevice(volumeID string) {
	kept := i.BlockDeviceMapping[:0]
	for _, b := range i.BlockDeviceMapping {
		if b.Ebs.VolumeID != volumeID {
			kept = append(kept, b)
		}
	}
	i.BlockDeviceMapping = kept
}

type modifyVolumeInput struct {
	VolumeId           string
	Size               *int32
	VolumeType         string
	Iops               *int32
	Throughput         *int32
	MultiAttachEnabled *bool
	DryRun             bool
}

type modifyVolumeOutput struct {
	VolumeModification *VolumeModification `xml:"volumeModification"`
}

func (s *Service) modifyVolume(ctx context.Context, in *modifyVolumeInput) (*modifyVolumeOutput, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("VolumeId")
	}
	sc := scopeOf(ctx)
	var out *VolumeModification
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		if v.State != "available" && v.State != "in-use" {
			return errVolumeState(v.VolumeID, v.State)
		}
		if v.Modification != nil && v.Modification.ModificationState == "modifying" {
			return errIncorrectModificationState(v.VolumeID)
		}
		spec := volumeSpec{Size: v.Size, Type: v.VolumeType, Iops: v.Iops, Throughput: v.Throughput, Multi: v.MultiAttachEnabled}
		if in.Size != nil {
			if *in.Size < v.Size {
				return errInvalidParameterValue("New size cannot be smaller than existing size.")
			}
			spec.Size = *in.Size
		}
		typeChanged := in.VolumeType != "" && in.VolumeType != v.VolumeType
		if in.VolumeType != "" {
			spec.Type = in.VolumeType
		}
		if in.Iops != nil {
			spec.Iops = *in.Iops
		}
		if in.Throughput != nil {
			spec.Throughput = *in.Throughput
		}
		if in.MultiAttachEnabled != nil {
			spec.Multi = *in.MultiAttachEnabled
		}
		// Defaults of the new type apply to what was not given.
		iopsGiven := in.Iops != nil || (!typeChanged && (spec.Type == "io1" || spec.Type == "io2" || spec.Type == "gp3"))
		tputGiven := in.Throughput != nil || (!typeChanged && spec.Type == "gp3")
		if err := checkVolumeSpec(&spec, iopsGiven, tputGiven); err != nil {
			return err
		}
		if spec == (volumeSpec{Size: v.Size, Type: v.VolumeType, Iops: v.Iops, Throughput: v.Throughput, Multi: v.MultiAttachEnabled}) {
			return errInvalidParameterValue("Modification of volume %s would not change it: the requested values are its current ones.", v.VolumeID)
		}
		now := s.now().UTC()
		m := &VolumeModification{VolumeID: v.VolumeID, ModificationState: "modifying", TargetSize: spec.Size, TargetIops: spec.Iops,
			TargetVolumeType: spec.Type, TargetThroughput: spec.Throughput, TargetMultiAttachEnabled: spec.Multi, OriginalSize: v.Size,
			OriginalIops: v.Iops, OriginalVolumeType: v.VolumeType, OriginalThroughput: v.Throughput,
			OriginalMultiAttachEnabled: v.MultiAttachEnabled, StartTime: now.Truncate(time.Millisecond)}
		// The volume has its new shape at once (AWS shows it once the
		// modification is optimizing, and it is usable all along).
		v.Size, v.VolumeType, v.Iops, v.Throughput, v.MultiAttachEnabled = spec.Size, spec.Type, spec.Iops, spec.Throughput, spec.Multi
		v.Modification, v.ModDue = m, now.Add(s.delay(s.timings.Volume))
		out = m
		return putDue(tx, sc, v.VolumeID, v.ModDue, v)
	})
	if err != nil {
		return nil, err
	}
	return &modifyVolumeOutput{VolumeModification: out}, nil
}

type describeVolumesModificationsInput struct {
	VolumeId   []string
	Filter     []Filter
	MaxResults *int32
	NextToken  *string
	DryRun     bool
}

type describeVolumesModificationsOutput struct {
	Modifications []*VolumeModification `xml:"volumeModificationSet>item"`
	NextToken     string                `xml:"nextToken,omitempty"`
}

func (m *VolumeModification) filter(name string) ([]string, bool) {
	one := func(s string) ([]string, bool) { return []string{s}, true }
	switch name {
	case "volume-id":
		return one(m.VolumeID)
	case "modification-state":
		return one(m.ModificationState)
	case "target-size":
		return one(strconv.Itoa(int(m.TargetSize)))
	case "target-iops":
		return one(strconv.Itoa(int(m.TargetIops)))
	case "target-volume-type":
		return one(m.TargetVolumeType)
	case "target-throughput":
		return one(strconv.Itoa(int(m.TargetThroughput)))
	case "target-multi-attach-enabled":
		return one(boolStr(m.TargetMultiAttachEnabled))
	case "original-size":
		return one(strconv.Itoa(int(m.OriginalSize)))
	case "original-iops":
		return one(strconv.Itoa(int(m.OriginalIops)))
	case "original-volume-type":
		return one(m.OriginalVolumeType)
	case "original-throughput":
		return one(strconv.Itoa(int(m.OriginalThroughput)))
	case "original-multi-attach-enabled":
		return one(boolStr(m.OriginalMultiAttachEnabled))
	case "start-time":
		return one(m.StartTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
	return nil, false
}

func (s *Service) describeVolumesModifications(ctx context.Context, in *describeVolumesModificationsInput) (*describeVolumesModificationsOutput, error) {
	sc := scopeOf(ctx)
	var all []*VolumeModification
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range in.VolumeId {
			v, err := getVolume(tx, sc, id)
			if err != nil {
				return err
			}
			if v.Modification == nil {
				return errInvalidVolumeModificationNotFound(id)
			}
		}
		return scanRes(tx, sc, "vol-", func(v *Volume) error {
			if v.Modification == nil || (len(in.VolumeId) > 0 && !contains(in.VolumeId, v.VolumeID)) {
				return nil
			}
			ok, err := matchFilters(in.Filter, nil, v.Modification.filter)
			if ok {
				all = append(all, v.Modification)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.MaxResults, in.NextToken, 5, 500)
	if err != nil {
		return nil, err
	}
	return &describeVolumesModificationsOutput{Modifications: items, NextToken: next}, nil
}

type describeVolumeAttributeInput struct {
	Attribute string
	VolumeId  string
	DryRun    bool
}

type describeVolumeAttributeOutput struct {
	AutoEnableIO *boolValue    `xml:"autoEnableIO,omitempty"`
	ProductCodes *emptyElement `xml:"productCodes,omitempty"`
	VolumeID     string        `xml:"volumeId"`
}

func (s *Service) describeVolumeAttribute(ctx context.Context, in *describeVolumeAttributeInput) (*describeVolumeAttributeOutput, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("VolumeId")
	}
	if in.Attribute == "" {
		return nil, errMissingParameter("Attribute")
	}
	sc := scopeOf(ctx)
	out := &describeVolumeAttributeOutput{VolumeID: in.VolumeId}
	err := s.store.View(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		switch in.Attribute {
		case "autoEnableIO":
			out.AutoEnableIO = &boolValue{v.AutoEnableIO}
		case "productCodes":
			out.ProductCodes = &emptyElement{}
		default:
			return errUnknownAttribute(in.Attribute)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

type modifyVolumeAttributeInput struct {
	AutoEnableIO *attributeBooleanValue
	VolumeId     string
	DryRun       bool
}

func (s *Service) modifyVolumeAttribute(ctx context.Context, in *modifyVolumeAttributeInput) (*returnTrue, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("VolumeId")
	}
	if in.AutoEnableIO == nil || in.AutoEnableIO.Value == nil {
		return nil, errMissingParameter("AutoEnableIO")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		v.AutoEnableIO = *in.AutoEnableIO.Value
		return putRes(tx, sc, v.VolumeID, v)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// disks is the driver's EBS capability, if it has one.
func (s *Service) disks() (compute.Disks, bool) {
	d, ok := s.driver().(compute.Disks)
	return d, ok
}

// reconcileVolume makes a volume's due move real and records it: the
// driver creates, attaches, detaches or deletes the disk, then the state
// moves on. A volume no longer in the store is one deleted: its disk goes.
func (s *Service) reconcileVolume(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return 0, nil
	}
	var v *Volume
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = getRes[Volume](tx, sc, id)
		return err
	})
	dk, real := s.disks()
	if isNotFound(err) {
		if real {
			return 0, dk.DeleteDisk(ctx, id)
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	now := s.now()
	if v.pending() && !now.Before(v.Due) && real {
		if err := s.volumeDriverWork(ctx, dk, v); err != nil {
			return 0, err
		}
	}
	var again time.Duration
	err = s.store.Update(ctx, func(tx store.Tx) error {
		again = 0
		cur, err := getRes[Volume](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.advanceVolume(tx, sc, cur, v, now); err != nil {
			return err
		}
		if cur.State == "deleted" {
			return delRes(tx, sc, id)
		}
		if err := putRes(tx, sc, id, cur); err != nil {
			return err
		}
		var next time.Time
		if cur.pending() {
			next = cur.Due
		}
		if cur.modPending() && (next.IsZero() || cur.ModDue.Before(next)) {
			next = cur.ModDue
		}
		if !next.IsZero() {
			again = max(next.Sub(now), time.Millisecond)
		}
		return nil
	})
	return again, err
}

// volumeDriverWork has the driver do what the volume's move needs.
func (s *Service) volumeDriverWork(ctx context.Context, dk compute.Disks, v *Volume) error {
	switch v.State {
	case "creating":
		return dk.CreateDisk(ctx, v.VolumeID, v.SnapshotID)
	case "deleting":
		return dk.DeleteDisk(ctx, v.VolumeID)
	}
	for _, a := range v.Attachments {
		d := compute.Disk{VolumeID: v.VolumeID, Device: a.Device, Snapshot: v.SnapshotID}
		switch a.State {
		case "attaching":
			if err := dk.AttachDisk(ctx, a.InstanceID, d); err != nil {
				return err
			}
		case "detaching":
			if err := dk.DetachDisk(ctx, a.InstanceID, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// advanceVolume records the moves of cur that are due and that the
// driver made (seen is the volume as the driver work saw it: a move
// started since then waits for its own turn).
func (s *Service) advanceVolume(tx store.Tx, sc scope, cur, seen *Volume, now time.Time) error {
	if cur.pending() && !now.Before(cur.Due) {
		switch cur.State {
		case "creating":
			if seen.State == "creating" {
				cur.State = "available"
			}
		case "deleting":
			if seen.State == "deleting" {
				cur.State = "deleted"
				return nil
			}
		}
		kept := cur.Attachments[:0]
		for _, a := range cur.Attachments {
			sa := seen.attachment(a.InstanceID)
			done := sa != nil && sa.State == a.State && sa.Device == a.Device
			switch {
			case a.State == "attaching" && done:
				a.State = "attached"
				if err := s.setInstanceDevice(tx, sc, a.InstanceID, cur.VolumeID, "attached"); err != nil {
					return err
				}
			case a.State == "detaching" && done:
				if err := s.setInstanceDevice(tx, sc, a.InstanceID, cur.VolumeID, ""); err != nil {
					return err
				}
				continue
			}
			kept = append(kept, a)
		}
		cur.Attachments = kept
		cur.settle()
	}
	if cur.modPending() && !now.Before(cur.ModDue) {
		m := cur.Modification
		switch m.ModificationState {
		case "modifying":
			m.ModificationState, m.Progress = "optimizing", 50
			cur.ModDue = now.Add(s.delay(s.timings.Volume))
		case "optimizing":
			t := now.UTC().Truncate(time.Millisecond)
			m.ModificationState, m.Progress, m.EndTime = "completed", 100, &t
		}
	}
	return nil
}

// setInstanceDevice sets the status of an instance's mapping of a volume
// ("" removes the mapping).
func (s *Service) setInstanceDevice(tx store.Tx, sc scope, instanceID, volumeID, status string) error {
	inst, err := getRes[Instance](tx, sc, instanceID)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if status == "" {
		inst.dropDevice(volumeID)
	} else {
		inst.setDeviceStatus(volumeID, status)
	}
	return putRes(tx, sc, instanceID, inst)
}

// failVolume records a volume move that failed for good: a volume that
// could not be made is in state error; an attachment that could not be
// made is dropped (the volume is available again); a detach or delete is
// recorded as done (the disk is logged as left behind).
func (s *Service) failVolume(ctx context.Context, it reconcile.Item, cause error) error {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return nil
	}
	s.log.Warn("ec2: a volume's move failed", "volume", id, "err", cause)
	return s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getRes[Volume](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		switch v.State {
		case "creating":
			v.State = "error"
			return putRes(tx, sc, id, v)
		case "deleting":
			return delRes(tx, sc, id)
		}
		kept := v.Attachments[:0]
		for _, a := range v.Attachments {
			if a.State == "attaching" || a.State == "detaching" {
				if err := s.setInstanceDevice(tx, sc, a.InstanceID, v.VolumeID, ""); err != nil {
					return err
				}
				continue
			}
			kept = append(kept, a)
		}
		v.Attachments = kept
		v.settle()
		if v.modPending() {
			t := s.now().UTC().Truncate(time.Millisecond)
			v.Modification.ModificationState, v.Modification.EndTime = "completed", &t
		}
		return putRes(tx, sc, id, v)
	})
}

// newAttachedVolume records a volume made by RunInstances, attached to
// the instance from the start.
func newAttachedVolume(inst *Instance, device string, spec volumeSpec, snap string, dot, enc bool, kms string, tags []Tag, now time.Time) *Volume {
	v := &Volume{AvailabilityZone: inst.Placement.AvailabilityZone, CreateTime: now.Truncate(time.Millisecond), Encrypted: enc, KmsKeyID: kms,
		Size: spec.Size, SnapshotID: snap, State: "in-use", VolumeID: newID("vol"), Iops: spec.Iops, Tags: tags, VolumeType: spec.Type,
		MultiAttachEnabled: spec.Multi, Throughput: spec.Throughput}
	v.Attachments = []VolumeAttachment{{AttachTime: now.Truncate(time.Millisecond), Device: device, InstanceID: inst.InstanceID,
		State: "attached", VolumeID: v.VolumeID, DeleteOnTermination: dot}}
	return v
}

// releaseInstanceVolumes runs when an instance is terminated: volumes
// whose attachment says DeleteOnTermination are deleted, the others
// detached (available). The driver's Destroy unmounted them already.
func (s *Service) releaseInstanceVolumes(tx store.Tx, sc scope, inst *Instance) error {
	now := s.now().UTC()
	for _, b := range inst.BlockDeviceMapping {
		v, err := getRes[Volume](tx, sc, b.Ebs.VolumeID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		a := v.attachment(inst.InstanceID)
		if a == nil {
			continue
		}
		dot := a.DeleteOnTermination
		kept := v.Attachments[:0]
		for _, x := range v.Attachments {
			if x.InstanceID != inst.InstanceID {
				kept = append(kept, x)
			}
		}
		v.Attachments = kept
		v.settle()
		if dot && len(v.Attachments) == 0 {
			v.State, v.Due = "deleting", now.Add(s.delay(s.timings.Volume))
			if err := addWork(tx, sc, v.VolumeID, v.Due); err != nil {
				return err
			}
		}
		if err := putRes(tx, sc, v.VolumeID, v); err != nil {
			return err
		}
	}
	return nil
}

// instanceDisks returns the data volumes attached to an instance, for its
// compute.Spec.
func instanceDisks(tx store.Tx, sc scope, inst *Instance) ([]compute.Disk, error) {
	var out []compute.Disk
	for _, b := range inst.BlockDeviceMapping {
		if sameDevice(b.DeviceName, inst.RootDeviceName) || b.Ebs.Status == "detaching" {
			continue
		}
		v, err := getRes[Volume](tx, sc, b.Ebs.VolumeID)
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, compute.Disk{VolumeID: v.VolumeID, Device: b.DeviceName, Snapshot: v.SnapshotID})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Device < out[j].Device })
	return out, nil
}
