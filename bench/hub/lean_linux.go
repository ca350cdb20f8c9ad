package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// defaultClient is the lean client with epoll: -readers goroutines (1),
// each waiting on its own epoll instance for a share of the connections,
// as wrk's threads do; one read per readiness, at most 64 KiB.
const defaultClient = "epoll"

// An epoller reads its share of the lean clients' sockets. Its epoll
// instance is itself watched by Go's poller (ep): a goroutine blocked in
// epoll_wait would hold a thread in a system call, which sysmon keeps
// taking its P from (a sixth of the clients' CPU went to that).
type epoller struct {
	epfd    int
	ep      *os.File              // epfd, non-blocking, in Go's poller
	members map[int32]*leanMember // by file descriptor
}

// startEpoll takes conns' sockets over (a duplicate of each descriptor,
// the net.TCPConn closed, so Go's own poller no longer watches them) and
// reads them on o.readers goroutines. It returns what stops them and
// reports a frame the bench never sends.
func (f *fanout) startEpoll(conns []*net.TCPConn, rest [][]byte) (func() error, error) {
	eps := make([]*epoller, max(f.o.readers, 1))
	var fds []int
	closeAll := func() {
		for _, fd := range fds {
			syscall.Close(fd)
		}
		for _, e := range eps {
			if e != nil {
				e.ep.Close()
			}
		}
	}
	for i := range eps {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("epoll_create1: %w", err)
		}
		if err := syscall.SetNonblock(epfd, true); err != nil {
			syscall.Close(epfd)
			closeAll()
			return nil, err
		}
		eps[i] = &epoller{epfd: epfd, ep: os.NewFile(uintptr(epfd), "epoll"), members: make(map[int32]*leanMember)}
	}
	for i, c := range conns {
		fd, err := takeFD(c)
		if err != nil {
			closeAll()
			return nil, err
		}
		fds = append(fds, fd)
		m := new(leanMember)
		if err := m.feed(f, time.Now().UnixNano(), rest[i]); err != nil {
			closeAll()
			return nil, err
		}
		e := eps[i%len(eps)]
		e.members[int32(fd)] = m
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
		if err := syscall.EpollCtl(e.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			closeAll()
			return nil, fmt.Errorf("epoll_ctl: %w", err)
		}
	}
	var (
		done atomic.Bool
		wg   sync.WaitGroup
		errs = make([]error, len(eps))
	)
	for i, e := range eps {
		wg.Go(func() { errs[i] = e.run(f, &done) })
	}
	return func() error {
		done.Store(true)
		wg.Wait()
		closeAll()
		return errors.Join(errs...)
	}, nil
}

// takeFD returns a duplicate of c's descriptor (non-blocking, as Go set
// it: the flag belongs to the socket) and closes c.
func takeFD(c *net.TCPConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := rc.Control(func(s uintptr) {
		r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, s, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			derr = fmt.Errorf("dup: %w", errno)
			return
		}
		fd = int(r)
	}); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, derr
	}
	c.Close()
	return fd, nil
}

// run reads e's sockets until done, and returns the first frame the bench
// never sends. A socket the server closed leaves the set.
func (e *epoller) run(f *fanout, done *atomic.Bool) error {
	events := make([]syscall.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	var first error
	rc, err := e.ep.SyscallConn()
	if err != nil {
		return err
	}
	e.ep.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	for !done.Load() {
		var (
			n    int
			werr error
		)
		// Read calls the func until it returns true, waiting in Go's
		// poller for epfd to be readable (an event ready) in between.
		err := rc.Read(func(uintptr) bool {
			n, werr = syscall.EpollWait(e.epfd, events, 0)
			return n > 0 || werr != nil && werr != syscall.EINTR
		})
		if errors.Is(err, os.ErrDeadlineExceeded) {
			e.ep.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			continue
		}
		if err == nil {
			err = werr
		}
		if err != nil {
			return fmt.Errorf("epoll_wait: %w", err)
		}
		if err := e.read(f, events[:n], buf); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// read reads once from each socket of events into buf and records the
// messages; a socket the server closed leaves the set. It returns the
// first frame the bench never sends.
func (e *epoller) read(f *fanout, events []syscall.EpollEvent, buf []byte) error {
	var first error
	for _, ev := range events {
		m := e.members[ev.Fd]
		if m == nil {
			continue
		}
		k, err := syscall.Read(int(ev.Fd), buf)
		now := time.Now().UnixNano()
		if err == syscall.EAGAIN || err == syscall.EINTR {
			continue
		}
		if k > 0 {
			err = m.feed(f, now, buf[:k])
			if err == nil {
				err = m.err
			}
		} else if err == nil {
			err = errClosed // EOF
		}
		if err == nil {
			continue
		}
		if err != errClosed && first == nil {
			first = err
		}
		syscall.EpollCtl(e.epfd, syscall.EPOLL_CTL_DEL, int(ev.Fd), nil)
		delete(e.members, ev.Fd)
	}
	return first
}
