package lab

import (
	"bytes"
	"errors"
	"maps"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// relayIdle is how long a UDPRelay keeps a client's session without
// traffic from the target.
const relayIdle = 2 * time.Minute

// A UDPRelay impairs UDP on loopback, for when NewLink cannot run (no
// root): clients send to Addr, the relay forwards each datagram to the
// target and the replies back, dropping, delaying and pacing them as its
// Impairment says. Only UDP is impaired: HTTP/3 over it sees loss, TCP
// (HTTP/1.1 and HTTP/2) goes to the server directly, unimpaired.
type UDPRelay struct {
	conn   *net.UDPConn // clients send here
	target *net.UDPAddr
	imp    atomic.Pointer[Impairment]

	mu       sync.Mutex
	sessions map[netip.AddrPort]*relaySession
	closed   bool
	gone     LinkStats // counts of sessions ended
}

// A relaySession carries one client's datagrams through its own socket to
// the target.
type relaySession struct {
	up   *pipe // client -> target
	down *pipe // target -> client
	conn *net.UDPConn
}

// NewUDPRelay starts a relay on 127.0.0.1 to the UDP address target.
func NewUDPRelay(imp Impairment, target string) (*UDPRelay, error) {
	if err := imp.validate(); err != nil {
		return nil, err
	}
	ta, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	r := &UDPRelay{conn: c, target: ta, sessions: map[netip.AddrPort]*relaySession{}}
	r.imp.Store(&imp)
	go r.serve()
	return r, nil
}

// Addr is where clients send: the relay's address on loopback.
func (r *UDPRelay) Addr() netip.AddrPort { return r.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Impairment returns what the relay currently does to datagrams.
func (r *UDPRelay) Impairment() Impairment { return *r.imp.Load() }

// Set changes the impairment as Link.Set does.
func (r *UDPRelay) Set(imp Impairment) error {
	if err := imp.validate(); err != nil {
		return err
	}
	r.imp.Store(&imp)
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sessions {
		s.up.reseed(imp.Seed)
		s.down.reseed(imp.Seed)
	}
	return nil
}

// Stats returns the datagrams passed and dropped so far: Up is client to
// target, Down target to client.
func (r *UDPRelay) Stats() LinkStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.gone
	for _, s := range r.sessions {
		addStats(&st, s)
	}
	return st
}

func addStats(st *LinkStats, s *relaySession) {
	for _, d := range []struct {
		to *DirStats
		p  *pipe
	}{{&st.Up, s.up}, {&st.Down, s.down}} {
		ps := d.p.stats()
		d.to.Packets += ps.Packets
		d.to.Bytes += ps.Bytes
		d.to.Dropped += ps.Dropped
		d.to.Overflow += ps.Overflow
	}
}

// Close stops the relay and its sessions.
func (r *UDPRelay) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	// A slice, not the map: each session's replies deletes itself from
	// the map once its socket is closed, while the loop below runs.
	ss := slices.Collect(maps.Values(r.sessions))
	r.mu.Unlock()
	err := r.conn.Close()
	for _, s := range ss {
		s.close()
	}
	return err
}

func (r *UDPRelay) serve() {
	b := make([]byte, 64<<10)
	for {
		n, from, err := r.conn.ReadFromUDPAddrPort(b)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if s := r.session(from); s != nil {
			s.up.admit(bytes.Clone(b[:n]), time.Now()) // queued: its own bytes, not 64 KiB
		}
	}
}

// session returns from's session, starting one for a new client.
func (r *UDPRelay) session(from netip.AddrPort) *relaySession {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if s := r.sessions[from]; s != nil {
		return s
	}
	c, err := net.DialUDP("udp", nil, r.target)
	if err != nil {
		return nil
	}
	s := &relaySession{conn: c}
	s.up = newPipe(func(b []byte) error {
		_, err := c.Write(b)
		return err
	}, &r.imp, 0)
	s.down = newPipe(func(b []byte) error {
		_, err := r.conn.WriteToUDPAddrPort(b, from)
		return err
	}, &r.imp, 1)
	r.sessions[from] = s
	go r.replies(from, s)
	return s
}

// replies admits the target's datagrams to from's session until the
// session is idle for relayIdle or closed.
func (r *UDPRelay) replies(from netip.AddrPort, s *relaySession) {
	b := make([]byte, 64<<10)
	for {
		s.conn.SetReadDeadline(time.Now().Add(relayIdle))
		n, err := s.conn.Read(b)
		if err != nil {
			var ne net.Error
			if errors.Is(err, net.ErrClosed) || errors.As(err, &ne) && ne.Timeout() {
				break
			}
			continue // an ICMP error from the target: keep listening
		}
		s.down.admit(bytes.Clone(b[:n]), time.Now())
	}
	r.mu.Lock()
	if r.sessions[from] == s {
		delete(r.sessions, from)
		addStats(&r.gone, s)
	}
	r.mu.Unlock()
	s.close()
}

func (s *relaySession) close() {
	s.conn.Close()
	s.up.stop()
	s.down.stop()
}
