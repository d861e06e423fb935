package docker

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/docker/api/types/mount"
)

// The instance init is the gureum binary itself (or, in tests, the test
// binary), started with the argument `instance-init`. It is copied into
// the data directory, so a container still finds it after the gureum that
// made it has gone (a `go run` binary lives in a temporary directory), and
// bind-mounted read-only at /.gureum/gureum.
//
// A binary linked against the C library (cgo, the race detector) would
// need the image's C library, and a BusyBox or scratch image has none; so
// its ELF interpreter and libraries are copied beside it and the container
// runs it through that interpreter with --library-path: any image boots.

// initDir is where the init lives inside a container.
const initDir = "/.gureum"

// libDirs are searched for a dynamically linked init's libraries.
var libDirs = []string{"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
	"/lib64", "/usr/lib64", "/lib", "/usr/lib"}

// prepareInit copies bin (and what it needs to run) into dir and returns
// the argv prefix that runs it inside a container, and the mounts.
func prepareInit(bin, dir string) ([]string, []mount.Mount, error) {
	if err := os.MkdirAll(filepath.Join(dir, "lib"), 0o755); err != nil {
		return nil, nil, err
	}
	if err := copyIfChanged(bin, filepath.Join(dir, "gureum"), 0o755); err != nil {
		return nil, nil, err
	}
	mounts := []mount.Mount{{Type: mount.TypeBind, Source: filepath.Join(dir, "gureum"), Target: initDir + "/gureum", ReadOnly: true}}
	f, err := elf.Open(bin)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", bin, err)
	}
	defer f.Close()
	interp := ""
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b, err := io.ReadAll(p.Open())
			if err != nil {
				return nil, nil, err
			}
			interp = string(b[:len(b)-1]) // NUL-terminated
		}
	}
	if interp == "" {
		return []string{initDir + "/gureum"}, mounts, nil
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return nil, nil, err
	}
	if err := copyIfChanged(interp, filepath.Join(dir, "lib", filepath.Base(interp)), 0o755); err != nil {
		return nil, nil, err
	}
	for _, lib := range libs {
		src := ""
		for _, d := range libDirs {
			if _, err := os.Stat(filepath.Join(d, lib)); err == nil {
				src = filepath.Join(d, lib)
				break
			}
		}
		if src == "" {
			return nil, nil, fmt.Errorf("the init needs %s, which is not in %v", lib, libDirs)
		}
		if err := copyIfChanged(src, filepath.Join(dir, "lib", lib), 0o755); err != nil {
			return nil, nil, err
		}
	}
	mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: filepath.Join(dir, "lib"), Target: initDir + "/lib", ReadOnly: true})
	return []string{initDir + "/lib/" + filepath.Base(interp), "--library-path", initDir + "/lib", initDir + "/gureum"}, mounts, nil
}

// copyIfChanged copies src (following links) to dst unless dst already
// has the same bytes; it replaces dst atomically, so a container that runs
// the old file keeps it.
func copyIfChanged(src, dst string, mode os.FileMode) error {
	if same, err := sameFile(src, dst); err != nil || same {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(dst, mode, func(w io.Writer) error { _, err := io.Copy(w, in); return err })
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil || sa.Size() != sb.Size() {
		return false, nil
	}
	ha, err := hashFile(a)
	if err != nil {
		return false, err
	}
	hb, err := hashFile(b)
	if err != nil {
		return false, nil
	}
	return ha == hb, nil
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
