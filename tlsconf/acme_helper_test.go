package tlsconf_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
)

// protos are the protocols every certificate is checked over.
var protos = []string{"h1", "h2", "h3"}

// site is a trio.Server bound on loopback but not yet serving, so that
// Pebble can be configured with its ports first.
type site struct {
	srv *trio.Server
	ls  *trio.Listeners
}

// listen binds a trio.Server on 127.0.0.1: TLS, QUIC and, if cleartext,
// an HTTP listener redirecting to https. Its handler answers with r.Proto.
func listen(t *testing.T, cleartext bool) *site {
	t.Helper()
	srv := &trio.Server{
		Addr:    "127.0.0.1:0",
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.Proto) }),
		Logger:  slog.New(slog.DiscardHandler),
	}
	if cleartext {
		srv.HTTPAddr = "127.0.0.1:0"
		srv.RedirectHTTP = true // ACME's http-01 path is answered before the redirect
	}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	return &site{srv: srv, ls: ls}
}

// httpPort and tlsPort are the ports of the cleartext and TLS listeners.
func (s *site) httpPort() int {
	if len(s.ls.Cleartext) == 0 {
		return 0
	}
	return s.ls.Cleartext[0].Addr().(*net.TCPAddr).Port
}

func (s *site) tlsPort() int { return s.ls.TLS[0].Addr().(*net.TCPAddr).Port }

// serve serves src until the test ends.
func (s *site) serve(t *testing.T, src tlsconf.Source) {
	t.Helper()
	s.srv.TLS = src
	served := make(chan error, 1)
	go func() { served <- s.srv.ServeListeners(s.ls) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeListeners = %v; want http.ErrServerClosed", err)
		}
	})
}

// newACME returns an ACME for Pebble pb answering challenges on s, with
// storage in dir (a new temporary directory if empty), closed when the
// test ends.
func newACME(t *testing.T, pb *pebble.Server, s *site, dir string) *tlsconf.ACME {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	a := &tlsconf.ACME{
		CA:                   pb.DirectoryURL,
		CARoot:               pb.APIRootFile,
		Email:                "admin@trio-test.example",
		Agreed:               true,
		HTTPPort:             s.httpPort(),
		TLSPort:              s.tlsPort(),
		DisableHTTPChallenge: len(s.ls.Cleartext) == 0,
		Storage:              &certmagic.FileStorage{Path: dir},
	}
	a.Logger, _ = testLogger(t)
	t.Cleanup(func() { a.Close() })
	return a
}

// testLogger returns a logger, and its output, shown if the test fails.
func testLogger(t *testing.T) (*slog.Logger, *testtool.Buffer) {
	buf := new(testtool.Buffer)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", buf)
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelInfo})), buf
}

// waitACME waits for a's Domains, failing the test on any error.
func waitACME(t *testing.T, a *tlsconf.ACME) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Wait(ctx); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// newClient returns a client speaking only proto to s, verifying the
// server's chain for name against roots. It is closed when the test ends.
func newClient(t *testing.T, s *site, proto, name string, roots *x509.CertPool) (*http.Client, string) {
	t.Helper()
	tc := &tls.Config{RootCAs: roots, ServerName: name}
	if proto == "h3" {
		tr := &http3.Transport{TLSClientConfig: tc}
		t.Cleanup(func() { tr.Close() })
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + s.ls.QUIC[0].LocalAddr().String() + "/"
	}
	tr := &http.Transport{TLSClientConfig: tc}
	tr.Protocols = new(http.Protocols)
	tr.Protocols.SetHTTP1(proto == "h1")
	tr.Protocols.SetHTTP2(proto == "h2")
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + s.ls.TLS[0].Addr().String() + "/"
}

// wantProto is the r.Proto the handler reports for proto.
var wantProto = map[string]string{"h1": "HTTP/1.1", "h2": "HTTP/2.0", "h3": "HTTP/3.0"}

// get makes one request and returns the leaf certificate the server
// presented, checking the protocol.
func get(c *http.Client, url, proto string) (*x509.Certificate, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if string(body) != wantProto[proto] {
		return nil, errors.New("body " + string(body) + "; want " + wantProto[proto])
	}
	return resp.TLS.PeerCertificates[0], nil
}

// closeClient closes c's connections.
func closeClient(c *http.Client) {
	if cl, ok := c.Transport.(io.Closer); ok {
		cl.Close()
	} else if tr, ok := c.Transport.(*http.Transport); ok {
		tr.CloseIdleConnections()
	}
}
