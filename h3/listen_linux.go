package h3

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// forceBuffer uses SO_RCVBUFFORCE / SO_SNDBUFFORCE, which ignore
// net.core.rmem_max and wmem_max when the process has CAP_NET_ADMIN.
func forceBuffer(rc syscall.RawConn, opt int) {
	force := syscall.SO_RCVBUFFORCE
	if opt == syscall.SO_SNDBUF {
		force = syscall.SO_SNDBUFFORCE
	}
	rc.Control(func(fd uintptr) {
		_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, force, socketBuffer)
	})
}

// raiseBuffers sets both socket buffers to socketBuffer, forcing past
// net.core.rmem_max where the process may (Linux, CAP_NET_ADMIN), and says
// what it got when that is not enough.
func raiseBuffers(c *net.UDPConn) error {
	_ = c.SetReadBuffer(socketBuffer)
	_ = c.SetWriteBuffer(socketBuffer)
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	rcv, snd := bufferSizes(rc)
	if rcv < socketBuffer {
		forceBuffer(rc, syscall.SO_RCVBUF)
	}
	if snd < socketBuffer {
		forceBuffer(rc, syscall.SO_SNDBUF)
	}
	rcv, snd = bufferSizes(rc)
	if rcv >= socketBuffer && snd >= socketBuffer {
		return nil
	}
	// quic-go would log the same once per socket; one line from us is enough.
	os.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
	return fmt.Errorf("receive buffer %d KiB, send buffer %d KiB, want %d KiB", rcv>>10, snd>>10, socketBuffer>>10)
}

// bufferSizes reads SO_RCVBUF and SO_SNDBUF. Linux reports twice the size
// that was set (the rest is bookkeeping); halving keeps the comparison honest.
func bufferSizes(rc syscall.RawConn) (rcv, snd int) {
	rc.Control(func(fd uintptr) {
		rcv, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		snd, _ = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	return rcv / 2, snd / 2
}
