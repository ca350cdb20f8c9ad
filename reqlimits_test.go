package trio_test

import (
	"errors"
	"fmt"
	"github.com/triohttp/trio/internal/testtool"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/triotest"
)

// limitHits counts the limit hits of every engine of a Server, through
// the hooks the Server chains its own (log and counter) after.
type limitHits = testtool.Counter

// withRequestLimits sets the request limits of every engine and counts
// their hits in h.
func withRequestLimits(h *limitHits, maxBody int64, bodyTimeout time.Duration) func(*trio.Server) {
	return func(s *trio.Server) {
		s.H1.MaxBodyBytes, s.H2.MaxBodyBytes, s.H3.MaxBodyBytes = maxBody, maxBody, maxBody
		s.H1.BodyTimeout, s.H2.BodyTimeout, s.H3.BodyTimeout = bodyTimeout, bodyTimeout, bodyTimeout
		s.H1.LimitHit, s.H2.LimitHit, s.H3.LimitHit = h.Hit, h.Hit, h.Hit
	}
}

// TestRequestLimits: on every protocol and engine trio serves by default,
// too many header fields get 431, a body over MaxBodyBytes 413 and a
// stalled body 408 (the handler's Read failing), each counted under its
// [limits] key.
func TestRequestLimits(t *testing.T) { run(t, testRequestLimits) }
func testRequestLimits(t *testing.T, m mode) {
	if m != m.Base() {
		t.Skip("request limits are the trio engines'; EngineStd leaves them to net/http and quic-go")
	}
	var hits limitHits
	readErr := make(chan error, 4)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
		if err != nil {
			http.Error(w, "handler's own answer", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok")
	}), withRequestLimits(&hits, 1000, 300*time.Millisecond))
	do := func(req *http.Request) int {
		t.Helper()
		res, err := ts.Client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", req.URL.Path, err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}

	req, _ := http.NewRequest("GET", ts.URL+"/fields", nil)
	for i := range 120 {
		req.Header.Set(fmt.Sprintf("X-F%d", i), "v")
	}
	if code := do(req); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("120 header fields: status %d; want 431", code)
	}

	req, _ = http.NewRequest("POST", ts.URL+"/large", io.MultiReader(strings.NewReader(strings.Repeat("a", 5000))))
	if code := do(req); code != http.StatusRequestEntityTooLarge {
		t.Errorf("5000-byte body: status %d; want 413", code)
	}
	var mbe *http.MaxBytesError
	if err := <-readErr; !errors.As(err, &mbe) {
		t.Errorf("5000-byte body: handler's Read error = %v; want *http.MaxBytesError", err)
	}

	pr, pw := io.Pipe()
	go pw.Write([]byte("abc")) // then nothing
	req, _ = http.NewRequest("POST", ts.URL+"/stalled", pr)
	code := do(req)
	pw.Close()
	if code != http.StatusRequestTimeout {
		t.Errorf("stalled body: status %d; want 408", code)
	}
	err := <-readErr
	if !errors.Is(err, h1.ErrBodyTimeout) && !errors.Is(err, h2.ErrBodyTimeout) && !errors.Is(err, h3.ErrBodyTimeout) {
		t.Errorf("stalled body: handler's Read error = %v; want the engine's ErrBodyTimeout", err)
	}

	req, _ = http.NewRequest("POST", ts.URL+"/ok", strings.NewReader(strings.Repeat("a", 1000)))
	if code := do(req); code != http.StatusOK {
		t.Errorf("1000-byte body: status %d; want 200", code)
	}
	<-readErr
	for _, k := range []string{"max_header_fields", "max_body_bytes", "body_timeout"} {
		if n := hits.Get(k); n != 1 {
			t.Errorf("LimitHit(%q) called %d times; want 1", k, n)
		}
	}
}
