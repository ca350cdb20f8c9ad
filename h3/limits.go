package h3

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// Limits bound the QUIC connections and handshakes clients may hold of a
// [Server]. The zero value means the defaults stated on each field; a
// negative value turns a limit off. A client address is its IP, or for
// IPv6 its /64 prefix. Each client refused or asked for a Retry is
// reported to [Config.LimitHit] with the limit's name.
//
// Address validation (RFC 9000 section 8.1): an Initial packet costs its
// sender one datagram and the server a connection's state (about 76 KiB
// until the handshake times out), from an address that may be spoofed.
// Past RetryHandshakes handshakes in progress, or RetryHandshakesPerIP
// from one address, a new client is answered with a Retry, which costs
// the server nothing to remember: only a client that receives it at its
// address comes back, one round trip later, with the token it carries.
// Clients with a valid token are then held to MaxHandshakes and
// MaxConnsPerIP, and refused with CONNECTION_REFUSED past them.
type Limits struct {
	// MaxConnsPerIP limits the QUIC connections, handshaking or open, one
	// client address may have; more are refused with CONNECTION_REFUSED.
	// If zero, 256, as trio.Limits.MaxConnsPerIP for TCP.
	MaxConnsPerIP int

	// MaxHandshakes limits the QUIC handshakes in progress at once; more
	// are refused with CONNECTION_REFUSED until some finish. If zero,
	// 1024, as trio.Limits.MaxHandshakes for TLS over TCP.
	MaxHandshakes int

	// RetryHandshakes is the number of handshakes in progress from which
	// every new client must validate its address with a Retry first. If
	// zero, 128: a handshake lasts about one round trip, so well-behaved
	// clients rarely have that many in progress at once, while a flood
	// reaches it at once; a Retry costs them one round trip, not service.
	RetryHandshakes int

	// RetryHandshakesPerIP is the number of handshakes in progress from
	// one client address from which its new connections must validate
	// the address with a Retry first. If zero, 16: a browser needs one,
	// a NAT of many users a few.
	RetryHandshakesPerIP int
}

// Default values of Limits.
const (
	DefaultMaxConnsPerIP        = 256
	DefaultMaxHandshakes        = 1024
	DefaultRetryHandshakes      = 128
	DefaultRetryHandshakesPerIP = 16
)

// Names of the limits, as Config.LimitHit reports them and as trio's
// configuration file names them in its [limits] table. MaxConnsPerIP and
// MaxHandshakes share their names with the TCP limits they mirror.
const (
	LimitMaxConnsPerIP        = "max_conns_per_ip"
	LimitMaxHandshakes        = "max_handshakes"
	LimitRetryHandshakes      = "quic_retry_handshakes"
	LimitRetryHandshakesPerIP = "quic_retry_handshakes_per_ip"
	// LimitMaxStreams is a client that keeps opening request streams
	// while MaxIncomingStreams handlers still run on its connection
	// (streams it reset, whose stream credit quic-go gave back): the
	// connection is closed with H3_EXCESSIVE_LOAD.
	LimitMaxStreams = "max_streams"
)

// limit returns v, def when v is zero, or -1 (no limit) when negative.
func limit(v, def int) int {
	switch {
	case v < 0:
		return -1
	case v == 0:
		return def
	}
	return v
}

// over reports n >= max for a limit max that is not off.
func over(n, max int) bool { return max >= 0 && n >= max }

// errRefused is the cause of a connection refused by a limit; quic-go
// answers it with CONNECTION_REFUSED.
var errRefused = errors.New("h3: connection refused by a limit")

// admission counts the QUIC connections and handshakes of one Server, in
// total and per client address, to decide Retries and refusals.
type admission struct {
	lim   Limits // with the defaults applied
	hit   func(string)
	admit func(net.Addr) (release func(), ok bool) // Config.Admit

	mu         sync.Mutex // guards below
	handshakes int
	byIP       map[netip.Addr]*ipCount
}

// An ipCount is what one client address holds.
type ipCount struct {
	conns, handshakes int
}

// An admitted is one connection counted by admission, found in its
// context under admittedKey.
type admitted struct {
	a       *admission
	ip      netip.Addr
	mu      sync.Mutex
	shaking bool   // counted as a handshake in progress
	release func() // from Config.Admit, or nil
}

type admittedKey struct{}

func newAdmission(l Limits, hit func(string), admit func(net.Addr) (func(), bool)) *admission {
	return &admission{
		lim: Limits{
			MaxConnsPerIP:        limit(l.MaxConnsPerIP, DefaultMaxConnsPerIP),
			MaxHandshakes:        limit(l.MaxHandshakes, DefaultMaxHandshakes),
			RetryHandshakes:      limit(l.RetryHandshakes, DefaultRetryHandshakes),
			RetryHandshakesPerIP: limit(l.RetryHandshakesPerIP, DefaultRetryHandshakesPerIP),
		},
		hit:   hit,
		admit: admit,
		byIP:  make(map[netip.Addr]*ipCount),
	}
}

// clientIP is the address limits count a client under: its IP, IPv4 as
// such, IPv6 by its /64.
func clientIP(addr net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.UDPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	default:
		ap, err := netip.ParseAddrPort(addr.String())
		if err != nil {
			return netip.Addr{}
		}
		ip = ap.Addr()
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.Addr()
	}
	return ip
}

// verifySourceAddress is quic.Transport.VerifySourceAddress: it asks for
// a Retry when too many handshakes are in progress, in total or from the
// client's address. quic-go calls it only for Initials without a valid
// token, on its packet-handling goroutine.
func (a *admission) verifySourceAddress(addr net.Addr) bool {
	ip := clientIP(addr)
	a.mu.Lock()
	total := a.handshakes
	fromIP := 0
	if c := a.byIP[ip]; c != nil {
		fromIP = c.handshakes
	}
	a.mu.Unlock()
	switch {
	case over(fromIP, a.lim.RetryHandshakesPerIP):
		a.report(LimitRetryHandshakesPerIP)
	case over(total, a.lim.RetryHandshakes):
		a.report(LimitRetryHandshakes)
	default:
		return false
	}
	return true
}

// connContext is quic.Transport.ConnContext: it counts a new connection
// and its handshake, or refuses it (CONNECTION_REFUSED) past
// MaxConnsPerIP or MaxHandshakes. ctx ends when the connection does; the
// count is released then.
func (a *admission) connContext(ctx context.Context, ci *quic.ClientInfo) (context.Context, error) {
	ip := clientIP(ci.RemoteAddr)
	a.mu.Lock()
	c := a.byIP[ip]
	if c == nil {
		c = new(ipCount)
	}
	var refused string
	switch {
	case over(c.conns, a.lim.MaxConnsPerIP):
		refused = LimitMaxConnsPerIP
	case over(a.handshakes, a.lim.MaxHandshakes):
		refused = LimitMaxHandshakes
	default:
		a.byIP[ip] = c
		c.conns++
		c.handshakes++
		a.handshakes++
	}
	a.mu.Unlock()
	if refused != "" {
		a.report(refused)
		return nil, errRefused
	}
	ad := &admitted{a: a, ip: ip, shaking: true}
	if a.admit != nil {
		release, ok := a.admit(ci.RemoteAddr)
		if !ok {
			ad.closed()
			return nil, errRefused
		}
		ad.release = release
	}
	context.AfterFunc(ctx, ad.closed)
	return context.WithValue(ctx, admittedKey{}, ad), nil
}

// handshakeDone stops counting qc's handshake as in progress.
func (a *admission) handshakeDone(qc *quic.Conn) {
	if ad, ok := qc.Context().Value(admittedKey{}).(*admitted); ok {
		ad.endHandshake(false)
	}
}

// endHandshake uncounts the handshake once, and the connection if closed.
func (ad *admitted) endHandshake(closed bool) {
	ad.mu.Lock()
	shaking := ad.shaking
	ad.shaking = false
	ad.mu.Unlock()
	if !shaking && !closed {
		return
	}
	a := ad.a
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.byIP[ad.ip]
	if shaking {
		a.handshakes--
		c.handshakes--
	}
	if closed {
		if c.conns--; c.conns == 0 {
			delete(a.byIP, ad.ip)
		}
	}
}

func (ad *admitted) closed() {
	ad.endHandshake(true)
	if ad.release != nil {
		ad.release()
	}
}

func (a *admission) report(limit string) {
	if a.hit != nil {
		a.hit(limit)
	}
}

// counts returns the handshakes in progress and the addresses holding
// connections, for tests.
func (a *admission) counts() (handshakes, ips int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handshakes, len(a.byIP)
}

// streamLoad counts, per connection, the request streams refused because
// MaxIncomingStreams handlers still ran on it, and budgets the request
// streams the client reset before their response was complete.
type streamLoad struct {
	refused int
	resets  resetBudget // guarded by conn.mu
	small   atomic.Bool // resets' burst below full: completed streams grow it
	closed  atomic.Bool // H3_EXCESSIVE_LOAD for resets reported
}

// initResets starts the resets budget of a new connection: full, or
// small for a client address closed for too many resets of late.
func (c *conn) initResets() {
	full := float64(max(200, 2*c.srv.cfg.maxIncomingStreams()))
	first := c.srv.calm.First(c.qc.RemoteAddr(), full, time.Now())
	c.load.resets = newResetBudget(first, full)
	c.load.small.Store(first < full)
}

// streamCompleted grows a small resets budget for a request stream whose
// response completed.
func (c *conn) streamCompleted() {
	if !c.load.small.Load() {
		return
	}
	c.mu.Lock()
	c.load.small.Store(c.load.resets.grow())
	c.mu.Unlock()
}

// A resetBudget is a token bucket of client-reset request streams, as
// HTTP/2's resets budget (CVE-2023-44487): a client that opens request
// streams and resets them with (or right after) their HEADERS never runs
// a handler for long, and quic-go gives the stream credit back at once,
// so admitStream's count of running handlers never stops it. Each reset
// stream takes a token; the bucket holds full = max(200,
// 2*MaxIncomingStreams) and refills at half its size a second. A browser
// resets at most the streams it has open when it navigates away.
//
// A client closed for too many resets that reconnects would get a full
// budget again each time: the Server remembers its address for a minute
// (internal/calm), and its new connections start with a burst of
// calm.Burst, which each request stream whose response completes raises
// by one, up to full.
type resetBudget struct {
	tokens float64
	last   time.Time
	burst  float64
	full   float64
}

func newResetBudget(first, full float64) resetBudget {
	return resetBudget{tokens: first, burst: first, full: full}
}

// spend takes one token for a stream reset at now and reports whether
// one was left.
func (b *resetBudget) spend(now time.Time) bool {
	if !b.last.IsZero() {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.burst/2)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// grow raises the burst by one, up to full, with a token: a completed
// stream earns a reset. It reports whether the burst is still below full.
func (b *resetBudget) grow() bool {
	b.burst = min(b.full, b.burst+1)
	b.tokens = min(b.burst, b.tokens+1)
	return b.burst < b.full
}

// clientReset reports whether the client reset request stream str before
// its response was complete (completed: the server closed it first): it stopped reading it (STOP_SENDING) before
// the server closed it, or reset its request (RESET_STREAM) and the
// server gave up on the stream. Called once str is no longer served.
func clientReset(str *quic.Stream) (reset, completed bool) {
	if str.Context().Err() == nil {
		return false, false // still in use (a WebSocket), or nothing happened
	}
	se, ok := errors.AsType[*quic.StreamError](context.Cause(str.Context()))
	if !ok {
		return false, true // closed: the response is complete
	}
	if se.Remote {
		return true, false // STOP_SENDING
	}
	if se.ErrorCode != quic.StreamErrorCode(ErrRequestCancelled) {
		return false, false
	}
	// Reset by the server after a failed read: was it the client's
	// RESET_STREAM? A read of nothing returns the stream's error at once.
	_, err := str.Read(nil)
	return errors.As(err, &se) && se.Remote, false
}

// streamReset counts a request stream the client reset; past the budget
// the connection is closed with H3_EXCESSIVE_LOAD.
func (c *conn) streamReset() {
	now := time.Now()
	c.mu.Lock()
	ok := c.load.resets.spend(now)
	c.mu.Unlock()
	if ok {
		return
	}
	c.srv.calm.Offended(c.qc.RemoteAddr(), now)
	// Reported before the close, which the client may see at once.
	if hit := c.srv.cfg.LimitHit; hit != nil && c.load.closed.CompareAndSwap(false, true) {
		hit(LimitMaxStreams)
	}
	c.qc.CloseWithError(quic.ApplicationErrorCode(ErrExcessiveLoad), "too many request streams reset")
}

// admitStream decides, with c.mu held, whether a new request stream may
// run a handler. quic-go gives a client its stream credit back as soon as
// it resets a stream, while the handler may still run: a client that
// opens streams and resets them at once (HTTP/2's rapid reset, over
// QUIC) could run any number of handlers. Past MaxIncomingStreams
// handlers, a new stream is refused with H3_REQUEST_REJECTED (nothing was
// processed; a client may retry it); after MaxIncomingStreams refusals
// the connection is closed with H3_EXCESSIVE_LOAD.
func (c *conn) admitStream(str *quic.Stream) bool {
	max := c.srv.cfg.maxIncomingStreams()
	if int64(c.active) < max {
		return true
	}
	str.CancelRead(quic.StreamErrorCode(ErrRequestRejected))
	str.CancelWrite(quic.StreamErrorCode(ErrRequestRejected))
	if c.load.refused++; int64(c.load.refused) == max {
		if hit := c.srv.cfg.LimitHit; hit != nil { // before the client sees the close
			hit(LimitMaxStreams)
		}
		c.qc.CloseWithError(quic.ApplicationErrorCode(ErrExcessiveLoad), "too many requests reset while their handlers run")
	}
	return false
}

// listenQUIC starts QUIC on udp with a Transport of its own, which asks
// for Retries and refuses connections as s's Limits say. The Transport
// reads udp until the caller closes it, after Serve returned; the
// connections accepted on it live until then. With early, connections
// are returned before their handshake completes (0-RTT).
func (s *Server) listenQUIC(udp net.PacketConn, early bool) (*transportListener, error) {
	tr := &quic.Transport{
		Conn:                udp,
		VerifySourceAddress: s.adm.verifySourceAddress,
		ConnContext:         s.adm.connContext,
	}
	tlsConf, conf := s.tls, s.quicConfig()
	if s.std != nil {
		tlsConf = http3.ConfigureTLSConfig(s.tls)
		conf.KeepAlivePeriod = s.cfg.keepAlivePeriod() // see keepalive.go
	}
	var ln quicListener
	var err error
	if early {
		ln, err = tr.ListenEarly(tlsConf, conf)
	} else {
		ln, err = tr.Listen(tlsConf, conf)
	}
	if err != nil {
		return nil, err
	}
	return &transportListener{quicListener: ln, local: udp.LocalAddr()}, nil
}

// A transportListener is a listener on its own quic.Transport.
type transportListener struct {
	quicListener
	local net.Addr
}

func (l *transportListener) Addr() net.Addr { return l.local }

// accepted stops counting qc's handshake once it is complete: at once
// for connections accepted after it, later for 0-RTT ones.
func (s *Server) accepted(qc *quic.Conn) {
	select {
	case <-qc.HandshakeComplete():
		s.adm.handshakeDone(qc)
		return
	default:
	}
	go func() {
		select {
		case <-qc.HandshakeComplete():
			s.adm.handshakeDone(qc)
		case <-qc.Context().Done(): // counted off as it closed
		}
	}()
}
