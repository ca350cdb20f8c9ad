package proxy

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/triotest/testcert"
)

// protoEcho answers with the request's protocol, whether it came over TLS,
// and its URI.
var protoEcho = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	fmt.Fprintf(w, "%s tls=%t %s", r.Proto, r.TLS != nil, r.URL.RequestURI())
})

// upstreamOf starts an upstream speaking scheme ("http", "h2c", "https",
// "https-h1" for HTTP/1.1 only over TLS, or "h3") with a certificate from
// ca, and returns its URL.
func upstreamOf(t *testing.T, scheme string, ca *tlsconf.LocalCA, h http.Handler) string {
	t.Helper()
	switch scheme {
	case "http":
		u, _ := upstreamH1(t, h)
		return u
	case "h2c":
		srv := &http.Server{Handler: h, Protocols: new(http.Protocols)}
		srv.Protocols.SetUnencryptedHTTP2(true)
		u, _ := serveUpstream(t, "h2c", srv)
		return u
	case "https", "https-h1":
		srv := &http.Server{Handler: h, TLSConfig: ca.TLSConfig()}
		if scheme == "https-h1" {
			srv.TLSNextProto = map[string]func(*http.Server, *tls.Conn, http.Handler){}
		}
		u, _ := serveUpstream(t, "https", srv)
		return u
	case "h3":
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http3.Server{Handler: h, TLSConfig: http3.ConfigureTLSConfig(ca.TLSConfig())}
		done := make(chan struct{})
		go func() { defer close(done); srv.Serve(pc) }()
		t.Cleanup(func() {
			srv.Close()
			pc.Close()
			<-done
		})
		return "h3://" + pc.LocalAddr().String()
	}
	t.Fatalf("no upstream scheme %q", scheme)
	return ""
}

// TestUpstreamSchemes: each upstream scheme is spoken as it says, over
// TLS trusting CAFile where it has TLS, with the upstream URL's path
// before the request's.
func TestUpstreamSchemes(t *testing.T) {
	cert := testcert.New(t)
	ca := cert.Source.(*tlsconf.LocalCA)
	for _, tt := range []struct{ scheme, proto, via string }{
		{"http", "HTTP/1.1 tls=false", "1.1 trio"},
		{"h2c", "HTTP/2.0 tls=false", "2 trio"},
		{"https", "HTTP/2.0 tls=true", "2 trio"},
		{"https-h1", "HTTP/1.1 tls=true", "1.1 trio"},
		{"h3", "HTTP/3.0 tls=true", "3 trio"},
	} {
		t.Run(tt.scheme, func(t *testing.T) {
			up := upstreamOf(t, tt.scheme, ca, protoEcho) + "/base/"
			tr := newTransport(t)
			tr.CAFile = ca.RootFile()
			ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), Transport: tr})
			res := do(t, ts, newRequest(t, "GET", ts.URL+"/x/y?q=1", nil))
			b, _ := io.ReadAll(res.Body)
			if want := tt.proto + " /base/x/y?q=1"; res.StatusCode != 200 || string(b) != want {
				t.Errorf("got %d %q; want 200 %q", res.StatusCode, b, want)
			}
			if v := res.Header.Get("Via"); v != tt.via {
				t.Errorf("Via = %q; want %q", v, tt.via)
			}
		})
	}
}

// TestUpstreamTLSTrust: an upstream whose certificate chains to no root
// the Transport trusts gets 502; with InsecureSkipVerify it is reached.
func TestUpstreamTLSTrust(t *testing.T) {
	ca := testcert.New(t).Source.(*tlsconf.LocalCA)
	for _, scheme := range []string{"https", "h3"} {
		up := upstreamOf(t, scheme, ca, protoEcho)
		for _, insecure := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/insecure=%t", scheme, insecure), func(t *testing.T) {
				tr := newTransport(t)
				tr.InsecureSkipVerify = insecure
				ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), Transport: tr})
				res := do(t, ts, newRequest(t, "GET", ts.URL+"/", nil))
				b, _ := io.ReadAll(res.Body)
				want, msg := 502, "certificate not trusted"
				if insecure {
					want, msg = 200, "tls=true"
				}
				if res.StatusCode != want || !strings.Contains(string(b), msg) {
					t.Errorf("got %d %q; want %d with %q", res.StatusCode, b, want, msg)
				}
			})
		}
	}
}

// TestTransportCAFile: a CA file that is missing or holds no certificate
// is an error naming it, from TLSClientConfig and from every request.
func TestTransportCAFile(t *testing.T) {
	for _, file := range []string{"/nonexistent/ca.pem", "transport_test.go"} {
		tr := &Transport{CAFile: file}
		if _, err := tr.TLSClientConfig(); err == nil || !strings.Contains(err.Error(), "CA file") {
			t.Errorf("CAFile %s: TLSClientConfig error = %v; want one about the CA file", file, err)
		}
		req, _ := http.NewRequest("GET", "https://127.0.0.1:1/", nil)
		if _, err := tr.RoundTrip(req); err == nil {
			t.Errorf("CAFile %s: RoundTrip succeeded", file)
		}
	}
}

// TestDialUpstream: the WebSocket relay's dial: TCP to http and h2c, TLS
// with ALPN to https, none to h3.
func TestDialUpstream(t *testing.T) {
	ca := testcert.New(t).Source.(*tlsconf.LocalCA)
	tr := newTransport(t)
	tr.CAFile = ca.RootFile()
	ctx := context.Background()
	for _, tt := range []struct{ scheme, alpn string }{{"http", ""}, {"https", "h2"}, {"https-h1", "http/1.1"}} {
		u := upstreamOf(t, tt.scheme, ca, protoEcho)
		c, err := tr.DialUpstream(ctx, mustParse(t, u), "h2", "http/1.1")
		if err != nil {
			t.Errorf("%s: %v", tt.scheme, err)
			continue
		}
		if tc, ok := c.(*tls.Conn); ok != (tt.alpn != "") || ok && tc.ConnectionState().NegotiatedProtocol != tt.alpn {
			t.Errorf("%s: conn %T; want TLS=%t with ALPN %q", tt.scheme, c, tt.alpn != "", tt.alpn)
		}
		c.Close()
	}
	if _, err := tr.DialUpstream(ctx, mustParse(t, "h3://127.0.0.1:1")); err == nil {
		t.Error("DialUpstream(h3) succeeded; want an error")
	}
}

func mustParse(t *testing.T, raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestIdleConnTimeout: a kept-alive upstream connection idle for
// IdleConnTimeout is closed; one in use is reused meanwhile.
func TestIdleConnTimeout(t *testing.T) {
	closed := make(chan struct{}, 10)
	var opened atomic.Int64
	srv := &http.Server{Handler: protoEcho, ConnState: func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed:
			closed <- struct{}{}
		}
	}}
	up, _ := serveUpstream(t, "http", srv)
	tr := newTransport(t)
	tr.IdleConnTimeout = 300 * time.Millisecond
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), Transport: tr})
	start := time.Now()
	for range 3 {
		res := do(t, ts, newRequest(t, "GET", ts.URL+"/", nil))
		io.ReadAll(res.Body)
		res.Body.Close()
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("3 requests in a row opened %d upstream connections; want 1, kept alive", n)
	}
	select {
	case <-closed:
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Errorf("upstream connection closed after %v; want it kept for the idle timeout", d)
		}
	case <-time.After(5 * time.Second):
		t.Error("idle upstream connection still open after 5 s; want it closed after 300 ms")
	}
}
