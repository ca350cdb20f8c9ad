package lab

import (
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newTestLink returns a link closed by t.Cleanup. Without root it skips,
// except under CI=true, where it fails: CI runs as root.
func newTestLink(t testing.TB, imp Impairment) *Link {
	t.Helper()
	l, err := NewLink(imp)
	if err != nil {
		if os.Getenv("CI") != "true" && os.Geteuid() != 0 {
			t.Skipf("NewLink: %v", err)
		}
		t.Fatalf("NewLink: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l
}

// tcpInfo returns the kernel's TCP_INFO for c.
func tcpInfo(t *testing.T, c net.Conn) *unix.TCPInfo {
	t.Helper()
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var info *unix.TCPInfo
	var ierr error
	rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) })
	if ierr != nil {
		t.Fatal(ierr)
	}
	return info
}

func TestLinkTCPLoss(t *testing.T) {
	l := newTestLink(t, Impairment{Loss: 0.03, Delay: 5 * time.Millisecond, Seed: 1})
	ln, err := l.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	const size = 2 << 20
	infoc := make(chan *unix.TCPInfo, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			infoc <- nil
			return
		}
		defer c.Close()
		c.Write(make([]byte, size))
		io.Copy(io.Discard, c) // until the client has all and closes
		infoc <- tcpInfo(t, c)
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := net.DialTimeout("tcp", netip.AddrPortFrom(l.ServerIP(), uint16(port)).String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.LocalAddr().(*net.TCPAddr).AddrPort().Addr(); got != l.HostIP() {
		t.Errorf("client address = %v; want the link's host side %v", got, l.HostIP())
	}
	c.SetDeadline(time.Now().Add(60 * time.Second))
	n, err := io.CopyN(io.Discard, c, size)
	if err != nil || n != size {
		t.Fatalf("read %d bytes, %v; want %d", n, err, size)
	}
	c.Close()
	info := <-infoc
	if info == nil {
		t.Fatal("server saw no connection")
	}
	st := l.Stats()
	t.Logf("server retransmissions %d, link %+v", info.Total_retrans, st)
	if info.Total_retrans == 0 {
		t.Errorf("server TCP_INFO total_retrans = 0 after 3%% loss; want retransmissions")
	}
	if st.Down.Dropped == 0 || st.Up.Dropped == 0 {
		t.Errorf("dropped up %d, down %d; want both > 0", st.Up.Dropped, st.Down.Dropped)
	}
	if st.Down.Bytes < size {
		t.Errorf("down bytes = %d; want at least %d", st.Down.Bytes, size)
	}
}

func TestLinkUDPLoss(t *testing.T) {
	const loss, sent = 0.1, 2000
	l := newTestLink(t, Impairment{Loss: loss, Delay: 2 * time.Millisecond, Seed: 7})
	srv, err := l.ListenUDP("udp4", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	srv.SetReadBuffer(8 << 20)
	dst := netip.AddrPortFrom(l.ServerIP(), uint16(srv.LocalAddr().(*net.UDPAddr).Port))
	cl, err := net.ListenUDP("udp4", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := make(chan int)
	go func() {
		n := 0
		buf := make([]byte, 2048)
		for {
			srv.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := srv.Read(buf); err != nil {
				got <- n
				return
			}
			n++
		}
	}()
	msg := make([]byte, 1000)
	for i := range sent {
		if _, err := cl.WriteToUDPAddrPort(msg, dst); err != nil {
			t.Fatal(err)
		}
		if i%20 == 0 {
			time.Sleep(time.Millisecond) // stay below the socket buffers
		}
	}
	n := <-got
	st := l.Stats()
	t.Logf("received %d of %d; link %+v", n, sent, st)
	// The link may also carry (and drop) a packet or two of the kernel's own.
	if lost := sent - n; lost < int(st.Up.Dropped)-2 || lost > int(st.Up.Dropped)+2 {
		t.Errorf("received %d of %d, dropped %d: the losses are not the link's", n, sent, st.Up.Dropped)
	}
	// Binomial(2000, 0.1): mean 200, sd 13.4; 5 sd either side.
	if d := st.Up.Dropped; d < 133 || d > 267 {
		t.Errorf("dropped %d of %d at loss %v; want 200 ± 67", d, sent, loss)
	}
}

func TestLinkCloseLeavesNothing(t *testing.T) {
	l := newTestLink(t, Impairment{})
	name := l.Namespace()
	if out := runCmd(t, "ip", "netns", "list"); !strings.Contains(out, name) {
		t.Fatalf("ip netns list does not show %s:\n%s", name, out)
	}
	if out := runCmd(t, "ip", "link"); !strings.Contains(out, "tlab") {
		t.Fatalf("ip link does not show the host side of the link:\n%s", out)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if out := runCmd(t, "ip", "netns", "list"); strings.Contains(out, name) {
		t.Errorf("after Close, ip netns list still shows %s:\n%s", name, out)
	}
	mine := "tlab" + strconv.Itoa(os.Getpid()) + "h"
	if out := runCmd(t, "ip", "link"); strings.Contains(out, mine) {
		t.Errorf("after Close, ip link still shows %s*:\n%s", mine, out)
	}
}

func runCmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

func TestLinkSweepsStale(t *testing.T) {
	// A namespace of a process that is gone: pid_max is below 1<<22.
	const stale = nsPrefix + "4194999"
	if _, err := addNetns(stale); err != nil {
		if os.Getenv("CI") != "true" && os.Geteuid() != 0 {
			t.Skipf("addNetns: %v", err)
		}
		t.Fatal(err)
	}
	newTestLink(t, Impairment{})
	if out := runCmd(t, "ip", "netns", "list"); strings.Contains(out, stale) {
		delNetns(stale)
		t.Errorf("NewLink left the stale namespace %s:\n%s", stale, out)
	}
}

func TestLinkTCPCongestion(t *testing.T) {
	host, err := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control")
	if err != nil {
		t.Fatal(err)
	}
	l := newTestLink(t, Impairment{})
	for _, algo := range []string{"", "reno"} {
		if algo != "" {
			if err := l.SetTCPCongestion(algo); err != nil {
				t.Fatal(err)
			}
		} else {
			algo = DefaultTCPCongestion
		}
		if got := l.TCPCongestion(); got != algo {
			t.Errorf("TCPCongestion() = %q; want %q", got, algo)
		}
		if got := acceptedCongestion(t, l); got != algo {
			t.Errorf("an accepted connection uses %q; want %q", got, algo)
		}
	}
	if after, _ := os.ReadFile("/proc/sys/net/ipv4/tcp_congestion_control"); string(after) != string(host) {
		t.Errorf("the host's congestion control changed from %q to %q", host, after)
	}
	if err := l.SetTCPCongestion("no-such-algorithm"); err == nil {
		t.Error("SetTCPCongestion(no-such-algorithm) succeeded")
	}
}

// acceptedCongestion returns the congestion control of a connection that
// l.Listen's listener accepts.
func acceptedCongestion(t *testing.T, l *Link) string {
	t.Helper()
	ln, err := l.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	c, err := net.Dial("tcp", netip.AddrPortFrom(l.ServerIP(), uint16(port)).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	rc, _ := sc.(syscall.Conn).SyscallConn()
	var algo string
	rc.Control(func(fd uintptr) {
		algo, err = unix.GetsockoptString(int(fd), unix.IPPROTO_TCP, unix.TCP_CONGESTION)
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimRight(algo, "\x00")
}

func TestLinkDelay(t *testing.T) {
	const delay = 25 * time.Millisecond
	l := newTestLink(t, Impairment{Delay: delay})
	ln, err := l.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := netip.AddrPortFrom(l.ServerIP(), uint16(ln.Addr().(*net.TCPAddr).Port)).String()
	for range 3 {
		start := time.Now()
		c, err := net.Dial("tcp", addr) // returns on SYN-ACK: one round trip
		if err != nil {
			t.Fatal(err)
		}
		rtt := time.Since(start)
		c.Close()
		if rtt < 2*delay || rtt > 2*delay+100*time.Millisecond {
			t.Errorf("connecting took %v; want a round trip of 2×%v", rtt, delay)
		}
	}
	l.Set(Impairment{})
	start := time.Now()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if rtt := time.Since(start); rtt >= 2*delay {
		t.Errorf("after Set(Impairment{}), connecting took %v; want less than %v", rtt, 2*delay)
	}
}
