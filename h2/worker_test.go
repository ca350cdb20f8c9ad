package h2

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

// goroutineID returns the id runtime.Stack prints for the calling
// goroutine ("goroutine 42 [running]:").
func goroutineID() string {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	return string(b[:bytes.IndexByte(b, ' ')])
}

// waitIdleWorker waits until srv's one connection has a handler goroutine
// waiting for work: the response reaches the client before its goroutine
// is back, and a request sent in between starts a new one.
func waitIdleWorker(t *testing.T, srv *Server) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		srv.mu.Lock()
		n := 0
		for c := range srv.conns {
			n += c.workers.IdleCount()
		}
		srv.mu.Unlock()
		if n == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d idle handler goroutines after 5s; want 1", n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestHandlerGoroutineReused checks that requests sent one after another
// on one connection are served by one goroutine, also after a handler
// panicked, and that the answers stay right.
func TestHandlerGoroutineReused(t *testing.T) {
	var mu sync.Mutex
	ids := map[string]int{}
	ts := newTestServer(t, mode{EngineTrio, true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ids[goroutineID()]++
		mu.Unlock()
		if r.URL.Path == "/panic" {
			panic("boom")
		}
		io.WriteString(w, r.URL.Path)
	}), nil)
	c := ts.h2Client(t)
	for i := range 20 {
		path := "/" + strconv.Itoa(i)
		if i == 5 {
			path = "/panic"
		}
		res, err := c.Get(ts.url + path)
		if path == "/panic" {
			if err == nil {
				res.Body.Close()
			}
			waitIdleWorker(t, ts.srv)
			continue // reset with INTERNAL_ERROR; the client may report it at once or on read
		}
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(body) != path {
			t.Fatalf("GET %s: body %q, %v; want %q", path, body, err, path)
		}
		waitIdleWorker(t, ts.srv)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(ids) != 1 {
		t.Errorf("20 sequential requests ran on %d goroutines (%v); want 1", len(ids), ids)
	}
}
