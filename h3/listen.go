package h3

import (
	"fmt"
	"log/slog"
	"net"
	"sync"
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
