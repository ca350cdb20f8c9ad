package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// labNet is where links take their addresses: 198.18.0.0/15, set aside for
// benchmarking (RFC 2544), a /30 per link.
var labNet = netip.MustParsePrefix("198.18.0.0/15")

// NewLink creates the lab namespace and the link to it, impaired as imp
// says. It first removes the namespaces of lab processes that are gone. It
// gives the namespace's TCP listeners DefaultTCPCongestion. It
// returns an error wrapping ErrNeedRoot when the process may not create
// namespaces or TUN devices, and an error when imp is invalid (a negative
// duration, loss outside 0..1, jitter above delay).
func NewLink(imp Impairment) (*Link, error) {
	if err := imp.validate(); err != nil {
		return nil, err
	}
	sweepNetns()
	pid := os.Getpid()
	l := &Link{nsfd: -1}
	l.imp.Store(&imp)
	cc := DefaultTCPCongestion
	l.cc.Store(&cc)
	var n int
	for ; ; n++ {
		l.name = fmt.Sprintf("%s%d", nsPrefix, pid)
		if n > 0 {
			l.name += fmt.Sprintf("-%d", n)
		}
		fd, err := addNetns(l.name)
		if errors.Is(err, os.ErrExist) && n < 100 {
			continue
		}
		if err != nil {
			return nil, needRoot(fmt.Errorf("lab: creating namespace %s: %w", l.name, err))
		}
		l.nsfd = fd
		break
	}
	l.closers = append(l.closers, func() error {
		err := delNetns(l.name)
		unix.Close(l.nsfd)
		return err
	})
	if err := l.connect(pid, n); err != nil {
		l.Close()
		return nil, needRoot(err)
	}
	return l, nil
}

// connect creates the two TUN devices and starts copying between them.
func (l *Link) connect(pid, n int) error {
	host, server := freeSubnet(pid*31 + n)
	l.host, l.server = host, server
	hostName := fmt.Sprintf("tlab%dh%d", pid, n) // at most 15 bytes
	hostTUN, err := openTUN(hostName, host, 30)
	if err != nil {
		return fmt.Errorf("lab: host side of the link: %w", err)
	}
	l.closers = append(l.closers, hostTUN.Close)
	var labTUN *os.File
	err = l.inNS(func() error {
		if err := ifUp("lo"); err != nil {
			return err
		}
		labTUN, err = openTUN("lab0", server, 30)
		return err
	})
	if err != nil {
		return fmt.Errorf("lab: lab side of the link: %w", err)
	}
	l.closers = append(l.closers, labTUN.Close)
	l.up = newPipe(writeTo(labTUN), &l.imp, 0)
	l.down = newPipe(writeTo(hostTUN), &l.imp, 1)
	go l.up.readTUN(hostTUN)
	go l.down.readTUN(labTUN)
	l.closers = append(l.closers, func() error {
		l.up.stop()
		l.down.stop()
		return nil
	})
	return nil
}

// freeSubnet picks a /30 of labNet, starting from the one numbered seed,
// that no host interface uses, and returns its first two addresses.
func freeSubnet(seed int) (host, server netip.Addr) {
	used := map[netip.Addr]bool{}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			if p, err := netip.ParsePrefix(a.String()); err == nil {
				used[p.Masked().Addr()] = true
			}
		}
	}
	subnets := 1 << (32 - labNet.Bits() - 2)
	base := labNet.Addr().As4()
	b := uint32(base[0])<<24 | uint32(base[1])<<16
	for i := range subnets {
		k := uint32((seed + i) % subnets)
		sub := b + k<<2
		if !used[u32Addr(sub)] {
			return u32Addr(sub + 1), u32Addr(sub + 2)
		}
	}
	return u32Addr(b + 1), u32Addr(b + 2)
}

func u32Addr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// needRoot wraps ErrNeedRoot around a permission error.
func needRoot(err error) error {
	if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
		return fmt.Errorf("%w (%v)", ErrNeedRoot, err)
	}
	return err
}

func writeTo(f *os.File) func([]byte) error {
	return func(b []byte) error {
		_, err := f.Write(b)
		return err
	}
}

func (l *Link) inNS(f func() error) error { return inNS(l.nsfd, f) }

// tcpRetrans returns the TCP segments retransmitted in the lab namespace
// so far (RetransSegs of its /proc/net/snmp), or 0 if unknown.
func (l *Link) tcpRetrans() uint64 {
	var n uint64
	l.inNS(func() error {
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		n = snmpField(string(b), "Tcp:", "RetransSegs")
		return nil
	})
	return n
}

// SetTCPCongestion chooses the congestion control of the TCP listeners
// that Listen opens from now on, and so of the connections they accept (the
// server's side, which sends the bulk of the bytes): "cubic", "reno",
// "bbr", any name in /proc/sys/net/ipv4/tcp_available_congestion_control.
// NewLink chooses DefaultTCPCongestion.
func (l *Link) SetTCPCongestion(algo string) error {
	err := l.inNS(func() error {
		s, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(s)
		return unix.SetsockoptString(s, unix.IPPROTO_TCP, unix.TCP_CONGESTION, algo)
	})
	if err != nil {
		return fmt.Errorf("lab: TCP congestion control %q: %w", algo, err)
	}
	l.cc.Store(&algo)
	return nil
}

// setCongestion sets TCP_CONGESTION on a listener that Listen opened.
func setCongestion(ln net.Listener, algo string) error {
	sc, ok := ln.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION, algo)
	})
	return errors.Join(err, serr)
}
