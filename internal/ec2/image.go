package ec2

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/store"
)

// AMIs. Public images come from the compute driver's catalogue and are
// not stored: each entry has a stable ami- id per region. Images made by
// CreateImage are stored records, pending until the reconciler has the
// driver snapshot the instance.

// Image is EC2's Image.
type Image struct {
	PlatformDetails    string               `xml:"platformDetails" json:"platform"`
	UsageOperation     string               `xml:"usageOperation" json:"usage"`
	BlockDeviceMapping []BlockDeviceMapping `xml:"blockDeviceMapping>item" json:"bdm"`
	Description        string               `xml:"description,omitempty" json:"desc,omitempty"`
	EnaSupport         bool                 `xml:"enaSupport" json:"ena"`
	Hypervisor         string               `xml:"hypervisor" json:"hyper"`
	ImageOwnerAlias    string               `xml:"imageOwnerAlias,omitempty" json:"alias,omitempty"`
	Name               string               `xml:"name" json:"name"`
	RootDeviceName     string               `xml:"rootDeviceName" json:"root"`
	RootDeviceType     string               `xml:"rootDeviceType" json:"rootType"`
	SriovNetSupport    string               `xml:"sriovNetSupport,omitempty" json:"sriov,omitempty"`
	StateReason        *StateReason         `xml:"stateReason,omitempty" json:"reason,omitempty"`
	Tags               []Tag                `xml:"tagSet>item" json:"tags,omitempty"`
	VirtualizationType string               `xml:"virtualizationType" json:"virt"`
	BootMode           string               `xml:"bootMode,omitempty" json:"boot,omitempty"`
	ImdsSupport        string               `xml:"imdsSupport,omitempty" json:"imds,omitempty"`
	SourceInstanceID   string               `xml:"sourceInstanceId,omitempty" json:"src,omitempty"`
	DeprecationTime    string               `xml:"deprecationTime,omitempty" json:"deprecate,omitempty"`
	ImageID            string               `xml:"imageId" json:"id"`
	ImageLocation      string               `xml:"imageLocation" json:"loc"`
	State              string               `xml:"imageState" json:"state"`
	OwnerID            string               `xml:"imageOwnerId" json:"owner"`
	CreationDate       string               `xml:"creationDate" json:"created"`
	Public             bool                 `xml:"isPublic" json:"public"`
	Architecture       string               `xml:"architecture" json:"arch"`
	ImageType          string               `xml:"imageType" json:"type"`
	Platform           string               `xml:"platform,omitempty" json:"-"`

	// Ref is the driver's reference to the image's bytes.
	Ref string `xml:"-" json:"ref,omitempty"`
	// LaunchPermissions are the accounts (or the group "all") allowed to
	// launch a private image.
	LaunchPermissions []LaunchPermission `xml:"-" json:"perms,omitempty"`
	// NoReboot is CreateImage's flag: snapshot a running instance as it
	// is, without stopping it first.
	NoReboot bool `xml:"-" json:"noreboot,omitempty"`
	// Since is when the image was created, for the reconciler.
	Since time.Time `xml:"-" json:"since,omitempty"`
}

// BlockDeviceMapping is an image's block device.
type BlockDeviceMapping struct {
	DeviceName string          `xml:"deviceName" json:"dev"`
	Ebs        *EbsBlockDevice `xml:"ebs,omitempty" json:"ebs,omitempty"`
}

// EbsBlockDevice is an image's EBS volume.
type EbsBlockDevice struct {
	DeleteOnTermination bool   `xml:"deleteOnTermination" json:"dot"`
	SnapshotID          string `xml:"snapshotId" json:"snap"`
	VolumeSize          int32  `xml:"volumeSize" json:"size"`
	VolumeType          string `xml:"volumeType" json:"type"`
	Encrypted           bool   `xml:"encrypted" json:"enc"`
}

// StateReason explains a state.
type StateReason struct {
	Code    string `xml:"code" json:"code"`
	Message string `xml:"message" json:"msg"`
}

// LaunchPermission is one launch permission of an image.
type LaunchPermission struct {
	UserID string `xml:"userId,omitempty" json:"user,omitempty"`
	Group  string `xml:"group,omitempty" json:"group,omitempty"`
}

func hashID(prefix string, parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return prefix + "-" + hex.EncodeToString(sum[:])[:17]
}

// catalogueImage is a driver image as EC2 shows it in a region.
func catalogueImage(region string, ci compute.Image) *Image {
	id := hashID("ami", region, ci.Name)
	return &Image{
		PlatformDetails: ci.PlatformDetails, UsageOperation: "RunInstances",
		BlockDeviceMapping: []BlockDeviceMapping{{DeviceName: ci.RootDeviceName, Ebs: &EbsBlockDevice{DeleteOnTermination: true,
			SnapshotID: hashID("snap", region, ci.Name), VolumeSize: ci.VolumeSizeGiB, VolumeType: "gp3"}}},
		Description: ci.Description, EnaSupport: true, Hypervisor: "xen", ImageOwnerAlias: ci.OwnerAlias, Name: ci.Name,
		RootDeviceName: ci.RootDeviceName, RootDeviceType: "ebs", SriovNetSupport: "simple", VirtualizationType: "hvm",
		BootMode: "uefi-preferred", ImdsSupport: "v2.0", ImageID: id, ImageLocation: ci.OwnerAlias + "/" + ci.Name, State: "available",
		OwnerID: ci.OwnerID, CreationDate: ci.CreationDate.UTC().Format("2006-01-02T15:04:05.000Z"), Public: true,
		Architecture: ci.Architecture, ImageType: "machine", Ref: ci.Ref,
	}
}

func (s *Service) catalogue(ctx context.Context, region string) ([]*Image, error) {
	imgs, err := s.driver().Images(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*Image, 0, len(imgs))
	for _, ci := range imgs {
		if ci.PlatformDetails == "" {
			ci.PlatformDetails = "Linux/UNIX"
		}
		if ci.RootDeviceName == "" {
			ci.RootDeviceName = "/dev/xvda"
		}
		if ci.VolumeSizeGiB == 0 {
			ci.VolumeSizeGiB = 8
		}
		out = append(out, catalogueImage(region, ci))
	}
	return out, nil
}

func validAMIID(id string) error {
	if !strings.HasPrefix(id, "ami-") || len(id) < 12 {
		return errInvalidAMIIDMalformed(id)
	}
	return nil
}

// findImage returns an image the caller may launch: a catalogue entry or
// one of the account's own.
func (s *Service) findImage(ctx context.Context, tx store.Tx, sc scope, id string) (*Image, error) {
	if err := validAMIID(id); err != nil {
		return nil, err
	}
	cat, err := s.catalogue(ctx, sc.region)
	if err != nil {
		return nil, err
	}
	for _, im := range cat {
		if im.ImageID == id {
			return im, nil
		}
	}
	im, err := getRes[Image](tx, sc, id)
	if isNotFound(err) {
		shared, serr := sharedWith(tx, sc)
		if serr != nil {
			return nil, serr
		}
		for _, im := range shared {
			if im.ImageID == id {
				return im, nil
			}
		}
		return nil, errAMINotFound(id)
	}
	return im, err
}

func (s *Service) imageOps() opTable {
	return opTable{
		"DescribeImages":          handle(s.describeImages),
		"CreateImage":             handle(s.createImage),
		"DeregisterImage":         handle(s.deregisterImage),
		"DescribeImageAttribute":  handle(s.describeImageAttribute),
		"ModifyImageAttribute":    handle(s.modifyImageAttribute),
		"ResetImageAttribute":     handle(s.resetImageAttribute),
		"RegisterImage":           handle(s.registerImage),
		"EnableImageDeprecation":  handle(s.enableImageDeprecation),
		"DisableImageDeprecation": handle(s.disableImageDeprecation),
	}
}

type describeImagesInput struct {
	ImageId           []string
	Owner             []string
	ExecutableBy      []string
	Filter            []Filter
	IncludeDeprecated bool
	MaxResults        *int32
	NextToken         *string
	DryRun            bool
}

type describeImagesOutput struct {
	Images    []*Image `xml:"imagesSet>item"`
	NextToken string   `xml:"nextToken,omitempty"`
}

func (im *Image) filter(name string) ([]string, bool) {
	switch name {
	case "image-id":
		return []string{im.ImageID}, true
	case "name":
		return []string{im.Name}, true
	case "description":
		return []string{im.Description}, true
	case "owner-id":
		return []string{im.OwnerID}, true
	case "owner-alias":
		return []string{im.ImageOwnerAlias}, true
	case "architecture":
		return []string{im.Architecture}, true
	case "state":
		return []string{im.State}, true
	case "is-public":
		return []string{boolStr(im.Public)}, true
	case "image-type":
		return []string{im.ImageType}, true
	case "root-device-type":
		return []string{im.RootDeviceType}, true
	case "root-device-name":
		return []string{im.RootDeviceName}, true
	case "virtualization-type":
		return []string{im.VirtualizationType}, true
	case "hypervisor":
		return []string{im.Hypervisor}, true
	case "platform-details":
		return []string{im.PlatformDetails}, true
	case "usage-operation":
		return []string{im.UsageOperation}, true
	case "ena-support":
		return []string{boolStr(im.EnaSupport)}, true
	case "manifest-location":
		return []string{im.ImageLocation}, true
	case "creation-date":
		return []string{im.CreationDate}, true
	case "source-instance-id":
		return []string{im.SourceInstanceID}, true
	case "block-device-mapping.device-name":
		var out []string
		for _, b := range im.BlockDeviceMapping {
			out = append(out, b.DeviceName)
		}
		return out, true
	case "block-device-mapping.volume-type":
		var out []string
		for _, b := range im.BlockDeviceMapping {
			if b.Ebs != nil {
				out = append(out, b.Ebs.VolumeType)
			}
		}
		return out, true
	case "block-device-mapping.volume-size":
		var out []string
		for _, b := range im.BlockDeviceMapping {
			if b.Ebs != nil {
				out = append(out, itoa(int(b.Ebs.VolumeSize)))
			}
		}
		return out, true
	case "block-device-mapping.delete-on-termination":
		var out []string
		for _, b := range im.BlockDeviceMapping {
			if b.Ebs != nil {
				out = append(out, boolStr(b.Ebs.DeleteOnTermination))
			}
		}
		return out, true
	case "block-device-mapping.snapshot-id":
		var out []string
		for _, b := range im.BlockDeviceMapping {
			if b.Ebs != nil {
				out = append(out, b.Ebs.SnapshotID)
			}
		}
		return out, true
	}
	return nil, false
}

func (s *Service) describeImages(ctx context.Context, in *describeImagesInput) (*describeImagesOutput, error) {
	sc := scopeOf(ctx)
	for _, id := range in.ImageId {
		if err := validAMIID(id); err != nil {
			return nil, err
		}
	}
	cat, err := s.catalogue(ctx, sc.region)
	if err != nil {
		return nil, err
	}
	var own []*Image
	if err := s.store.View(ctx, func(tx store.Tx) error {
		own, err = listRes[Image](tx, sc, "ami-")
		if err != nil {
			return err
		}
		shared, err := sharedWith(tx, sc)
		own = append(own, shared...)
		return err
	}); err != nil {
		return nil, err
	}
	all := append(cat, own...)
	if len(in.ImageId) > 0 {
		gone, err := recentlyDeregistered(ctx, s, sc, in.ImageId)
		if err != nil {
			return nil, err
		}
		all = append(all, gone...)
		have := map[string]bool{}
		for _, im := range all {
			have[im.ImageID] = true
		}
		var missing []string
		for _, id := range in.ImageId {
			if !have[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) > 0 {
			return nil, errAMINotFound(missing...)
		}
	}
	var out []*Image
	for _, im := range all {
		if len(in.ImageId) > 0 && !contains(in.ImageId, im.ImageID) {
			continue
		}
		if len(in.Owner) > 0 {
			okOwner := false
			for _, o := range in.Owner {
				switch o {
				case "self":
					okOwner = okOwner || im.OwnerID == sc.acct
				case "amazon", "aws-marketplace", "aws-backup-vault":
					okOwner = okOwner || im.ImageOwnerAlias == o
				default:
					okOwner = okOwner || im.OwnerID == o
				}
			}
			if !okOwner {
				continue
			}
		}
		ok, err := matchFilters(in.Filter, im.Tags, im.filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, im)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].ImageID < out[b].ImageID })
	items, next, err := page(out, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeImagesOutput{Images: items, NextToken: next}, nil
}

type createImageInput struct {
	InstanceId       string
	Name             string
	Description      string
	NoReboot         bool
	TagSpecification []TagSpecification
	DryRun           bool
}

type createImageOutput struct {
	ImageID string `xml:"imageId"`
}

func (s *Service) createImage(ctx context.Context, in *createImageInput) (*createImageOutput, error) {
	if in.InstanceId == "" {
		return nil, errMissingParameter("InstanceId")
	}
	if in.Name == "" {
		return nil, errMissingParameter("Name")
	}
	if err := validAMIName(in.Name); err != nil {
		return nil, err
	}
	imgTags, err := tagsFor(in.TagSpecification, "image", "snapshot")
	if err != nil {
		return nil, err
	}
	snapTags, _ := tagsFor(in.TagSpecification, "snapshot", "image")
	sc := scopeOf(ctx)
	now := s.now().UTC()
	var im *Image
	err = s.store.Update(ctx, func(tx store.Tx) error {
		inst, err := getInstance(tx, sc, in.InstanceId)
		if err != nil {
			return err
		}
		if st := inst.State.Name; st != "running" && st != "stopping" && st != "stopped" {
			return errInvalidParameterValue("Invalid value '%s' for instanceId. Instance is not in state 'running' or 'stopping' or 'stopped'", inst.InstanceID)
		}
		if dup, err := imageNamed(tx, sc, in.Name); err != nil {
			return err
		} else if dup != "" {
			return errInvalidAMINameDuplicate(in.Name, dup)
		}
		src, _ := s.findImage(ctx, tx, sc, inst.ImageID)
		id := newID("ami")
		im = &Image{PlatformDetails: "Linux/UNIX", UsageOperation: "RunInstances", Description: in.Description, EnaSupport: true,
			Hypervisor: "xen", Name: in.Name, RootDeviceName: inst.RootDeviceName, RootDeviceType: "ebs", SriovNetSupport: "simple",
			Tags: imgTags, VirtualizationType: "hvm", SourceInstanceID: inst.InstanceID, ImageID: id, ImageLocation: sc.acct + "/" + in.Name,
			State: "pending", OwnerID: sc.acct, CreationDate: now.Format("2006-01-02T15:04:05.000Z"), Architecture: inst.Architecture,
			ImageType: "machine", Since: now, BootMode: "uefi-preferred", ImdsSupport: "v2.0", NoReboot: in.NoReboot}
		size := int32(8)
		if src != nil {
			im.Ref = src.Ref
			if len(src.BlockDeviceMapping) > 0 && src.BlockDeviceMapping[0].Ebs != nil {
				size = src.BlockDeviceMapping[0].Ebs.VolumeSize
			}
		}
		// A snapshot of each volume the instance has (AWS's words for
		// their description); the image's mapping names them.
		for _, b := range inst.BlockDeviceMapping {
			if b.Ebs.Status != "attached" {
				continue
			}
			v, err := getRes[Volume](tx, sc, b.Ebs.VolumeID)
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			snap, err := s.newSnapshot(tx, sc, v, fmt.Sprintf("Created by CreateImage(%s) for %s", inst.InstanceID, id), snapTags)
			if err != nil {
				return err
			}
			im.BlockDeviceMapping = append(im.BlockDeviceMapping, BlockDeviceMapping{DeviceName: b.DeviceName, Ebs: &EbsBlockDevice{
				DeleteOnTermination: b.Ebs.DeleteOnTermination, SnapshotID: snap.SnapshotID, VolumeSize: v.Size, VolumeType: v.VolumeType,
				Encrypted: v.Encrypted}})
		}
		if len(im.BlockDeviceMapping) == 0 {
			// An instance launched before gureum recorded its volumes.
			im.BlockDeviceMapping = []BlockDeviceMapping{{DeviceName: im.RootDeviceName, Ebs: &EbsBlockDevice{DeleteOnTermination: true,
				SnapshotID: newID("snap"), VolumeSize: size, VolumeType: "gp3"}}}
		}
		if err := putRes(tx, sc, id, im); err != nil {
			return err
		}
		return addWork(tx, sc, id, now.Add(s.delay(s.timings.ImagePending)))
	})
	if err != nil {
		return nil, err
	}
	return &createImageOutput{ImageID: im.ImageID}, nil
}

type imageIDInput struct {
	ImageId string
	DryRun  bool
}

func (s *Service) ownImage(tx store.Tx, sc scope, ctx context.Context, id string) (*Image, error) {
	im, err := s.findImage(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if im.OwnerID != sc.acct {
		return nil, errAuthFailure("Not authorized for image:%s", id)
	}
	return im, nil
}

func (s *Service) deregisterImage(ctx context.Context, in *imageIDInput) (*returnTrue, error) {
	if in.ImageId == "" {
		return nil, errMissingParameter("ImageId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		im, err := s.ownImage(tx, sc, ctx, in.ImageId)
		if err != nil {
			return err
		}
		_ = delWork(tx, sc, im.ImageID)
		if im.State == "available" {
			// Its bytes go once no instance uses them (the driver only
			// removes images it made), unless a snapshot or another AMI
			// holds them.
			if err := s.releaseImageBytes(tx, sc, im.Ref, im.ImageID, ""); err != nil {
				return err
			}
		}
		im.LaunchPermissions = nil
		if err := syncShare(tx, sc, im); err != nil {
			return err
		}
		if err := rememberDeregistered(tx, sc, im, s.now()); err != nil {
			return err
		}
		return delRes(tx, sc, im.ImageID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

type describeImageAttributeInput struct {
	ImageId   string
	Attribute string
	DryRun    bool
}

type attributeValue struct {
	Value *string `xml:"value,omitempty"`
}

type describeImageAttributeOutput struct {
	ImageID            string               `xml:"imageId"`
	LaunchPermissions  []LaunchPermission   `xml:"launchPermission>item,omitempty"`
	Description        *attributeValue      `xml:"description,omitempty"`
	BlockDeviceMapping []BlockDeviceMapping `xml:"blockDeviceMapping>item,omitempty"`
	BootMode           *attributeValue      `xml:"bootMode,omitempty"`
	ImdsSupport        *attributeValue      `xml:"imdsSupport,omitempty"`
	SriovNetSupport    *attributeValue      `xml:"sriovNetSupport,omitempty"`
	KernelID           *attributeValue      `xml:"kernel,omitempty"`
	RamdiskID          *attributeValue      `xml:"ramdisk,omitempty"`
	// ProductCodes is an empty <productCodes/> when asked for: gureum's
	// AMIs have none (Ansible's ec2_ami reads it after every change).
	ProductCodes             *emptyElement   `xml:"productCodes,omitempty"`
	TpmSupport               *attributeValue `xml:"tpmSupport,omitempty"`
	UefiData                 *attributeValue `xml:"uefiData,omitempty"`
	LastLaunchedTime         *attributeValue `xml:"lastLaunchedTime,omitempty"`
	DeregistrationProtection *attributeValue `xml:"deregistrationProtection,omitempty"`
}

// emptyElement renders as an element with no content.
type emptyElement struct{}

func strp(s string) *string { return &s }

func (s *Service) describeImageAttribute(ctx context.Context, in *describeImageAttributeInput) (*describeImageAttributeOutput, error) {
	if in.ImageId == "" {
		return nil, errMissingParameter("ImageId")
	}
	if in.Attribute == "" {
		return nil, errMissingParameter("Attribute")
	}
	sc := scopeOf(ctx)
	out := &describeImageAttributeOutput{ImageID: in.ImageId}
	gone, err := recentlyDeregistered(ctx, s, sc, []string{in.ImageId})
	if err != nil {
		return nil, err
	}
	err = s.store.View(ctx, func(tx store.Tx) error {
		im, err := s.findImage(ctx, tx, sc, in.ImageId)
		if err != nil && len(gone) == 1 {
			// A recently deregistered image still answers, as on AWS.
			im, err = gone[0], nil
		}
		if err != nil {
			return err
		}
		if in.Attribute == "launchPermission" && im.OwnerID != sc.acct {
			return errAuthFailure("Not authorized for image:%s", in.ImageId)
		}
		switch in.Attribute {
		case "launchPermission":
			out.LaunchPermissions = im.LaunchPermissions
		case "description":
			out.Description = &attributeValue{strp(im.Description)}
		case "blockDeviceMapping":
			out.BlockDeviceMapping = im.BlockDeviceMapping
		case "bootMode":
			out.BootMode = &attributeValue{strp(im.BootMode)}
		case "imdsSupport":
			out.ImdsSupport = &attributeValue{strp(im.ImdsSupport)}
		case "sriovNetSupport":
			out.SriovNetSupport = &attributeValue{strp(im.SriovNetSupport)}
		case "kernel":
			out.KernelID = &attributeValue{}
		case "ramdisk":
			out.RamdiskID = &attributeValue{}
		case "productCodes":
			out.ProductCodes = &emptyElement{}
		case "tpmSupport":
			out.TpmSupport = &attributeValue{}
		case "uefiData":
			out.UefiData = &attributeValue{}
		case "lastLaunchedTime":
			out.LastLaunchedTime = &attributeValue{}
		case "deregistrationProtection":
			out.DeregistrationProtection = &attributeValue{strp("disabled")}
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

type modifyImageAttributeInput struct {
	ImageId          string
	Attribute        string
	OperationType    string
	UserId           []string
	UserGroup        []string
	Value            string
	Description      *attributeValue
	LaunchPermission *struct {
		Add    []LaunchPermissionSpec
		Remove []LaunchPermissionSpec
	}
	DryRun bool
}

// LaunchPermissionSpec is a LaunchPermission in a request.
type LaunchPermissionSpec struct {
	UserId string
	Group  string
}

func (s *Service) modifyImageAttribute(ctx context.Context, in *modifyImageAttributeInput) (*returnTrue, error) {
	if in.ImageId == "" {
		return nil, errMissingParameter("ImageId")
	}
	var add, remove []LaunchPermission
	if lp := in.LaunchPermission; lp != nil {
		for _, p := range lp.Add {
			add = append(add, LaunchPermission{UserID: p.UserId, Group: p.Group})
		}
		for _, p := range lp.Remove {
			remove = append(remove, LaunchPermission{UserID: p.UserId, Group: p.Group})
		}
	}
	if in.Attribute == "launchPermission" || (in.Attribute == "" && (len(in.UserId) > 0 || len(in.UserGroup) > 0)) {
		var ps []LaunchPermission
		for _, u := range in.UserId {
			ps = append(ps, LaunchPermission{UserID: u})
		}
		for _, g := range in.UserGroup {
			ps = append(ps, LaunchPermission{Group: g})
		}
		switch in.OperationType {
		case "add":
			add = append(add, ps...)
		case "remove":
			remove = append(remove, ps...)
		default:
			return nil, errMissingParameter("OperationType")
		}
	}
	for _, p := range append(append([]LaunchPermission(nil), add...), remove...) {
		if p.Group != "" && p.Group != "all" {
			return nil, errInvalidParameterValue("Value (%s) for parameter userGroup is invalid. Only 'all' is supported.", p.Group)
		}
		if p.UserID != "" && (len(p.UserID) != 12 || strings.Trim(p.UserID, "0123456789") != "") {
			return nil, errInvalidParameterValue("Value (%s) for parameter userId is invalid. Expected a 12-digit account id.", p.UserID)
		}
	}
	desc := in.Description
	if in.Attribute == "description" && desc == nil {
		desc = &attributeValue{strp(in.Value)}
	}
	if desc == nil && len(add) == 0 && len(remove) == 0 {
		return nil, errInvalidParameterCombination("No attributes specified.")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		im, err := s.ownImage(tx, sc, ctx, in.ImageId)
		if err != nil {
			return err
		}
		if desc != nil && desc.Value != nil {
			im.Description = *desc.Value
		}
		for _, p := range add {
			if !containsPerm(im.LaunchPermissions, p) {
				im.LaunchPermissions = append(im.LaunchPermissions, p)
			}
		}
		kept := im.LaunchPermissions[:0]
		for _, p := range im.LaunchPermissions {
			if !containsPerm(remove, p) {
				kept = append(kept, p)
			}
		}
		im.LaunchPermissions = kept
		im.Public = containsPerm(im.LaunchPermissions, LaunchPermission{Group: "all"})
		if err := syncShare(tx, sc, im); err != nil {
			return err
		}
		return putRes(tx, sc, im.ImageID, im)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// Images shared with other accounts (launch permissions) are indexed by
// region so those accounts can find them:
//
//	ec2.shared-images: region "/" ami-id → owner account
const tSharedImages = "ec2.shared-images"

// syncShare keeps an image's entry in the shared index in step with its
// launch permissions.
func syncShare(tx store.Tx, sc scope, im *Image) error {
	key := []byte(sc.region + "/" + im.ImageID)
	if len(im.LaunchPermissions) == 0 {
		return tx.Delete(tSharedImages, key)
	}
	return tx.Put(tSharedImages, key, []byte(sc.acct))
}

// sharedWith returns the images of other accounts in the region that
// account may launch.
func sharedWith(tx store.Tx, sc scope) ([]*Image, error) {
	var out []*Image
	err := tx.Scan(tSharedImages, []byte(sc.region+"/"), nil, func(k, v []byte) (bool, error) {
		owner := string(v)
		if owner == sc.acct {
			return true, nil
		}
		id := string(k[len(sc.region)+1:])
		im, err := getRes[Image](tx, scope{owner, sc.region}, id)
		if err != nil {
			return true, nil
		}
		if containsPerm(im.LaunchPermissions, LaunchPermission{UserID: sc.acct}) || containsPerm(im.LaunchPermissions, LaunchPermission{Group: "all"}) {
			out = append(out, im)
		}
		return true, nil
	})
	return out, err
}

func containsPerm(list []LaunchPermission, p LaunchPermission) bool {
	for _, q := range list {
		if q == p {
			return true
		}
	}
	return false
}

type resetImageAttributeInput struct {
	ImageId   string
	Attribute string
	DryRun    bool
}

func (s *Service) resetImageAttribute(ctx context.Context, in *resetImageAttributeInput) (*returnTrue, error) {
	if in.Attribute != "launchPermission" {
		return nil, errInvalidParameterValue("Value (%s) for parameter attribute is invalid. Only 'launchPermission' can be reset.", in.Attribute)
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		im, err := s.ownImage(tx, sc, ctx, in.ImageId)
		if err != nil {
			return err
		}
		im.LaunchPermissions, im.Public = nil, false
		if err := syncShare(tx, sc, im); err != nil {
			return err
		}
		return putRes(tx, sc, im.ImageID, im)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// tImagesDeregistered keeps deregistered images for a while: AWS shows a
// recently deregistered image, asked for by id, in state "deregistered"
// for a short interval before its id is unknown (tools such as Ansible's
// ec2_ami describe the image right after DeregisterImage).
const tImagesDeregistered = "ec2.image-deregistered"

// deregisteredVisible is how long a deregistered image stays visible.
const deregisteredVisible = time.Hour

// rememberDeregistered records a deregistered image and forgets the
// scope's ones past deregisteredVisible.
func rememberDeregistered(tx store.Tx, sc scope, im *Image, now time.Time) error {
	var old [][]byte
	err := tx.Scan(tImagesDeregistered, resKey(sc.acct, sc.region, "ami-"), nil, func(k, v []byte) (bool, error) {
		var d deregisteredImage
		if json.Unmarshal(v, &d) != nil || now.Sub(d.At) > deregisteredVisible {
			old = append(old, append([]byte(nil), k...))
		}
		return true, nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := tx.Delete(tImagesDeregistered, k); err != nil {
			return err
		}
	}
	gone := *im
	gone.State = "deregistered"
	b, err := json.Marshal(deregisteredImage{Image: gone, At: now})
	if err != nil {
		return err
	}
	return tx.Put(tImagesDeregistered, resKey(sc.acct, sc.region, im.ImageID), b)
}

type deregisteredImage struct {
	Image Image     `json:"image"`
	At    time.Time `json:"at"`
}

// recentlyDeregistered returns those of ids deregistered less than
// deregisteredVisible ago.
func recentlyDeregistered(ctx context.Context, s *Service, sc scope, ids []string) ([]*Image, error) {
	var out []*Image
	err := s.store.View(ctx, func(tx store.Tx) error {
		for _, id := range ids {
			b, err := tx.Get(tImagesDeregistered, resKey(sc.acct, sc.region, id))
			if isNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			var d deregisteredImage
			if json.Unmarshal(b, &d) == nil && s.now().Sub(d.At) <= deregisteredVisible {
				im := d.Image
				out = append(out, &im)
			}
		}
		return nil
	})
	return out, err
}
