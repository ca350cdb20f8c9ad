package observe_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/triotest"
)

// TestShutdownThenCloseLosesNothing sends 2,001 requests at once over h1,
// h2 and h3 (three servers, one access log), shuts the servers down and
// closes the log, as the runner does on SIGTERM: the file must hold one
// line per request, with the right protocol.
func TestShutdownThenCloseLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "access.log")
	log, err := observe.OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	m := observe.NewMetrics()
	const each = 667
	modes := []triotest.Mode{triotest.H1, triotest.H2, triotest.H3}
	servers := make([]*triotest.TS, len(modes))
	for i, mode := range modes {
		servers[i] = triotest.New(t, mode, observe.Handler(http.HandlerFunc(statusHandler), log, m),
			func(s *trio.Server) { s.Observer = m })
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(modes)*each)
	for _, ts := range servers {
		for g := range 8 {
			wg.Go(func() {
				for i := g; i < each; i += 8 {
					resp, err := ts.Client.Get(fmt.Sprintf("%s/r?i=%d&status=200&n=%d", ts.URL, i, i%50))
					if err != nil {
						errs <- err
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, ts := range servers {
		if err := ts.Server.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
	}
	if err := log.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	perProto := map[string]int{}
	for _, l := range readLog(t, path) {
		perProto[l.Proto]++
	}
	want := map[string]int{"HTTP/1.1": each, "HTTP/2.0": each, "HTTP/3.0": each}
	if fmt.Sprint(perProto) != fmt.Sprint(want) {
		t.Errorf("lines per protocol %v; want %v", perProto, want)
	}
}
