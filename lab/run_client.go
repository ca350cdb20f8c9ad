package lab

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"
)

// Protocols a run compares.
const (
	ProtoH1 = "h1" // HTTP/1.1 over TLS on six keep-alive connections, as browsers do
	ProtoH2 = "h2" // HTTP/2 over TLS on one TCP connection
	ProtoH3 = "h3" // HTTP/3 on one QUIC connection
)

// h1Conns is how many connections an HTTP/1.1 client opens to one origin:
// the browsers' limit.
const h1Conns = 6

// A pageClient loads pages over one protocol, as a browser would, and
// counts the connections it opens.
type pageClient struct {
	hc    *http.Client
	base  string // https://ip:port
	conns atomic.Int32
	close func()
}

// newPageClient returns a client of proto for the server at addr (TCP for
// h1 and h2, UDP for h3), trusting roots.
func newPageClient(proto string, addr netip.AddrPort, roots *x509.CertPool) (*pageClient, error) {
	c := &pageClient{base: "https://" + addr.String()}
	tlsConf := &tls.Config{RootCAs: roots}
	var d net.Dialer
	switch proto {
	case ProtoH1:
		tlsConf.NextProtos = []string{"http/1.1"}
		tr := &http.Transport{
			TLSClientConfig:     tlsConf,
			MaxConnsPerHost:     h1Conns,
			MaxIdleConnsPerHost: h1Conns,
			DisableCompression:  true,
			Protocols:           new(http.Protocols),
			DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				c.conns.Add(1)
				return d.DialContext(ctx, network, addr)
			},
		}
		tr.Protocols.SetHTTP1(true)
		c.hc, c.close = &http.Client{Transport: tr}, tr.CloseIdleConnections
	case ProtoH2:
		tr := &http2.Transport{
			TLSClientConfig:    tlsConf,
			DisableCompression: true,
			DialTLSContext: func(ctx context.Context, network, addr string, cfg *tls.Config) (net.Conn, error) {
				c.conns.Add(1)
				td := &tls.Dialer{NetDialer: &d, Config: cfg}
				return td.DialContext(ctx, network, addr)
			},
		}
		c.hc, c.close = &http.Client{Transport: tr}, tr.CloseIdleConnections
	case ProtoH3:
		tr := &http3.Transport{
			TLSClientConfig:    tlsConf,
			DisableCompression: true,
			QUICConfig:         &quic.Config{HandshakeIdleTimeout: 20 * time.Second},
			Dial: func(ctx context.Context, addr string, tlsCfg *tls.Config, cfg *quic.Config) (*quic.Conn, error) {
				c.conns.Add(1)
				return quic.DialAddrEarly(ctx, addr, tlsCfg, cfg)
			},
		}
		c.hc, c.close = &http.Client{Transport: tr}, func() { tr.Close() }
	default:
		return nil, fmt.Errorf("lab: unknown protocol %q (want h1, h2 or h3)", proto)
	}
	return c, nil
}

// A fetch is what the client saw of one resource.
type fetch struct {
	start time.Time     // the request was made
	wrote time.Time     // its last byte was sent
	done  time.Time     // the response's last byte arrived
	stall time.Duration // the longest wait for bytes, from wrote to done
	bytes int
}

// loadPage loads rs as a browser loads a page: the HTML document first if
// the set starts with one, then everything else at once. It returns the
// fetches in rs's order.
func (c *pageClient) loadPage(ctx context.Context, rs []Resource, run string) ([]fetch, error) {
	fs := make([]fetch, len(rs))
	errs := make([]error, len(rs))
	first := 0
	if len(rs) > 0 && strings.HasPrefix(rs[0].Type, "text/html") {
		fs[0], errs[0] = c.get(ctx, rs[0], run)
		if errs[0] != nil {
			return nil, errs[0]
		}
		first = 1
	}
	var wg sync.WaitGroup
	for i := first; i < len(rs); i++ {
		wg.Go(func() { fs[i], errs[i] = c.get(ctx, rs[i], run) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return fs, nil
}

// get fetches one resource, timing its bytes.
func (c *pageClient) get(ctx context.Context, r Resource, run string) (fetch, error) {
	f := fetch{start: time.Now()}
	var mu sync.Mutex
	trace := &httptrace.ClientTrace{WroteRequest: func(httptrace.WroteRequestInfo) {
		mu.Lock()
		f.wrote = time.Now()
		mu.Unlock()
	}}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), "GET", c.base+r.Path+"&run="+run, nil)
	if err != nil {
		return f, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return f, fmt.Errorf("GET %s: %w", r.Path, err)
	}
	defer resp.Body.Close()
	mu.Lock()
	last := f.wrote
	mu.Unlock()
	if last.IsZero() {
		last = f.start
	}
	f.stall = time.Since(last) // request sent to response head
	last = time.Now()
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			now := time.Now()
			f.stall = max(f.stall, now.Sub(last))
			f.bytes += n
			last = now
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return f, fmt.Errorf("GET %s: reading the body: %w", r.Path, err)
		}
	}
	f.done = last
	if resp.StatusCode != http.StatusOK || f.bytes != r.Size {
		return f, fmt.Errorf("GET %s: %s, %d bytes; want 200, %d", r.Path, resp.Status, f.bytes, r.Size)
	}
	return f, nil
}
