package server_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// TestEC2EBSDockerDisks: with the docker driver an attached volume is a
// real disk the instance sees at /mnt/NAME (device /dev/NAME): what one
// instance writes there survives detach, is read by another instance the
// volume is attached to next (while both run), and a snapshot carries it
// into new volumes.
func TestEC2EBSDockerDisks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("attached volumes are host mounts: root only")
	}
	dir := t.TempDir()
	e := newDockerEnv(t, dir)
	t.Cleanup(func() { _ = e.Driver.DestroyAll(ctx()) })
	c := e.EC2
	ami := minimalAMI(t, e)
	ids := e.launch(t, &ec2.RunInstancesInput{ImageId: aws.String(ami), MinCount: aws.Int32(2), MaxCount: aws.Int32(2),
		Placement: &ec2types.Placement{AvailabilityZone: aws.String("us-east-1a")}})
	a, b := ids[0], ids[1]

	cv, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), Size: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	vol := *cv.VolumeId
	waitVolumes(t, c, "available", vol)
	if st, err := os.Stat(filepath.Join(dir, "compute", "volumes", vol)); err != nil || !st.IsDir() {
		t.Fatalf("the volume's bytes: %v %v", st, err)
	}

	// Attached to a running instance, it appears at /mnt/sdf.
	if _, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(a), Device: aws.String("/dev/sdf")}); err != nil {
		t.Fatal(err)
	}
	waitAttachment(t, c, vol, ec2types.VolumeAttachmentStateAttached)
	e.must(t, a, "echo hello from "+a+" > /mnt/sdf/note && mkdir -p /mnt/sdf/d && echo deep > /mnt/sdf/d/f")

	// Detached, it is gone from the instance (its bytes are not).
	if _, err := c.DetachVolume(ctx(), &ec2.DetachVolumeInput{VolumeId: aws.String(vol)}); err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "available", vol)
	if out, code := e.sh(t, a, "cat /mnt/sdf/note"); code == 0 {
		t.Fatalf("after detach %s still reads the volume: %s", a, out)
	}

	// Attached to the other running instance, as /dev/xvdg.
	if _, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: aws.String(vol), InstanceId: aws.String(b), Device: aws.String("/dev/xvdg")}); err != nil {
		t.Fatal(err)
	}
	waitAttachment(t, c, vol, ec2types.VolumeAttachmentStateAttached)
	if out := e.must(t, b, "cat /mnt/xvdg/note /mnt/xvdg/d/f"); out != "hello from "+a+"\ndeep\n" {
		t.Fatalf("read on %s: %q", b, out)
	}

	// A snapshot copies the bytes; a volume from it starts with them and
	// is its own (later writes to the source do not show).
	snap, err := c.CreateSnapshot(ctx(), &ec2.CreateSnapshotInput{VolumeId: aws.String(vol)})
	if err != nil {
		t.Fatal(err)
	}
	waitSnapshots(t, c, *snap.SnapshotId)
	e.must(t, b, "echo changed > /mnt/xvdg/note")
	fv, err := c.CreateVolume(ctx(), &ec2.CreateVolumeInput{AvailabilityZone: aws.String("us-east-1a"), SnapshotId: snap.SnapshotId})
	if err != nil {
		t.Fatal(err)
	}
	waitVolumes(t, c, "available", *fv.VolumeId)
	if _, err := c.AttachVolume(ctx(), &ec2.AttachVolumeInput{VolumeId: fv.VolumeId, InstanceId: aws.String(a), Device: aws.String("/dev/sdh")}); err != nil {
		t.Fatal(err)
	}
	waitAttachment(t, c, *fv.VolumeId, ec2types.VolumeAttachmentStateAttached)
	if out := e.must(t, a, "cat /mnt/sdh/note"); out != "hello from "+a+"\n" {
		t.Fatalf("volume from snapshot: %q", out)
	}

	// A stop and a start keep the attached volume.
	if _, err := c.StopInstances(ctx(), &ec2.StopInstancesInput{InstanceIds: []string{a}}); err != nil {
		t.Fatal(err)
	}
	e.waitState(t, a, ec2types.InstanceStateNameStopped, time.Minute)
	if _, err := c.StartInstances(ctx(), &ec2.StartInstancesInput{InstanceIds: []string{a}}); err != nil {
		t.Fatal(err)
	}
	waitRunning(t, c, a)
	if out := e.must(t, a, "cat /mnt/sdh/note"); out != "hello from "+a+"\n" {
		t.Fatalf("after stop and start: %q", out)
	}

	// Terminate: the instances' mounts go, the volumes stay available
	// (attached after launch: DeleteOnTermination false).
	e.terminateAll(t, a, b)
	waitVolumes(t, c, "available", vol, *fv.VolumeId)
	mounts, _ := os.ReadFile("/proc/self/mountinfo")
	if strings.Contains(string(mounts), dir) {
		t.Fatalf("mounts left under %s:\n%s", dir, mounts)
	}
	for _, v := range []string{vol, *fv.VolumeId} {
		if _, err := c.DeleteVolume(ctx(), &ec2.DeleteVolumeInput{VolumeId: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	waitVolumes(t, c, "deleted", vol, *fv.VolumeId)
	if _, err := c.DeleteSnapshot(ctx(), &ec2.DeleteSnapshotInput{SnapshotId: snap.SnapshotId}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		vs, _ := os.ReadDir(filepath.Join(dir, "compute", "volumes"))
		ss, _ := os.ReadDir(filepath.Join(dir, "compute", "snapshots"))
		if len(vs) == 0 && len(ss) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("bytes left: volumes %v snapshots %v", vs, ss)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
