package instinit

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// prepare makes what every boot needs: as PID 1, /sys and the cgroup
// mounts writable (so a Docker Engine inside can run; this fails, and
// does not matter, in an unprivileged container), and the directories
// /run, /tmp and /var/run.
func (in *instance) prepare() {
	if in.pid1 && isRealRoot(in.root) {
		in.remountWritable()
	}
	dirs := []struct {
		path string
		perm os.FileMode
	}{{"/run", 0o755}, {"/tmp", 0o777 | os.ModeSticky}, {"/var/log", 0o755}, {stateDir, 0o755}}
	for _, d := range dirs {
		p := at(in.root, d.path)
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			if err := os.MkdirAll(p, 0o755); err != nil {
				in.con.Printf("cannot create %s: %v", d.path, err)
				continue
			}
			_ = os.Chmod(p, d.perm)
		}
	}
	if _, err := os.Lstat(at(in.root, "/var/run")); errors.Is(err, fs.ErrNotExist) {
		if err := os.Symlink("../run", at(in.root, "/var/run")); err != nil {
			in.con.Printf("cannot create /var/run: %v", err)
		}
	}
}

// remountWritable remounts /sys, and every read-only mount at or under
// /sys/fs/cgroup, read-write.
func (in *instance) remountWritable() {
	failed := 0
	var firstErr error
	note := func(err error) {
		if err != nil {
			failed++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	if readOnly("/sys") {
		note(remount("/sys", unix.MS_REMOUNT))
	}
	for _, mp := range cgroupMounts() {
		note(remount(mp, unix.MS_REMOUNT|unix.MS_BIND))
	}
	if failed > 0 {
		in.con.Printf("%d mounts of /sys stay read-only: %v", failed, firstErr)
	}
}

// readOnly reports whether the mount at p is read-only.
func readOnly(p string) bool {
	var st unix.Statfs_t
	return unix.Statfs(p, &st) == nil && st.Flags&unix.ST_RDONLY != 0
}

// remount remounts the mount at mp with flags and without MS_RDONLY,
// keeping its nosuid, nodev, noexec and atime flags (a remount in a user
// namespace must keep them).
func remount(mp string, flags uintptr) error {
	var st unix.Statfs_t
	if err := unix.Statfs(mp, &st); err != nil {
		return err
	}
	keep := map[int64]uintptr{unix.ST_NOSUID: unix.MS_NOSUID, unix.ST_NODEV: unix.MS_NODEV, unix.ST_NOEXEC: unix.MS_NOEXEC,
		unix.ST_NOATIME: unix.MS_NOATIME, unix.ST_NODIRATIME: unix.MS_NODIRATIME, unix.ST_RELATIME: unix.MS_RELATIME}
	for st1, ms := range keep {
		if st.Flags&st1 != 0 {
			flags |= ms
		}
	}
	return unix.Mount("", mp, "", flags, "")
}

// cgroupMounts lists the read-only mount points at or under
// /sys/fs/cgroup, from /proc/self/mountinfo.
func cgroupMounts() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp != "/sys/fs/cgroup" && !strings.HasPrefix(mp, "/sys/fs/cgroup/") {
			continue
		}
		for _, o := range strings.Split(fields[5], ",") {
			if o == "ro" {
				out = append(out, mp)
			}
		}
	}
	return out
}

// unescapeMountinfo decodes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
