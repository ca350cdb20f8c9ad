package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/tlsconf"
)

// Config says how Serve sets up the lab. The zero value serves behind a
// loss-free link on ports the system chooses, with certificates from the
// local CA in its default directory.
type Config struct {
	// Impairment is what the link does to packets at first; the lab page
	// changes it (POST /lab/api/impairment).
	Impairment Impairment

	// Addr is the address the three origins are served on, as "host:port":
	// the h1 origin on port, h2 on port+1 and h3 on port+2 (TCP and UDP).
	// Port 0 (or "") lets the system choose each. Behind a link the host
	// part is ignored: the origins are on the link's ServerIP, the only
	// address the host reaches the lab namespace on. With NoLink the host
	// is where they listen; "" means 127.0.0.1.
	Addr string

	// NoLink serves without the impaired link (which needs root): TCP,
	// so HTTP/1.1 and HTTP/2, is not impaired, and the banner and page say
	// so. On 127.0.0.1 (the default) HTTP/3 still is, through a UDPRelay
	// whose port is the h3 origin's.
	NoLink bool

	// CA issues the origins' certificate. nil means the local CA in its
	// default directory (tlsconf.DefaultDir), the one `trio trust`
	// installs.
	CA *tlsconf.LocalCA

	// Log receives the servers' errors. nil means slog.Default().
	Log *slog.Logger
}

func (c *Config) logger() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// The names of the three origins, in the order the lab shows them.
var originNames = []string{"h1", "h2", "h3"}

// A Lab is the lab page served on three origins of one handler: h1 speaks
// only HTTP/1.1 (its TLS offers only "http/1.1" in ALPN), h2 only HTTP/2
// (ALPN "h2" only), and h3 HTTP/3 over QUIC (its TCP side on the same port
// offers h2 and http/1.1 with Alt-Svc, so Firefox finds HTTP/3 there).
// All three listen behind the impaired link (with Config.NoLink, on
// 127.0.0.1, HTTP/3 through a UDPRelay) and share one recorder, so the page
// on any origin reads what the server saw on the others.
type Lab struct {
	cfg     Config
	link    *Link     // nil with NoLink
	relay   *UDPRelay // with NoLink on 127.0.0.1: HTTP/3's UDP goes through it
	host    netip.Addr
	origins map[string]string       // name -> https://ip:port
	servers map[string]*trio.Server // name -> the origin's server
	rec     *recorder
	cert    originCert
	ca      *tlsconf.LocalCA

	wg        sync.WaitGroup // the servers' Serve calls
	closeOnce sync.Once
	closeErr  error
	stop      context.CancelFunc
}

// Serve starts the lab: the link (unless cfg.NoLink), and the three
// origins listening behind it. It returns once they accept connections;
// they are served until ctx is done or Close is called. An error from
// NewLink (such as one wrapping ErrNeedRoot) is returned as it is.
func Serve(ctx context.Context, cfg Config) (*Lab, error) {
	l := &Lab{cfg: cfg, ca: cfg.CA, rec: newRecorder(),
		origins: make(map[string]string), servers: make(map[string]*trio.Server)}
	if l.ca == nil {
		l.ca = &tlsconf.LocalCA{Logger: cfg.Log}
	}
	base, err := l.listenAddr()
	if err != nil {
		return nil, err
	}
	if !cfg.NoLink {
		if l.link, err = NewLink(cfg.Impairment); err != nil {
			return nil, err
		}
		l.host = l.link.ServerIP()
	} else {
		l.host = base.Addr()
	}
	socks, err := l.listen(base.Port())
	if err != nil {
		l.closeLink()
		return nil, err
	}
	if l.cert, err = issueCert(l.ca, l.host); err != nil {
		socks.close()
		l.closeLink()
		return nil, err
	}
	l.relay = socks.relay
	ctx, l.stop = context.WithCancel(ctx)
	l.start(socks)
	go func() {
		<-ctx.Done()
		l.Close()
	}()
	return l, nil
}

// listenAddr parses cfg.Addr.
func (l *Lab) listenAddr() (netip.AddrPort, error) {
	addr := l.cfg.Addr
	if addr == "" {
		addr = ":0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("lab: address %q: %w", addr, err)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || p > 65535-2 {
		return netip.AddrPort{}, fmt.Errorf("lab: address %q: the port must be a number from 0 to 65533", addr)
	}
	ip := netip.AddrFrom4([4]byte{127, 0, 0, 1})
	if host != "" && host != "localhost" {
		if ip, err = netip.ParseAddr(host); err != nil {
			return netip.AddrPort{}, fmt.Errorf("lab: address %q: the host must be an IP address", addr)
		}
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// start serves each origin on its sockets.
func (l *Lab) start(socks *sockets) {
	h := l.handler()
	altSvc := "" // trio's own, naming the port HTTP/3 is served on
	if socks.relay != nil {
		altSvc = (&h3.Config{}).AltSvc(int(socks.relay.Addr().Port())) // the relay's: clients must go through it
	}
	for _, name := range originNames {
		srv := &trio.Server{
			Handler: l.rec.record(name, originHandler(name, altSvc, h)),
			TLS:     l.cert.source(name),
			Logger:  l.cfg.logger(),
		}
		srv.H2.Disable = name == "h1"
		srv.H3.Disable = name != "h3"
		var udp net.PacketConn
		if name == "h3" {
			udp = socks.udp
		}
		tcp := socks.tcp[name]
		l.servers[name] = srv
		l.origins[name] = "https://" + tcp.Addr().String()
		l.wg.Go(func() {
			if err := srv.Serve(tcp, udp); err != nil && !errors.Is(err, http.ErrServerClosed) {
				l.cfg.logger().Error("lab: origin stopped", "origin", name, "error", err)
			}
		})
	}
}

// Origins returns the URL of each origin, keyed "h1", "h2" and "h3", such
// as "https://198.18.0.2:8441".
func (l *Lab) Origins() map[string]string { return maps.Clone(l.origins) }

// Link returns the impaired link the origins listen behind, nil with
// Config.NoLink.
func (l *Lab) Link() *Link { return l.link }

// An impairer is what applies the impairment: the Link, or without it the
// UDPRelay in front of HTTP/3.
type impairer interface {
	Impairment() Impairment
	Set(Impairment) error
	Stats() LinkStats
}

// impairer returns the link, or the relay, or nil when nothing is impaired.
func (l *Lab) impairer() impairer {
	switch {
	case l.link != nil:
		return l.link
	case l.relay != nil:
		return l.relay
	}
	return nil
}

// Run returns the server's record of run id, and whether there is one.
func (l *Lab) Run(id string) (Record, bool) { return l.rec.run(id) }

// Close stops the three origins, waiting briefly for requests in flight,
// and removes the link.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		l.stop()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		var errs []error
		for _, srv := range l.servers {
			if err := srv.Shutdown(ctx); err != nil {
				errs = append(errs, srv.Close())
			}
		}
		l.wg.Wait()
		if l.relay != nil {
			errs = append(errs, l.relay.Close())
		}
		errs = append(errs, l.closeLink())
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}

func (l *Lab) closeLink() error {
	if l.link == nil {
		return nil
	}
	return l.link.Close()
}
