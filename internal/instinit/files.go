package instinit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// writeInPlace replaces the content of the file at p without replacing
// the file itself (truncate and write), as a bind-mounted file such as
// Docker's /etc/hosts needs. A file whose content is already data is not
// touched.
func writeInPlace(p string, data []byte, perm os.FileMode) error {
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return nil
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}

// writeReplacing writes data to the file at p through a temporary file
// renamed over it, keeping an existing file's mode and owner (perm, uid
// and gid are for a new file). Where the file cannot be replaced (a bind
// mount) it is written in place.
func writeReplacing(p string, data []byte, perm os.FileMode, uid, gid int) error {
	mode := perm
	if st, err := os.Stat(p); err == nil {
		mode = st.Mode().Perm() | st.Mode()&(os.ModeSetuid|os.ModeSetgid|os.ModeSticky)
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(sys.Uid), int(sys.Gid)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".gureum-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(data)
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr != nil {
		return fmt.Errorf("writing %s: %w", p, werr)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := chown(tmp.Name(), uid, gid); err != nil {
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil { // chown clears setuid and setgid
		return fmt.Errorf("writing %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		if errors.Is(err, unix.EBUSY) || errors.Is(err, unix.EXDEV) {
			return writeInPlace(p, data, mode)
		}
		return fmt.Errorf("writing %s: %w", p, err)
	}
	return nil
}

// chown changes the owner of p (not following a symlink). Unless the init
// runs as root (tests do not), not being permitted is no error.
func chown(p string, uid, gid int) error {
	err := os.Lchown(p, uid, gid)
	if err != nil && os.Geteuid() != 0 && errors.Is(err, os.ErrPermission) {
		return nil
	}
	return err
}
