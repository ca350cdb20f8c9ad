package h3_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/h3"
)

// echoHandler answers GET and HEAD with "hello", and any other method
// with the request body, its length and the request's protocol.
var echoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Proto", r.Proto)
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		io.WriteString(w, "hello")
		return
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("X-Len", strconv.Itoa(len(b)))
	w.Write(b)
})

func TestMethods(t *testing.T) { forEngines(t, testMethods) }

func testMethods(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, echoHandler, h3.Config{})
	tests := []struct {
		method, body string
		wantBody     string
		wantLen      int64
		wantType     string
	}{
		{"GET", "", "hello", 5, "text/plain; charset=utf-8"},
		{"HEAD", "", "", 5, "text/plain; charset=utf-8"},
		{"POST", "ping", "ping", 4, "text/plain; charset=utf-8"},
		{"PUT", "<html><body>x", "<html><body>x", 13, "text/html; charset=utf-8"},
		{"POST", "", "", 0, ""},
	}
	for _, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		resp, got := ts.do(t, newRequest(t, tt.method, ts.url+"/", body))
		if resp.StatusCode != 200 || got != tt.wantBody {
			t.Errorf("%s %q: %d %q; want 200 %q", tt.method, tt.body, resp.StatusCode, got, tt.wantBody)
		}
		if resp.ContentLength != tt.wantLen {
			t.Errorf("%s %q: ContentLength = %d; want %d", tt.method, tt.body, resp.ContentLength, tt.wantLen)
		}
		if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
			t.Errorf("%s %q: Content-Type = %q; want %q", tt.method, tt.body, ct, tt.wantType)
		}
		if p := resp.Header.Get("X-Proto"); p != "HTTP/3.0" || resp.Proto != "HTTP/3.0" {
			t.Errorf("%s: handler saw %q, client %q; want HTTP/3.0", tt.method, p, resp.Proto)
		}
	}
}

// TestRequestFields checks what a handler sees of the request.
func TestRequestFields(t *testing.T) { forEngines(t, testRequestFields) }

func testRequestFields(t *testing.T, e h3.Engine) {
	seen := make(chan *http.Request, 1)
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r
	}), h3.Config{})
	req := newRequest(t, "GET", ts.url+"/p?q=1", nil)
	req.Header.Add("Cookie", "a=1")
	req.Header.Add("X-Multi", "1")
	req.Header.Add("X-Multi", "2")
	ts.do(t, req)
	r := <-seen
	if r.ProtoMajor != 3 || r.Proto != "HTTP/3.0" || r.Host != ts.addr || r.URL.RawQuery != "q=1" || r.RequestURI != "/p?q=1" {
		t.Errorf("request = %s %d %s %s %s; want HTTP/3.0 3 %s /p?q=1", r.Proto, r.ProtoMajor, r.Host, r.URL, r.RequestURI, ts.addr)
	}
	if r.TLS == nil || r.TLS.NegotiatedProtocol != "h3" {
		t.Errorf("TLS = %+v; want ALPN h3", r.TLS)
	}
	if r.RemoteAddr == "" || r.Context().Value(http.LocalAddrContextKey) == nil {
		t.Errorf("RemoteAddr %q, LocalAddrContextKey %v; want both", r.RemoteAddr, r.Context().Value(http.LocalAddrContextKey))
	}
	if got := r.Context().Value(h3.ServerContextKey); got != ts.srv {
		t.Errorf("ServerContextKey = %v; want the server", got)
	}
	if got := r.Header["X-Multi"]; len(got) != 2 || r.Header.Get("Cookie") != "a=1" {
		t.Errorf("header = %v; want X-Multi twice and the cookie", r.Header)
	}
}

func TestLargeBodies(t *testing.T) { forEngines(t, testLargeBodies) }

func testLargeBodies(t *testing.T, e h3.Engine) {
	const n = 4 << 20
	big := bytes.Repeat([]byte("0123456789abcdef"), n/16)
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			w.Write(big)
			return
		}
		h := sha256.New()
		m, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		fmt.Fprintf(w, "%d %x", m, h.Sum(nil))
	}), h3.Config{})
	resp, got := ts.do(t, newRequest(t, "GET", ts.url+"/", nil))
	if len(got) != n || got != string(big) {
		t.Errorf("GET: %d bytes; want %d, the same", len(got), n)
	}
	if resp.ContentLength != -1 {
		t.Errorf("GET: ContentLength = %d; want -1 (streamed)", resp.ContentLength)
	}
	_, got = ts.do(t, newRequest(t, "POST", ts.url+"/", bytes.NewReader(big)))
	if want := fmt.Sprintf("%d %x", n, sha256.Sum256(big)); got != want {
		t.Errorf("POST: server read %q; want %q", got, want)
	}
}

func TestTrailers(t *testing.T) { forEngines(t, testTrailers) }

func testTrailers(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
		w.Header().Set("X-Sum", fmt.Sprint(len(b)))
		w.Header().Set(http.TrailerPrefix+"X-Got", r.Trailer.Get("X-Client"))
	}), h3.Config{})
	req := newRequest(t, "POST", ts.url+"/", io.MultiReader(strings.NewReader("abc")))
	req.Trailer = http.Header{"X-Client": {"yes"}}
	resp, body := ts.do(t, req)
	if body != "abc" {
		t.Errorf("body = %q; want abc", body)
	}
	if got := resp.Trailer.Get("X-Sum"); got != "3" {
		t.Errorf("trailer X-Sum = %q; want 3 (trailers %v)", got, resp.Trailer)
	}
	if got := resp.Trailer.Get("X-Got"); got != "yes" {
		t.Errorf("trailer X-Got = %q; want the request trailer yes (trailers %v)", got, resp.Trailer)
	}
}

func TestEarlyHints(t *testing.T) { forEngines(t, testEarlyHints) }

func testEarlyHints(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.WriteHeader(http.StatusOK)
		w.WriteHeader(http.StatusTeapot) // superfluous: ignored
		io.WriteString(w, "page")
	}), h3.Config{})
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, fmt.Sprintf("%d %s", code, h.Get("Link")))
		return nil
	}}
	req := newRequest(t, "GET", ts.url+"/", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, body := ts.do(t, req)
	if resp.StatusCode != 200 || body != "page" {
		t.Errorf("response %d %q; want 200 page", resp.StatusCode, body)
	}
	if len(hints) != 1 || hints[0] != "103 </style.css>; rel=preload" {
		t.Errorf("1xx responses %q; want one 103 with the Link", hints)
	}
}

// TestFlush streams: the client reads each part before the handler
// writes the next.
func TestFlush(t *testing.T) { forEngines(t, testFlush) }

func testFlush(t *testing.T, e h3.Engine) {
	next := make(chan bool)
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-time.After(5 * time.Second):
				return
			}
		}
	}), h3.Config{})
	resp, err := ts.client.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	for i := range 3 {
		want := fmt.Sprintf("part%d;", i)
		buf := make([]byte, len(want))
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != want {
			t.Fatalf("part %d: %q, %v; want %q before the handler goes on", i, buf, err, want)
		}
		next <- true
	}
}

// TestResponseController checks deadlines and full duplex through
// http.ResponseController.
func TestResponseController(t *testing.T) { forEngines(t, testResponseController) }

func testResponseController(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil && e == h3.EngineTrio {
			fmt.Fprintf(w, "EnableFullDuplex: %v", err)
			return
		}
		if err := rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
			fmt.Fprintf(w, "SetReadDeadline: %v", err)
			return
		}
		_, err := io.ReadAll(r.Body)
		rc.SetWriteDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(w, "read: %v", err)
	}), h3.Config{})
	pr, pw := io.Pipe() // a body that never ends
	defer pw.Close()
	_, body := ts.do(t, newRequest(t, "POST", ts.url+"/", pr))
	if !strings.Contains(body, "deadline") {
		t.Errorf("handler's read = %q; want a deadline error", body)
	}
}

func TestConcurrentStreams(t *testing.T) { forEngines(t, testConcurrentStreams) }

func testConcurrentStreams(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, echoHandler, h3.Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Go(func() {
			want := strings.Repeat(strconv.Itoa(i), 1000+i)
			resp, err := ts.client.Post(ts.url+"/", "text/plain", strings.NewReader(want))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			if got, err := io.ReadAll(resp.Body); err != nil || string(got) != want {
				errs <- fmt.Errorf("stream %d: %d bytes, %v; want %d", i, len(got), err, len(want))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestResponseContentLengthShort: a handler writing less than its
// Content-Length has its stream reset; the client sees an error.
func TestResponseContentLengthShort(t *testing.T) { forEngines(t, testResponseContentLengthShort) }

func testResponseContentLengthShort(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "abc")
		if _, err := io.WriteString(w, "0123456789"); err != http.ErrContentLength && e == h3.EngineTrio {
			panic(fmt.Sprintf("write past Content-Length: %v; want http.ErrContentLength", err))
		}
	}), h3.Config{})
	resp, err := ts.client.Get(ts.url + "/")
	if err != nil {
		return // trio's engine resets the stream before sending anything
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err == nil {
		t.Errorf("read %q and no error; want an error for 3 bytes of 10", b)
	}
}

func TestPanic(t *testing.T) { forEngines(t, testPanic) }

func testPanic(t *testing.T, e h3.Engine) {
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/panic":
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	}), h3.Config{})
	if e == h3.EngineStd {
		// quic-go's client drops, without closing, a connection on which a
		// stream was reset, and quic-go's server waits for clients to close.
		t.Cleanup(func() { ts.srv.Close() })
	}
	for _, path := range []string{"/panic", "/abort"} {
		if resp, err := ts.client.Get(ts.url + path); err == nil {
			_, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("GET %s: %d and no error; want the stream reset", path, resp.StatusCode)
			}
		}
	}
	if _, body := ts.do(t, newRequest(t, "GET", ts.url+"/", nil)); body != "fine" {
		t.Errorf("after the panics: %q; want fine", body)
	}
	logs := ts.logs.String()
	if strings.Count(logs, "boom") != 1 || !strings.Contains(logs, "engine_test.go") {
		t.Errorf("log = %q; want one panic line with the stack, none for http.ErrAbortHandler", logs)
	}
}
