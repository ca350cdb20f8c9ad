package h2

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/triohttp/trio/internal/testtool"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// hitCounter counts what a Config's LimitHit reports.
type hitCounter = testtool.Counter

func TestLimitDefaults(t *testing.T) {
	var c *Config
	if c.maxHeaderFields() != 100 || c.bodyTimeout() != time.Minute || c.prefaceTimeout() != 10*time.Second || c.maxBodyBytes() != 0 {
		t.Errorf("defaults: fields %d, body timeout %v, preface %v, body bytes %d; want 100, 1m, 10s, 0",
			c.maxHeaderFields(), c.bodyTimeout(), c.prefaceTimeout(), c.maxBodyBytes())
	}
	c = &Config{MaxHeaderFields: -1, BodyTimeout: -1, PrefaceTimeout: -1, MaxBodyBytes: -1}
	if c.maxHeaderFields() < 1<<30 || c.bodyTimeout() != 0 || c.prefaceTimeout() != 0 || c.maxBodyBytes() != 0 {
		t.Errorf("negative: fields %d, body timeout %v, preface %v, body bytes %d; want no limits",
			c.maxHeaderFields(), c.bodyTimeout(), c.prefaceTimeout(), c.maxBodyBytes())
	}
}

// TestMaxHeaderFields: more regular fields than MaxHeaderFields get 431;
// cookie crumbs count once.
func TestMaxHeaderFields(t *testing.T) {
	run(t, testMaxHeaderFields, mode{EngineTrio, true}, h2cTrio)
}

func testMaxHeaderFields(t *testing.T, m mode) {
	var hits hitCounter
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), &Config{LimitHit: hits.Hit})
	c := ts.h2Client(t)
	get := func(fields, cookies int) int {
		req, _ := http.NewRequest("GET", ts.url, nil)
		for i := range fields {
			req.Header.Set(fmt.Sprintf("X-F%d", i), "v")
		}
		for i := range cookies {
			req.AddCookie(&http.Cookie{Name: fmt.Sprintf("c%d", i), Value: "v"})
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	// Go's client adds accept-encoding and user-agent.
	if code := get(DefaultMaxHeaderFields-3, 150); code != http.StatusOK {
		t.Errorf("%d fields and 150 cookie crumbs: status %d; want 200", DefaultMaxHeaderFields-3, code)
	}
	if code := get(DefaultMaxHeaderFields, 0); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("%d fields: status %d; want 431", DefaultMaxHeaderFields+2, code)
	}
	if n := hits.Get(LimitHeaderFields); n != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", LimitHeaderFields, n)
	}
}

// TestMaxBodyBytes: a declared content-length over MaxBodyBytes gets 413
// before the handler runs; a body without one that grows past it gets
// 413 and its handler's Read an *http.MaxBytesError.
func TestMaxBodyBytes(t *testing.T) {
	var hits hitCounter
	readErr := make(chan error, 1)
	ts := newTestServer(t, mode{EngineTrio, true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
		if err != nil {
			http.Error(w, "handler's own answer", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok")
	}), &Config{MaxBodyBytes: 1000, LimitHit: hits.Hit})
	c := ts.h2Client(t)
	post := func(body io.Reader) (int, string) {
		res, err := c.Post(ts.url, "text/plain", body)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res.StatusCode, string(b)
	}
	if code, _ := post(strings.NewReader(strings.Repeat("a", 1001))); code != http.StatusRequestEntityTooLarge {
		t.Errorf("content-length 1001: status %d; want 413", code)
	}
	if code, body := post(io.MultiReader(strings.NewReader(strings.Repeat("a", 3000)))); code != http.StatusRequestEntityTooLarge {
		t.Errorf("3000 bytes without content-length: status %d (%q); want 413", code, body)
	}
	var mbe *http.MaxBytesError
	if err := <-readErr; !errors.As(err, &mbe) || mbe.Limit != 1000 {
		t.Errorf("handler's Read error = %v; want *http.MaxBytesError{1000}", err)
	}
	if code, body := post(strings.NewReader(strings.Repeat("a", 1000))); code != http.StatusOK || body != "ok" {
		t.Errorf("1000 bytes: %d %q; want 200 ok", code, body)
	}
	<-readErr
	if n := hits.Get(LimitBodyBytes); n != 2 {
		t.Errorf("LimitHit(%q) called %d times; want 2", LimitBodyBytes, n)
	}
}

// TestBodyTimeout: a body that stops arriving is cut off after
// BodyTimeout: 408 if the response has not started, RST_STREAM CANCEL if
// it has; the handler's Read returns ErrBodyTimeout. A client sending
// slowly but steadily is served.
func TestBodyTimeout(t *testing.T) {
	var hits hitCounter
	readErr := make(chan error, 1)
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/started" {
			io.WriteString(w, "started ")
			w.(http.Flusher).Flush()
		}
		b, err := io.ReadAll(r.Body)
		readErr <- err
		if err != nil {
			http.Error(w, "handler's own answer", http.StatusBadRequest)
			return
		}
		w.Write(b)
	}), &Config{BodyTimeout: 300 * time.Millisecond, LimitHit: hits.Hit})

	pr, pw := io.Pipe()
	go pw.Write([]byte("abc")) // then nothing
	t0 := time.Now()
	res, err := ts.h2Client(t).Post(ts.url, "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	pw.Close()
	if res.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled body: status %d; want 408", res.StatusCode)
	}
	if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("stalled body answered after %v; want about 300ms", d)
	}
	if err := <-readErr; !errors.Is(err, ErrBodyTimeout) {
		t.Errorf("handler's Read error = %v; want ErrBodyTimeout", err)
	}

	rc := newRawClient(t, ts.addr)
	rc.headers(1, false, ":method", "POST", ":path", "/started")
	rc.fr.WriteData(1, false, []byte("abc"))
	f := rc.waitFor("RST_STREAM", func(f rawFrame) bool { return f.typ == http2.FrameRSTStream && f.stream == 1 })
	if f.code != http2.ErrCodeCancel {
		t.Errorf("response begun before the stall: RST_STREAM %v; want CANCEL", f.code)
	}
	if err := <-readErr; !errors.Is(err, ErrBodyTimeout) {
		t.Errorf("handler's Read error = %v; want ErrBodyTimeout", err)
	}

	pr, pw = io.Pipe()
	go func() {
		for i := range 8 { // 800ms in all, 100ms apart
			time.Sleep(100 * time.Millisecond)
			pw.Write([]byte{byte('a' + i)})
		}
		pw.Close()
	}()
	res, err = ts.h2Client(t).Post(ts.url, "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "abcdefgh" {
		t.Errorf("steady body: %d %q; want 200 abcdefgh", res.StatusCode, b)
	}
	<-readErr
	if n := hits.Get(LimitBodyTime); n != 2 {
		t.Errorf("LimitHit(%q) called %d times; want 2", LimitBodyTime, n)
	}
}

// TestPrefaceTimeout: a TLS connection that negotiated h2 and never sends
// the preface is closed after PrefaceTimeout, and counted.
func TestPrefaceTimeout(t *testing.T) {
	var hits hitCounter
	ts := newTestServer(t, mode{EngineTrio, true}, http.NotFoundHandler(),
		&Config{PrefaceTimeout: 200 * time.Millisecond, LimitHit: hits.Hit})
	tc, err := tls.Dial("tcp", ts.addr, &tls.Config{RootCAs: ts.pool, ServerName: "127.0.0.1", NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	t0 := time.Now()
	tc.SetReadDeadline(t0.Add(5 * time.Second))
	_, err = io.Copy(io.Discard, tc) // the server's SETTINGS, then the close
	if d := time.Since(t0); err != nil || d < 150*time.Millisecond || d > 3*time.Second {
		t.Errorf("connection without preface: closed after %v (%v); want about 200ms, a clean close", d, err)
	}
	if n := hits.Get(LimitPrefaceTime); n != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", LimitPrefaceTime, n)
	}
	// A client that sends its preface in time is served past the timeout.
	ts = newTestServer(t, h2cTrio, http.NotFoundHandler(), &Config{PrefaceTimeout: 200 * time.Millisecond})
	rc := newRawClient(t, ts.addr)
	time.Sleep(300 * time.Millisecond)
	rc.headers(1, true)
	f := rc.waitFor("HEADERS", func(f rawFrame) bool { return f.typ == http2.FrameHeaders })
	if f.status != "404" {
		t.Errorf("status %q; want 404", f.status)
	}
}

// TestForcedShutdown: streams still open when Shutdown's context ends, or
// at Close, are reset with CANCEL, and the GOAWAY says CANCEL.
func TestForcedShutdown(t *testing.T) {
	for _, byClose := range []bool{false, true} {
		t.Run(fmt.Sprintf("close=%v", byClose), func(t *testing.T) {
			started := make(chan struct{}, 1)
			ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				started <- struct{}{}
				<-r.Context().Done()
			}), nil)
			rc := newRawClient(t, ts.addr)
			rc.headers(1, true)
			<-started
			if byClose {
				ts.srv.Close()
			} else {
				ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				if err := ts.srv.Shutdown(ctx); err != context.DeadlineExceeded {
					t.Errorf("Shutdown = %v; want %v", err, context.DeadlineExceeded)
				}
			}
			f := rc.waitFor("RST_STREAM", func(f rawFrame) bool { return f.typ == http2.FrameRSTStream })
			if f.stream != 1 || f.code != http2.ErrCodeCancel {
				t.Errorf("RST_STREAM on stream %d with %v; want stream 1, CANCEL", f.stream, f.code)
			}
			g := rc.waitFor("GOAWAY", func(f rawFrame) bool { return f.typ == http2.FrameGoAway && f.code != http2.ErrCodeNo })
			if g.code != http2.ErrCodeCancel {
				t.Errorf("GOAWAY %v; want CANCEL", g.code)
			}
		})
	}
}

// TestEnhanceYourCalmCounted: the abuse defences that end in GOAWAY
// ENHANCE_YOUR_CALM report it to LimitHit.
func TestEnhanceYourCalmCounted(t *testing.T) {
	var hits hitCounter
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(blockingHandler), &Config{LimitHit: hits.Hit})
	rc := newRawClient(t, ts.addr)
	go func() {
		for id := uint32(1); id < 20000; id += 2 {
			rc.headers(id, true)
			rc.fr.WriteRSTStream(id, http2.ErrCodeCancel)
		}
	}()
	if code := rc.waitGoAway(); code != http2.ErrCodeEnhanceYourCalm {
		t.Errorf("rapid reset: GOAWAY %v; want ENHANCE_YOUR_CALM", code)
	}
	if n := hits.Get(LimitEnhanceYourCalm); n != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", LimitEnhanceYourCalm, n)
	}
}

// TestBodyTimeoutHandlerDeadline: a handler that sets its own read
// deadline takes over from BodyTimeout: a pause longer than BodyTimeout
// is waited out.
func TestBodyTimeoutHandlerDeadline(t *testing.T) {
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetReadDeadline(time.Time{})
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write(b)
	}), &Config{BodyTimeout: 200 * time.Millisecond})
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("abc"))
		time.Sleep(500 * time.Millisecond)
		pw.Write([]byte("def"))
		pw.Close()
	}()
	res, err := ts.h2Client(t).Post(ts.url, "text/plain", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(b) != "abcdef" {
		t.Errorf("paused body: %d %q; want 200 abcdef", res.StatusCode, b)
	}
}
