package trio

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// A connTable counts a Server's client connections, in total and per
// client address, and the TLS handshakes in progress, to enforce Limits
// when connections are accepted. It remembers each TCP connection of a
// client so that, at MaxConns, the least recently active one of the
// client holding the most can be closed for a newcomer holding fewer.
type connTable struct {
	s         *Server
	maxConns  int // -1: none
	maxPerIP  int // -1: none
	maxShakes int // -1: none

	mu         sync.Mutex // guards below
	total      int
	handshakes int
	clients    map[netip.Addr]*client
}

// A client is what one address (an IPv4 address or an IPv6 /64) holds.
type client struct {
	n   int                     // connections open
	tcp map[*limitConn]struct{} // of which TCP, for eviction
}

func newConnTable(s *Server, nofile uint64) *connTable {
	return &connTable{
		s:         s,
		maxConns:  s.Limits.maxConns(nofile),
		maxPerIP:  s.Limits.maxConnsPerIP(),
		maxShakes: s.Limits.maxHandshakes(),
		clients:   make(map[netip.Addr]*client),
	}
}

// clientAddr is the address limits count a client under: its IPv4
// address, or its IPv6 /64 prefix (what one subscriber is given).
func clientAddr(a net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := a.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		}
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// over reports whether n has reached max, a limit that may be off (-1).
func over(n, max int) bool { return max >= 0 && n >= max }

// admit counts a new TCP connection c, with a TLS handshake to come if
// shake. It returns the limit that refuses it, or "" and possibly a
// victim: a connection to close so that c fits in MaxConns, already
// uncounted.
func (t *connTable) admit(c *limitConn, shake bool) (refused string, victim *limitConn) {
	return t.admitAddr(c.addr, c, shake)
}

// admitAddr is admit for a connection from addr: TCP if c is not nil.
func (t *connTable) admitAddr(addr netip.Addr, c *limitConn, shake bool) (refused string, victim *limitConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cl := t.clients[addr]
	n := 0
	if cl != nil {
		n = cl.n
	}
	switch {
	case addr.IsValid() && over(n, t.maxPerIP): // not an IP (a custom listener): total only
		return LimitMaxConnsPerIP, nil
	case shake && over(t.handshakes, t.maxShakes):
		return LimitMaxHandshakes, nil
	case over(t.total, t.maxConns):
		if victim = t.victimLocked(n + 1); victim == nil {
			return LimitMaxConns, nil
		}
		t.releaseLocked(victim)
	}
	if cl == nil {
		cl = &client{tcp: make(map[*limitConn]struct{})}
		t.clients[addr] = cl
	}
	cl.n++
	if c != nil {
		cl.tcp[c] = struct{}{}
	}
	t.total++
	if shake {
		t.handshakes++
	}
	return "", victim
}

// admitQUIC is h3.Config.Admit: it counts a QUIC connection from remote
// with the TCP ones, in total and for its address, and returns the func
// that uncounts it; or reports and refuses it (ok false). QUIC handshakes
// are h3's to count (h3.Limits.MaxHandshakes).
func (s *Server) admitQUIC(remote net.Addr) (release func(), ok bool) {
	t, addr := s.conns, clientAddr(remote)
	refused, victim := t.admitAddr(addr, nil, false)
	if refused != "" {
		s.limitHitFrom(refused, addr)
		return nil, false
	}
	if victim != nil {
		s.limitHitFrom(LimitMaxConns, victim.addr)
		victim.closeConn()
	}
	var once sync.Once
	return func() { once.Do(func() { t.releaseAddr(addr) }) }, true
}

// releaseAddr uncounts a connection from addr that is not TCP.
func (t *connTable) releaseAddr(addr netip.Addr) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cl := t.clients[addr]
	if cl.n--; cl.n == 0 {
		delete(t.clients, addr)
	}
	t.total--
}

// victimLocked picks the least recently active TCP connection of the
// client holding the most connections, if that client holds more than
// atLeast; otherwise, nil: the newcomer is the heaviest and is refused.
func (t *connTable) victimLocked(atLeast int) *limitConn {
	var top *client
	for _, cl := range t.clients {
		if len(cl.tcp) > 0 && (top == nil || cl.n > top.n) {
			top = cl
		}
	}
	if top == nil || top.n <= atLeast {
		return nil
	}
	var v *limitConn
	for c := range top.tcp {
		if v == nil || c.active.Load() < v.active.Load() {
			v = c
		}
	}
	return v
}

// shed closes one connection of the client holding the most, to free a
// file descriptor after accept ran out of them. It reports whether it
// closed one.
func (t *connTable) shed() bool {
	t.mu.Lock()
	v := t.victimLocked(0)
	if v != nil {
		t.releaseLocked(v)
	}
	t.mu.Unlock()
	if v == nil {
		return false
	}
	v.closeConn()
	return true
}

// release uncounts c once.
func (t *connTable) release(c *limitConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.releaseLocked(c)
}

func (t *connTable) releaseLocked(c *limitConn) {
	if c.released {
		return
	}
	c.released = true
	cl := t.clients[c.addr]
	delete(cl.tcp, c)
	if cl.n--; cl.n == 0 {
		delete(t.clients, c.addr)
	}
	t.total--
}

// handshakeHook wraps H1.TLSHandshakeHook to count the end of each TLS
// handshake over TCP (done or failed; next, if set, is told too).
// Handshakes are counted by number, not by connection: the hook does not
// say which connection it is about.
func (t *connTable) handshakeHook(next func(error)) func(error) {
	return func(err error) {
		t.mu.Lock()
		t.handshakes = max(t.handshakes-1, 0)
		t.mu.Unlock()
		if next != nil {
			next(err)
		}
	}
}

// A limitConn is a TCP connection counted by a connTable: Close uncounts
// it, and Read notes when it last received data.
type limitConn struct {
	net.Conn
	t      *connTable
	addr   netip.Addr
	active atomic.Int64 // Unix nanoseconds of the last Read with data

	released  bool // guarded by t.mu
	closeOnce sync.Once
	closeErr  error
}

// A limitTCPConn is a limitConn of a *net.TCPConn, whose methods it keeps
// (ReadFrom for sendfile, SyscallConn for socket options, CloseWrite).
type limitTCPConn struct {
	*net.TCPConn
	*limitConn
}

func (c *limitTCPConn) Read(p []byte) (int, error)    { return c.limitConn.Read(p) }
func (c *limitTCPConn) Write(p []byte) (int, error)   { return c.TCPConn.Write(p) }
func (c *limitTCPConn) Close() error                  { return c.limitConn.Close() }
func (c *limitTCPConn) LocalAddr() net.Addr           { return c.TCPConn.LocalAddr() }
func (c *limitTCPConn) RemoteAddr() net.Addr          { return c.TCPConn.RemoteAddr() }
func (c *limitTCPConn) SetDeadline(t time.Time) error { return c.TCPConn.SetDeadline(t) }
func (c *limitTCPConn) SetReadDeadline(t time.Time) error {
	return c.TCPConn.SetReadDeadline(t)
}
func (c *limitTCPConn) SetWriteDeadline(t time.Time) error {
	return c.TCPConn.SetWriteDeadline(t)
}

func (c *limitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.active.Store(time.Now().UnixNano())
	}
	return n, err
}

// Close uncounts c and closes it.
func (c *limitConn) Close() error {
	c.t.release(c)
	return c.closeConn()
}

// closeConn closes the connection once, uncounted already.
func (c *limitConn) closeConn() error {
	c.closeOnce.Do(func() { c.closeErr = c.Conn.Close() })
	return c.closeErr
}
