package trio

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"sync"

	"github.com/triohttp/trio/h3"
)

// ErrListenerRetired is what Serve, ServeCleartext and ServeListeners return
// once Retire has stopped every listener they were serving.
var ErrListenerRetired = errors.New("trio: listener retired")

// A handover tracks the listeners being served and those Retire stopped, so
// that Alt-Svc and redirects follow the listeners that are left.
type handover struct {
	mu      sync.Mutex
	retired map[any]bool // net.Listener or net.PacketConn
	tls     []net.Listener
	quic    []net.PacketConn
}

func (h *handover) isRetired(l any) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.retired[l]
}

func (h *handover) addTLS(l net.Listener) {
	h.mu.Lock()
	h.tls = append(h.tls, l)
	h.mu.Unlock()
}

func (h *handover) addQUIC(c net.PacketConn) {
	h.mu.Lock()
	h.quic = append(h.quic, c)
	h.mu.Unlock()
}

func (h *handover) removeTLS(l net.Listener) {
	h.mu.Lock()
	h.tls = slices.DeleteFunc(h.tls, func(x net.Listener) bool { return x == l })
	h.mu.Unlock()
}

func (h *handover) removeQUIC(c net.PacketConn) {
	h.mu.Lock()
	h.quic = slices.DeleteFunc(h.quic, func(x net.PacketConn) bool { return x == c })
	delete(h.retired, c)
	h.mu.Unlock()
}

// Retire stops serving the listeners in ls while the Server and every open
// connection go on. TCP listeners are closed at once, so their addresses
// refuse new connections; the connections they accepted (HTTP/1.1, HTTP/2,
// WebSockets) stay until they end, Shutdown or Close. A UDP socket stops
// accepting QUIC connections at once and is closed when the HTTP/3
// connections it carries are gone (or at Shutdown), as closing it sooner
// would kill them. The Serve, ServeCleartext and ServeListeners calls of
// listeners that are all retired return ErrListenerRetired.
//
// Retire fails, and stops nothing, if HTTP/3 runs on the std engine (which
// cannot stop one socket) and ls has UDP sockets.
func (s *Server) Retire(ls *Listeners) error {
	if err := s.init(); err != nil {
		return err
	}
	if s.quicSrv != nil && len(ls.QUIC) > 0 && s.quicSrv.Engine() == h3.EngineStd {
		return errors.New("trio: Retire: HTTP/3's std engine cannot stop serving one UDP socket")
	}
	s.hand.mu.Lock()
	if s.hand.retired == nil {
		s.hand.retired = make(map[any]bool)
	}
	for _, l := range ls.TLS {
		s.hand.retired[l] = true
	}
	for _, l := range ls.Cleartext {
		s.hand.retired[l] = true
	}
	for _, c := range ls.QUIC {
		s.hand.retired[c] = true
	}
	s.hand.mu.Unlock()

	var errs []error
	for _, l := range slices.Concat(ls.TLS, ls.Cleartext) {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	if s.quicSrv != nil {
		for _, c := range ls.QUIC {
			if err := s.quicSrv.StopAccepting(c); err != nil {
				errs = append(errs, err)
			}
		}
	}
	s.readvertise()
	return errors.Join(errs...)
}

// readvertise points redirects and Alt-Svc at the first TLS listener and
// UDP socket served and not retired; without a UDP socket, no Alt-Svc.
// Serve calls it for each new listener and Retire after retiring, in
// either order.
func (s *Server) readvertise() {
	s.hand.mu.Lock()
	defer s.hand.mu.Unlock()
	for _, l := range s.hand.tls {
		if ta, ok := l.Addr().(*net.TCPAddr); ok && !s.hand.retired[l] {
			s.tlsPort.Store(int32(ta.Port))
			break
		}
	}
	for _, c := range s.hand.quic {
		if ua, ok := c.LocalAddr().(*net.UDPAddr); ok && !s.hand.retired[c] && ua.Port != 0 {
			v := []string{s.H3.AltSvc(ua.Port)}
			s.altSvc.Store(&v)
			return
		}
	}
	s.altSvc.Store(nil)
}

// serveQUIC serves HTTP/3 on udp. When udp is retired it waits for the
// connections accepted there to end, closes udp, and returns
// ErrListenerRetired.
func (s *Server) serveQUIC(udp net.PacketConn) error {
	err := s.quicSrv.Serve(udp)
	if !s.hand.isRetired(udp) {
		s.hand.removeQUIC(udp)
		return err
	}
	s.quicSrv.WaitConns(context.Background(), udp.LocalAddr()) // all end by the time Shutdown or Close returns
	s.untrackUDP(udp)
	udp.Close()
	s.hand.removeQUIC(udp)
	return ErrListenerRetired
}

// retiredErr turns the accept error of a retired TCP listener into
// ErrListenerRetired.
func (s *Server) retiredErr(l net.Listener, err error) error {
	if err != nil && s.hand.isRetired(l) {
		s.hand.mu.Lock()
		delete(s.hand.retired, l)
		s.hand.mu.Unlock()
		return ErrListenerRetired
	}
	return err
}

// stopped reports whether err means a listener stopped as asked: by
// Shutdown, Close or Retire.
func stopped(err error) bool {
	return errors.Is(err, http.ErrServerClosed) || errors.Is(err, ErrListenerRetired)
}
