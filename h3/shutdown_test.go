package h3_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio/h3"
)

// TestShutdownInFlight: Shutdown waits for a request in flight, which
// completes, refuses new ones, runs the shutdown hooks, and returns once
// the connection is closed.
func TestShutdownInFlight(t *testing.T) { forEngines(t, testShutdownInFlight) }

func testShutdownInFlight(t *testing.T, e h3.Engine) {
	started, release := make(chan bool), make(chan bool)
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			started <- true
			<-release
		}
		io.WriteString(w, "done")
	}), h3.Config{})
	hook := make(chan bool, 1)
	ts.srv.RegisterOnShutdown(func() { hook <- true })
	ts.do(t, newRequest(t, "GET", ts.url+"/", nil)) // the connection is up

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := ts.client.Get(ts.url + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{string(b), err}
	}()
	<-started
	shut := make(chan error, 1)
	go func() { shut <- ts.srv.Shutdown(context.Background()) }()
	select {
	case <-hook:
	case <-time.After(5 * time.Second):
		t.Fatal("shutdown hook did not run")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	// The client, told GOAWAY, dials anew; the listener is closed.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if resp, err := ts.client.Do(newRequest(t, "GET", ts.url+"/", nil).WithContext(ctx)); err == nil {
		resp.Body.Close()
		t.Errorf("new request after Shutdown: %s; want an error", resp.Status)
	}
	close(release)
	if r := <-got; r.err != nil || r.body != "done" {
		t.Errorf("request in flight: %q, %v; want done", r.body, r.err)
	}
	select {
	case err := <-shut:
		if err != nil {
			t.Errorf("Shutdown = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Shutdown did not return after the last request")
	}
}

// TestShutdownDeadline: a handler that never returns makes Shutdown
// return ctx.Err() and close the connection.
func TestShutdownDeadline(t *testing.T) {
	release := make(chan bool)
	defer close(release)
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), h3.Config{})
	resp, err := ts.client.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v; want context.DeadlineExceeded", err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("body read to the end; want the connection closed")
	}
}

// TestIdleTimeout: a connection with no request for IdleTimeout is closed
// with H3_NO_ERROR.
func TestIdleTimeout(t *testing.T) { forEngines(t, testIdleTimeout) }

func testIdleTimeout(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.NotFoundHandler(), h3.Config{IdleTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, ts.addr, ts.cert.ClientTLS("h3"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer qc.CloseWithError(0, "")
	start := time.Now()
	select {
	case <-qc.Context().Done():
	case <-ctx.Done():
		t.Fatal("connection still open after 5s; want it closed after 300ms")
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("closed after %v; want about 300ms", d)
	}
	var ae *quic.ApplicationError
	if err := context.Cause(qc.Context()); !errors.As(err, &ae) || ae.ErrorCode != 0x100 {
		t.Errorf("closed with %v; want H3_NO_ERROR (0x100)", err)
	}
}
