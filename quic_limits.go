package trio

// initQUICLimits gives HTTP/3 the limits of Limits that h3 enforces in
// its own QUIC accounting, where the caller left H3.Limits' zero:
// MaxHandshakes (QUIC handshakes are counted apart from TLS ones over
// TCP) and MaxConnsPerIP (also enforced together with TCP connections by
// admitQUIC, H3.Admit, which is the tighter check; h3's own count of an
// address's QUIC connections also drives its Retry thresholds). QUIC's
// Retry thresholds are H3.Limits' own (quic_retry_handshakes and
// quic_retry_handshakes_per_ip in the configuration file).
func (s *Server) initQUICLimits() {
	l := &s.H3.Limits
	if l.MaxConnsPerIP == 0 {
		l.MaxConnsPerIP = s.Limits.MaxConnsPerIP
	}
	if l.MaxHandshakes == 0 {
		l.MaxHandshakes = s.Limits.MaxHandshakes
	}
}
