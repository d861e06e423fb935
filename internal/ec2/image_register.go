package ec2

import (
	"context"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// RegisterImage, EnableImageDeprecation and DisableImageDeprecation.
//
// An AMI's root disk is a container image, so RegisterImage takes a root
// snapshot that holds one: the root snapshot CreateImage made (it keeps
// the image's bytes after the AMI is deregistered, as an EBS snapshot
// does) or a public AMI's. The new AMI shares those bytes; they go once
// neither an AMI nor a snapshot names them.

type registerImageInput struct {
	Name               string
	Description        string
	Architecture       string
	RootDeviceName     string
	VirtualizationType string
	BlockDeviceMapping []blockDeviceSpec
	ImageLocation      string
	BootMode           string
	EnaSupport         *bool
	SriovNetSupport    string
	ImdsSupport        string
	TpmSupport         string
	KernelId           string
	RamdiskId          string
	TagSpecification   []TagSpecification
	DryRun             bool
}

func (s *Service) registerImage(ctx context.Context, in *registerImageInput) (*createImageOutput, error) {
	if in.Name == "" {
		return nil, errMissingParameter("Name")
	}
	if err := validAMIName(in.Name); err != nil {
		return nil, err
	}
	if in.ImageLocation != "" {
		return nil, errInvalidParameterValue("Instance store-backed AMIs (ImageLocation) are not supported by gureum; register an EBS-backed AMI from a root snapshot.")
	}
	if in.KernelId != "" || in.RamdiskId != "" {
		return nil, errInvalidParameterValue("Value (%s) for parameter kernelId is invalid.", in.KernelId+in.RamdiskId)
	}
	arch := in.Architecture
	switch arch {
	case "":
		arch = "x86_64"
	case "x86_64", "arm64", "i386", "x86_64_mac", "arm64_mac":
	default:
		return nil, errInvalidParameterValue("Value (%s) for parameter architecture is invalid.", arch)
	}
	virt := in.VirtualizationType
	if virt == "" {
		virt = "hvm"
	}
	root := in.RootDeviceName
	if root == "" {
		root = "/dev/xvda"
	}
	tags, err := tagsFor(in.TagSpecification, "image")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	now := s.now().UTC()
	id := newID("ami")
	im := &Image{PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", Description: in.Description, EnaSupport: in.EnaSupport == nil || *in.EnaSupport,
		Hypervisor: "xen", Name: in.Name, RootDeviceName: root, RootDeviceType: "ebs", SriovNetSupport: in.SriovNetSupport, Tags: tags,
		VirtualizationType: virt, ImageID: id, ImageLocation: sc.acct + "/" + in.Name, State: "available", OwnerID: sc.acct,
		CreationDate: now.Format("2006-01-02T15:04:05.000Z"), Architecture: arch, ImageType: "machine", Since: now,
		BootMode: in.BootMode, ImdsSupport: in.ImdsSupport}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if dup, err := imageNamed(tx, sc, in.Name); err != nil {
			return err
		} else if dup != "" {
			return errInvalidAMINameDuplicate(in.Name, dup)
		}
		for _, b := range in.BlockDeviceMapping {
			if b.NoDevice != nil || b.VirtualName != "" {
				continue
			}
			if b.Ebs == nil {
				return errInvalidParameterValue("The block device mapping for %s has no EBS volume.", b.DeviceName)
			}
			m := BlockDeviceMapping{DeviceName: b.DeviceName, Ebs: &EbsBlockDevice{DeleteOnTermination: b.Ebs.DeleteOnTermination == nil || *b.Ebs.DeleteOnTermination,
				SnapshotID: b.Ebs.SnapshotId, VolumeType: b.Ebs.VolumeType, Encrypted: b.Ebs.Encrypted != nil && *b.Ebs.Encrypted}}
			if m.Ebs.VolumeType == "" {
				m.Ebs.VolumeType = "gp2"
			}
			if b.Ebs.VolumeSize != nil {
				m.Ebs.VolumeSize = *b.Ebs.VolumeSize
			}
			if b.Ebs.SnapshotId != "" {
				snap, err := s.findSnapshot(ctx, tx, sc, b.Ebs.SnapshotId)
				if err != nil {
					return err
				}
				if snap.State != "completed" {
					return errIncorrectState("Snapshot %s is not in the completed state.", snap.SnapshotID)
				}
				if m.Ebs.VolumeSize == 0 {
					m.Ebs.VolumeSize = snap.VolumeSize
				}
				if m.Ebs.VolumeSize < snap.VolumeSize {
					return errInvalidParameterValue("Volume of size %dGB is smaller than snapshot '%s', expect size>= %dGB", m.Ebs.VolumeSize, snap.SnapshotID, snap.VolumeSize)
				}
				if sameDevice(b.DeviceName, root) {
					im.Ref = snap.Ref
				}
			} else if m.Ebs.VolumeSize == 0 {
				return errMissingParameter("BlockDeviceMapping.Ebs.VolumeSize or SnapshotId")
			}
			im.BlockDeviceMapping = append(im.BlockDeviceMapping, m)
		}
		hasRoot := false
		for _, m := range im.BlockDeviceMapping {
			hasRoot = hasRoot || sameDevice(m.DeviceName, root)
		}
		switch {
		case !hasRoot:
			return errInvalidParameterValue("The device name %s given as the root device has no block device mapping.", root)
		case im.Ref == "":
			return errInvalidParameterValue("The root device %s must be made from a root snapshot of an AMI (one CreateImage made, or a public AMI's): gureum's root disks are container images.", root)
		}
		return putRes(tx, sc, id, im)
	})
	if err != nil {
		return nil, err
	}
	return &createImageOutput{ImageID: id}, nil
}

// validAMIName checks an AMI name as CreateImage and RegisterImage do.
func validAMIName(name string) error {
	bad := len(name) < 3 || len(name) > 128
	for _, c := range name {
		bad = bad || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("()[]./-'@_ ", c))
	}
	if bad {
		return errInvalidAMINameMalformed()
	}
	return nil
}

// imageNamed is the id of the account's AMI with the name, if any.
func imageNamed(tx store.Tx, sc scope, name string) (string, error) {
	dup := ""
	err := scanRes(tx, sc, "ami-", func(o *Image) error {
		if o.Name == name {
			dup = o.ImageID
		}
		return nil
	})
	return dup, err
}

// releaseImageBytes schedules the removal of an image's bytes unless an
// AMI or a snapshot of the scope still names them.
func (s *Service) releaseImageBytes(tx store.Tx, sc scope, ref, exceptImage, exceptSnapshot string) error {
	if ref == "" {
		return nil
	}
	used := false
	if err := scanRes(tx, sc, "ami-", func(o *Image) error {
		used = used || (o.Ref == ref && o.ImageID != exceptImage)
		return nil
	}); err != nil {
		return err
	}
	if err := scanRes(tx, sc, "snap-", func(o *Snapshot) error {
		used = used || (o.Ref == ref && o.SnapshotID != exceptSnapshot)
		return nil
	}); err != nil {
		return err
	}
	if used {
		return nil
	}
	return reconcile.Add(tx, workImageRemove, string(resKey(sc.acct, sc.region, ref)), s.now())
}

// rootSnapshotHolds records that an available AMI's root snapshot holds
// its bytes.
func rootSnapshotHolds(tx store.Tx, sc scope, im *Image) error {
	for _, b := range im.BlockDeviceMapping {
		if b.Ebs == nil || !sameDevice(b.DeviceName, im.RootDeviceName) {
			continue
		}
		snap, err := getRes[Snapshot](tx, sc, b.Ebs.SnapshotID)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		snap.Ref = im.Ref
		return putRes(tx, sc, snap.SnapshotID, snap)
	}
	return nil
}

type enableImageDeprecationInput struct {
	ImageId     string
	DeprecateAt *time.Time
	DryRun      bool
}

func (s *Service) enableImageDeprecation(ctx context.Context, in *enableImageDeprecationInput) (*returnTrue, error) {
	if in.ImageId == "" {
		return nil, errMissingParameter("ImageId")
	}
	if in.DeprecateAt == nil {
		return nil, errMissingParameter("DeprecateAt")
	}
	at := in.DeprecateAt.UTC()
	if at.Before(s.now()) {
		return nil, errInvalidParameterValue("The deprecation time %s is in the past.", at.Format(time.RFC3339))
	}
	if r := at.Truncate(time.Minute); r.Before(at) {
		at = r.Add(time.Minute) // AWS rounds up to the minute
	}
	return s.setImageDeprecation(ctx, in.ImageId, at.Format("2006-01-02T15:04:05.000Z"))
}

func (s *Service) disableImageDeprecation(ctx context.Context, in *imageIDInput) (*returnTrue, error) {
	if in.ImageId == "" {
		return nil, errMissingParameter("ImageId")
	}
	return s.setImageDeprecation(ctx, in.ImageId, "")
}

func (s *Service) setImageDeprecation(ctx context.Context, id, at string) (*returnTrue, error) {
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		im, err := s.ownImage(tx, sc, ctx, id)
		if err != nil {
			return err
		}
		im.DeprecationTime = at
		return putRes(tx, sc, im.ImageID, im)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}
