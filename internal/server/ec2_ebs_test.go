package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// EBS with the none driver: volumes and snapshots are records whose
// states move on their own after a moment, as AWS's do.

func waitVolumes(t *testing.T, c *ec2.Client, want string, ids ...string) {
	t.Helper()
	in := &ec2.DescribeVolumesInput{VolumeIds: ids}
	var err error
	switch want {
	case "available":
		err = ec2.NewVolumeAvailableWaiter(c, func(o *ec2.VolumeAvailableWaiterOptions) { o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second }).Wait(ctx(), in, 30*time.Second)
	case "in-use":
		err = ec2.NewVolumeInUseWaiter(c, func(o *ec2.VolumeInUseWaiterOptions) { o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second }).Wait(ctx(), in, 30*time.Second)
	case "deleted":
		err = ec2.NewVolumeDeletedWaiter(c, func(o *ec2.VolumeDeletedWaiterOptions) { o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second }).Wait(ctx(), in, 30*time.Second)
	}
	if err != nil {
		t.Fatalf("waiting for %v to be %s: %v", ids, want, err)
	}
}

func waitSnapshots(t *testing.T, c *ec2.Client, ids ...string) {
	t.Helper()
	w := ec2.NewSnapshotCompletedWaiter(c, func(o *ec2.SnapshotCompletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = 100*time.Millisecond, time.Second
	})
	if err := w.Wait(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: ids}, 60*time.Second); err != nil {
		t.Fatalf("waiting for snapshots %v: %v", ids, err)
	}
}

func describeVolume(t *testing.T, c *ec2.Client, id string) ec2types.Volume {
	t.Helper()
	out, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{VolumeIds: []string{id}})
	if err != nil || len(out.Volumes) != 1 {
		t.Fatalf("DescribeVolumes %s: %+v %v", id, out, err)
	}
	return out.Volumes[0]
}

// waitAttachment polls until the volume's attachment is state (or gone
// when state is "").
func waitAttachment(t *testing.T, c *ec2.Client, id string, state ec2types.VolumeAttachmentState) ec2types.Volume {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		v := describeVolume(t, c, id)
		if (state == "" && len(v.Attachments) == 0) || (len(v.Attachments) == 1 && v.Attachments[0].State == state) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("volume %s: attachments %+v, want %q", id, v.Attachments, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

func TestEC2EBSVolumes(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	inst := run.Instances[0]
	id := *inst.InstanceId
	waitRunning(t, c, id)

	// The root volume: attached as the AMI's root device, from its snapshot.
	img, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil {
		t.Fatal(err)
	}
	rootDev, rootSnap := *img.Images[0].RootDeviceName, *img.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId
	vs, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("attachment.instance-id", id)}})
	if err != nil || len(vs.Volumes) != 1 {
		t.Fatalf("root volume: %+v %v", vs, err)
	}
	root := vs.Volumes[0]
	if root.State != ec2types.VolumeStateInUse || *root.Size != 8 || root.VolumeType != ec2types.VolumeTypeGp3 || *root.Iops != 3000 ||
		*root.Throughput != 125 || *root.SnapshotId != rootSnap || *root.AvailabilityZone != "us-east-1a" || root.CreateTime == nil ||
		len(root.Attachments) != 1 || *root.Attachments[0].Device != rootDev || !*root.Attachments[0].DeleteOnTermination ||
		root.Attachments[0].State != ec2types.VolumeAttachmentStateAttached || len(root.Tags) != 1 || *root.Tags[0].Value != "blue" {
		t.Fatalf("root volume: %+v", root)
	}
	rootID := *root.VolumeId
	got := e2eInstance(t, c, id)
	if len(got.BlockDeviceMappings) != 1 || *got.BlockDeviceMappings[0].Ebs.VolumeId != rootID || *got.BlockDeviceMappings[0].DeviceName != rootDev {
		t.Fatalf("instance mappings: %+v", got.BlockDeviceMappings)
	}

	// A new volume: creating, then available.
	cv, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(10), VolumeType: ec2types.VolumeTypeGp3,
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVolume, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("data")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	vol := *cv.VolumeId
	if cv.State != ec2types.VolumeStateCreating || !strings.HasPrefix(vol, "vol-") || len(vol) != 21 || *cv.Iops != 3000 || *cv.Encrypted {
		t.Fatalf("created: %+v", cv)
	}
	_, err = c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdf")})
	wantCode(t, err, "IncorrectState")
	waitVolumes(t, c, "available", vol)

	// Errors, in AWS's codes.
	_, err = c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a")})
	wantCode(t, err, "MissingParameter")
	_, err = c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1z"), Size: aws.Int32(1)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1), VolumeType: ec2types.VolumeTypeGp2, Iops: aws.Int32(300)})
	wantCode(t, err, "InvalidParameterCombination")
	_, err = c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{VolumeIds: []string{"vol-0123456789abcdef0"}})
	if ae := wantCode(t, err, "InvalidVolume.NotFound"); ae.ErrorMessage() != "The volume 'vol-0123456789abcdef0' does not exist." {
		t.Fatal(ae.ErrorMessage())
	}
	other, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "available", *other.VolumeId)
	_, err = c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: other.VolumeId, InstanceId: aws.String(id), Device: aws.String("/dev/sdg")})
	wantCode(t, err, "InvalidVolume.ZoneMismatch")
	_, err = c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String(rootDev)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/nope")})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DetachVolume(ctx(), &ec2.DetachVolumeInput{VolumeId: aws.String(vol)})
	wantCode(t, err, "IncorrectState")
	_, err = c.DetachVolume(ctx(), &ec2.DetachVolumeInput{VolumeId: aws.String(rootID)})
	wantCode(t, err, "OperationNotPermitted")

	// Attach: attaching, then attached; the instance shows the device.
	att, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdf")})
	if err != nil || att.State != ec2types.VolumeAttachmentStateAttaching || *att.Device != "/dev/sdf" || *att.InstanceId != id {
		t.Fatalf("attach: %+v %v", att, err)
	}
	waitVolumes(t, c, "in-use", vol)
	v := waitAttachment(t, c, vol, ec2types.VolumeAttachmentStateAttached)
	if *v.Attachments[0].DeleteOnTermination {
		t.Fatalf("attached: %+v", v.Attachments[0])
	}
	_, err = c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdh")})
	wantCode(t, err, "VolumeInUse")
	_, err = c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)})
	if ae := wantCode(t, err, "VolumeInUse"); ae.ErrorMessage() != "Volume "+vol+" is currently attached to "+id {
		t.Fatal(ae.ErrorMessage())
	}
	got = e2eInstance(t, c, id)
	if len(got.BlockDeviceMappings) != 2 || *got.BlockDeviceMappings[1].DeviceName != "/dev/sdf" || *got.BlockDeviceMappings[1].Ebs.VolumeId != vol {
		t.Fatalf("instance mappings: %+v", got.BlockDeviceMappings)
	}
	byDev, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{filter("block-device-mapping.volume-id", vol)}})
	if err != nil || len(byDev.Reservations) != 1 {
		t.Fatalf("instances by volume: %+v %v", byDev, err)
	}

	// Filters of the inventory tools.
	for _, f := range [][]ec2types.Filter{
		{filter("attachment.instance-id", id), filter("attachment.device", "/dev/sdf")},
		{filter("tag:Name", "data")},
		{filter("volume-id", vol), filter("status", "in-use")},
		{filter("availability-zone", "us-east-1a"), filter("size", "10")},
		{filter("attachment.status", "attached"), filter("attachment.delete-on-termination", "false")},
	} {
		out, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: f})
		if err != nil || len(out.Volumes) != 1 || *out.Volumes[0].VolumeId != vol {
			t.Fatalf("filters %v: %+v %v", f, out, err)
		}
	}
	_, err = c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("bogus", "x")}})
	wantCode(t, err, "InvalidParameterValue")
	page, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{MaxResults: aws.Int32(5)})
	if err != nil || len(page.Volumes) != 3 {
		t.Fatalf("all volumes: %+v %v", page, err)
	}

	// DeleteOnTermination through ModifyInstanceAttribute (Ansible's ec2_vol).
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		BlockDeviceMappings: []ec2types.InstanceBlockDeviceMappingSpecification{{DeviceName: aws.String("/dev/sdf"),
			Ebs: &ec2types.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: aws.Bool(true)}}}}); err != nil {
		t.Fatal(err)
	}
	if v := describeVolume(t, c, vol); !*v.Attachments[0].DeleteOnTermination {
		t.Fatalf("DeleteOnTermination: %+v", v.Attachments[0])
	}
	if _, err := c.ModifyInstanceAttribute(ctx(), &ec2.ModifyInstanceAttributeInput{InstanceId: aws.String(id),
		BlockDeviceMappings: []ec2types.InstanceBlockDeviceMappingSpecification{{DeviceName: aws.String("/dev/sdf"),
			Ebs: &ec2types.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: aws.Bool(false)}}, {DeviceName: aws.String(rootDev),
			Ebs: &ec2types.EbsInstanceBlockDeviceSpecification{DeleteOnTermination: aws.Bool(false)}}}}); err != nil {
		t.Fatal(err)
	}

	// ModifyVolume: modifying → optimizing → completed.
	mv, err := c.ModifyVolume(ctx(), &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Size: aws.Int32(20), Iops: aws.Int32(4000)})
	if err != nil || mv.VolumeModification.ModificationState != ec2types.VolumeModificationStateModifying || *mv.VolumeModification.TargetSize != 20 ||
		*mv.VolumeModification.OriginalSize != 10 || *mv.VolumeModification.TargetIops != 4000 {
		t.Fatalf("modify: %+v %v", mv, err)
	}
	_, err = c.ModifyVolume(ctx(), &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Size: aws.Int32(30)})
	wantCode(t, err, "IncorrectModificationState")
	deadline := time.Now().Add(20 * time.Second)
	for {
		mods, err := c.DescribeVolumesModifications(ctx(), &ec2.DescribeVolumesModificationsInput{VolumeIds: []string{vol}})
		if err != nil || len(mods.VolumesModifications) != 1 {
			t.Fatalf("modifications: %+v %v", mods, err)
		}
		if mods.VolumesModifications[0].ModificationState == ec2types.VolumeModificationStateCompleted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("modification: %+v", mods.VolumesModifications[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v := describeVolume(t, c, vol); *v.Size != 20 || *v.Iops != 4000 {
		t.Fatalf("modified: %+v", v)
	}
	_, err = c.ModifyVolume(ctx(), &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Size: aws.Int32(5)})
	wantCode(t, err, "InvalidParameterValue")
	_, err = c.DescribeVolumesModifications(ctx(), &ec2.DescribeVolumesModificationsInput{VolumeIds: []string{*other.VolumeId}})
	wantCode(t, err, "InvalidVolumeModification.NotFound")

	// Attributes.
	if _, err := c.ModifyVolumeAttribute(ctx(), &ec2.ModifyVolumeAttributeInput{VolumeId: aws.String(vol), AutoEnableIO: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	va, err := c.DescribeVolumeAttribute(ctx(), &ec2.DescribeVolumeAttributeInput{VolumeId: aws.String(vol), Attribute: ec2types.VolumeAttributeNameAutoEnableIO})
	if err != nil || !*va.AutoEnableIO.Value {
		t.Fatalf("attribute: %+v %v", va, err)
	}

	// Detach: detaching, then available; the instance loses the device.
	dv, err := c.DetachVolume(ctx(), &ec2.DetachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id)})
	if err != nil || dv.State != ec2types.VolumeAttachmentStateDetaching {
		t.Fatalf("detach: %+v %v", dv, err)
	}
	waitVolumes(t, c, "available", vol)
	if got := e2eInstance(t, c, id); len(got.BlockDeviceMappings) != 1 {
		t.Fatalf("instance mappings after detach: %+v", got.BlockDeviceMappings)
	}

	// Terminate: the root volume (DeleteOnTermination now false) stays,
	// available; a volume launched with the instance goes.
	run2, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{
			{DeviceName: aws.String(rootDev), Ebs: &ec2types.EbsBlockDevice{VolumeSize: aws.Int32(12), VolumeType: ec2types.VolumeTypeGp2}},
			{DeviceName: aws.String("/dev/sdb"), Ebs: &ec2types.EbsBlockDevice{VolumeSize: aws.Int32(2)}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	id2 := *run2.Instances[0].InstanceId
	waitRunning(t, c, id2)
	vs2, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("attachment.instance-id", id2)}})
	if err != nil || len(vs2.Volumes) != 2 {
		t.Fatalf("launch volumes: %+v %v", vs2, err)
	}
	for _, v := range vs2.Volumes {
		switch *v.Attachments[0].Device {
		case rootDev:
			if *v.Size != 12 || v.VolumeType != ec2types.VolumeTypeGp2 || *v.Iops != 100 {
				t.Fatalf("root of the second: %+v", v)
			}
		case "/dev/sdb":
			if *v.Size != 2 || !*v.Attachments[0].DeleteOnTermination {
				t.Fatalf("data of the second: %+v", v)
			}
		default:
			t.Fatalf("volume %+v", v)
		}
	}
	_, err = c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), BlockDeviceMappings: []ec2types.BlockDeviceMapping{
			{DeviceName: aws.String(rootDev), Ebs: &ec2types.EbsBlockDevice{VolumeSize: aws.Int32(4)}}}})
	wantCode(t, err, "InvalidBlockDeviceMapping")

	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id, id2}}); err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "available", rootID)
	var launched []string
	for _, v := range vs2.Volumes {
		launched = append(launched, *v.VolumeId)
	}
	waitVolumes(t, c, "deleted", launched...)

	// Delete: deleting, then gone.
	if _, err := c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)}); err != nil {
		t.Fatal(err)
	}
	if v := describeVolume(t, c, vol); v.State != ec2types.VolumeStateDeleting {
		t.Fatalf("deleting: %+v", v)
	}
	waitVolumes(t, c, "deleted", vol)
	for _, id := range []string{rootID, *other.VolumeId} {
		if _, err := c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
	}
	waitVolumes(t, c, "deleted", rootID, *other.VolumeId)
}

func TestEC2EBSSnapshotsAndImages(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	cv, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(3)})
	if err != nil {
		t.Fatal(err)
	}
	vol := *cv.VolumeId
	if cv.VolumeType != ec2types.VolumeTypeGp2 || *cv.Iops != 100 {
		t.Fatalf("gp2 by default: %+v", cv)
	}
	waitVolumes(t, c, "available", vol)
	snap, err := c.CreateSnapshot(ctx(), &ec2.CreateSnapshotInput{VolumeId: aws.String(vol), Description: aws.String("before"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSnapshot, Tags: []ec2types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}})
	if err != nil || snap.State != ec2types.SnapshotStatePending || *snap.VolumeSize != 3 || *snap.VolumeId != vol || *snap.OwnerId != "000000000000" && *snap.OwnerId == "" {
		t.Fatalf("snapshot: %+v %v", snap, err)
	}
	sid := *snap.SnapshotId
	_, err = c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: aws.String(sid)})
	wantCode(t, err, "IncorrectState")
	waitSnapshots(t, c, sid)
	ds, err := c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []ec2types.Filter{filter("tag:k", "v")}})
	if err != nil || len(ds.Snapshots) != 1 || *ds.Snapshots[0].Progress != "100%" || *ds.Snapshots[0].Description != "before" {
		t.Fatalf("describe snapshots: %+v %v", ds, err)
	}
	_, err = c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{"snap-0123456789abcdef0"}})
	wantCode(t, err, "InvalidSnapshot.NotFound")

	// A volume from the snapshot: its size unless bigger.
	_, err = c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), SnapshotId: aws.String(sid), Size: aws.Int32(2)})
	wantCode(t, err, "InvalidParameterValue")
	fv, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1b"), SnapshotId: aws.String(sid)})
	if err != nil || *fv.Size != 3 || *fv.SnapshotId != sid {
		t.Fatalf("from snapshot: %+v %v", fv, err)
	}
	waitVolumes(t, c, "available", *fv.VolumeId)

	// CreateImage makes a snapshot per volume; the image names them.
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")}})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)
	if _, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	waitAttachment(t, c, vol, ec2types.VolumeAttachmentStateAttached)
	ci, err := c.CreateImage(ctx(), &ec2.CreateImageInput{InstanceId: aws.String(id), Name: aws.String("with-data"), NoReboot: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if err := ec2.NewImageAvailableWaiter(c, func(o *ec2.ImageAvailableWaiterOptions) { o.MinDelay = 200 * time.Millisecond }).Wait(ctx(),
		&ec2.DescribeImagesInput{ImageIds: []string{*ci.ImageId}}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
	im, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{*ci.ImageId}})
	if err != nil || len(im.Images[0].BlockDeviceMappings) != 2 || *im.Images[0].BlockDeviceMappings[1].DeviceName != "/dev/sdf" {
		t.Fatalf("image mappings: %+v %v", im, err)
	}
	var snaps []string
	for _, b := range im.Images[0].BlockDeviceMappings {
		snaps = append(snaps, *b.Ebs.SnapshotId)
	}
	waitSnapshots(t, c, snaps...)
	ds, err = c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: snaps})
	if err != nil || len(ds.Snapshots) != 2 || !strings.HasPrefix(*ds.Snapshots[0].Description, "Created by CreateImage("+id+") for "+*ci.ImageId) {
		t.Fatalf("image snapshots: %+v %v", ds, err)
	}
	// An instance of the image gets a volume of each snapshot.
	run2, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: ci.ImageId, InstanceType: ec2types.InstanceTypeT3Micro, MinCount: aws.Int32(1), MaxCount: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	id2 := *run2.Instances[0].InstanceId
	vs, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("attachment.instance-id", id2), filter("attachment.device", "/dev/sdf")}})
	if err != nil || len(vs.Volumes) != 1 || *vs.Volumes[0].Size != 3 {
		t.Fatalf("volumes of the image's instance: %+v %v", vs, err)
	}
	_, err = c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(snaps[1])})
	wantCode(t, err, "InvalidSnapshot.InUse")
	if _, err := c.DeregisterImage(ctx(), &ec2.DeregisterImageInput{ImageId: ci.ImageId}); err != nil {
		t.Fatal(err)
	}
	// DeregisterImage leaves the snapshots, as on AWS.
	if ds, err := c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: snaps}); err != nil || len(ds.Snapshots) != 2 {
		t.Fatalf("after deregister: %+v %v", ds, err)
	}
	for _, s := range append(snaps, sid) {
		if _, err := c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: aws.String(s)}); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{sid}})
	wantCode(t, err, "InvalidSnapshot.NotFound")
	// The public images' root snapshots are there when asked for.
	pub, err := c.DescribeImages(ctx(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil {
		t.Fatal(err)
	}
	ps, err := c.DescribeSnapshots(ctx(), &ec2.DescribeSnapshotsInput{SnapshotIds: []string{*pub.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId}})
	if err != nil || len(ps.Snapshots) != 1 || ps.Snapshots[0].State != ec2types.SnapshotStateCompleted {
		t.Fatalf("public snapshot: %+v %v", ps, err)
	}
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id, id2}}); err != nil {
		t.Fatal(err)
	}
}

// TestEC2EBSTerraformSequences follows the Terraform AWS provider's
// aws_ebs_volume and aws_volume_attachment resources call by call.
func TestEC2EBSTerraformSequences(t *testing.T) {
	e := newEnv(t)
	c := e.ec2("test", "test")
	ami := amazonImage(t, c, "al2023-ami-2023", "x86_64")
	run, err := c.RunInstances(ctx(), &ec2.RunInstancesInput{ImageId: aws.String(ami), InstanceType: ec2types.InstanceTypeT3Micro,
		MinCount: aws.Int32(1), MaxCount: aws.Int32(1), Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1c")}})
	if err != nil {
		t.Fatal(err)
	}
	id := *run.Instances[0].InstanceId
	waitRunning(t, c, id)

	// aws_ebs_volume create: CreateVolume (ClientToken) → wait available;
	// a retry with the same token answers the same volume.
	in := &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1c"), Size: aws.Int32(4), VolumeType: ec2types.VolumeTypeGp3,
		ClientToken: aws.String("terraform-20260101"), Encrypted: aws.Bool(true)}
	cv, err := c.CreateVolume(ctx(), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateVolume(ctx(), in)
	if err != nil || *again.VolumeId != *cv.VolumeId {
		t.Fatalf("idempotent create: %+v %v", again, err)
	}
	vol := *cv.VolumeId
	waitVolumes(t, c, "available", vol)
	// Read.
	v := describeVolume(t, c, vol)
	if v.CreateTime == nil || !*v.Encrypted || !strings.HasPrefix(aws.ToString(v.KmsKeyId), "arn:aws:kms:us-east-1:") || v.MultiAttachEnabled == nil {
		t.Fatalf("read: %+v", v)
	}
	// aws_volume_attachment create: AttachVolume → wait (DescribeVolumes
	// with the attachment's filters) → attached.
	if _, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdh")}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		out, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{Filters: []ec2types.Filter{filter("attachment.device", "/dev/sdh"),
			filter("attachment.instance-id", id), filter("volume-id", vol)}})
		if err != nil || len(out.Volumes) != 1 {
			t.Fatalf("attachment read: %+v %v", out, err)
		}
		if out.Volumes[0].Attachments[0].State == ec2types.VolumeAttachmentStateAttached {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("attachment never attached")
		}
		time.Sleep(100 * time.Millisecond)
	}
	// aws_ebs_volume update: ModifyVolume → wait for optimizing/completed.
	if _, err := c.ModifyVolume(ctx(), &ec2.ModifyVolumeInput{VolumeId: aws.String(vol), Size: aws.Int32(8), Throughput: aws.Int32(250)}); err != nil {
		t.Fatal(err)
	}
	for {
		mods, err := c.DescribeVolumesModifications(ctx(), &ec2.DescribeVolumesModificationsInput{VolumeIds: []string{vol}})
		if err != nil {
			t.Fatal(err)
		}
		if st := mods.VolumesModifications[0].ModificationState; st == ec2types.VolumeModificationStateOptimizing || st == ec2types.VolumeModificationStateCompleted {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if v := describeVolume(t, c, vol); *v.Size != 8 || *v.Throughput != 250 {
		t.Fatalf("after update: %+v", v)
	}
	// Destroy: the attachment (DetachVolume → wait), then the volume
	// (DeleteVolume, which Terraform retries on VolumeInUse; NotFound is done).
	if _, err := c.DetachVolume(ctx(), &ec2.DetachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(id), Device: aws.String("/dev/sdh")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)})
	wantCode(t, err, "VolumeInUse")
	waitAttachment(t, c, vol, "")
	if _, err := c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)}); err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "deleted", vol)
	_, err = c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(vol)})
	wantCode(t, err, "InvalidVolume.NotFound")
	// aws_instance reads its root volume by id and by attachment.
	got := e2eInstance(t, c, id)
	rv, err := c.DescribeVolumes(ctx(), &ec2.DescribeVolumesInput{VolumeIds: []string{*got.BlockDeviceMappings[0].Ebs.VolumeId}})
	if err != nil || len(rv.Volumes) != 1 || *rv.Volumes[0].Attachments[0].InstanceId != id {
		t.Fatalf("root volume by id: %+v %v", rv, err)
	}
	if _, err := c.TerminateInstances(ctx(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "deleted", *rv.Volumes[0].VolumeId)
}

// e2eInstance describes one instance.
func e2eInstance(t *testing.T, c *ec2.Client, id string) ec2types.Instance {
	t.Helper()
	out, err := c.DescribeInstances(ctx(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if err != nil || len(out.Reservations) != 1 {
		t.Fatalf("DescribeInstances %s: %+v %v", id, out, err)
	}
	return out.Reservations[0].Instances[0]
}
