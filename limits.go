package trio

import (
	"net/netip"
	"sync"
	"time"
)

// Limits bound what clients may hold of a Server. The zero value means the
// defaults stated on each field, which suit a public server the way
// nginx's and Caddy's do; a negative value turns a limit off. Each client
// refused by a limit is counted (Observer, if it is a LimitObserver: the
// trio_limit_hits_total{limit} metric) and logged, at most one line per
// limit per LogInterval with the count since the last one.
//
// The connection limits are enforced when a TCP connection is accepted,
// before its TLS handshake: a refused connection is reset (the client sees
// ECONNRESET). A client address is the IP, or for IPv6 its /64 prefix (one
// host's usual allocation); connections of a caller's own listener whose
// addresses are not IPs count toward MaxConns only. When accept fails for
// want of file descriptors (EMFILE, ENFILE: counted as "fd_limit"), the
// least recently active connection of the client holding the most is
// closed and accepting backs off, from 5 ms doubling to a second, rather
// than spin. Limits are read when the Server starts; later changes have
// no effect.
type Limits struct {
	// MaxConns limits the TCP and QUIC connections open at once. When it
	// is reached, a client holding fewer connections than the one holding
	// the most is still served: that client's least recently active TCP
	// connection is closed to make room. Others are refused. If zero, the
	// open-file limit (RLIMIT_NOFILE) minus FDReserve, so that accepting
	// never runs the process out of descriptors.
	MaxConns int

	// MaxConnsPerIP limits the connections one client address may have
	// open, TCP and QUIC together (QUIC's are also held to
	// H3.Limits.MaxConnsPerIP, which defaults to this); more are refused:
	// TCP reset, QUIC with CONNECTION_REFUSED. If zero, 256: a browser
	// opens a handful, a NAT of a few dozen users a few hundred.
	MaxConnsPerIP int

	// MaxHandshakes limits the TLS handshakes over TCP in progress at
	// once (they cost CPU and memory); new connections beyond it are
	// reset until some finish. QUIC handshakes are counted apart, by
	// H3.Limits.MaxHandshakes, which defaults to this. If zero, 1024.
	MaxHandshakes int

	// FDReserve is how many file descriptors MaxConns's default keeps
	// free for files, upstream connections and the connection that lets a
	// new client in. If zero, 128.
	FDReserve int

	// MemoryReturnInterval is how often the Server checks whether the Go
	// runtime holds memory a burst left behind (RSS more than twice its
	// floor and no garbage collection since the last check) and hands it
	// back to the operating system (see memory.go). If zero, 10 s; memory
	// is returned within two intervals of a burst's end. Negative: never.
	MemoryReturnInterval time.Duration

	// LogInterval is the least time between two log lines about one
	// limit; hits in between are counted in the next line. If zero, 10
	// seconds. (Not a [limits] key: the file's is always 10 seconds.)
	LogInterval time.Duration
}

// Default values of Limits.
const (
	DefaultMaxConnsPerIP = 256
	DefaultMaxHandshakes = 1024
	DefaultFDReserve     = 128
	DefaultLimitLogEvery = 10 * time.Second
)

// Names of the limits this package enforces, as LimitHit reports them and
// as they appear in the [limits] table of trio's configuration file.
const (
	LimitMaxConns      = "max_conns"
	LimitMaxConnsPerIP = "max_conns_per_ip"
	LimitMaxHandshakes = "max_handshakes"
	// LimitFDs is the process running out of file descriptors: accept
	// failed with EMFILE or ENFILE.
	LimitFDs = "fd_limit"
)

// orDefault returns v, def when v is zero, or -1 (no limit) when v is
// negative.
func orDefault(v, def int) int {
	switch {
	case v < 0:
		return -1
	case v == 0:
		return def
	}
	return v
}

func (l *Limits) maxConnsPerIP() int { return orDefault(l.MaxConnsPerIP, DefaultMaxConnsPerIP) }
func (l *Limits) maxHandshakes() int { return orDefault(l.MaxHandshakes, DefaultMaxHandshakes) }

func (l *Limits) fdReserve() int {
	if l.FDReserve < 0 {
		return 0
	}
	return orDefault(l.FDReserve, DefaultFDReserve)
}

func (l *Limits) logInterval() time.Duration {
	if l.LogInterval <= 0 {
		return DefaultLimitLogEvery
	}
	return l.LogInterval
}

// maxConns is MaxConns with its default worked out from an open-file
// limit of nofile: nofile minus the reserve, but at least half of nofile;
// with no nofile known (0), no limit.
func (l *Limits) maxConns(nofile uint64) int {
	if l.MaxConns != 0 {
		return orDefault(l.MaxConns, 0)
	}
	if nofile == 0 {
		return -1
	}
	const ceiling = 1 << 24 // RLIM_INFINITY and the like
	n := int(min(nofile, ceiling))
	return max(n-l.fdReserve(), n/2, 1)
}

// A LimitObserver is an Observer that also counts the clients refused by
// a limit; observe.Metrics is one (trio_limit_hits_total).
type LimitObserver interface {
	LimitHit(limit string)
}

// LimitHit reports that a client was refused for exceeding the limit
// named limit (a [limits] key such as "max_conns_per_ip"): it is counted
// by the Observer, if that is a LimitObserver, and logged at Warn level,
// at most once per Limits.LogInterval per limit with the count since the
// last line. Handlers and middleware that enforce limits of their own may
// call it; the Server fills h1.Config.LimitHit, h2.Config.LimitHit and
// h3.Config.LimitHit with it. It does not block.
func (s *Server) LimitHit(limit string) { s.limitHitFrom(limit, netip.Addr{}) }

// limitHitFrom is LimitHit for a hit by the client at addr (an IP, or an
// IPv6 /64), which the log line names if it is the interval's last.
func (s *Server) limitHitFrom(limit string, addr netip.Addr) {
	if o, ok := s.Observer.(LimitObserver); ok {
		o.LimitHit(limit)
	}
	s.limitLog.hit(s, limit, addr)
}

// limitLogs rate-limits the log lines of limit hits.
type limitLogs struct {
	mu     sync.Mutex
	limits map[string]*limitLog
}

// A limitLog is the log state of one limit.
type limitLog struct {
	last    time.Time   // when the last line was written
	pending int         // hits since then, not logged yet
	client  netip.Addr  // of the latest hit, if known
	flush   *time.Timer // writes pending at last+interval; nil when idle
}

// hit logs a hit of limit now, or counts it for the line written when the
// interval since the last one has passed.
func (ll *limitLogs) hit(s *Server, limit string, client netip.Addr) {
	every := s.Limits.logInterval()
	now := time.Now()
	ll.mu.Lock()
	defer ll.mu.Unlock()
	if ll.limits == nil {
		ll.limits = make(map[string]*limitLog)
	}
	l := ll.limits[limit]
	if l == nil {
		l = new(limitLog)
		ll.limits[limit] = l
	}
	l.pending++
	l.client = client
	if l.flush != nil {
		return // a line is due
	}
	if wait := l.last.Add(every).Sub(now); wait > 0 {
		l.flush = time.AfterFunc(wait, func() { ll.write(s, limit) })
		return
	}
	ll.writeLocked(s, limit, l, now)
}

// write writes the line a timer was set for.
func (ll *limitLogs) write(s *Server, limit string) {
	ll.mu.Lock()
	defer ll.mu.Unlock()
	l := ll.limits[limit]
	l.flush = nil
	if l.pending > 0 {
		ll.writeLocked(s, limit, l, time.Now())
	}
}

func (ll *limitLogs) writeLocked(s *Server, limit string, l *limitLog, now time.Time) {
	since := "start"
	if !l.last.IsZero() {
		since = now.Sub(l.last).Round(time.Millisecond).String()
	}
	args := []any{"limit", limit, "count", l.pending, "since", since}
	if l.client.IsValid() {
		args = append(args, "last_client", l.client.String())
	}
	s.logger().Warn("trio: limit reached; clients refused", args...)
	l.pending, l.last, l.client = 0, now, netip.Addr{}
}

// initLimits makes the connection table and fills the protocol engines'
// LimitHit hooks with s.LimitHit, after any the caller set.
func (s *Server) initLimits() {
	s.conns = newConnTable(s, openFileLimit())
	s.H1.LimitHit = chainHit(s.H1.LimitHit, s.LimitHit)
	s.H2.LimitHit = chainHit(s.H2.LimitHit, s.LimitHit)
	s.H3.LimitHit = chainHit(s.H3.LimitHit, s.LimitHit)
	if s.H3.Admit == nil {
		s.H3.Admit = s.admitQUIC // TCP and QUIC share MaxConns and MaxConnsPerIP
	}
	s.initQUICLimits()
}

func chainHit(prev, f func(string)) func(string) {
	if prev == nil {
		return f
	}
	return func(limit string) {
		prev(limit)
		f(limit)
	}
}
