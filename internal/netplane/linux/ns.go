package linux

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// runDir is where iproute2 keeps named network namespaces; namespaces bound
// there can be entered with `ip netns exec` for debugging.
const runDir = "/run/netns"

// do runs fn with the network namespace at path as the namespace of the
// calling thread, and switches back afterwards.
//
// A thread's network namespace is per OS thread, while Go moves goroutines
// between threads at will; so fn runs on a fresh goroutine locked to its
// thread. If switching back fails, that thread stays locked and the Go
// runtime terminates it when the goroutine ends, so no other goroutine
// ever runs in the wrong namespace. fn must not rely on goroutines it
// starts being in the namespace, but sockets it opens stay in it (a
// listener opened in fn keeps accepting there after do returns).
func do(path string, fn func() error) error {
	target, err := openNS(path)
	if err != nil {
		return err
	}
	defer target.Close()
	return onThread(func() error {
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("entering network namespace %s: %w", path, err)
		}
		return nil
	}, fn)
}

// onThread runs enter and then fn on a locked OS thread, and afterwards
// switches the thread back to the network namespace it started in. It is
// the only place where a thread changes its network namespace.
func onThread(enter, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("opening the thread's network namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := enter(); err != nil {
			// enter either failed before switching or could not
			// switch; make sure of the namespace before unlocking.
			if rerr := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); rerr != nil {
				errc <- errors.Join(err, fmt.Errorf("switching back: %w", rerr))
				return
			}
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			// The thread stays locked and dies with this goroutine.
			errc <- errors.Join(ferr, fmt.Errorf("switching back to the original network namespace: %w", err))
			return
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// openNS opens a network namespace file and checks that it is one.
func openNS(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening network namespace: %w", err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, fmt.Errorf("stat network namespace %s: %w", path, err)
	}
	if st.Type != unix.NSFS_MAGIC {
		f.Close()
		return nil, fmt.Errorf("%s is not a namespace", path)
	}
	return f, nil
}

// isNS reports whether path is a bound network namespace. A leftover file
// that is not one (a creation interrupted by a crash) reports false.
func isNS(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("opening %s: %w", path, err)
	}
	defer f.Close()
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	return st.Type == unix.NSFS_MAGIC, nil
}

// createNS creates a new network namespace bound at path, as `ip netns add`
// does. The namespace lives until removeNS, even with no process in it.
func createNS(path string) error {
	if err := prepareRunDir(filepath.Dir(path)); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	f.Close()
	err = onThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("creating a network namespace: %w", err)
		}
		return nil
	}, func() error {
		if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("binding the network namespace to %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		_ = os.Remove(path)
		return err
	}
	return nil
}

// prepareRunDir creates dir and makes it a shared mount point, as iproute2
// does, so that unbinding a namespace there propagates to other mount
// namespaces and the namespace is freed.
func prepareRunDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if errors.Is(err, unix.EINVAL) { // not a mount point yet
		if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("making %s a mount point: %w", dir, err)
		}
		err = unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("making %s a shared mount: %w", dir, err)
	}
	return nil
}

// removeNS unbinds and removes the namespace at path; the kernel frees it
// with all its links and tables once nothing else holds it. A missing
// namespace is no error.
func removeNS(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unbinding %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

// handleIn returns a netlink handle whose socket lives in the network
// namespace at path; every request on it acts there, from any thread.
// The caller closes it, which also releases its hold on the namespace.
func handleIn(path string) (*netlink.Handle, error) {
	var h *netlink.Handle
	err := do(path, func() error {
		var err error
		h, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return fmt.Errorf("netlink: %w", err)
		}
		return nil
	})
	return h, err
}

// writeSysctl writes a sysctl of the calling thread's network namespace;
// call it inside do. It reads the value back to be sure.
func writeSysctl(name, value string) error {
	p := filepath.Join("/proc/sys", name)
	if err := os.WriteFile(p, []byte(value+"\n"), 0o644); err != nil {
		return fmt.Errorf("sysctl %s: %w", name, err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return fmt.Errorf("sysctl %s: %w", name, err)
	}
	if got := string(b); got != value+"\n" {
		return fmt.Errorf("sysctl %s is %q after writing %q", name, got, value)
	}
	return nil
}
