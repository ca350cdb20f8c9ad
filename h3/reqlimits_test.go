package h3_test

import (
	"errors"
	"fmt"
	"github.com/triohttp/trio/internal/testtool"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio/h3"
)

// hitCounter counts what a Config's LimitHit reports.
type hitCounter = testtool.Counter

// TestMaxHeaderFields: more regular fields than MaxHeaderFields get 431;
// cookie crumbs count once.
func TestMaxHeaderFields(t *testing.T) {
	var hits hitCounter
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), h3.Config{LimitHit: hits.Hit})
	get := func(fields, cookies int) int {
		req := newRequest(t, "GET", ts.url, nil)
		for i := range fields {
			req.Header.Set(fmt.Sprintf("X-F%d", i), "v")
		}
		for i := range cookies {
			req.AddCookie(&http.Cookie{Name: fmt.Sprintf("c%d", i), Value: "v"})
		}
		resp, _ := ts.do(t, req)
		return resp.StatusCode
	}
	if code := get(h3.DefaultMaxHeaderFields-5, 150); code != http.StatusOK {
		t.Errorf("%d fields and 150 cookies: status %d; want 200", h3.DefaultMaxHeaderFields-5, code)
	}
	if code := get(h3.DefaultMaxHeaderFields+1, 0); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("%d fields: status %d; want 431", h3.DefaultMaxHeaderFields+1, code)
	}
	if n := hits.Get(h3.LimitHeaderFields); n != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", h3.LimitHeaderFields, n)
	}
}

// TestMaxBodyBytes: a declared content-length over MaxBodyBytes gets 413
// before the handler runs; a body without one that grows past it gets
// 413 and its handler's Read an *http.MaxBytesError.
func TestMaxBodyBytes(t *testing.T) {
	var hits hitCounter
	readErr := make(chan error, 1)
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := io.ReadAll(r.Body)
		readErr <- err
		if err != nil {
			http.Error(w, "handler's own answer", http.StatusBadRequest)
			return
		}
		io.WriteString(w, "ok")
	}), h3.Config{MaxBodyBytes: 1000, LimitHit: hits.Hit})
	if resp, _ := ts.do(t, newRequest(t, "POST", ts.url, strings.NewReader(strings.Repeat("a", 1001)))); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("content-length 1001: status %d; want 413", resp.StatusCode)
	}
	resp, body := ts.do(t, newRequest(t, "POST", ts.url, io.MultiReader(strings.NewReader(strings.Repeat("a", 3000)))))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("3000 bytes without content-length: status %d (%q); want 413", resp.StatusCode, body)
	}
	var mbe *http.MaxBytesError
	if err := <-readErr; !errors.As(err, &mbe) || mbe.Limit != 1000 {
		t.Errorf("handler's Read error = %v; want *http.MaxBytesError{1000}", err)
	}
	if resp, body := ts.do(t, newRequest(t, "POST", ts.url, strings.NewReader(strings.Repeat("a", 1000)))); resp.StatusCode != http.StatusOK || body != "ok" {
		t.Errorf("1000 bytes: %d %q; want 200 ok", resp.StatusCode, body)
	}
	<-readErr
	if n := hits.Get(h3.LimitBodyBytes); n != 2 {
		t.Errorf("LimitHit(%q) called %d times; want 2", h3.LimitBodyBytes, n)
	}
}

// TestBodyTimeout: a body that stops arriving is cut off after
// BodyTimeout: 408 if the response has not started, a reset with
// H3_REQUEST_CANCELLED if it has; the handler's Read returns
// ErrBodyTimeout. A client sending slowly but steadily is served.
func TestBodyTimeout(t *testing.T) {
	var hits hitCounter
	readErr := make(chan error, 1)
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}), h3.Config{BodyTimeout: 300 * time.Millisecond, LimitHit: hits.Hit})

	pr, pw := io.Pipe()
	go pw.Write([]byte("abc")) // then nothing
	t0 := time.Now()
	resp, _ := ts.do(t, newRequest(t, "POST", ts.url, pr))
	pw.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled body: status %d; want 408", resp.StatusCode)
	}
	if d := time.Since(t0); d < 250*time.Millisecond || d > 5*time.Second {
		t.Errorf("stalled body answered after %v; want about 300ms", d)
	}
	if err := <-readErr; !errors.Is(err, h3.ErrBodyTimeout) {
		t.Errorf("handler's Read error = %v; want ErrBodyTimeout", err)
	}

	rc := dialRaw(t, ts)
	s, err := rc.qc.OpenStream()
	if err != nil {
		t.Fatal(err)
	}
	s.SetDeadline(time.Now().Add(5 * time.Second))
	s.Write(headers(":method", "POST", ":scheme", "https", ":authority", ts.addr, ":path", "/started"))
	s.Write([]byte{0x00, 10, 'a', 'b', 'c'}) // DATA of 10 bytes, 3 sent
	_, err = io.ReadAll(s)
	var se *quic.StreamError
	if !errors.As(err, &se) || se.ErrorCode != 0x10c {
		t.Errorf("response begun before the stall: stream ended with %v; want H3_REQUEST_CANCELLED (0x10c)", err)
	}
	if err := <-readErr; !errors.Is(err, h3.ErrBodyTimeout) {
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
	if resp, body := ts.do(t, newRequest(t, "POST", ts.url, pr)); resp.StatusCode != http.StatusOK || body != "abcdefgh" {
		t.Errorf("steady body: %d %q; want 200 abcdefgh", resp.StatusCode, body)
	}
	<-readErr
	if n := hits.Get(h3.LimitBodyTime); n != 2 {
		t.Errorf("LimitHit(%q) called %d times; want 2", h3.LimitBodyTime, n)
	}
}

// TestBodyTimeoutHandlerDeadline: a handler that sets its own read
// deadline takes over from BodyTimeout: a pause longer than BodyTimeout
// is waited out.
func TestBodyTimeoutHandlerDeadline(t *testing.T) {
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetReadDeadline(time.Time{})
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Write(b)
	}), h3.Config{BodyTimeout: 200 * time.Millisecond})
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte("abc"))
		time.Sleep(500 * time.Millisecond)
		pw.Write([]byte("def"))
		pw.Close()
	}()
	if resp, body := ts.do(t, newRequest(t, "POST", ts.url, pr)); resp.StatusCode != http.StatusOK || body != "abcdef" {
		t.Errorf("paused body: %d %q; want 200 abcdef", resp.StatusCode, body)
	}
}
