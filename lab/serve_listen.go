package lab

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// sockets are what the three origins listen on: a TCP listener each, and
// for h3 a UDP socket on the same port number as its TCP listener.
type sockets struct {
	tcp map[string]net.Listener
	udp net.PacketConn
}

func (s *sockets) close() {
	for _, l := range s.tcp {
		l.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
}

// listen binds the origins' sockets on l.host: behind the link, in the lab
// namespace; otherwise on the host. Ports are base, base+1 and base+2, or
// chosen by the system when base is 0 (with retries until the h3 origin's
// port is free on both TCP and UDP).
func (l *Lab) listen(base uint16) (*sockets, error) {
	const tries = 20
	for try := 0; ; try++ {
		s, err := l.tryListen(base)
		if err == nil || base != 0 || try == tries || !errors.Is(err, syscall.EADDRINUSE) {
			return s, err
		}
	}
}

func (l *Lab) tryListen(base uint16) (*sockets, error) {
	s := &sockets{tcp: make(map[string]net.Listener)}
	for i, name := range originNames {
		port := 0
		if base != 0 {
			port = int(base) + i
		}
		tl, err := l.listenTCP(port)
		if err != nil {
			s.close()
			return nil, fmt.Errorf("lab: %s origin: %w", name, err)
		}
		s.tcp[name] = tl
		if name != "h3" {
			continue
		}
		port = tl.Addr().(*net.TCPAddr).Port
		if s.udp, err = l.listenUDP(port); err != nil {
			s.close()
			return nil, fmt.Errorf("lab: %s origin (UDP): %w", name, err)
		}
	}
	return s, nil
}

func (l *Lab) listenTCP(port int) (net.Listener, error) {
	addr := netip.AddrPortFrom(l.host, uint16(port)).String()
	if l.link != nil {
		return l.link.Listen("tcp", addr)
	}
	return net.Listen("tcp", addr)
}

func (l *Lab) listenUDP(port int) (net.PacketConn, error) {
	addr := net.JoinHostPort(l.host.String(), strconv.Itoa(port))
	var c *net.UDPConn
	var err error
	if l.link != nil {
		c, err = l.link.ListenUDP("udp", addr)
	} else {
		var ua *net.UDPAddr
		if ua, err = net.ResolveUDPAddr("udp", addr); err == nil {
			c, err = net.ListenUDP("udp", ua)
		}
	}
	if err != nil {
		return nil, err // not a nil *net.UDPConn in a non-nil interface
	}
	return c, nil
}
