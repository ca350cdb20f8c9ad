package h1

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// notsentLowat bounds the bytes a TLS connection leaves queued in the
// kernel but not yet sent (TCP_NOTSENT_LOWAT): a writer blocks once that
// much is waiting, rather than filling a send buffer the kernel autotunes up
// to 4 MiB. Without it, a server that encrypts faster than its client reads
// queues megabytes that the kernel then sends from the client's ACKs, on the
// client's CPU: on loopback, h1 10 MiB over TLS fell from about 2.3 GB/s to
// 1.8 GB/s in roughly half the runs, with the client's core saturated and
// trio's 20% idle. 1 MiB keeps the pipe full (at 16 KiB the extra wake-ups
// cost 30% of throughput) and holds less memory per slow client.
const notsentLowat = 1 << 20

// tuneTCP sets the socket options of an accepted TLS connection. Failures
// are ignored: the connection works without them.
func tuneTCP(c net.Conn) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_NOTSENT_LOWAT, notsentLowat)
	})
}
