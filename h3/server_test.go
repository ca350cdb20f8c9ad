package h3_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// TestZeroServer serves with a Server that has only what QUIC cannot do
// without, a TLS configuration, as h2.Server's zero value serves: the
// zero Config (trio's engine), a nil Handler (404), a nil Logger. The TLS
// configuration is the one made for TCP (ALPN h2 and http/1.1), which the
// Server turns to h3 itself.
func TestZeroServer(t *testing.T) {
	cert := testcert.New(t)
	tlsConf := tlsconf.TCP(cert.Source, "h2", "http/1.1")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	})
	tests := []struct {
		name       string
		srv        *h3.Server
		wantStatus int
		wantBody   string
	}{
		{"handler", &h3.Server{Handler: h, TLSConfig: tlsConf}, http.StatusOK, "HTTP/3.0"},
		{"no handler", &h3.Server{TLSConfig: tlsConf}, http.StatusNotFound, "404 page not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serveZero(t, tt.srv)
			if e := tt.srv.Engine(); e != h3.EngineTrio {
				t.Errorf("Engine() = %q; want %q", e, h3.EngineTrio)
			}
			tr := &http3.Transport{TLSClientConfig: cert.ClientTLS()}
			defer tr.Close()
			res, err := (&http.Client{Transport: tr}).Get(url)
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatalf("reading body: %v", err)
			}
			if res.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("GET = %d %q; want %d %q", res.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
		})
	}
	if tlsConf.NextProtos[0] != "h2" {
		t.Errorf("TLSConfig.NextProtos = %q; the Server changed its caller's configuration", tlsConf.NextProtos)
	}
}

// serveZero serves srv on 127.0.0.1 and returns its URL; t.Cleanup shuts
// it down.
func serveZero(t *testing.T, srv *h3.Server) string {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(udp) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v; want http.ErrServerClosed", err)
		}
		udp.Close()
	})
	return "https://" + udp.LocalAddr().String() + "/"
}

// TestServerWithoutTLS: Serve without a TLSConfig fails at once, and a
// Server that never served shuts down and closes cleanly.
func TestServerWithoutTLS(t *testing.T) {
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	var srv h3.Server
	if err := srv.Serve(udp); err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve without TLSConfig = %v; want an error saying so", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	if err := new(h3.Server).Close(); err != nil {
		t.Errorf("Close of a new Server = %v; want nil", err)
	}
}
