package config

import (
	"math"
	"time"

	"github.com/triohttp/trio"
)

// Limits is the [limits] table: what clients may hold of the server. Each
// key is an integer, absent or 0 meaning the default stated and -1 no
// limit, or a duration such as "10s", absent or "0s" meaning the default
// and a negative one ("-1s") none. A client over a limit gets the protocol's own answer, and the
// hit is counted in trio_limit_hits_total{limit="<key>"} and logged at
// most once per 10 seconds per key. Changing [limits] takes a restart:
// trio reload refuses a file that changes it and keeps serving the old.
type Limits struct {
	// MaxConns limits the TCP and QUIC connections open at once; when it
	// is reached, the least recently active connection of the address
	// holding the most is closed to let a client holding fewer in, and
	// others are refused (reset before the TLS handshake). If absent, the
	// open-file limit minus fd_reserve.
	MaxConns int `toml:"max_conns"`

	// MaxConnsPerIP limits the connections of one client address (IPv6:
	// its /64); more are reset before the TLS handshake. If absent, 256.
	MaxConnsPerIP int `toml:"max_conns_per_ip"`

	// MaxHandshakes limits the TLS handshakes in progress at once; new
	// connections beyond it are reset. If absent, 1024.
	MaxHandshakes int `toml:"max_handshakes"`

	// FDReserve is how many file descriptors max_conns's default keeps
	// free for files and upstream connections. If absent, 128.
	FDReserve int `toml:"fd_reserve"`

	// QUICRetryHandshakes is the number of QUIC handshakes in progress
	// from which every new client must first validate its address with a
	// Retry (one more round trip). If absent, 128; -1: never.
	QUICRetryHandshakes int `toml:"quic_retry_handshakes"`

	// QUICRetryHandshakesPerIP is the same, counted per client address.
	// If absent, 16; -1: never.
	QUICRetryHandshakesPerIP int `toml:"quic_retry_handshakes_per_ip"`

	// MaxHeaderFields limits the header fields of a request, on every
	// protocol (HTTP/2 and HTTP/3 count cookie crumbs as one); more get
	// 431. If absent, 100.
	MaxHeaderFields int `toml:"max_header_fields"`

	// MaxBodyBytes limits a request body, in bytes, on every protocol:
	// more get 413, or a reset once the response started. If absent,
	// none (as Caddy); set it if handlers buffer bodies.
	MaxBodyBytes int `toml:"max_body_bytes"`

	// BodyTimeout is how long a handler's read of the request body may
	// wait for a byte, on every protocol (nginx's client_body_timeout):
	// the client gets 408, or a reset once the response started. If
	// absent, 60s.
	BodyTimeout Duration `toml:"body_timeout"`

	// HeaderTimeout bounds reading an HTTP/1.1 request head: 408 and a
	// close (nothing sent: a close). If absent, 10s.
	HeaderTimeout Duration `toml:"header_timeout"`

	// H2PrefaceTimeout bounds how long a new HTTP/2 connection may take
	// to send its preface; then it is closed. If absent, 10s.
	H2PrefaceTimeout Duration `toml:"h2_preface_timeout"`

	// MaxStreams limits the request streams a client may have open at
	// once on one HTTP/2 or HTTP/3 connection: HTTP/2 answers more with
	// REFUSED_STREAM, HTTP/3 gives no stream credit past it (and closes a
	// connection that keeps resetting streams whose handlers still run
	// with H3_EXCESSIVE_LOAD). If absent, 250; it cannot be negative.
	MaxStreams int `toml:"max_streams"`

	// MemoryReturnSeconds is how often trio checks whether a burst left
	// memory behind and hands it back to the OS (debug.FreeOSMemory when
	// RSS is more than twice its floor and no GC ran since the last
	// check). If absent, 10; -1: never.
	MemoryReturnSeconds int `toml:"memory_return_seconds"`
}

// limits checks the [limits] table: every integer key is -1 or more,
// max_streams 0 or more.
func (v *checker) limits(l *Limits) {
	if l.MaxStreams < 0 || l.MaxStreams > math.MaxUint32 {
		v.errorf("limits.max_streams", "0 or absent means 250", "expected 0 to %d, got %d", uint32(math.MaxUint32), l.MaxStreams)
	}
	for _, k := range []struct {
		key string
		val int
	}{
		{"max_conns", l.MaxConns},
		{"max_conns_per_ip", l.MaxConnsPerIP},
		{"max_handshakes", l.MaxHandshakes},
		{"fd_reserve", l.FDReserve},
		{"quic_retry_handshakes", l.QUICRetryHandshakes},
		{"quic_retry_handshakes_per_ip", l.QUICRetryHandshakesPerIP},
		{"max_header_fields", l.MaxHeaderFields},
		{"max_body_bytes", l.MaxBodyBytes},
		{"memory_return_seconds", l.MemoryReturnSeconds},
	} {
		if k.val < -1 {
			v.errorf("limits."+k.key, "0 or absent means the default, -1 no limit", "expected -1 or more, got %d", k.val)
		}
	}
}

// apply sets the limits of s that l states.
func (l *Limits) apply(s *trio.Server) {
	s.Limits.MaxConns = l.MaxConns
	s.Limits.MaxConnsPerIP = l.MaxConnsPerIP
	s.Limits.MaxHandshakes = l.MaxHandshakes
	s.Limits.FDReserve = l.FDReserve
	s.H3.Limits.RetryHandshakes = l.QUICRetryHandshakes
	s.H3.Limits.RetryHandshakesPerIP = l.QUICRetryHandshakesPerIP
	s.H1.MaxHeaderFields, s.H2.MaxHeaderFields, s.H3.MaxHeaderFields = l.MaxHeaderFields, l.MaxHeaderFields, l.MaxHeaderFields
	body := int64(l.MaxBodyBytes)
	s.H1.MaxBodyBytes, s.H2.MaxBodyBytes, s.H3.MaxBodyBytes = body, body, body
	s.H1.BodyTimeout, s.H2.BodyTimeout, s.H3.BodyTimeout = l.BodyTimeout.Duration, l.BodyTimeout.Duration, l.BodyTimeout.Duration
	s.H1.ReadHeaderTimeout = l.HeaderTimeout.Duration
	s.H2.PrefaceTimeout = l.H2PrefaceTimeout.Duration
	s.Limits.MemoryReturnInterval = time.Duration(l.MemoryReturnSeconds) * time.Second
	s.H2.MaxConcurrentStreams, s.H3.MaxIncomingStreams = uint32(l.MaxStreams), int64(l.MaxStreams)
}

// equal reports whether l and o set the same limits.
func (l *Limits) equal(o *Limits) bool { return *l == *o }
