package proxy

import (
	"context"
	"errors"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// upstreamH1 serves h over HTTP/1.1 on 127.0.0.1 and returns its
// http:// URL and server; t.Cleanup closes it.
func upstreamH1(t testing.TB, h http.Handler) (string, *http.Server) {
	t.Helper()
	return serveUpstream(t, "http", &http.Server{Handler: h})
}

// serveUpstream serves srv on a loopback TCP listener and returns scheme
// + "://" + its address.
func serveUpstream(t testing.TB, scheme string, srv *http.Server) (string, *http.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.ErrorLog == nil {
		srv.ErrorLog = log.New(io.Discard, "", 0) // TLS handshakes failed on purpose
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if srv.TLSConfig != nil {
			srv.ServeTLS(ln, "", "")
		} else {
			srv.Serve(ln)
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return scheme + "://" + ln.Addr().String(), srv
}

// rawUpstream accepts TCP connections on 127.0.0.1 and hands each to
// serve, which owns it; t.Cleanup closes the listener and the open
// connections and waits for serve to return.
func rawUpstream(t testing.TB, serve func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				serve(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// poolOf is a round-robin pool of urls, closed by t.Cleanup.
func poolOf(t testing.TB, urls ...string) *Pool {
	t.Helper()
	p, err := NewPool(PoolConfig{Name: t.Name()}, urls...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// newTransport is a Transport closed by t.Cleanup, so no upstream
// connection outlives its test.
func newTransport(t testing.TB) *Transport {
	tr := &Transport{}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// front runs h behind a trio.Server in mode m.
func front(t testing.TB, m triotest.Mode, h *Handler) *triotest.TS {
	t.Helper()
	if h.Transport == nil {
		h.Transport = newTransport(t)
	}
	if h.Logger == nil {
		h.Logger = slog.New(slog.DiscardHandler) // the failures are on purpose
	}
	return triotest.New(t, m, h)
}

// do sends req with ts's client and fails the test on an error.
func do(t testing.TB, ts *triotest.TS, req *http.Request) *http.Response {
	t.Helper()
	res, err := ts.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func newRequest(t testing.TB, method, url string, body any) *http.Request {
	t.Helper()
	var req *http.Request
	var err error
	switch b := body.(type) {
	case nil:
		req, err = http.NewRequest(method, url, nil)
	case interface{ Read([]byte) (int, error) }:
		req, err = http.NewRequest(method, url, b)
	default:
		err = errors.New("newRequest: bad body")
	}
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return req.WithContext(ctx)
}
