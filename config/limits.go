package config

import (
	"github.com/triohttp/trio"
)

// Limits is the [limits] table: what clients may hold of the server. Each
// key is an integer; absent or 0 means the default stated, -1 means no
// limit. A client over a limit gets the protocol's own answer, and the
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
}

// limits checks the [limits] table: every key is -1 or more.
func (v *checker) limits(l *Limits) {
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
}

// equal reports whether l and o set the same limits.
func (l *Limits) equal(o *Limits) bool { return *l == *o }
