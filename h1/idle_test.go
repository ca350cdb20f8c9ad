package h1

import (
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestIdleHoldsNoBuffers checks that a keep-alive connection waiting for
// its next request holds neither a read nor a write buffer.
func TestIdleHoldsNoBuffers(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	})}
	served := make(chan error, 1)
	go func() { served <- s.Serve(l) }()
	defer func() {
		s.Shutdown(t.Context())
		if err := <-served; err != http.ErrServerClosed {
			t.Errorf("Serve = %v; want http.ErrServerClosed", err)
		}
	}()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	for range 3 {
		resp, err := (&http.Client{Transport: tr}).Get("http://" + l.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		held, conns := 0, 0
		s.mu.Lock()
		for c := range s.conns {
			conns++
			idle := c.state.Load() == stateIdle // stored after the writer's release
			c.mu.Lock()
			if !idle || c.br != nil || c.bw != nil || !c.reading {
				held++
			}
			c.mu.Unlock()
		}
		s.mu.Unlock()
		if conns == 1 && held == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d idle connections hold buffers or are not waiting; want 1 connection, none", held, conns)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
