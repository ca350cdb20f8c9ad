package h1_test

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
	"github.com/triohttp/trio/triotest"
)

// hits counts the limits a server reports through H1.LimitHit.
type hits struct{ testtool.Counter }

func (h *hits) hook(s *trio.Server) { s.H1.LimitHit = h.Hit }

// trioModes are the h1 modes served by trio's engine.
func trioModes() []triotest.Mode {
	var ms []triotest.Mode
	for _, m := range h1Modes() {
		if trioEngine(m) {
			ms = append(ms, m)
		}
	}
	return ms
}

func headWithFields(n int) string {
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\nHost: a\r\n")
	for i := range n - 1 { // Host is one
		fmt.Fprintf(&b, "X-F%d: v\r\n", i)
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestMaxHeaderFields: a head with more field lines than MaxHeaderFields
// gets 431 and a close; one at the limit is served.
func TestMaxHeaderFields(t *testing.T) { runH1(t, testMaxHeaderFields) }
func testMaxHeaderFields(t *testing.T, m triotest.Mode) {
	var h hits
	ts := triotest.New(t, m, echo, h.hook)
	for _, tt := range []struct {
		fields, want int
	}{
		{h1.DefaultMaxHeaderFields, http.StatusOK},
		{h1.DefaultMaxHeaderFields + 1, http.StatusRequestHeaderFieldsTooLarge},
		{100_000 / 8, http.StatusRequestHeaderFieldsTooLarge},
	} {
		c, br := rawTLS(t, ts)
		go io.WriteString(c, headWithFields(tt.fields))
		resp, _ := readResponse(t, br, "GET")
		if resp.StatusCode != tt.want {
			t.Errorf("%d fields: status = %d; want %d", tt.fields, resp.StatusCode, tt.want)
		}
		if tt.want != http.StatusOK && !resp.Close {
			t.Errorf("%d fields: the connection stays open; want Connection: close", tt.fields)
		}
	}
	if got := h.Get(h1.LimitHeaderFields); got != 2 {
		t.Errorf("LimitHit(%q) called %d times; want 2", h1.LimitHeaderFields, got)
	}
}

// TestHeaderTimeout: a request begun but not finished within
// ReadHeaderTimeout gets 408 and is counted; a connection that sent
// nothing is closed without an answer.
func TestHeaderTimeout(t *testing.T) {
	for _, m := range h1Modes() {
		t.Run(string(m), func(t *testing.T) {
			var h hits
			ts := triotest.New(t, m, echo, h.hook, func(s *trio.Server) { s.H1.ReadHeaderTimeout = 200 * time.Millisecond })
			c, br := rawTLS(t, ts)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ")
			if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
				t.Errorf("partial head: status = %d, close %v; want 408 and a close", resp.StatusCode, resp.Close)
			}
			if got := h.Get(h1.LimitHeaderTime); got != 1 {
				t.Errorf("LimitHit(%q) called %d times; want 1", h1.LimitHeaderTime, got)
			}

			idle, ibr := rawTLS(t, ts)
			t0 := time.Now()
			b, err := ibr.ReadByte()
			if err == nil {
				t.Errorf("idle connection got %q; want a close without an answer", b)
			}
			if d := time.Since(t0); d > 5*time.Second {
				t.Errorf("idle connection closed after %v; want about 200ms", d)
			}
			idle.Close()
			if got := h.Get(h1.LimitHeaderTime); got != 1 {
				t.Errorf("after an idle connection, LimitHit(%q) called %d times; want still 1", h1.LimitHeaderTime, got)
			}
		})
	}
}

// TestMaxBodyBytes: a declared Content-Length over MaxBodyBytes gets 413
// before the handler runs; a chunked body growing past it makes the
// handler's Read return an *http.MaxBytesError and gets 413 from trio's
// engine (EngineStd: the handler's answer) and a close.
func TestMaxBodyBytes(t *testing.T) {
	for _, m := range h1Modes() {
		t.Run(string(m), func(t *testing.T) {
			wantChunked := http.StatusRequestEntityTooLarge
			if !trioEngine(m) {
				wantChunked = http.StatusInternalServerError // the handler's
			}
			var h hits
			readErr := make(chan error, 1)
			ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, err := io.ReadAll(r.Body)
				readErr <- err
				if err != nil {
					http.Error(w, "handler's own answer", http.StatusInternalServerError)
					return
				}
				io.WriteString(w, "ok")
			}), h.hook, func(s *trio.Server) { s.H1.MaxBodyBytes = 1000 })

			res, err := ts.Client.Post(ts.URL, "text/plain", strings.NewReader(strings.Repeat("a", 1001)))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("Content-Length 1001: status = %d; want 413", res.StatusCode)
			}

			c, br := rawTLS(t, ts)
			go io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n"+
				strings.Repeat("a", 1000)+"\r\n1\r\nb\r\n0\r\n\r\n")
			resp, body := readResponse(t, br, "POST")
			if resp.StatusCode != wantChunked || !resp.Close {
				t.Errorf("chunked 1001 bytes: status = %d (%q), close %v; want %d and a close", resp.StatusCode, body, resp.Close, wantChunked)
			}
			var mbe *http.MaxBytesError
			if err := <-readErr; !errors.As(err, &mbe) || mbe.Limit != 1000 {
				t.Errorf("handler's Read error = %v; want *http.MaxBytesError{1000}", err)
			}

			res, err = ts.Client.Post(ts.URL, "text/plain", strings.NewReader(strings.Repeat("a", 1000)))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK || string(b) != "ok" {
				t.Errorf("1000 bytes: %d %q; want 200 ok", res.StatusCode, b)
			}
			<-readErr
			if got := h.Get(h1.LimitBodyBytes); got != 2 {
				t.Errorf("LimitHit(%q) called %d times; want 2", h1.LimitBodyBytes, got)
			}
		})
	}
}

// TestBodyTimeout: a body that stops arriving is cut off after
// BodyTimeout: 408 if the response has not started (the handler's Read
// returns h1.ErrBodyTimeout), else the connection closes mid-response. A
// client sending slowly but steadily is served.
func TestBodyTimeout(t *testing.T) {
	for _, m := range trioModes() {
		t.Run(string(m), func(t *testing.T) { testBodyTimeout(t, m) })
	}
}

func testBodyTimeout(t *testing.T, m triotest.Mode) {
	var h hits
	readErr := make(chan error, 1)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}), h.hook, func(s *trio.Server) { s.H1.BodyTimeout = 300 * time.Millisecond })

	for _, stalled := range []string{
		"Content-Length: 10\r\n\r\nabc",
		"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", // the next chunk never comes
	} {
		c, br := rawTLS(t, ts)
		io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\n"+stalled)
		t0 := time.Now()
		resp, body := readResponse(t, br, "POST")
		if resp.StatusCode != http.StatusRequestTimeout || !resp.Close {
			t.Errorf("stalled body %q: status = %d (%q), close %v; want 408 and a close", stalled, resp.StatusCode, body, resp.Close)
		}
		if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
			t.Errorf("stalled body %q answered after %v; want about 300ms", stalled, d)
		}
		if err := <-readErr; !errors.Is(err, h1.ErrBodyTimeout) {
			t.Errorf("stalled body %q: handler's Read error = %v; want h1.ErrBodyTimeout", stalled, err)
		}
	}

	c, br := rawTLS(t, ts)
	io.WriteString(c, "POST /started HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
	resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("response begun before the stall: body read to its end; want the connection cut")
	}
	if err := <-readErr; !errors.Is(err, h1.ErrBodyTimeout) {
		t.Errorf("handler's Read error = %v; want h1.ErrBodyTimeout", err)
	}

	c, br = rawTLS(t, ts)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 8\r\n\r\n")
	for i := range 8 { // 800ms in all, 100ms apart: slow but steady
		time.Sleep(100 * time.Millisecond)
		io.WriteString(c, string(rune('a'+i)))
	}
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != http.StatusOK || body != "abcdefgh" {
		t.Errorf("steady body: %d %q; want 200 abcdefgh", resp.StatusCode, body)
	}
	<-readErr
	if got := h.Get(h1.LimitBodyTime); got != 3 {
		t.Errorf("LimitHit(%q) called %d times; want 3", h1.LimitBodyTime, got)
	}
}

// TestBodyTimeoutHandlerDeadline: a handler that sets its own read
// deadline takes over from BodyTimeout: a pause longer than BodyTimeout
// is waited out.
func TestBodyTimeoutHandlerDeadline(t *testing.T) {
	for _, m := range trioModes() {
		t.Run(string(m), func(t *testing.T) {
			ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.NewResponseController(w).SetReadDeadline(time.Time{})
				b, err := io.ReadAll(r.Body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				w.Write(b)
			}), func(s *trio.Server) { s.H1.BodyTimeout = 200 * time.Millisecond })
			c, br := rawTLS(t, ts)
			io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\nabc")
			time.Sleep(500 * time.Millisecond)
			io.WriteString(c, "def")
			if resp, body := readResponse(t, br, "POST"); resp.StatusCode != http.StatusOK || body != "abcdef" {
				t.Errorf("paused body: %d %q; want 200 abcdef", resp.StatusCode, body)
			}
		})
	}
}
