package h1

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"time"
)

// handshake does the TLS handshake and reports whether the connection
// speaks HTTP/1.x; others are handed to NextProto, failures closed.
func (c *srvConn) handshake() bool {
	s := c.srv
	tuneTCP(c.raw)
	bc := &batchConn{Conn: c.raw}
	tc := tls.Server(bc, s.tlsCfg)
	if d := s.Config.handshakeTimeout(); d > 0 {
		c.raw.SetDeadline(time.Now().Add(d))
	}
	err := tc.HandshakeContext(context.Background())
	if s.Config != nil && s.Config.TLSHandshakeHook != nil {
		s.Config.TLSHandshakeHook(err)
	}
	if err != nil {
		handshakeFailed(c.raw, err, s.logf)
		return false
	}
	c.raw.SetDeadline(time.Time{})
	switch tc.ConnectionState().NegotiatedProtocol {
	case "", "http/1.1", "http/1.0":
	default:
		s.untrack(c) // the other protocol's server tracks it
		if s.NextProto == nil {
			tc.Close()
			return false
		}
		s.NextProto(tc)
		return false
	}
	cs := tc.ConnectionState()
	c.nc, c.out, c.tlsState, c.overTLS = tc, tlsWriter{tc: tc, bc: bc}, &cs, true
	return true
}

// handshakeTimeout is net/http's: the smallest of the read and write
// timeouts that are set.
func (c *Config) handshakeTimeout() time.Duration {
	var d time.Duration
	for _, v := range []time.Duration{c.readHeaderTimeout(), c.readTimeout(), c.writeTimeout()} {
		if v > 0 && (d == 0 || v < d) {
			d = v
		}
	}
	return d
}

// handshakeFailed logs and answers as net/http does.
func handshakeFailed(c net.Conn, err error, logf func(string, ...any)) {
	reason := err.Error()
	if re, ok := err.(tls.RecordHeaderError); ok && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
		io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
		reason = "client sent an HTTP request to an HTTPS server"
	}
	c.Close()
	logf("http: TLS handshake error from %s: %v", c.RemoteAddr(), reason)
}
