package h2

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// bufConn reads through the bufio.Reader that parsed the HTTP/1.1 request.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestH2CUpgrade serves an HTTP/1.1 "Upgrade: h2c" request from curl as
// stream 1, the way the root package's cleartext listener hands it over.
func TestH2CUpgrade(t *testing.T) {
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
	done := make(chan struct{})
	go func() {
		defer close(done)
		nc, req, settings, ok := acceptUpgrade(t, ln)
		if !ok {
			return
		}
		new(Config).ServeConn(context.Background(), nc, h, &ServeConnOpts{Upgrade: req, Settings: settings})
	}()
	out, err := exec.Command("curl", "-sS", "--max-time", "10", "--http2", "-d", "payload", "http://"+ln.Addr().String()+"/up").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	if string(out) != "POST HTTP/2.0 payload" {
		t.Errorf("response = %q; want %q", out, "POST HTTP/2.0 payload")
	}
	<-done
}

// acceptUpgrade accepts one connection on ln, reads its h2c upgrade
// request (body included, as net/http's server reads it before the
// switch) and answers 101. It returns the connection, still holding what
// the client sent past the request, the request and its HTTP2-Settings.
func acceptUpgrade(t *testing.T, ln net.Listener) (net.Conn, *http.Request, []byte, bool) {
	nc, err := ln.Accept()
	if err != nil {
		return nil, nil, nil, false
	}
	br := bufio.NewReader(nc)
	req, err := http.ReadRequest(br)
	if err != nil || req.Header.Get("Upgrade") != "h2c" {
		t.Errorf("upgrade request: %v %v", req, err)
		nc.Close()
		return nil, nil, nil, false
	}
	body, _ := io.ReadAll(req.Body)
	req.Body = io.NopCloser(strings.NewReader(string(body)))
	settings, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(req.Header.Get("HTTP2-Settings"), "="))
	if err != nil {
		t.Errorf("HTTP2-Settings: %v", err)
	}
	io.WriteString(nc, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n")
	return &bufConn{nc, br}, req, settings, true
}
