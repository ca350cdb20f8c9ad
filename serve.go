package trio

import (
	"errors"
	"net"
	"net/http"
)

// Serve serves HTTPS on tcp (HTTP/1.1 and HTTP/2 over TLS) and HTTP/3 on udp,
// until Shutdown, Close or Retire. udp may be nil, and is ignored when
// HTTP/3 is off. Serve may be called several times, for several address
// pairs. It returns http.ErrServerClosed after Shutdown or Close,
// ErrListenerRetired once Retire stopped both listeners, or the first other
// error of either listener (the other goes on serving until Shutdown).
func (s *Server) Serve(tcp net.Listener, udp net.PacketConn) error {
	if err := s.init(); err != nil {
		closeAll(tcp, udp)
		return err
	}
	if s.isClosed() {
		closeAll(tcp, udp)
		return http.ErrServerClosed
	}
	s.startMemoryReturn() // until stop; see memory.go
	errc := make(chan error, 2)
	n := 0
	if udp != nil && s.quicSrv != nil {
		if !s.trackUDP(udp) {
			return http.ErrServerClosed
		}
		s.hand.addQUIC(udp)
		s.readvertise()
		n++
		go func() { errc <- s.serveQUIC(udp) }()
	}
	if tcp != nil {
		s.hand.addTLS(tcp)
		s.readvertise()
		n++
		go func() {
			defer s.hand.removeTLS(tcp)
			var err error
			l := s.limitListener(tcp, true) // Limits, before the handshake
			if s.tlsH1 != nil {
				err = s.tlsH1.Serve(l)
			} else {
				err = s.tlsSrv.Serve(s.H1.TLSListener(l, s.tlsSrv)) // handshakes as ServeTLS would; see h1.Config.Listener
			}
			errc <- s.retiredErr(tcp, err)
		}()
	}
	if n == 0 {
		return errors.New("trio: Serve needs a TCP listener or a UDP socket")
	}
	return firstErr(errc, n)
}

// firstErr returns the first of n errors from errc that is not a stop
// asked for, or, once all n arrived, ErrListenerRetired if all were that and
// http.ErrServerClosed otherwise.
func firstErr(errc <-chan error, n int) error {
	retired := 0
	for range n {
		err := <-errc
		if !stopped(err) {
			return err
		}
		if errors.Is(err, ErrListenerRetired) {
			retired++
		}
	}
	if retired == n {
		return ErrListenerRetired
	}
	return http.ErrServerClosed
}

// ServeCleartext serves HTTP/1.1 and h2c (prior knowledge and Upgrade) on
// l, or redirects to https when RedirectHTTP is set, until Shutdown, Close
// or Retire.
func (s *Server) ServeCleartext(l net.Listener) error {
	if err := s.init(); err != nil {
		l.Close()
		return err
	}
	if s.isClosed() {
		l.Close()
		return http.ErrServerClosed
	}
	s.startMemoryReturn()
	ll := s.limitListener(l, false) // Limits
	if s.textH1 != nil {
		return s.retiredErr(l, s.textH1.Serve(ll))
	}
	err := s.textSrv.Serve(s.H1.Listener(ll)) // RFC 9112 framing checks; see h1.Config.Listener
	return s.retiredErr(l, err)
}

// ServeListeners serves every listener in ls and returns when all have
// stopped, with http.ErrServerClosed after Shutdown or Close,
// ErrListenerRetired once Retire stopped them all, or with the first other
// error, after which it closes the Server rather than limp on.
func (s *Server) ServeListeners(ls *Listeners) error {
	errc := make(chan error, len(ls.TLS)+len(ls.Cleartext))
	if len(ls.TLS) > 0 && s.tlsPort.Load() == 0 {
		// Redirects point at the first TLS listener from the start: its
		// Serve goroutine may register it after the cleartext listener
		// answered a request (with Addr's port, 0 when the OS chose it).
		if ta, ok := ls.TLS[0].Addr().(*net.TCPAddr); ok {
			s.tlsPort.Store(int32(ta.Port))
		}
	}
	for i, tcp := range ls.TLS {
		var udp net.PacketConn
		if i < len(ls.QUIC) {
			udp = ls.QUIC[i]
		}
		go func() { errc <- s.Serve(tcp, udp) }()
	}
	for _, l := range ls.Cleartext {
		go func() { errc <- s.ServeCleartext(l) }()
	}
	var first error
	retired := 0
	for range cap(errc) {
		err := <-errc
		switch {
		case errors.Is(err, ErrListenerRetired):
			retired++
		case first == nil && !stopped(err):
			first = err
			s.Close() // one listener died: stop the rest rather than limp on
		}
	}
	switch {
	case first != nil:
		return first
	case retired == cap(errc):
		return ErrListenerRetired
	}
	return http.ErrServerClosed
}

// ListenAndServe listens on Addr (TCP and UDP) and HTTPAddr (cleartext) and
// serves until Shutdown or Close, when it returns http.ErrServerClosed.
func (s *Server) ListenAndServe() error {
	if err := s.init(); err != nil {
		return err
	}
	ls, err := s.Listen()
	if err != nil {
		return err
	}
	for _, a := range ls.URLs() {
		s.logger().Info("trio: listening", "url", a)
	}
	return s.ServeListeners(ls)
}

// closeAll closes what Serve was given but cannot serve.
func closeAll(tcp net.Listener, udp net.PacketConn) {
	if tcp != nil {
		tcp.Close()
	}
	if udp != nil {
		udp.Close()
	}
}

// isClosed reports whether Shutdown or Close was called. A Serve that
// builds the server after a Close found nothing built to stop must not
// start serving: init marks the server built before this check, and stop
// marks it closed before looking, so one of the two sees the other.
func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
