package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
)

// countConns counts the connections srv accepts and closes.
func countConns(srv *http.Server) (opened, open *atomic.Int64) {
	opened, open = new(atomic.Int64), new(atomic.Int64)
	srv.ConnState = func(c net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	return opened, open
}

// waitZero waits up to 2 s for n to reach 0 and returns it.
func waitZero(n *atomic.Int64) int64 {
	deadline := time.Now().Add(2 * time.Second)
	for n.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return n.Load()
}

// TestH1ClientReuse: one upstream connection carries requests of every
// kind in a row: with no body, a small body written inline, a large and a
// chunked one written from the body writer, HEAD, 204 and 304 answers,
// chunked answers with trailers. A response to the close of the
// connection, or with Connection: close, is not reused; Close of the
// Transport leaves no connection open.
func TestH1ClientReuse(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		case "/chunked":
			w.Header().Set("Trailer", "X-T")
			fmt.Fprintf(w, "%d", n)
			w.(http.Flusher).Flush()
			w.Header().Set("X-T", "t")
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprintf(w, "%d", n)
		default:
			fmt.Fprintf(w, "%d", n)
		}
	})}
	opened, open := countConns(srv)
	up, _ := serveUpstream(t, "http", srv)
	tr := &Transport{}
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), Transport: tr})
	send := func(method, path string, body io.Reader, length int64) (int, string, http.Header) {
		t.Helper()
		req := newRequest(t, method, ts.URL+path, body)
		if body != nil {
			req.ContentLength = length
		}
		res := do(t, ts, req)
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("%s %s: reading: %v", method, path, err)
		}
		return res.StatusCode, string(b), res.Trailer
	}
	big := strings.Repeat("b", inlineBody+1)
	for _, tt := range []struct {
		method, path string
		body         string
		length       int64 // -1: unknown, sent chunked
		code         int
		want         string
	}{
		{"GET", "/", "", 0, 200, "0"},
		{"POST", "/", "small", 5, 200, "5"},
		{"POST", "/", big, int64(len(big)), 200, fmt.Sprint(len(big))},
		{"POST", "/", "streamed", -1, 200, "8"},
		{"HEAD", "/", "", 0, 200, ""},
		{"GET", "/204", "", 0, 204, ""},
		{"GET", "/304", "", 0, 304, ""},
		{"GET", "/chunked", "", 0, 200, "0"},
	} {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
			if tt.length < 0 {
				body = io.MultiReader(body) // no length known to the client
			}
		}
		code, got, trailer := send(tt.method, tt.path, body, tt.length)
		if code != tt.code || got != tt.want {
			t.Errorf("%s %s: %d %q; want %d %q", tt.method, tt.path, code, got, tt.code, tt.want)
		}
		if tt.path == "/chunked" && trailer.Get("X-T") != "t" {
			t.Errorf("GET /chunked: trailer %v; want X-T: t", trailer)
		}
	}
	if n := opened.Load(); n != 1 {
		t.Errorf("%d upstream connections opened; want 1 for all", n)
	}
	send("GET", "/close", nil, 0)
	send("GET", "/", nil, 0)
	if n := opened.Load(); n != 2 {
		t.Errorf("%d upstream connections opened; want 2: Connection: close is not reused", n)
	}
	tr.Close()
	if n := waitZero(open); n != 0 {
		t.Errorf("%d upstream connections open after Transport.Close; want none", n)
	}
}

// TestH1ClientStaleConn: an upstream that closes its kept-alive
// connections while they are idle: a GET on one is sent again on a new
// connection, a POST's connection is checked before it is used, and the
// client sees neither.
func TestH1ClientStaleConn(t *testing.T) {
	var conns atomic.Int64
	up := rawUpstream(t, func(c net.Conn) {
		conns.Add(1)
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, req.Body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(fmt.Sprint(n)), fmt.Sprint(n))
		// Keep-alive promised, then the connection closes once idle.
		time.Sleep(20 * time.Millisecond)
	})
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up)})
	for i := range 6 {
		method, body := "GET", io.Reader(nil)
		if i%2 == 1 {
			method, body = "POST", strings.NewReader("abc")
		}
		res := do(t, ts, newRequest(t, method, ts.URL+"/", body))
		b, _ := io.ReadAll(res.Body)
		if want := map[string]string{"GET": "0", "POST": "3"}[method]; res.StatusCode != 200 || string(b) != want {
			t.Errorf("%s %d: %d %q; want 200 %q", method, i, res.StatusCode, b, want)
		}
		time.Sleep(60 * time.Millisecond) // the upstream closes the idle connection
	}
	if n := conns.Load(); n != 6 {
		t.Errorf("%d upstream connections for 6 requests; want 6", n)
	}
}

// TestH1ResponseFraming: responses whose framing RFC 9112 forbids, or
// that could smuggle a second response, get the client a 502 and the
// upstream connection closed; valid but unusual ones pass.
func TestH1ResponseFraming(t *testing.T) {
	for _, tt := range []struct {
		name, raw string
		code      int    // 0: the response must break within its body
		body      string // of a 200
	}{
		{"Content-Length and Transfer-Encoding", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 502, ""},
		{"Transfer-Encoding gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 502, ""},
		{"two Transfer-Encodings", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502, ""},
		{"Transfer-Encoding in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 502, ""},
		{"differing Content-Lengths", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 502, ""},
		{"Content-Length list", "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", 502, ""},
		{"signed Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc", 502, ""},
		{"obs-fold", "HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 3\r\n\r\nabc", 502, ""},
		{"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 3\r\n\r\nabc", 502, ""},
		{"CR in a value", "HTTP/1.1 200 OK\r\nX-A: a\rb\r\nContent-Length: 3\r\n\r\nabc", 502, ""},
		{"HTTP/2 status line", "HTTP/2.0 200 OK\r\nContent-Length: 3\r\n\r\nabc", 502, ""},
		{"two-digit status", "HTTP/1.1 20 OK\r\nContent-Length: 3\r\n\r\nabc", 502, ""},
		{"101 unasked", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", 502, ""},
		{"too many 1xx", strings.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 12) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 502, ""},
		{"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", 0, ""},
		{"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", 0, ""},
		{"chunk size overflow", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", 0, ""},
		{"repeated equal Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
		{"chunked with extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=\"y\"\r\nabc\r\n0\r\n\r\n", 200, "abc"},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc", 200, "abc"},
		{"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
		{"to the close", "HTTP/1.0 200 OK\r\n\r\nabc", 200, "abc"},
		{"1xx first", "HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
		{"field longer than the read buffer", "HTTP/1.1 200 OK\r\nX-Long: " + strings.Repeat("l", 20<<10) + "\r\nContent-Length: 3\r\n\r\nabc", 200, "abc"},
		{"head too large", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Long: "+strings.Repeat("l", 1<<10)+"\r\n", 1<<10) + "Content-Length: 3\r\n\r\nabc", 502, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			closed := make(chan bool, 1)
			up := rawUpstream(t, func(c net.Conn) {
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				c.Write([]byte(tt.raw))
				if tt.code == 200 {
					return
				}
				// The proxy must close the connection: it cannot carry
				// another request. (A reset when it closes with bytes
				// unread, an EOF otherwise; a timeout is no close.)
				c.SetReadDeadline(time.Now().Add(3 * time.Second))
				_, err := c.Read(make([]byte, 1))
				closed <- err != nil && !errors.Is(err, os.ErrDeadlineExceeded)
			})
			ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up)})
			res, err := ts.Client.Do(newRequest(t, "GET", ts.URL+"/", nil))
			if err != nil {
				if tt.code != 0 {
					t.Fatalf("GET: %v; want %d", err, tt.code)
				}
				return
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			switch {
			case tt.code == 0:
				if err == nil {
					t.Errorf("read %d %q whole; want the response aborted", res.StatusCode, b)
				}
			case res.StatusCode != tt.code || tt.code == 200 && string(b) != tt.body:
				t.Errorf("got %d %q; want %d %q", res.StatusCode, b, tt.code, tt.body)
			}
			if tt.code != 200 {
				select {
				case ok := <-closed:
					if !ok {
						t.Error("upstream connection not closed by the proxy")
					}
				case <-time.After(5 * time.Second):
					t.Error("upstream connection not closed by the proxy")
				}
			}
		})
	}
}

// TestH1ClientExpectRefused: an upstream that answers a request with
// Expect: 100-continue with a final status never gets the body, and the
// connection, on which it may still wait for it, is not used again.
func TestH1ClientExpectRefused(t *testing.T) {
	var gotBody atomic.Bool
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Expect") != "" {
			w.Header().Set("Connection", "keep-alive")
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		if n, _ := io.Copy(io.Discard, r.Body); n > 0 {
			gotBody.Store(true)
		}
	})}
	opened, _ := countConns(srv)
	up, _ := serveUpstream(t, "http", srv)
	tr := newTransport(t)
	req, _ := http.NewRequest("PUT", up+"/", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("status %d; want 403", res.StatusCode)
	}
	req, _ = http.NewRequest("GET", up+"/", nil)
	res, err = tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if gotBody.Load() {
		t.Error("the upstream got the body it refused, read as a request")
	}
	if n := opened.Load(); n != 2 {
		t.Errorf("%d connections; want 2: the refused one is not reused", n)
	}
}

// TestH1ClientCancel: a client that leaves while the upstream has not
// answered, or within a body that stalls, gets its upstream connection
// closed at once, with no response header timeout to wait for.
func TestH1ClientCancel(t *testing.T) {
	for _, stall := range []string{"head", "body"} {
		t.Run(stall, func(t *testing.T) {
			closed := make(chan struct{})
			up := rawUpstream(t, func(c net.Conn) {
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				if stall == "body" {
					c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
				}
				io.Copy(io.Discard, c)
				close(closed)
			})
			tr := newTransport(t)
			req, _ := http.NewRequest("GET", up+"/", nil)
			ctx, cancel := context.WithCancel(context.Background())
			req = req.WithContext(ctx)
			errc := make(chan error, 1)
			go func() {
				res, err := tr.RoundTrip(req)
				if err == nil {
					_, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				errc <- err
			}()
			time.Sleep(100 * time.Millisecond)
			cancel()
			select {
			case err := <-errc:
				if err == nil {
					t.Error("round trip succeeded; want the cancellation")
				}
			case <-time.After(3 * time.Second):
				t.Fatal("round trip still blocked 3 s after the cancellation")
			}
			select {
			case <-closed:
			case <-time.After(3 * time.Second):
				t.Error("upstream connection still open 3 s after the cancellation")
			}
		})
	}
}

// TestH1ClientTrace: Transport.RoundTrip to an http upstream reports 1xx
// responses and the first response byte to the request's
// httptrace.ClientTrace, and its response-header timeout as
// errResponseHeaderTimeout.
func TestH1ClientTrace(t *testing.T) {
	up := rawUpstream(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		if req.URL.Path == "/stall" {
			io.Copy(io.Discard, c)
			return
		}
		c.Write([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
	})
	tr := newTransport(t)
	tr.ResponseHeaderTimeout = 200 * time.Millisecond
	var mu sync.Mutex
	var events []string
	trace := &httptrace.ClientTrace{
		GotFirstResponseByte: func() { mu.Lock(); events = append(events, "first byte"); mu.Unlock() },
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			mu.Lock()
			events = append(events, fmt.Sprintf("%d %s", code, h.Get("Link")))
			mu.Unlock()
			return nil
		},
	}
	req, _ := http.NewRequest("GET", up+"/", nil)
	req = req.WithContext(httptrace.WithClientTrace(context.Background(), trace))
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "ok" || strings.Join(events, "; ") != "first byte; 103 </a>" {
		t.Errorf("body %q, events %q; want \"ok\" after first byte and the 103", b, events)
	}
	req, _ = http.NewRequest("GET", up+"/stall", nil)
	start := time.Now()
	if _, err := tr.RoundTrip(req); err != errResponseHeaderTimeout {
		t.Errorf("stalled upstream: %v; want errResponseHeaderTimeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed out after %v; want 200 ms", d)
	}
}

// TestH1ClientHeaderTimeoutAfterBody: the response-header timeout starts
// once the request body is written, whether it went inline, from the body
// writer (long or chunked), or after the expect-continue wait: an upstream
// that reads the whole request and never answers gets the client a 504,
// and no earlier than the body's end.
func TestH1ClientHeaderTimeoutAfterBody(t *testing.T) {
	up := rawUpstream(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		io.Copy(io.Discard, c) // and never answer
	})
	tr := newTransport(t)
	tr.ResponseHeaderTimeout = 300 * time.Millisecond
	ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), Transport: tr})
	for _, tt := range []struct {
		name   string
		size   int
		length bool
		expect bool
	}{
		{"inline", 100, true, false},
		{"long", inlineBody * 4, true, false},
		{"chunked", 100, false, false},
		{"expect", 100, true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(strings.Repeat("x", tt.size))
			if !tt.length {
				body = io.MultiReader(body)
			}
			req := newRequest(t, "POST", ts.URL+"/", body)
			if tt.expect {
				req.Header.Set("Expect", "100-continue")
			}
			start := time.Now()
			res := do(t, ts, req)
			b, _ := io.ReadAll(res.Body)
			d := time.Since(start)
			if res.StatusCode != 504 || !strings.Contains(string(b), "no response header in time") {
				t.Errorf("got %d %q; want 504", res.StatusCode, b)
			}
			if d < 300*time.Millisecond || d > 5*time.Second {
				t.Errorf("answered after %v; want the 300 ms timeout after the body", d)
			}
		})
	}
}

// TestH1ClientStrayResponse: an upstream that sends more after a response
// without a body (a 204 with a body, here a whole smuggled response, at
// once or a little later) does not get it read as the answer to the next
// request on the connection: that connection is dropped.
func TestH1ClientStrayResponse(t *testing.T) {
	for _, late := range []bool{false, true} {
		t.Run(fmt.Sprintf("late=%t", late), func(t *testing.T) {
			up := rawUpstream(t, func(c net.Conn) {
				br := bufio.NewReader(c)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if req.URL.Path != "/204" {
						c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nright"))
						continue
					}
					const stray = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nwrong"
					if !late {
						c.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n" + stray))
						continue
					}
					c.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
					time.Sleep(30 * time.Millisecond)
					c.Write([]byte(stray))
				}
			})
			ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up)})
			for i := range 3 {
				res := do(t, ts, newRequest(t, "GET", ts.URL+"/204", nil))
				io.ReadAll(res.Body)
				if res.StatusCode != 204 {
					t.Fatalf("GET /204: %d", res.StatusCode)
				}
				time.Sleep(80 * time.Millisecond)
				for _, method := range []string{"GET", "POST"} {
					res = do(t, ts, newRequest(t, method, ts.URL+"/", strings.NewReader("")))
					b, _ := io.ReadAll(res.Body)
					if res.StatusCode != 200 || string(b) != "right" {
						t.Errorf("%d: %s / after the 204: %d %q; want 200 \"right\"", i, method, res.StatusCode, b)
					}
				}
			}
		})
	}
}

// TestH1ClientDeadlineLeftBehind: the response-header deadline stays on
// an upstream connection after the head came (see h1Conn), so a body
// slower than ResponseHeaderTimeout, and the next request's head coming
// after the earlier request's deadline, must still arrive whole on the one
// connection: a read stopped by a deadline that is not the current
// trip's reads again.
func TestH1ClientDeadlineLeftBehind(t *testing.T) {
	var dials atomic.Int64
	up := rawUpstream(t, func(c net.Conn) {
		dials.Add(1)
		br := bufio.NewReader(c)
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			switch req.URL.Path {
			case "/slow-body": // the head at once, the body after the timeout
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"))
				time.Sleep(250 * time.Millisecond)
				c.Write([]byte("cd"))
			case "/slow-head": // after the earlier request's deadline, within this one's
				time.Sleep(60 * time.Millisecond)
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			default:
				c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			}
		}
	})
	tr := newTransport(t)
	tr.ResponseHeaderTimeout = 100 * time.Millisecond
	get := func(path, want string) {
		t.Helper()
		req, _ := http.NewRequest("GET", up+path, nil)
		res, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || string(b) != want {
			t.Errorf("GET %s: body %q, %v; want %q", path, b, err, want)
		}
	}
	get("/slow-body", "abcd")
	get("/", "ok")
	time.Sleep(60 * time.Millisecond) // the deadline of "/" passes while /slow-head waits
	get("/slow-head", "ok")
	time.Sleep(150 * time.Millisecond) // idle past every deadline set
	get("/", "ok")
	req, _ := http.NewRequest("POST", up+"/", strings.NewReader("x")) // checked before reuse
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if n := dials.Load(); n != 1 {
		t.Errorf("%d upstream connections; want 1, reused throughout", n)
	}
}
