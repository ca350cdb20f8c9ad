package h2

import (
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestShutdown drains an in-flight request: Shutdown waits for it, the
// response completes, and Shutdown then returns nil.
func TestShutdown(t *testing.T) {
	run(t, testShutdown, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testShutdown(t *testing.T, m mode) {
	started, release := make(chan struct{}), make(chan struct{})
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("done"))
	}), nil)
	c := ts.h2Client(t)
	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		res, err := c.Get(ts.url)
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		got <- result{string(b), err}
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "done" {
		t.Errorf("in-flight request: %q, %v; want done", r.body, r.err)
	}
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown = %v; want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the last stream")
	}
}

// TestShutdownDeadline returns ctx.Err() while a handler is stuck.
func TestShutdownDeadline(t *testing.T) {
	started := make(chan struct{})
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
	}), nil)
	go func() {
		if res, err := ts.h2Client(t).Get(ts.url); err == nil {
			res.Body.Close()
		}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Errorf("Shutdown = %v; want %v", err, context.DeadlineExceeded)
	}
}

// TestRequestFields checks what handlers see of a request and what the
// engine adds to a response.
func TestRequestFields(t *testing.T) { run(t, testRequestFields) }
func testRequestFields(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Proto != "HTTP/2.0" || r.ProtoMajor != 2 || r.Host != r.Context().Value(http.LocalAddrContextKey).(net.Addr).String() || r.RemoteAddr == "" {
			t.Errorf("Proto %q %d, Host %q, RemoteAddr %q", r.Proto, r.ProtoMajor, r.Host, r.RemoteAddr)
		}
		if (r.TLS != nil) != m.tls {
			t.Errorf("TLS = %v; want set: %v", r.TLS, m.tls)
		}
		if r.Header.Get("Cookie") != "a=1; b=2" {
			t.Errorf("Cookie = %q; want a=1; b=2", r.Header.Get("Cookie"))
		}
		io.WriteString(w, "<html><body>hi</body></html>")
	}), nil)
	req, _ := http.NewRequest("GET", ts.url+"/f", nil)
	req.AddCookie(&http.Cookie{Name: "a", Value: "1"})
	req.AddCookie(&http.Cookie{Name: "b", Value: "2"})
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q; want sniffed text/html", ct)
	}
	if res.Header.Get("Date") == "" || res.ContentLength != 28 {
		t.Errorf("Date %q, ContentLength %d; want a date and 28", res.Header.Get("Date"), res.ContentLength)
	}
}

// TestServeConnContext: cancelling the context given to ServeConn drains
// the connection gracefully; it does not cancel requests in flight.
func TestServeConnContext(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		if err := r.Context().Err(); err != nil {
			t.Errorf("request context: %v", err)
		}
		w.Write([]byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan struct{})
	go func() {
		defer close(served)
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		new(Config).ServeConn(ctx, nc, h, nil)
	}()
	ts := &testServer{addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), mode: h2cTrio}
	got := make(chan string, 1)
	go func() {
		res, err := ts.h2Client(t).Get(ts.url)
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if s := <-got; s != "done" {
		t.Errorf("in-flight response = %q; want done", s)
	}
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeConn still running after drain")
	}
}
