package trio_test

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

func TestShutdownDrains(t *testing.T) { run(t, testShutdownDrains) }
func testShutdownDrains(t *testing.T, m mode) {
	before := runtime.NumGoroutine()
	started := make(chan struct{})
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			time.Sleep(300 * time.Millisecond)
		}
		io.WriteString(w, "done")
	}))
	ts.Get(t, "/warm") // an idle keep-alive connection Shutdown must close

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := ts.Client.Get(ts.URL + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- result{string(b), err}
	}()
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	t0 := time.Now()
	defer func() { t.Logf("Shutdown took %v", time.Since(t0)) }()
	if err := ts.Server.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown = %v; want nil (in-flight request should drain)", err)
	}
	if r := <-got; r.err != nil || r.body != "done" {
		t.Fatalf("in-flight request during Shutdown = %q, %v; want \"done\", nil", r.body, r.err)
	}

	// New connections are refused: a fresh client cannot get through.
	fresh := triotest.New(t, m, nil) // a client of the same mode, pointed at the closed server
	fresh.Client.Timeout = 2 * time.Second
	t.Logf("drained after %v", time.Since(t0))
	if resp, err := fresh.Client.Get(ts.URL + "/after"); err == nil {
		resp.Body.Close()
		t.Fatalf("request after Shutdown succeeded with %d; want a connection error", resp.StatusCode)
	}
	for _, c := range []*http.Client{fresh.Client, ts.Client} {
		c.CloseIdleConnections()
		if c, ok := c.Transport.(io.Closer); ok {
			c.Close()
		}
	}
	fresh.Server.Close()

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Shutdown; %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
