package triotest

import (
	"context"
	"crypto/tls"
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
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/triotest/testcert"
)

// A Mode is a protocol and transport a test runs over.
type Mode string

// The modes every handler test runs in.
const (
	H1  Mode = "h1"  // HTTP/1.1 over TLS, keep-alive
	H2  Mode = "h2"  // HTTP/2 over TLS
	H2C Mode = "h2c" // HTTP/2 in cleartext, prior knowledge
	H3  Mode = "h3"  // HTTP/3 over QUIC
)

// Modes lists every mode, in the order Run runs them: the four protocols
// on their default engines, then h1, h2, h2c and h3 again on the other
// engine, so every handler test covers both (see h1.Config.Engine,
// h2.Config.Engine and h3.Config.Engine).
var Modes = []Mode{H1, H2, H2C, H3, H1.on(string(otherH1Engine())),
	H2.on(string(otherH2Engine())), H2C.on(string(otherH2Engine())), H3.on(string(otherH3Engine()))}

func otherH1Engine() h1.Engine {
	if (*h1.Config)(nil).SelectedEngine() == h1.EngineTrio {
		return h1.EngineStd
	}
	return h1.EngineTrio
}

func otherH2Engine() h2.Engine {
	if (*h2.Config)(nil).SelectedEngine() == h2.EngineTrio {
		return h2.EngineStd
	}
	return h2.EngineTrio
}

func otherH3Engine() h3.Engine {
	if (*h3.Config)(nil).SelectedEngine() == h3.EngineTrio {
		return h3.EngineStd
	}
	return h3.EngineTrio
}

// on returns m served by engine e, as "h2-trio", "h2c-std" or "h3-std".
func (m Mode) on(e string) Mode { return Mode(string(m) + "-" + e) }

// Base is the protocol of m without its engine: H1, H2, H2C or H3.
func (m Mode) Base() Mode {
	b, _, _ := strings.Cut(string(m), "-")
	return Mode(b)
}

// Engine is the HTTP/2 engine m asks for, "" for the default or for a
// mode that is not HTTP/2.
func (m Mode) Engine() h2.Engine {
	_, e, _ := strings.Cut(string(m), "-")
	if b := m.Base(); b != H2 && b != H2C {
		return ""
	}
	return h2.Engine(e)
}

// H1Engine is the HTTP/1.1 engine m asks for, "" for the default or for a
// mode that is not HTTP/1.1.
func (m Mode) H1Engine() h1.Engine {
	_, e, _ := strings.Cut(string(m), "-")
	if m.Base() != H1 {
		return ""
	}
	return h1.Engine(e)
}

// H3Engine is the HTTP/3 engine m asks for, "" for the default or for a
// mode that is not HTTP/3.
func (m Mode) H3Engine() h3.Engine {
	_, e, _ := strings.Cut(string(m), "-")
	if m.Base() != H3 {
		return ""
	}
	return h3.Engine(e)
}

// TLS reports whether m runs over TLS (every mode but h2c).
func (m Mode) TLS() bool { return m.Base() != H2C }

// Proto is the r.Proto a handler sees in mode m.
func (m Mode) Proto() string {
	switch m.Base() {
	case H1:
		return "HTTP/1.1"
	case H3:
		return "HTTP/3.0"
	}
	return "HTTP/2.0"
}

// Run runs f as a subtest for every mode.
func Run(t *testing.T, f func(t *testing.T, m Mode)) {
	t.Helper()
	for _, m := range Modes {
		t.Run(string(m), func(t *testing.T) { f(t, m) })
	}
}

// A TS is a running server with a client for its mode.
type TS struct {
	Mode   Mode
	URL    string       // base URL: https://127.0.0.1:PORT, or http:// for h2c
	Client *http.Client // speaks only Mode's protocol and trusts Cert
	Server *trio.Server // already serving; t.Cleanup shuts it down
	Cert   *testcert.Cert
	Addrs  *trio.Listeners // the TLS, QUIC and cleartext listeners it serves
}

// New starts a trio.Server for h on 127.0.0.1 (TLS, QUIC and cleartext on
// ports the OS picks), applies opts to it before it starts, and returns it
// with a client forced to mode m. Both are closed by t.Cleanup, which fails
// the test if Shutdown does not finish in time.
func New(t testing.TB, m Mode, h http.Handler, opts ...func(*trio.Server)) *TS {
	t.Helper()
	cert := testcert.New(t)
	srv := &trio.Server{
		Addr:     "127.0.0.1:0",
		HTTPAddr: "127.0.0.1:0",
		Handler:  h,
		TLS:      cert.Source,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	srv.H1.Engine = m.H1Engine()
	srv.H2.Engine = m.Engine()
	srv.H3.Engine = m.H3Engine()
	for _, o := range opts {
		o(srv)
	}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatalf("triotest: Listen: %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()

	ts := &TS{Mode: m, Server: srv, Cert: cert, Addrs: ls}
	ts.URL, ts.Client = client(m, cert, ls)
	t.Cleanup(func() {
		ts.Client.CloseIdleConnections()
		if c, ok := ts.Client.Transport.(io.Closer); ok {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("triotest: Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("triotest: ServeListeners = %v; want http.ErrServerClosed", err)
		}
	})
	return ts
}

// client returns the base URL and a client that speaks only mode m.
func client(m Mode, cert *testcert.Cert, ls *trio.Listeners) (string, *http.Client) {
	tlsURL := "https://" + ls.TLS[0].Addr().String()
	switch m = m.Base(); m {
	case H1, H2:
		protos := []string{"h2"}
		if m == H1 {
			protos = []string{"http/1.1"} // as browsers offer; Go's transport alone offers none
		}
		tr := &http.Transport{TLSClientConfig: cert.ClientTLS(protos...), ForceAttemptHTTP2: m == H2}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(m == H1)
		tr.Protocols.SetHTTP2(m == H2)
		return tlsURL, &http.Client{Transport: tr}
	case H2C:
		tr := &http.Transport{}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
		return "http://" + ls.Cleartext[0].Addr().String(), &http.Client{Transport: tr}
	case H3:
		tr := &http3.Transport{TLSClientConfig: cert.ClientTLS()}
		return "https://" + ls.QUIC[0].LocalAddr().String(), &http.Client{Transport: tr}
	}
	panic("triotest: unknown mode " + string(m))
}

// Get fetches path and returns the body, failing the test on any error or
// a status other than 200.
func (ts *TS) Get(t testing.TB, path string) string {
	t.Helper()
	resp, err := ts.Client.Get(ts.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d; want 200 (body %q)", path, resp.StatusCode, body)
	}
	return string(body)
}

// ClientTLS is a TLS client configuration trusting the server's CA.
func (ts *TS) ClientTLS(nextProtos ...string) *tls.Config { return ts.Cert.ClientTLS(nextProtos...) }

// TLSAddr is the TCP address of the TLS listener.
func (ts *TS) TLSAddr() net.Addr { return ts.Addrs.TLS[0].Addr() }
