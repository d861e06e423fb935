package docker

// EBS volumes as real disks.
//
// A volume's bytes are a directory on the host, Dir/volumes/vol-…, and a
// snapshot's are a copy of them, Dir/snapshots/snap-…: a volume made from
// a snapshot starts as a copy of it.
//
// Docker cannot add a mount to a container once it is created, and a
// volume may be attached to an instance that runs. So every instance gets
// at creation one mount whose contents can change later: the host
// directory /run/gureum/disks/OWNER/i-… is made a mount point of its own
// with shared propagation, and bind-mounted into the container at /mnt
// with rslave propagation (mounts made under it on the host appear
// inside, not the other way round). Attaching a volume bind-mounts its
// directory on the host at …/i-…/NAME; the mount propagates into the container,
// where the volume appears, already mounted, at /mnt/NAME, NAME being the
// device name's last element:
//
//	AttachVolume Device=/dev/sdf  →  the instance's /mnt/sdf
//	AttachVolume Device=/dev/xvdh →  the instance's /mnt/xvdh
//
// Detaching unmounts it on the host (lazily: a process inside still using
// it keeps it until it lets go), which propagates too. There is no block
// device to format: the disk is a file system, without a fixed size (the
// volume's Size is a record). Host mounts need root (CAP_SYS_ADMIN);
// without them instances start without /mnt and attaching fails.
//
// The mount points live under /run (a tmpfs), not in the data directory:
// host mounts, like /run, do not outlive a reboot, and removing a data
// directory never meets a mount point. Before an instance starts its
// mounts are made again (after a reboot, or a gureum restart). Mount
// points of instances whose container is gone are removed by Destroy,
// and by List (the reconciler's sweep) for containers removed by hand.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gureum/gureum/internal/compute"
	"github.com/gureum/gureum/internal/instinit"
)

var _ compute.Disks = (*Driver)(nil)

// DisksPath is where an instance sees its attached volumes.
const DisksPath = "/mnt"

func (d *Driver) volumeDir(id string) string   { return filepath.Join(d.cfg.Dir, "volumes", id) }
func (d *Driver) snapshotDir(id string) string { return filepath.Join(d.cfg.Dir, "snapshots", id) }
func (d *Driver) disksDir(instanceID string) string {
	return filepath.Join(d.disksRoot(), instanceID)
}

// disksRoot is where the instances' mount points are.
func (d *Driver) disksRoot() string {
	owner := strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '.' {
			return '_'
		}
		return r
	}, d.cfg.Owner)
	return filepath.Join(disksRunDir, owner)
}

// disksRunDir holds every gureum's mount points, one directory per owner.
const disksRunDir = "/run/gureum/disks"

// DiskPath is where a volume attached as device appears inside an
// instance: /mnt/ and the device name's last element.
func DiskPath(device string) string { return path.Join(DisksPath, diskName(device)) }

func diskName(device string) string {
	n := path.Base(device)
	if n == "/" || n == "." || n == "" {
		return "disk"
	}
	return n
}

func validID(id, prefix string) error {
	if !strings.HasPrefix(id, prefix) || strings.ContainsAny(id, "/\\.") {
		return fmt.Errorf("docker: %q is not a %s… id", id, prefix)
	}
	return nil
}

// CreateDisk implements compute.Disks.
func (d *Driver) CreateDisk(ctx context.Context, volumeID, from string) error {
	if err := validID(volumeID, "vol-"); err != nil {
		return err
	}
	dir := d.volumeDir(volumeID)
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	src := ""
	if from != "" && validID(from, "snap-") == nil {
		if st, err := os.Stat(d.snapshotDir(from)); err == nil && st.IsDir() {
			src = d.snapshotDir(from)
		}
	}
	return copyDir(src, dir)
}

// copyDir makes dst a copy of src (an empty directory when src is ""),
// through a temporary directory renamed into place, so dst is complete
// or absent.
func copyDir(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dst), ".tmp-"+filepath.Base(dst)+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if src != "" {
		if err := instinit.CopyTree(src, tmp); err != nil {
			return err
		}
	} else if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

// DeleteDisk implements compute.Disks.
func (d *Driver) DeleteDisk(ctx context.Context, volumeID string) error {
	if err := validID(volumeID, "vol-"); err != nil {
		return err
	}
	dir := d.volumeDir(volumeID)
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	// Wherever it is still mounted, it is unmounted first: removing the
	// files through a mount would be the same, but the mount points stay.
	mps, err := mountPoints()
	if err != nil {
		return err
	}
	for _, mp := range mps {
		if strings.HasPrefix(mp, d.disksRoot()+"/") && sameInode(mp, dir) {
			if err := unmount(mp); err != nil {
				return err
			}
			_ = os.Remove(mp)
		}
	}
	return os.RemoveAll(dir)
}

// AttachDisk implements compute.Disks.
func (d *Driver) AttachDisk(ctx context.Context, instanceID string, disk compute.Disk) error {
	if err := validID(disk.VolumeID, "vol-"); err != nil {
		return err
	}
	if err := d.CreateDisk(ctx, disk.VolumeID, disk.Snapshot); err != nil {
		return err
	}
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	if err := d.ensureDisksDir(instanceID); err != nil {
		return err
	}
	mp := filepath.Join(d.disksDir(instanceID), diskName(disk.Device))
	mps, err := mountPoints()
	if err != nil {
		return err
	}
	if slices.Contains(mps, mp) {
		if sameInode(mp, d.volumeDir(disk.VolumeID)) {
			return nil
		}
		// Another volume left there (a detach that did not finish).
		if err := unmount(mp); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(mp, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(d.volumeDir(disk.VolumeID), mp, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("docker: mounting volume %s for %s: %w", disk.VolumeID, instanceID, err)
	}
	return nil
}

// DetachDisk implements compute.Disks.
func (d *Driver) DetachDisk(ctx context.Context, instanceID string, disk compute.Disk) error {
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	mp := filepath.Join(d.disksDir(instanceID), diskName(disk.Device))
	mps, err := mountPoints()
	if err != nil {
		return err
	}
	if slices.Contains(mps, mp) {
		if err := unmount(mp); err != nil {
			return err
		}
	}
	if err := os.Remove(mp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// SnapshotDisk implements compute.Disks.
func (d *Driver) SnapshotDisk(ctx context.Context, volumeID, snapshotID string) error {
	if err := validID(volumeID, "vol-"); err != nil {
		return err
	}
	if err := validID(snapshotID, "snap-"); err != nil {
		return err
	}
	dst := d.snapshotDir(snapshotID)
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	src := d.volumeDir(volumeID)
	if _, err := os.Stat(src); err != nil {
		src = ""
	}
	return copyDir(src, dst)
}

// DeleteSnapshot implements compute.Disks.
func (d *Driver) DeleteSnapshot(ctx context.Context, snapshotID string) error {
	if err := validID(snapshotID, "snap-"); err != nil {
		return err
	}
	return os.RemoveAll(d.snapshotDir(snapshotID))
}

// ensureDisksDir makes an instance's Dir/disks/i-… a shared mount point of
// its own (the caller holds diskMu).
func (d *Driver) ensureDisksDir(instanceID string) error {
	dir := d.disksDir(instanceID)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	mps, err := mountPoints()
	if err != nil {
		return err
	}
	if !slices.Contains(mps, dir) {
		if err := unix.Mount(dir, dir, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("docker: making %s a mount point (attached volumes need root): %w", dir, err)
		}
	}
	if err := unix.Mount("", dir, "", unix.MS_SHARED, ""); err != nil {
		return fmt.Errorf("docker: sharing %s: %w", dir, err)
	}
	return nil
}

// prepareDisks readies an instance's disks before its container starts:
// its mount point and every attached volume. It reports whether the
// container can have /mnt (false without the right to mount; the
// instance then runs without its volumes, which is logged).
func (d *Driver) prepareDisks(ctx context.Context, spec compute.Spec) bool {
	d.diskMu.Lock()
	err := d.ensureDisksDir(spec.InstanceID)
	d.diskMu.Unlock()
	if err != nil {
		d.log.Warn("docker: instance starts without its EBS volumes", "instance", spec.InstanceID, "err", err)
		return false
	}
	for _, disk := range spec.Disks {
		if err := d.AttachDisk(ctx, spec.InstanceID, disk); err != nil {
			d.log.Warn("docker: attaching a volume", "instance", spec.InstanceID, "volume", disk.VolumeID, "err", err)
		}
	}
	return true
}

// releaseDisks unmounts everything under an instance's disks directory
// (at Destroy) and removes the empty mount points: the volumes' bytes
// stay where they are.
func (d *Driver) releaseDisks(instanceID string) error {
	if instanceID == "" || strings.ContainsAny(instanceID, "/\\") {
		return nil
	}
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	return unmountUnder(d.disksDir(instanceID))
}

// unmountUnder unmounts every mount at or below dir, deepest first, and
// removes the directories that were mount points (never their contents).
func unmountUnder(dir string) error {
	mps, err := mountPoints()
	if err != nil {
		return err
	}
	var under []string
	for _, mp := range mps {
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			under = append(under, mp)
		}
	}
	sort.Slice(under, func(i, j int) bool { return len(under[i]) > len(under[j]) })
	for _, mp := range under {
		if err := unmount(mp); err != nil {
			return err
		}
	}
	// Only empty directories go: what is left there is not a volume's.
	if ents, err := os.ReadDir(dir); err == nil {
		for _, e := range ents {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// unmountAllDisks unmounts every instance's disks (DestroyAll).
func (d *Driver) unmountAllDisks() error {
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	root := d.disksRoot()
	ents, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return err
	}
	var errs []error
	for _, e := range ents {
		errs = append(errs, unmountUnder(filepath.Join(root, e.Name())))
	}
	// The owner's directory goes too once empty (a data directory's
	// ephemeral end; tests make many).
	if err := os.Remove(root); err != nil && !errors.Is(err, os.ErrNotExist) && len(errs) == 0 {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// pruneDisks removes the mount points of instances that have no
// container (removed by hand), once they are a minute old: a new
// instance's are made just before its container.
func (d *Driver) pruneDisks(have map[string]bool) {
	ents, err := os.ReadDir(d.disksRoot())
	if err != nil {
		return
	}
	d.diskMu.Lock()
	defer d.diskMu.Unlock()
	for _, e := range ents {
		if have[e.Name()] {
			continue
		}
		if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < time.Minute {
			continue
		}
		if err := unmountUnder(filepath.Join(d.disksRoot(), e.Name())); err != nil {
			d.log.Warn("docker: removing the mounts of a removed instance", "instance", e.Name(), "err", err)
		}
	}
}

func unmount(mp string) error {
	err := unix.Unmount(mp, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("docker: unmounting %s: %w", mp, err)
	}
	return nil
}

// mountPoints lists this mount namespace's mount points.
func mountPoints() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 {
			out = append(out, unescapeMount(fields[4]))
		}
	}
	return out, sc.Err()
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var c byte
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &c); err == nil {
				b.WriteByte(c)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// sameInode reports whether two paths are the same directory (a bind
// mount's root is its source's inode).
func sameInode(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		return false
	}
	x, ok1 := sa.Sys().(*syscall.Stat_t)
	y, ok2 := sb.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && x.Dev == y.Dev && x.Ino == y.Ino
}
