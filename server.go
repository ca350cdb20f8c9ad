package trio

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/internal/memreturn"
	"github.com/triohttp/trio/tlsconf"
)

// DefaultAddr is where a Server listens when Addr is empty.
const DefaultAddr = ":8443"

// A Server serves one http.Handler over HTTP/1.1, HTTP/2 and HTTP/3.
// The zero value serves http.NotFoundHandler on :8443 with a local certificate.
// A Server must not be copied after first use.
type Server struct {
	// Addr is the TCP and UDP address to listen on. "" means ":8443". The
	// host "localhost" means both 127.0.0.1 and ::1.
	Addr string

	// HTTPAddr is the cleartext listener (HTTP/1.1 and h2c) that
	// ListenAndServe opens. "" means none.
	HTTPAddr string

	// RedirectHTTP makes cleartext listeners answer every request with a 308
	// redirect to https instead of serving the handler.
	RedirectHTTP bool

	// Handler is called for every request. nil means http.NotFoundHandler().
	Handler http.Handler

	// TLS supplies certificates to the TCP and QUIC listeners. nil means the
	// local development CA (tlsconf.LocalCA in its default directory).
	TLS tlsconf.Source

	H1 h1.Config
	H2 h2.Config
	H3 h3.Config // H3.Disable turns HTTP/3 off

	// Logger receives errors and notices. nil means slog.Default().
	Logger *slog.Logger

	// Observer is told of connections, streams and TLS handshakes (see
	// Observer). nil means none. It is read once, when the Server starts;
	// it then also receives what H1.TLSHandshakeHook did.
	Observer Observer

	// Limits bound the connections and handshakes clients may hold (see
	// Limits); the zero value means sane defaults. It is read once, when
	// the Server starts.
	Limits Limits

	initOnce sync.Once
	initErr  error
	built    atomic.Bool   // init ran and succeeded
	tlsSrv   *http.Server  // HTTP/1.1 and HTTP/2 over TLS
	textSrv  *http.Server  // cleartext HTTP/1.1 and h2c
	quicSrv  *h3.Server    // HTTP/3; nil when disabled
	h2       h2Engine      // HTTP/2 found by the HTTP/1.1 side: h2Srv or h2Std; nil when H2.Disable
	h2Srv    *h2.Server    // trio's HTTP/2 engine; nil when Go's is used
	h2Std    *h2.StdServer // Go's HTTP/2 engines, for what net/http cannot accept itself; nil with trio's
	tlsH1    *h1.Server    // trio's HTTP/1.1 engine over TLS; nil when Go's is used
	textH1   *h1.Server    // trio's HTTP/1.1 engine in cleartext; nil when Go's is used

	altSvc  atomic.Pointer[[]string] // Alt-Svc field value once a UDP socket is served
	tlsPort atomic.Int32             // port of the TLS listener, for redirects

	hand handover // listeners served and retired; see Retire

	limitLog  limitLogs      // rate-limits LimitHit's log lines
	conns     *connTable     // TCP connections by client, for Limits
	memReturn *memreturn.Sub // hold on the process's memory returner; see memory.go

	mu     sync.Mutex
	closed bool
	udp    []net.PacketConn // closed after HTTP/3 shutdown
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

func (s *Server) addr() string {
	if s.Addr == "" {
		return DefaultAddr
	}
	return s.Addr
}

func (s *Server) handler() http.Handler {
	if s.Handler == nil {
		return http.NotFoundHandler()
	}
	return s.Handler
}

// source returns the certificate source, loading it so that a broken one
// fails at start-up rather than at the first handshake.
func (s *Server) source() (tlsconf.Source, error) {
	src := s.TLS
	if src == nil {
		src = &tlsconf.LocalCA{Logger: s.Logger}
	}
	if l, ok := src.(interface{ Load() error }); ok {
		if err := l.Load(); err != nil {
			return nil, err
		}
	}
	c := src.TLSConfig()
	if c == nil || (len(c.Certificates) == 0 && c.GetCertificate == nil && c.GetConfigForClient == nil) {
		return nil, errors.New("trio: TLS source has no certificate (no Certificates, GetCertificate or GetConfigForClient)")
	}
	return src, nil
}

// init builds the three protocol servers once.
func (s *Server) init() error {
	s.initOnce.Do(func() {
		s.initErr = s.build()
		s.built.Store(s.initErr == nil)
	})
	return s.initErr
}

func (s *Server) build() error {
	src, err := s.source()
	if err != nil {
		return fmt.Errorf("trio: %w", err)
	}
	h := s.handler()
	s.initLimits()
	errLog := slog.NewLogLogger(s.logger().Handler(), slog.LevelDebug)

	s.tlsSrv = &http.Server{Handler: s.withAltSvc(h), ErrorLog: errLog}
	s.H1.Apply(s.tlsSrv)
	s.tlsSrv.Protocols = new(http.Protocols)
	s.tlsSrv.Protocols.SetHTTP1(true)
	protos := []string{"http/1.1"}
	if !s.H2.Disable {
		s.tlsSrv.Protocols.SetHTTP2(true)
		s.tlsSrv.HTTP2 = s.H2.StdConfig()
		protos = []string{"h2", "http/1.1"}
	}
	s.tlsSrv.TLSConfig = tlsconf.TCP(src, protos...)

	text := s.cleartextHandler(h)
	if c, ok := src.(challenger); ok {
		text = c.HTTPChallengeHandler(text) // ACME HTTP-01 answers before any redirect
	}
	s.textSrv = &http.Server{Handler: text, ErrorLog: errLog}
	s.H1.Apply(s.textSrv)
	s.textSrv.Protocols = new(http.Protocols)
	s.textSrv.Protocols.SetHTTP1(true)
	if !s.H2.Disable && !s.RedirectHTTP {
		s.textSrv.Protocols.SetUnencryptedHTTP2(true)
		s.textSrv.HTTP2 = s.H2.StdConfig()
	}

	// The engines: each protocol's EngineStd is Go's (net/http as configured
	// above, quic-go's http3 inside h3), trio's replaces it where selected.
	s.useH2()
	if s.H1.SelectedEngine() == h1.EngineTrio {
		s.useTrioH1(s.withAltSvc(h), text)
	}
	if !s.H3.Disable {
		s.quicSrv = s.H3.NewServer(tlsconf.QUIC(src), h, s.Logger)
	}
	s.H1.TLSHandshakeHook = s.conns.handshakeHook(s.tcpHandshakeHook())
	s.observe()
	return nil
}

// A challenger is a certificate source that answers ACME HTTP-01 challenges
// on the cleartext listener, passing every other request to next.
type challenger interface {
	HTTPChallengeHandler(next http.Handler) http.Handler
}

// cleartextHandler is what the cleartext listener serves: a redirect to
// https, or h with the h2c upgrade in front.
func (s *Server) cleartextHandler(h http.Handler) http.Handler {
	if s.RedirectHTTP {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h1.RedirectHTTPS(s.httpsPort()).ServeHTTP(w, r)
		})
	}
	if s.H2.Disable {
		return h
	}
	return h1.UpgradeH2C(h, s.serveUpgrade(h))
}

// httpsPort is the port redirects point at: the TLS listener's, or Addr's.
func (s *Server) httpsPort() int {
	if p := s.tlsPort.Load(); p != 0 {
		return int(p)
	}
	if _, p, err := net.SplitHostPort(s.addr()); err == nil {
		if n, err := net.LookupPort("tcp", p); err == nil {
			return n
		}
	}
	return 443
}
