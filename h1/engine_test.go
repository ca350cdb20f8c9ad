package h1_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/triotest"
)

// h1Modes are the testserver modes of HTTP/1.1: one per engine.
func h1Modes() []triotest.Mode {
	var ms []triotest.Mode
	for _, m := range triotest.Modes {
		if m.Base() == triotest.H1 {
			ms = append(ms, m)
		}
	}
	return ms
}

// runH1 runs f once per HTTP/1.1 engine.
func runH1(t *testing.T, f func(t *testing.T, m triotest.Mode)) {
	for _, m := range h1Modes() {
		t.Run(string(m), func(t *testing.T) { f(t, m) })
	}
}

func trioEngine(m triotest.Mode) bool {
	e := m.H1Engine()
	return e == h1.EngineTrio || e == "" && (*h1.Config)(nil).SelectedEngine() == h1.EngineTrio
}

// rawTLS dials the TLS listener of ts speaking HTTP/1.1.
func rawTLS(t *testing.T, ts *triotest.TS) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := tls.Dial("tcp", ts.TLSAddr().String(), ts.ClientTLS("http/1.1"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, bufio.NewReader(c)
}

func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(body)
}

var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	w.Write(b)
})

func TestExpectContinue(t *testing.T) { runH1(t, testExpectContinue) }
func testExpectContinue(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, echo)
	c, br := rawTLS(t, ts)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	resp, _ := readResponse(t, br, "POST")
	if resp.StatusCode != 100 {
		t.Fatalf("status = %d; want 100 before the body", resp.StatusCode)
	}
	io.WriteString(c, "hello")
	if resp, body := readResponse(t, br, "POST"); resp.StatusCode != 200 || body != "hello" {
		t.Errorf("final = %d %q; want 200 hello", resp.StatusCode, body)
	}
}

// TestExpectContinueUnread: a handler that answers without reading gets no
// 100 sent, and the connection closes, since the body never comes.
func TestExpectContinueUnread(t *testing.T) { runH1(t, testExpectContinueUnread) }
func testExpectContinueUnread(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "no thanks")
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	resp, body := readResponse(t, br, "POST")
	if resp.StatusCode != 200 || body != "no thanks" || !resp.Close {
		t.Errorf("response = %d %q close %v; want 200, no thanks, close", resp.StatusCode, body, resp.Close)
	}
}

func TestEarlyHints(t *testing.T) { runH1(t, testEarlyHints) }
func testEarlyHints(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "done")
	}))
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, fmt.Sprint(code, " ", h["Link"]))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(t.Context(), trace), "GET", ts.URL+"/", nil)
	resp, err := ts.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(hints) != 1 || hints[0] != "103 [</style.css>; rel=preload]" || resp.StatusCode != 200 {
		t.Errorf("1xx = %q, final %d; want one 103 with the Link, then 200", hints, resp.StatusCode)
	}
}

func TestClientGoneCancels(t *testing.T) { runH1(t, testClientGoneCancels) }
func testClientGoneCancels(t *testing.T, m triotest.Mode) {
	started, cancelled := make(chan struct{}), make(chan error, 1)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(5 * time.Second):
			cancelled <- errors.New("context not cancelled in 5s")
		}
	}))
	c, _ := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	<-started
	c.Close()
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Errorf("handler saw %v; want context.Canceled", err)
	}
}

func TestPanicClosesConnection(t *testing.T) { runH1(t, testPanicClosesConnection) }
func testPanicClosesConnection(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		if r.URL.Path == "/abort" {
			panic(http.ErrAbortHandler)
		}
		panic("boom")
	}))
	for _, path := range []string{"/abort", "/boom"} {
		c, br := rawTLS(t, ts)
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: a\r\n\r\n")
		if resp, err := http.ReadResponse(br, nil); err == nil {
			t.Errorf("%s: got %s; want the connection closed", path, resp.Status)
		}
	}
}

func TestHijackGetsPipelinedBytes(t *testing.T) { runH1(t, testHijackGetsPipelinedBytes) }
func testHijackGetsPipelinedBytes(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		defer c.Close()
		extra := make([]byte, 5)
		io.ReadFull(brw, extra)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\n%s", extra)
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\nextra")
	if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "extra" {
		t.Errorf("response = %d %q; want 200 extra", resp.StatusCode, body)
	}
}

func TestHeadKeepsLength(t *testing.T) { runH1(t, testHeadKeepsLength) }
func testHeadKeepsLength(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "<html>hello</html>")
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
	head, body := readResponse(t, br, "HEAD")
	if head.ContentLength != 18 || body != "" || head.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("HEAD: length %d, type %q, body %q; want 18, text/html, none", head.ContentLength, head.Header.Get("Content-Type"), body)
	}
	if get, body := readResponse(t, br, "GET"); get.ContentLength != 18 || body != "<html>hello</html>" {
		t.Errorf("GET after HEAD: length %d body %q", get.ContentLength, body)
	}
}

func TestResponseFraming(t *testing.T) { runH1(t, testResponseFraming) }
func testResponseFraming(t *testing.T, m triotest.Mode) {
	big := strings.Repeat("x", 10<<10)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/small":
			io.WriteString(w, "small")
		case "/big":
			io.WriteString(w, big)
		case "/flushed":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}
	}))
	for _, tt := range []struct {
		path    string
		length  int64
		chunked bool
		body    string
	}{
		{"/small", 5, false, "small"},
		{"/big", -1, true, big},
		{"/flushed", -1, true, "ab"},
	} {
		resp, err := ts.Client.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		chunked := len(resp.TransferEncoding) == 1 && resp.TransferEncoding[0] == "chunked"
		if resp.ContentLength != tt.length || chunked != tt.chunked || string(body) != tt.body || resp.Header.Get("Date") == "" {
			t.Errorf("%s: length %d chunked %v date %q body %d bytes; want %d %v", tt.path, resp.ContentLength, chunked,
				resp.Header.Get("Date"), len(body), tt.length, tt.chunked)
		}
	}
}

// TestHTTP10 checks that an HTTP/1.0 response of unknown length ends with
// the connection, unchunked.
func TestHTTP10(t *testing.T) { runH1(t, testHTTP10) }
func testHTTP10(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "a")
		w.(http.Flusher).Flush()
		io.WriteString(w, "b")
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
	resp, body := readResponse(t, br, "GET")
	if body != "ab" || len(resp.TransferEncoding) != 0 || resp.ContentLength != -1 {
		t.Errorf("body %q, TE %v, length %d; want ab delimited by the close", body, resp.TransferEncoding, resp.ContentLength)
	}
}

func TestRequestFields(t *testing.T) { runH1(t, testRequestFields) }
func testRequestFields(t *testing.T, m triotest.Mode) {
	got := make(chan string, 1)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, isServer := r.Context().Value(http.ServerContextKey).(*http.Server)
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		got <- fmt.Sprintf("%s %s %s host=%s tls=%v remote=%v server=%v local=%v", r.Method, r.RequestURI, r.URL.Path,
			r.Host, r.TLS != nil, r.RemoteAddr != "", isServer, local != nil)
	}))
	c, br := rawTLS(t, ts)
	for _, tt := range []struct{ req, want string }{
		{"GET /p?q HTTP/1.1\r\nHost: h\r\n\r\n", "GET /p?q /p host=h tls=true remote=true server=true local=true"},
		{"GET http://abs/p HTTP/1.1\r\nHost: h\r\n\r\n", "GET http://abs/p /p host=abs tls=true remote=true server=true local=true"},
		{"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "OPTIONS * * host=h tls=true remote=true server=true local=true"},
	} {
		if strings.HasPrefix(tt.req, "OPTIONS") && !trioEngine(m) {
			continue // net/http answers OPTIONS * itself
		}
		io.WriteString(c, tt.req)
		readResponse(t, br, "GET")
		select {
		case g := <-got:
			if g != tt.want {
				t.Errorf("handler saw %q; want %q", g, tt.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%q: the handler did not run", tt.req)
		}
	}
}

func TestRequestTrailers(t *testing.T) { runH1(t, testRequestTrailers) }
func testRequestTrailers(t *testing.T, m triotest.Mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s", b, r.Trailer.Get("X-Sum"))
	}))
	c, br := rawTLS(t, ts)
	io.WriteString(c, "POST / HTTP/1.1\r\nHost: a\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nbody\r\n0\r\nX-Sum: 42\r\n\r\n")
	if _, body := readResponse(t, br, "POST"); body != "body 42" {
		t.Errorf("body = %q; want %q", body, "body 42")
	}
}

// TestReadHeaderTimeout408: a head that does not arrive in time is
// answered 408 (trio's engine; net/http answers 400).
func TestReadHeaderTimeout408(t *testing.T) {
	for _, m := range h1Modes() {
		if !trioEngine(m) {
			continue
		}
		ts := triotest.New(t, m, echo, func(s *trio.Server) { s.H1.ReadHeaderTimeout = 200 * time.Millisecond })
		c, br := rawTLS(t, ts)
		io.WriteString(c, "GET / HTTP/1.1\r\n")
		if resp, _ := readResponse(t, br, "GET"); resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("status = %d; want 408", resp.StatusCode)
		}
	}
}
