package instinit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// CopyTree copies the directory tree src into the existing directory dst
// faithfully: regular files, directories, symlinks (never followed),
// hard links (the link structure kept, by device and inode), device
// nodes, fifos and sockets (Docker's overlay2 whiteouts are character
// devices 0/0), owners, permissions with the setuid, setgid and sticky
// bits, access and modification times, and extended attributes,
// trusted.* and security.* included (a file system without them is no
// error). dst itself gets src's owner, permissions, attributes and
// times. An entry of dst in the way of one of src is replaced; a
// directory is merged. Sparse files are copied in full.
func CopyTree(src, dst string) error {
	var sst, dstSt unix.Stat_t
	if err := unix.Stat(src, &sst); err != nil {
		return fmt.Errorf("copy-tree: %s: %w", src, err)
	}
	if sst.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("copy-tree: %s is not a directory", src)
	}
	if err := unix.Stat(dst, &dstSt); err != nil {
		return fmt.Errorf("copy-tree: %s: %w", dst, err)
	}
	if dstSt.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("copy-tree: %s is not a directory", dst)
	}
	c := &copier{links: map[fileKey]string{}, dst: keyOf(&dstSt)}
	if err := c.dir(src, dst); err != nil {
		return err
	}
	return c.meta(src, dst, &sst)
}

// fileKey identifies an inode.
type fileKey struct{ dev, ino uint64 }

// keyOf is the inode of st.
func keyOf(st *unix.Stat_t) fileKey {
	return fileKey{dev: st.Dev, ino: st.Ino}
}

// copier is the state of one CopyTree.
type copier struct {
	links map[fileKey]string // first copy of each inode with several links
	dst   fileKey            // the destination, skipped if it is inside src
}

// dir copies the entries of the directory src into the directory dst.
func (c *copier) dir(src, dst string) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("copy-tree: %w", err)
	}
	for _, e := range ents {
		s, d := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		var st unix.Stat_t
		if err := unix.Lstat(s, &st); err != nil {
			return fmt.Errorf("copy-tree: %s: %w", s, err)
		}
		if keyOf(&st) == c.dst {
			continue
		}
		if err := c.entry(s, d, &st); err != nil {
			return err
		}
	}
	return nil
}

// entry copies one entry whose lstat is st.
func (c *copier) entry(s, d string, st *unix.Stat_t) error {
	typ := st.Mode & unix.S_IFMT
	var old unix.Stat_t
	if err := unix.Lstat(d, &old); err == nil && !(typ == unix.S_IFDIR && old.Mode&unix.S_IFMT == unix.S_IFDIR) {
		if err := os.RemoveAll(d); err != nil {
			return fmt.Errorf("copy-tree: %w", err)
		}
	}
	if typ != unix.S_IFDIR && st.Nlink > 1 {
		if first, ok := c.links[keyOf(st)]; ok {
			if err := os.Link(first, d); err != nil {
				return fmt.Errorf("copy-tree: %w", err)
			}
			return nil
		}
	}
	var err error
	switch typ {
	case unix.S_IFDIR:
		if err = os.Mkdir(d, 0o700); errors.Is(err, os.ErrExist) {
			err = nil
		}
		if err == nil {
			err = c.dir(s, d)
		}
	case unix.S_IFREG:
		err = copyFile(s, d)
	case unix.S_IFLNK:
		var target string
		if target, err = os.Readlink(s); err == nil {
			err = os.Symlink(target, d)
		}
	case unix.S_IFCHR, unix.S_IFBLK, unix.S_IFIFO, unix.S_IFSOCK:
		err = unix.Mknod(d, st.Mode, int(st.Rdev))
	default:
		err = fmt.Errorf("unknown file type %#o", typ)
	}
	if err != nil {
		return fmt.Errorf("copy-tree: %s: %w", s, err)
	}
	if typ != unix.S_IFDIR && st.Nlink > 1 {
		c.links[keyOf(st)] = d
	}
	return c.meta(s, d, st)
}

// copyFile copies a regular file's content to a new file.
func copyFile(s, d string) error {
	in, err := os.OpenFile(s, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(d, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// meta gives d the owner, extended attributes, permissions and times of
// s (whose lstat is st), in that order: a change of owner clears the
// setuid bits and security.capability.
func (c *copier) meta(s, d string, st *unix.Stat_t) error {
	link := st.Mode&unix.S_IFMT == unix.S_IFLNK
	if err := unix.Lchown(d, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("copy-tree: chown %s: %w", d, err)
	}
	if err := copyXattrs(s, d, link); err != nil {
		return err
	}
	if !link {
		if err := unix.Chmod(d, st.Mode&0o7777); err != nil {
			return fmt.Errorf("copy-tree: chmod %s: %w", d, err)
		}
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, d, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("copy-tree: times of %s: %w", d, err)
	}
	return nil
}

// copyXattrs copies the extended attributes of s to d (neither followed
// if a symlink).
func copyXattrs(s, d string, link bool) error {
	names, err := listXattrs(s)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil
		}
		return fmt.Errorf("copy-tree: listing attributes of %s: %w", s, err)
	}
	for _, name := range names {
		val, err := getXattr(s, name)
		if errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP) {
			continue
		}
		if err != nil {
			return fmt.Errorf("copy-tree: attribute %s of %s: %w", name, s, err)
		}
		err = unix.Lsetxattr(d, name, val, 0)
		if err == nil || errors.Is(err, unix.ENOTSUP) || (link && errors.Is(err, unix.EPERM)) {
			continue
		}
		return fmt.Errorf("copy-tree: setting attribute %s of %s: %w", name, d, err)
	}
	return nil
}

// listXattrs lists the extended attribute names of p.
func listXattrs(p string) ([]string, error) {
	for {
		n, err := unix.Llistxattr(p, nil)
		if err != nil || n == 0 {
			return nil, err
		}
		buf := make([]byte, n)
		n, err = unix.Llistxattr(p, buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var names []string
		start := 0
		for i := 0; i < n; i++ {
			if buf[i] == 0 {
				if i > start {
					names = append(names, string(buf[start:i]))
				}
				start = i + 1
			}
		}
		return names, nil
	}
}

// getXattr reads one extended attribute of p.
func getXattr(p, name string) ([]byte, error) {
	for {
		n, err := unix.Lgetxattr(p, name, nil)
		if err != nil {
			return nil, err
		}
		buf := make([]byte, n)
		if n == 0 {
			return buf, nil
		}
		n, err = unix.Lgetxattr(p, name, buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
