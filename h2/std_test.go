package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// TestStdServerUpgrade serves curl's `Upgrade: h2c` request with x/net's
// engine through StdServer, then shuts it down.
func TestStdServerUpgrade(t *testing.T) {
	testtool.Path(t, "curl")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+r.Proto+" "+string(b))
	})
	base := &http.Server{IdleTimeout: time.Minute}
	std := &StdServer{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, req, settings, ok := acceptUpgrade(t, ln)
		if !ok {
			return
		}
		std.ServeConn(context.Background(), nc, h, &ServeConnOpts{BaseConfig: base, Upgrade: req, Settings: settings})
	}()
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "--http2", "-d", "payload", "http://"+ln.Addr().String()+"/up").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if string(out) != "POST HTTP/2.0 payload" {
		t.Errorf("response = %q; want %q", out, "POST HTTP/2.0 payload")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := std.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown = %v; want nil", err)
	}
	<-done
}

// TestStdServerAfterShutdown: an upgraded connection handed over after
// Shutdown is closed, not served.
func TestStdServerAfterShutdown(t *testing.T) {
	std := &StdServer{}
	if err := std.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	c1, c2 := net.Pipe()
	defer c2.Close()
	up, _ := http.NewRequest("GET", "http://example.com/", nil)
	std.ServeConn(context.Background(), c1, http.NotFoundHandler(), &ServeConnOpts{BaseConfig: &http.Server{}, Upgrade: up})
	if _, err := c2.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("Read after ServeConn = %v; want the connection closed", err)
	}
}

// TestStdServerHandoff hands a TLS connection that negotiated h2, accepted
// and handshaken elsewhere, to net/http's built-in HTTP/2, and checks that
// the http.Server's Shutdown ends the hand-fed listener.
func TestStdServerHandoff(t *testing.T) {
	cert := testcert.New(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsconf.TCP(cert.Source, "h2"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto+" "+r.URL.Path)
	})}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(true)
	srv.HTTP2 = (*Config)(nil).StdConfig()
	std := &StdServer{}
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			tc := nc.(*tls.Conn)
			if err := tc.Handshake(); err != nil {
				tc.Close()
				continue
			}
			std.ServeConn(context.Background(), tc, nil, &ServeConnOpts{BaseConfig: srv})
		}
	}()

	tr := &http.Transport{TLSClientConfig: cert.ClientTLS("h2"), ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + ln.Addr().String() + "/handed")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got, want := string(body), "HTTP/2.0 /handed"; got != want {
		t.Errorf("body = %q; want %q", got, want)
	}
	tr.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("http.Server.Shutdown = %v", err)
	}
	ln.Close()
	<-accepted
}
