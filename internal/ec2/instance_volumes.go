package ec2

import (
	"context"
	"time"

	"github.com/gureum/gureum/internal/store"
)

// The volumes an instance is launched with: its AMI's block device
// mapping (the root volume, and the other volumes of an AMI made by
// CreateImage) with RunInstances' BlockDeviceMapping over it (a bigger
// root, another type, DeleteOnTermination, more volumes, NoDevice to drop
// one). Each launched instance gets volumes of its own, attached from the
// start; with a real driver a volume made from a snapshot starts with
// the snapshot's bytes.

// blockDeviceSpec is RunInstances' BlockDeviceMapping.N.
type blockDeviceSpec struct {
	DeviceName  string
	NoDevice    *string
	VirtualName string
	Ebs         *struct {
		DeleteOnTermination *bool
		Iops                *int32
		SnapshotId          string
		VolumeSize          *int32
		VolumeType          string
		Throughput          *int32
		Encrypted           *bool
		KmsKeyId            string
	}
}

// launchDisk is one volume a launch makes for each instance.
type launchDisk struct {
	device string
	spec   volumeSpec
	snap   string
	dot    bool
	enc    bool
	kms    string
}

// launchDisks merges an image's block device mapping with a request's.
func (s *Service) launchDisks(ctx context.Context, tx store.Tx, sc scope, img *Image, req []blockDeviceSpec) ([]launchDisk, error) {
	var out []launchDisk
	for _, b := range img.BlockDeviceMapping {
		if b.Ebs == nil {
			continue
		}
		typ := b.Ebs.VolumeType
		if typ == "" {
			typ = "gp3"
		}
		out = append(out, launchDisk{device: b.DeviceName, spec: volumeSpec{Size: b.Ebs.VolumeSize, Type: typ}, snap: b.Ebs.SnapshotID,
			dot: b.Ebs.DeleteOnTermination, enc: b.Ebs.Encrypted})
	}
	type given struct{ iops, tput bool }
	gave := map[string]given{}
	seen := map[string]bool{}
	for _, r := range req {
		if r.DeviceName == "" {
			return nil, errMissingParameter("BlockDeviceMapping.DeviceName")
		}
		if seen[r.DeviceName] {
			return nil, errBlockDevice("The device '%s' is used in more than one block-device mapping", r.DeviceName)
		}
		seen[r.DeviceName] = true
		at := -1
		for i := range out {
			if sameDevice(out[i].device, r.DeviceName) {
				at = i
			}
		}
		if r.NoDevice != nil {
			if at >= 0 {
				if sameDevice(r.DeviceName, img.RootDeviceName) {
					return nil, errBlockDevice("The device '%s' is the root device and cannot be removed", r.DeviceName)
				}
				out = append(out[:at], out[at+1:]...)
			}
			continue
		}
		e := r.Ebs
		if e == nil {
			continue // an instance store volume: gureum's instances have none
		}
		if at < 0 {
			if !devicePattern.MatchString(r.DeviceName) {
				return nil, errBlockDevice("Invalid device name %s", r.DeviceName)
			}
			out = append(out, launchDisk{device: r.DeviceName, spec: volumeSpec{Type: "gp2"}, dot: true})
			at = len(out) - 1
		}
		d := &out[at]
		if e.SnapshotId != "" && e.SnapshotId != d.snap {
			snap, err := s.findSnapshot(ctx, tx, sc, e.SnapshotId)
			if err != nil {
				return nil, err
			}
			d.snap, d.spec.Size = snap.SnapshotID, snap.VolumeSize
			d.enc = d.enc || snap.Encrypted
		}
		if e.VolumeSize != nil {
			d.spec.Size = *e.VolumeSize
		}
		if e.VolumeType != "" {
			d.spec.Type = e.VolumeType
		}
		if e.Iops != nil {
			d.spec.Iops = *e.Iops
		}
		if e.Throughput != nil {
			d.spec.Throughput = *e.Throughput
		}
		if e.DeleteOnTermination != nil {
			d.dot = *e.DeleteOnTermination
		}
		if e.Encrypted != nil {
			d.enc = d.enc || *e.Encrypted
		}
		d.kms = e.KmsKeyId
		gave[d.device] = given{e.Iops != nil, e.Throughput != nil}
	}
	for i := range out {
		d := &out[i]
		if d.spec.Size == 0 {
			return nil, errBlockDevice("The request must contain the parameter size or snapshotId for device %s", d.device)
		}
		if d.snap != "" {
			if snap, err := s.findSnapshot(ctx, tx, sc, d.snap); err == nil && d.spec.Size < snap.VolumeSize {
				return nil, errBlockDevice("Volume of size %dGB is smaller than snapshot '%s', expect size >= %dGB", d.spec.Size, d.snap, snap.VolumeSize)
			}
		}
		g := gave[d.device]
		if err := checkVolumeSpec(&d.spec, g.iops, g.tput); err != nil {
			return nil, err
		}
		if d.enc && d.kms == "" {
			d.kms = defaultKmsKey(sc)
		}
	}
	return out, nil
}

// attachLaunchDisks records an instance's launch volumes, attached, and
// its block device mapping (the root device first).
func attachLaunchDisks(tx store.Tx, sc scope, inst *Instance, disks []launchDisk, tags []Tag, now time.Time) error {
	inst.BlockDeviceMapping = nil
	for _, root := range []bool{true, false} {
		for _, d := range disks {
			if sameDevice(d.device, inst.RootDeviceName) != root {
				continue
			}
			v := newAttachedVolume(inst, d.device, d.spec, d.snap, d.dot, d.enc, d.kms, tags, now)
			if err := putRes(tx, sc, v.VolumeID, v); err != nil {
				return err
			}
			inst.BlockDeviceMapping = append(inst.BlockDeviceMapping, InstanceBlockDeviceMapping{DeviceName: d.device, Ebs: EbsInstanceBlockDevice{
				AttachTime: v.Attachments[0].AttachTime, DeleteOnTermination: d.dot, Status: "attached", VolumeID: v.VolumeID}})
		}
	}
	return nil
}

// instanceBlockDeviceSpec is ModifyInstanceAttribute's BlockDeviceMapping.N.
type instanceBlockDeviceSpec struct {
	DeviceName string
	Ebs        *struct {
		DeleteOnTermination *bool
		VolumeId            string
	}
}

// setDeleteOnTermination applies ModifyInstanceAttribute's
// BlockDeviceMapping: each named device's DeleteOnTermination, on the
// instance and on its volume's attachment.
func setDeleteOnTermination(tx store.Tx, sc scope, inst *Instance, specs []instanceBlockDeviceSpec) error {
	for _, b := range specs {
		if b.Ebs == nil || b.Ebs.DeleteOnTermination == nil {
			continue
		}
		found := false
		for k := range inst.BlockDeviceMapping {
			m := &inst.BlockDeviceMapping[k]
			if !sameDevice(m.DeviceName, b.DeviceName) {
				continue
			}
			if b.Ebs.VolumeId != "" && b.Ebs.VolumeId != m.Ebs.VolumeID {
				return errInvalidParameterValue("Invalid value '%s' for volumeId. The volume is not attached to %s as %s", b.Ebs.VolumeId, inst.InstanceID, b.DeviceName)
			}
			found = true
			m.Ebs.DeleteOnTermination = *b.Ebs.DeleteOnTermination
			v, err := getRes[Volume](tx, sc, m.Ebs.VolumeID)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if a := v.attachment(inst.InstanceID); a != nil {
				a.DeleteOnTermination = *b.Ebs.DeleteOnTermination
			}
			if err := putRes(tx, sc, v.VolumeID, v); err != nil {
				return err
			}
		}
		if !found {
			return errInvalidParameterValue("Invalid value '%s' for unixDevice. No device is attached at %s", b.DeviceName, b.DeviceName)
		}
	}
	return nil
}
