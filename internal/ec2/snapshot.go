package ec2

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gureum/gureum/internal/reconcile"
	"github.com/gureum/gureum/internal/store"
)

// EBS snapshots: CreateSnapshot, DescribeSnapshots, DeleteSnapshot.
//
// A snapshot is pending until the reconciler (work "ec2.snapshot") has
// the driver copy its volume's bytes (compute.Disks.SnapshotDisk; with
// the none driver it takes Timings.Volume), then completed. CreateImage
// makes one per volume of the instance, and the image's block device
// mapping names them; DeregisterImage leaves them, as on AWS, and a
// snapshot an image names cannot be deleted. The public images' root
// snapshots are shown too (owner amazon) when asked for by id or owner.
// A deleted snapshot's bytes go through the same work.

// Snapshot is EC2's Snapshot.
type Snapshot struct {
	Description  string    `xml:"description" json:"desc,omitempty"`
	Encrypted    bool      `xml:"encrypted" json:"enc"`
	KmsKeyID     string    `xml:"kmsKeyId,omitempty" json:"kms,omitempty"`
	OwnerAlias   string    `xml:"ownerAlias,omitempty" json:"alias,omitempty"`
	OwnerID      string    `xml:"ownerId" json:"owner"`
	Progress     string    `xml:"progress" json:"progress"`
	SnapshotID   string    `xml:"snapshotId" json:"id"`
	StartTime    time.Time `xml:"startTime" json:"start"`
	State        string    `xml:"status" json:"state"`
	StateMessage string    `xml:"statusMessage,omitempty" json:"msg,omitempty"`
	VolumeID     string    `xml:"volumeId" json:"vol"`
	VolumeSize   int32     `xml:"volumeSize" json:"size"`
	StorageTier  string    `xml:"storageTier" json:"tier"`
	Tags         []Tag     `xml:"tagSet>item" json:"tags,omitempty"`

	// Ref is the image bytes a root snapshot holds (see RegisterImage).
	Ref string `xml:"-" json:"ref,omitempty"`
	// Due is when a pending snapshot may complete.
	Due time.Time `xml:"-" json:"due,omitzero"`
}

func validSnapshotID(id string) error {
	if !strings.HasPrefix(id, "snap-") || len(id) < 9 || strings.Trim(id[5:], "0123456789abcdef") != "" {
		return errInvalidSnapshotIDMalformed(id)
	}
	return nil
}

// publicSnapshots are the root snapshots of the driver's catalogue.
func (s *Service) publicSnapshots(ctx context.Context, region string) ([]*Snapshot, error) {
	cat, err := s.catalogue(ctx, region)
	if err != nil {
		return nil, err
	}
	var out []*Snapshot
	for _, im := range cat {
		for _, b := range im.BlockDeviceMapping {
			if b.Ebs == nil || b.Ebs.SnapshotID == "" {
				continue
			}
			t, _ := time.Parse("2006-01-02T15:04:05.000Z", im.CreationDate)
			out = append(out, &Snapshot{Description: "Root volume of " + im.Name, OwnerAlias: im.ImageOwnerAlias, OwnerID: im.OwnerID,
				Progress: "100%", SnapshotID: b.Ebs.SnapshotID, StartTime: t, State: "completed", VolumeID: "vol-ffffffff",
				VolumeSize: b.Ebs.VolumeSize, StorageTier: "standard", Ref: im.Ref})
		}
	}
	return out, nil
}

// findSnapshot returns one of the account's snapshots or a public one.
func (s *Service) findSnapshot(ctx context.Context, tx store.Tx, sc scope, id string) (*Snapshot, error) {
	if err := validSnapshotID(id); err != nil {
		return nil, err
	}
	snap, err := getRes[Snapshot](tx, sc, id)
	if err == nil || !isNotFound(err) {
		return snap, err
	}
	pub, err := s.publicSnapshots(ctx, sc.region)
	if err != nil {
		return nil, err
	}
	for _, p := range pub {
		if p.SnapshotID == id {
			return p, nil
		}
	}
	return nil, errSnapshotNotFound(id)
}

func (s *Service) snapshotOps() opTable {
	return opTable{
		"CreateSnapshot":    handle(s.createSnapshot),
		"DescribeSnapshots": handle(s.describeSnapshots),
		"DeleteSnapshot":    handle(s.deleteSnapshot),
	}
}

type createSnapshotInput struct {
	Description      string
	VolumeId         string
	TagSpecification []TagSpecification
	DryRun           bool
}

func (s *Service) createSnapshot(ctx context.Context, in *createSnapshotInput) (*Snapshot, error) {
	if in.VolumeId == "" {
		return nil, errMissingParameter("VolumeId")
	}
	tags, err := tagsFor(in.TagSpecification, "snapshot")
	if err != nil {
		return nil, err
	}
	sc := scopeOf(ctx)
	var out *Snapshot
	err = s.store.Update(ctx, func(tx store.Tx) error {
		v, err := getVolume(tx, sc, in.VolumeId)
		if err != nil {
			return err
		}
		if v.State != "available" && v.State != "in-use" {
			return errVolumeState(v.VolumeID, v.State)
		}
		out, err = s.newSnapshot(tx, sc, v, in.Description, tags)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// newSnapshot records a pending snapshot of a volume and schedules its copy.
func (s *Service) newSnapshot(tx store.Tx, sc scope, v *Volume, desc string, tags []Tag) (*Snapshot, error) {
	now := s.now().UTC()
	snap := &Snapshot{Description: desc, Encrypted: v.Encrypted, KmsKeyID: v.KmsKeyID, OwnerID: sc.acct, Progress: "0%",
		SnapshotID: newID("snap"), StartTime: now.Truncate(time.Millisecond), State: "pending", VolumeID: v.VolumeID,
		VolumeSize: v.Size, StorageTier: "standard", Tags: tags, Due: now.Add(s.delay(s.timings.Volume))}
	if err := addWork(tx, sc, snap.SnapshotID, snap.Due); err != nil {
		return nil, err
	}
	return snap, putRes(tx, sc, snap.SnapshotID, snap)
}

type describeSnapshotsInput struct {
	SnapshotId   []string
	Owner        []string
	RestorableBy []string
	Filter       []Filter
	MaxResults   *int32
	NextToken    *string
	DryRun       bool
}

type describeSnapshotsOutput struct {
	Snapshots []*Snapshot `xml:"snapshotSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func (p *Snapshot) filter(name string) ([]string, bool) {
	one := func(s string) ([]string, bool) { return []string{s}, true }
	switch name {
	case "snapshot-id":
		return one(p.SnapshotID)
	case "volume-id":
		return one(p.VolumeID)
	case "status":
		return one(p.State)
	case "owner-id":
		return one(p.OwnerID)
	case "owner-alias":
		return one(p.OwnerAlias)
	case "description":
		return one(p.Description)
	case "progress":
		return one(p.Progress)
	case "volume-size":
		return one(strconv.Itoa(int(p.VolumeSize)))
	case "start-time":
		return one(p.StartTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	case "encrypted":
		return one(boolStr(p.Encrypted))
	case "storage-tier":
		return one(p.StorageTier)
	}
	return nil, false
}

func (s *Service) describeSnapshots(ctx context.Context, in *describeSnapshotsInput) (*describeSnapshotsOutput, error) {
	if len(in.SnapshotId) > 0 && in.MaxResults != nil {
		return nil, errInvalidParameterCombination("The parameter snapshotSet cannot be used with the parameter maxResults")
	}
	sc := scopeOf(ctx)
	for _, id := range in.SnapshotId {
		if err := validSnapshotID(id); err != nil {
			return nil, err
		}
	}
	var own []*Snapshot
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		own, err = listRes[Snapshot](tx, sc, "snap-")
		return err
	})
	if err != nil {
		return nil, err
	}
	all := own
	// The public snapshots are shown when asked for (by id or owner), not
	// in every listing: AWS's public ones are too many to list.
	wantPublic := len(in.SnapshotId) > 0
	for _, o := range in.Owner {
		wantPublic = wantPublic || (o != "self" && o != sc.acct)
	}
	if wantPublic {
		pub, err := s.publicSnapshots(ctx, sc.region)
		if err != nil {
			return nil, err
		}
		all = append(all, pub...)
	}
	have := map[string]bool{}
	for _, p := range all {
		have[p.SnapshotID] = true
	}
	for _, id := range in.SnapshotId {
		if !have[id] {
			return nil, errSnapshotNotFound(id)
		}
	}
	var out []*Snapshot
	for _, p := range all {
		if len(in.SnapshotId) > 0 && !contains(in.SnapshotId, p.SnapshotID) {
			continue
		}
		if len(in.Owner) > 0 {
			okOwner := false
			for _, o := range in.Owner {
				okOwner = okOwner || (o == "self" && p.OwnerID == sc.acct) || o == p.OwnerID || (o != "" && o == p.OwnerAlias)
			}
			if !okOwner {
				continue
			}
		}
		ok, err := matchFilters(in.Filter, p.Tags, p.filter)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].SnapshotID < out[b].SnapshotID })
	items, next, err := page(out, in.MaxResults, in.NextToken, 5, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSnapshotsOutput{Snapshots: items, NextToken: next}, nil
}

type deleteSnapshotInput struct {
	SnapshotId string
	DryRun     bool
}

func (s *Service) deleteSnapshot(ctx context.Context, in *deleteSnapshotInput) (*returnTrue, error) {
	if in.SnapshotId == "" {
		return nil, errMissingParameter("SnapshotId")
	}
	sc := scopeOf(ctx)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		snap, err := s.findSnapshot(ctx, tx, sc, in.SnapshotId)
		if err != nil {
			return err
		}
		if snap.OwnerID != sc.acct {
			return errUnauthorizedOperation()
		}
		inUse := ""
		if err := scanRes(tx, sc, "ami-", func(im *Image) error {
			for _, b := range im.BlockDeviceMapping {
				if b.Ebs != nil && b.Ebs.SnapshotID == snap.SnapshotID {
					inUse = im.ImageID
				}
			}
			return nil
		}); err != nil {
			return err
		}
		if inUse != "" {
			return errInvalidSnapshotInUse(snap.SnapshotID, inUse)
		}
		// Its bytes go through the reconciler (the record gone says so),
		// and the image bytes of a root snapshot once nothing names them.
		if err := addWork(tx, sc, snap.SnapshotID, s.now()); err != nil {
			return err
		}
		if err := s.releaseImageBytes(tx, sc, snap.Ref, "", snap.SnapshotID); err != nil {
			return err
		}
		return delRes(tx, sc, snap.SnapshotID)
	})
	if err != nil {
		return nil, err
	}
	return ok, nil
}

// reconcileSnapshot copies a pending snapshot's bytes (or removes a
// deleted one's) and records it completed.
func (s *Service) reconcileSnapshot(ctx context.Context, it reconcile.Item) (time.Duration, error) {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return 0, nil
	}
	var snap *Snapshot
	err := s.store.View(ctx, func(tx store.Tx) error {
		var err error
		snap, err = getRes[Snapshot](tx, sc, id)
		return err
	})
	dk, real := s.disks()
	if isNotFound(err) {
		if real {
			return 0, dk.DeleteSnapshot(ctx, id)
		}
		return 0, nil
	}
	if err != nil || snap.State != "pending" {
		return 0, err
	}
	if now := s.now(); now.Before(snap.Due) {
		return snap.Due.Sub(now) + time.Millisecond, nil
	}
	if real {
		if err := dk.SnapshotDisk(ctx, snap.VolumeID, id); err != nil {
			return 0, err
		}
	}
	return 0, s.store.Update(ctx, func(tx store.Tx) error {
		snap, err := getRes[Snapshot](tx, sc, id)
		if isNotFound(err) {
			// Deleted while it was copied: its bytes go.
			return addWork(tx, sc, id, s.now())
		}
		if err != nil || snap.State != "pending" {
			return err
		}
		snap.State, snap.Progress = "completed", "100%"
		return putRes(tx, sc, id, snap)
	})
}

func (s *Service) failSnapshot(ctx context.Context, it reconcile.Item, cause error) error {
	sc, id, ok := splitWork(it.ID)
	if !ok {
		return nil
	}
	return s.store.Update(ctx, func(tx store.Tx) error {
		snap, err := getRes[Snapshot](tx, sc, id)
		if isNotFound(err) {
			return nil
		}
		if err != nil || snap.State != "pending" {
			return err
		}
		snap.State, snap.StateMessage = "error", "Server.InternalError: "+cause.Error()
		return putRes(tx, sc, id, snap)
	})
}
