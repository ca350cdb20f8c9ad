package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"

	"golang.org/x/sys/unix"
)

// netnsDir is where `ip netns` keeps named namespaces, as bind mounts.
const netnsDir = "/run/netns"

// nsPrefix starts the name of every lab namespace: trio-lab-<pid>, or
// trio-lab-<pid>-<n> for a process's later links.
const nsPrefix = "trio-lab-"

var nsName = regexp.MustCompile(`^` + nsPrefix + `(\d+)(?:-\d+)?$`)

// addNetns creates a network namespace named name, as `ip netns add` does,
// and returns a descriptor of it for setns.
func addNetns(name string) (int, error) {
	if err := os.MkdirAll(netnsDir, 0o755); err != nil {
		return -1, err
	}
	if err := shareNetnsDir(); err != nil {
		return -1, fmt.Errorf("making %s a shared mount: %w", netnsDir, err)
	}
	path := filepath.Join(netnsDir, name)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return -1, err
	}
	f.Close()
	errc := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it leaves the host namespace, and
		// ends with this goroutine rather than run other goroutines there.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		self := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
		if err := unix.Mount(self, path, "none", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("mounting %s: %w", path, err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		os.Remove(path)
		return -1, err
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		delNetns(name)
		return -1, fmt.Errorf("opening %s: %w", path, err)
	}
	return fd, nil
}

// shareNetnsDir makes netnsDir a mount point of its own with shared
// propagation, as `ip netns add` does. Mounting namespaces in it then works
// alike whether ip or NewLink came first: were NewLink to mount in a plain
// directory that ip later bind-mounts over, its mounts would be hidden
// under ip's, and could be neither unmounted nor removed by their path.
func shareNetnsDir() error {
	err := unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if !errors.Is(err, unix.EINVAL) {
		return err // shared already, or a real failure
	}
	// Not a mount point yet.
	if err := unix.Mount(netnsDir, netnsDir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return err
	}
	return unix.Mount("", netnsDir, "none", unix.MS_SHARED|unix.MS_REC, "")
}

// delNetns removes the named namespace, as `ip netns delete` does. The
// namespace itself goes when nothing else holds it.
func delNetns(name string) error {
	path := filepath.Join(netnsDir, name)
	err := unix.Unmount(path, unix.MNT_DETACH)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOENT) {
		err = nil // not mounted
	}
	if rerr := os.Remove(path); rerr != nil && !errors.Is(rerr, os.ErrNotExist) {
		err = errors.Join(err, rerr)
	}
	return err
}

// sweepNetns removes the lab namespaces of processes that no longer run,
// left behind by a crash or a kill. It returns the names removed.
func sweepNetns() []string {
	ents, err := os.ReadDir(netnsDir)
	if err != nil {
		return nil
	}
	var swept []string
	for _, e := range ents {
		m := nsName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, err := strconv.Atoi(m[1])
		if err != nil || pid == os.Getpid() || unix.Kill(pid, 0) != unix.ESRCH {
			continue // ours, or its process lives
		}
		if delNetns(e.Name()) == nil {
			swept = append(swept, e.Name())
		}
	}
	return swept
}

// inNS runs f on a thread inside the namespace nsfd, so that sockets f
// creates belong to it. The thread ends with f.
func inNS(nsfd int, f func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see addNetns
		if err := unix.Setns(nsfd, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("lab: entering the lab namespace: %w", err)
			return
		}
		errc <- f()
	}()
	return <-errc
}
