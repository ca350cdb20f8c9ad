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
	tcp   map[string]net.Listener
	udp   net.PacketConn
	relay *UDPRelay // with NoLink on 127.0.0.1: clients reach udp through it
}

func (s *sockets) close() {
	for _, l := range s.tcp {
		l.Close()
	}
	if s.udp != nil {
		s.udp.Close()
	}
	if s.relay != nil {
		s.relay.Close()
	}
}

// listen binds the origins' sockets on l.host: behind the link, in the lab
// namespace; otherwise on the host. Ports are base, base+1 and base+2, or
// chosen by the system when base is 0 (with retries until the h3 origin's
// port is free on both TCP and UDP). Through a relay (see useRelay) the h3
// origin's port is the relay's.
func (l *Lab) listen(base uint16) (*sockets, error) {
	const tries = 20
	for try := 0; ; try++ {
		s, err := l.tryListen(base)
		if err == nil || base != 0 && !l.useRelay() || try == tries || !errors.Is(err, syscall.EADDRINUSE) {
			return s, err
		}
	}
}

func (l *Lab) tryListen(base uint16) (*sockets, error) {
	s := &sockets{tcp: make(map[string]net.Listener)}
	for i, name := range originNames {
		var err error
		switch {
		case name == "h3" && l.useRelay():
			err = l.listenRelayed(s)
		default:
			port := 0
			if base != 0 {
				port = int(base) + i
			}
			err = l.listenOrigin(s, name, port)
		}
		if err != nil {
			s.close()
			return nil, fmt.Errorf("lab: %s origin: %w", name, err)
		}
	}
	return s, nil
}

// listenOrigin binds origin name's TCP port, and for h3 the UDP port of
// the same number.
func (l *Lab) listenOrigin(s *sockets, name string, port int) error {
	tl, err := l.listenTCP(port)
	if err != nil {
		return err
	}
	s.tcp[name] = tl
	if name == "h3" {
		s.udp, err = l.listenUDP(tl.Addr().(*net.TCPAddr).Port)
	}
	return err
}

// useRelay reports whether HTTP/3 is reached through a UDPRelay: without
// the link, on 127.0.0.1 (where the relay listens), so that the page can
// still show HTTP/3 under loss. TCP stays unimpaired.
func (l *Lab) useRelay() bool {
	return l.link == nil && l.host == netip.AddrFrom4([4]byte{127, 0, 0, 1}) // where the relay listens
}

// listenRelayed sets up the h3 origin without the link: HTTP/3's socket
// on a port of its own, and a relay to it, whose port (chosen by the
// system) becomes the origin's, on TCP too, so that one host:port names
// the origin. Config.Addr's port does not apply to it.
func (l *Lab) listenRelayed(s *sockets) error {
	var err error
	if s.udp, err = l.listenUDP(0); err != nil {
		return err
	}
	if s.relay, err = NewUDPRelay(l.cfg.Impairment, s.udp.LocalAddr().String()); err != nil {
		return err
	}
	tl, err := l.listenTCP(int(s.relay.Addr().Port()))
	if err != nil {
		return err // EADDRINUSE: listen tries again, with a new relay
	}
	s.tcp["h3"] = tl
	return nil
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
