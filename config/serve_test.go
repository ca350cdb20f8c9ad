package config

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
)

// protos are the protocols every vhost test runs over.
var protos = []string{"h1", "h2", "h3"}

// A testServer serves a config file's Built on 127.0.0.1, on ports the
// OS picks (the file's own addresses are not used), with the local CA in
// a temporary folder.
type testServer struct {
	srv    *trio.Server
	built  *Built
	ls     *trio.Listeners
	port   int            // of the TLS listener (and the QUIC socket)
	pool   *x509.CertPool // the local CA's root
	caFile string

	wrap func(http.Handler) http.Handler // if set, around Built.Handler
}

// serveConfig loads file, builds it and serves it until the test ends.
func serveConfig(t *testing.T, file string) *testServer {
	t.Helper()
	ts := listenTest(t)
	ts.serve(t, file)
	return ts
}

// listenTest binds the listeners of a testServer, TLS, QUIC and
// cleartext on 127.0.0.1, and puts the local CA in a temporary folder.
func listenTest(t *testing.T) *testServer {
	t.Helper()
	t.Setenv("TRIO_DATA_DIR", t.TempDir())
	logger := slog.New(slog.DiscardHandler)
	srv := &trio.Server{Addr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: logger}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{srv: srv, ls: ls, port: ls.TLS[0].Addr().(*net.TCPAddr).Port}
}

// serve loads file, builds it, starts it and serves it on ts's listeners
// until the test ends.
func (ts *testServer) serve(t *testing.T, file string) {
	t.Helper()
	c, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Build(ts.srv.Logger)
	if err != nil {
		t.Fatal(err)
	}
	ts.built = b
	ts.srv.Handler, ts.srv.TLS = b.Handler, b.TLS
	if ts.wrap != nil {
		ts.srv.Handler = ts.wrap(b.Handler)
	}
	stop := b.Start(context.Background(), ts.port, 0)
	served := make(chan error, 1)
	go func() { served <- ts.srv.ServeListeners(ts.ls) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ts.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeListeners = %v; want http.ErrServerClosed", err)
		}
		stop()
	})
	if ts.pool, err = b.TLS.Local.RootPool(); err != nil {
		t.Fatal(err)
	}
	ts.caFile = b.TLS.Local.RootFile()
}

// client returns a client speaking only proto to ts, sending sni in the
// TLS handshake and trusting the local CA, and the base URL to use with
// it (an IP address: set the request's Host for the authority). It does
// not follow redirects.
func (ts *testServer) client(t *testing.T, proto, sni string) (*http.Client, string) {
	t.Helper()
	return ts.clientTrusting(t, proto, sni, ts.pool)
}

// clientTrusting is client trusting roots instead of the local CA.
func (ts *testServer) clientTrusting(t *testing.T, proto, sni string, roots *x509.CertPool) (*http.Client, string) {
	t.Helper()
	tc := &tls.Config{RootCAs: roots, ServerName: sni}
	c := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	if proto == "h3" {
		tr := &http3.Transport{TLSClientConfig: tc}
		t.Cleanup(func() { tr.Close() })
		c.Transport = tr
		return c, "https://" + ts.ls.QUIC[0].LocalAddr().String()
	}
	tr := &http.Transport{TLSClientConfig: tc}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP1(proto == "h1")
	tr.Protocols.SetHTTP2(proto == "h2")
	t.Cleanup(tr.CloseIdleConnections)
	c.Transport = tr
	return c, "https://" + ts.ls.TLS[0].Addr().String()
}

// A result is a response, read.
type result struct {
	status int
	header http.Header
	body   string
	proto  string
	leaf   *x509.Certificate // the server's certificate
}

// do sends method path with the authority host (and header h) over c and
// reads the response, failing the test on a transport error.
func do(t *testing.T, c *http.Client, base, host, method, path string, h http.Header) result {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", method, path, host, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s (Host %s): reading body: %v", method, path, host, err)
	}
	return result{resp.StatusCode, resp.Header, string(body), resp.Proto, resp.TLS.PeerCertificates[0]}
}

// wantProto is the response's Proto on each protocol.
var wantProto = map[string]string{"h1": "HTTP/1.1", "h2": "HTTP/2.0", "h3": "HTTP/3.0"}

// hasName reports whether names holds name.
func hasName(names []string, name string) bool {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
