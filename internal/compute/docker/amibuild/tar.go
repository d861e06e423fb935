package amibuild

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// isEmptiedDir reports whether rel (slash-separated, relative to the
// root) is /proc, /sys or /dev, whose contents stay out of an image (the
// container runtime mounts its own); the directories themselves go in.
func isEmptiedDir(rel string) bool {
	return rel == "proc" || rel == "sys" || rel == "dev"
}

// treeSize is the number of bytes of regular files under root that
// writeTreeTar would write, for progress.
func treeSize(root string) (int64, error) {
	var n int64
	seen := map[fileID]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && isEmptiedDir(filepath.ToSlash(rel)) {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
				id := fileID{uint64(st.Dev), uint64(st.Ino)}
				if seen[id] {
					return nil // a hard link: archived once
				}
				seen[id] = true
			}
			n += fi.Size()
		}
		return nil
	})
	return n, err
}

// fileID identifies a file for hard-link detection.
type fileID struct{ dev, ino uint64 }

// writeTreeTar writes the tree under root to w as a tar stream of a root
// filesystem: names relative to root, modes (with setuid, setgid, sticky),
// numeric owners, modification times, symbolic links, hard links (the
// first path seen is the target), device nodes, FIFOs and extended
// attributes (PAX "SCHILY.xattr.*" records, e.g. security.capability).
// The contents of proc, sys and dev are left out; sockets are skipped.
// progress, when not nil, gets the number of file bytes written so far.
func writeTreeTar(w io.Writer, root string, progress func(written int64)) error {
	tw := tar.NewWriter(w)
	links := map[fileID]string{}
	var written int64
	buf := make([]byte, 1<<20)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == root {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSocket != 0 {
			return nil
		}
		link := ""
		if fi.Mode()&os.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		h.Name = rel
		if fi.IsDir() {
			h.Name += "/"
		}
		h.Uname, h.Gname = "", ""
		h.AccessTime, h.ChangeTime = time.Time{}, time.Time{}
		h.ModTime = fi.ModTime().Truncate(time.Second)
		st, ok := fi.Sys().(*syscall.Stat_t)
		if ok {
			h.Uid, h.Gid = int(st.Uid), int(st.Gid)
			if fi.Mode().IsRegular() && st.Nlink > 1 {
				id := fileID{uint64(st.Dev), uint64(st.Ino)}
				if first, seen := links[id]; seen {
					h.Typeflag, h.Linkname, h.Size = tar.TypeLink, first, 0
				} else {
					links[id] = rel
				}
			}
		}
		var xattrs map[string]string
		if link == "" && fi.Mode()&os.ModeSymlink == 0 {
			if xattrs, err = readXattrs(path); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
		}
		if len(xattrs) > 0 {
			h.PAXRecords = map[string]string{}
			for k, v := range xattrs {
				h.PAXRecords["SCHILY.xattr."+k] = v
			}
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if h.Typeflag == tar.TypeReg && h.Size > 0 {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			n, err := io.CopyBuffer(tw, io.LimitReader(f, h.Size), buf)
			f.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
			if n != h.Size {
				return fmt.Errorf("%s: changed size while being archived", rel)
			}
			written += n
			if progress != nil {
				progress(written)
			}
		}
		if fi.IsDir() && isEmptiedDir(rel) {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("archiving %s: %w", root, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("archiving %s: %w", root, err)
	}
	return nil
}

// readXattrs returns the extended attributes of path (not a symbolic
// link: the calls follow them) that an image keeps: all but system.* (ACLs) and
// security.selinux, which belong to the host.
func readXattrs(path string) (map[string]string, error) {
	size, err := syscall.Listxattr(path, nil)
	if err != nil {
		if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EPERM) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing extended attributes: %w", err)
	}
	if size == 0 {
		return nil, nil
	}
	names := make([]byte, size)
	if size, err = syscall.Listxattr(path, names); err != nil {
		return nil, fmt.Errorf("listing extended attributes: %w", err)
	}
	out := map[string]string{}
	for _, name := range strings.Split(strings.TrimRight(string(names[:size]), "\x00"), "\x00") {
		if name == "" || strings.HasPrefix(name, "system.") || name == "security.selinux" {
			continue
		}
		v, err := getxattr(path, name)
		if err != nil {
			if errors.Is(err, syscall.ENODATA) {
				continue
			}
			return nil, fmt.Errorf("reading extended attribute %s: %w", name, err)
		}
		out[name] = string(v)
	}
	return out, nil
}

// getxattr returns the value of path's extended attribute name.
func getxattr(path, name string) ([]byte, error) {
	size, err := syscall.Getxattr(path, name, nil)
	if err != nil {
		return nil, err
	}
	for {
		buf := make([]byte, size)
		n, err := syscall.Getxattr(path, name, buf)
		if errors.Is(err, syscall.ERANGE) && size < 1<<20 {
			size = 2*size + 64 // it grew in between
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
