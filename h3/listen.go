package h3

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
)

// socketBuffer is the UDP buffer size quic-go asks for (7 MiB); smaller
// buffers drop packets under load and slow HTTP/3 transfers down.
const socketBuffer = 7 << 20

// ListenUDP opens the UDP socket for HTTP/3 on addr and raises its receive
// and send buffers to what QUIC needs. When the OS caps them it logs one line
// naming the sysctl to raise, instead of quic-go's own warning. The returned
// conn is a plain *net.UDPConn, so quic-go keeps its GSO and ECN fast paths.
func ListenUDP(network, addr string, logger *slog.Logger) (*net.UDPConn, error) {
	ua, err := net.ResolveUDPAddr(network, addr)
	if err != nil {
		return nil, fmt.Errorf("h3: resolving %q: %w", addr, err)
	}
	conn, err := net.ListenUDP(network, ua)
	if err != nil {
		return nil, err
	}
	if err := raiseBuffers(conn); err != nil && logger != nil {
		warnOnce.Do(func() {
			logger.Warn("h3: UDP buffers are smaller than QUIC wants; HTTP/3 may be slower under load",
				"error", err, "fix", "sysctl -w net.core.rmem_max=7500000 net.core.wmem_max=7500000")
		})
	}
	return conn, nil
}

var warnOnce sync.Once

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
		rcv, _ = syscall.GetsockoptInt(sysFD(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF)
		snd, _ = syscall.GetsockoptInt(sysFD(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF)
	})
	return rcv / bufferReportFactor, snd / bufferReportFactor
}
