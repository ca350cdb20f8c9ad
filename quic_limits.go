package trio

// initQUICLimits gives HTTP/3 the connection limits of Limits that QUIC
// enforces on its own (it counts its connections apart from TCP, which
// hold file descriptors; QUIC's share one UDP socket): MaxConnsPerIP and
// MaxHandshakes, where the caller left H3.Limits' zero. QUIC's Retry
// thresholds are H3.Limits' own (quic_retry_handshakes and
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
