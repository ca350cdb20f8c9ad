package proxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/triotest"
)

// TestBody: a 1 MiB body goes up and comes back intact, on every mode.
func TestBody(t *testing.T) { triotest.Run(t, testBody) }

func testBody(t *testing.T, m triotest.Mode) {
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.URL.RequestURI() != "/up/load?x=1" {
			t.Errorf("upstream got %s %s; want POST /up/load?x=1", r.Method, r.URL.RequestURI())
		}
		io.Copy(w, r.Body)
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	body := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{1}).Read(body)
	res := do(t, ts, newRequest(t, "POST", ts.URL+"/up/load?x=1", bytes.NewReader(body)))
	got, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if sha256.Sum256(got) != sha256.Sum256(body) {
		t.Errorf("body came back with %d bytes, not the %d sent", len(got), len(body))
	}
}

// TestTrailers: request trailers reach the upstream, response trailers
// (announced or not) reach the client.
func TestTrailers(t *testing.T) { triotest.Run(t, testTrailers) }

func testTrailers(t *testing.T, m triotest.Mode) {
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Trailer", "X-Announced")
		w.Write([]byte("body"))
		w.(http.Flusher).Flush()
		w.Header().Set("X-Announced", "got "+r.Trailer.Get("X-Req-Trailer"))
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	req := newRequest(t, "POST", ts.URL+"/", io.MultiReader(strings.NewReader("hello")))
	req.Trailer = http.Header{"X-Req-Trailer": nil}
	req.Body = &trailerSetter{Reader: strings.NewReader("hello"), set: func() { req.Trailer.Set("X-Req-Trailer", "t1") }}
	res := do(t, ts, req)
	if b, err := io.ReadAll(res.Body); err != nil || string(b) != "body" {
		t.Fatalf("body = %q, %v; want %q", b, err, "body")
	}
	if g := res.Trailer.Get("X-Announced"); g != "got t1" {
		t.Errorf("trailer X-Announced = %q; want %q (the upstream saw the request trailer?)", g, "got t1")
	}
	if g := res.Trailer.Get("X-Late"); g != "late" {
		t.Errorf("trailer X-Late = %q; want %q", g, "late")
	}
}

// trailerSetter sets the request trailer when its body ends, as a client
// computing a checksum would.
type trailerSetter struct {
	io.Reader
	set func()
}

func (b *trailerSetter) Read(p []byte) (int, error) {
	n, err := b.Reader.Read(p)
	if err == io.EOF && b.set != nil {
		b.set()
		b.set = nil
	}
	return n, err
}

func (b *trailerSetter) Close() error { return nil }

// TestEarlyHints: a 103 from the upstream reaches the client before the
// response, with its Link field, and the Link does not stay on the 200.
func TestEarlyHints(t *testing.T) { triotest.Run(t, testEarlyHints) }

func testEarlyHints(t *testing.T, m triotest.Mode) {
	release := make(chan struct{})
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload; as=style")
		w.WriteHeader(http.StatusEarlyHints)
		<-release
		w.Header().Del("Link")
		w.Write([]byte("done"))
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	var mu sync.Mutex
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		mu.Lock()
		defer mu.Unlock()
		hints = append(hints, fmt.Sprintf("%d %s", code, h.Get("Link")))
		if code == http.StatusEarlyHints {
			close(release) // the hint came before the response was even made
		}
		return nil
	}}
	req := newRequest(t, "GET", ts.URL+"/", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	res := do(t, ts, req)
	io.ReadAll(res.Body)
	mu.Lock()
	defer mu.Unlock()
	if want := "103 </style.css>; rel=preload; as=style"; len(hints) != 1 || hints[0] != want {
		t.Errorf("1xx responses = %q; want [%q]", hints, want)
	}
	if l := res.Header.Get("Link"); l != "" {
		t.Errorf("final response has Link %q; want none", l)
	}
}

// TestExpectContinue: Expect: 100-continue reaches the upstream, and the
// client sends its body only after the upstream's 100, relayed: well
// before its own 10 s expect-continue timeout.
func TestExpectContinue(t *testing.T) { triotest.Run(t, testExpectContinue) }

func testExpectContinue(t *testing.T, m triotest.Mode) {
	if m.Base() == triotest.H3 {
		t.Skip("quic-go's HTTP/3 client does not wait for 100 Continue")
	}
	// Go's own HTTP/2 server consumes Expect (and answers it when the body
	// is read): there the 100 comes from trio as the proxy reads the body.
	stdH2 := m.Base() != triotest.H1 && (&h2.Config{Engine: m.Engine()}).SelectedEngine() == h2.EngineStd
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Expect") != "100-continue" && !stdH2 {
			http.Error(w, "no Expect", http.StatusExpectationFailed)
			return
		}
		io.Copy(w, r.Body) // the read sends the 100
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	tr := ts.Client.Transport.(*http.Transport).Clone()
	tr.ExpectContinueTimeout = 10 * time.Second
	defer tr.CloseIdleConnections()
	var got100 time.Duration
	start := time.Now()
	req := newRequest(t, "PUT", ts.URL+"/", strings.NewReader("payload"))
	req.Header.Set("Expect", "100-continue")
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { got100 = time.Since(start) },
	}))
	res, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || string(b) != "payload" {
		t.Fatalf("got %d %q; want 200 %q", res.StatusCode, b, "payload")
	}
	if got100 == 0 || got100 > 5*time.Second {
		t.Errorf("100 Continue after %v; want one, well before the 10 s timeout", got100)
	}
}

// TestSSE: server-sent events arrive one at a time: the client reads
// event 1 before the upstream writes event 2.
func TestSSE(t *testing.T) { triotest.Run(t, testSSE) }

func testSSE(t *testing.T, m triotest.Mode) {
	next := make(chan struct{})
	up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(w, "data: event %d\n\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	}))
	ts := front(t, m, &Handler{Pool: poolOf(t, up)})
	res := do(t, ts, newRequest(t, "GET", ts.URL+"/events", nil))
	br := bufio.NewReader(res.Body)
	for i := 1; i <= 3; i++ {
		got := make(chan string, 1)
		go func() {
			line, _ := br.ReadString('\n')
			br.ReadString('\n')
			got <- line
		}()
		select {
		case line := <-got:
			if want := fmt.Sprintf("data: event %d\n", i); line != want {
				t.Fatalf("event %d: read %q; want %q", i, line, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("event %d did not arrive while the upstream waited to send the next", i)
		}
		next <- struct{}{}
	}
}

func TestUpstreamURL(t *testing.T) {
	for _, tt := range []struct{ base, scheme, in, want string }{
		{"http://u:1", "http", "/a/b?q=1", "http://u:1/a/b?q=1"},
		{"h2c://u:1/", "http", "/a", "http://u:1/a"},
		{"h3://u:1/base", "https", "/a?x", "https://u:1/base/a?x"},
		{"https://u/base/", "https", "/", "https://u/base/"},
		{"http://u/b%2Fc/", "http", "/d%2Fe", "http://u/b%2Fc/d%2Fe"},
		{"http://u/base", "http", "/%2F", "http://u/base/%2F"},
	} {
		base := mustParse(t, tt.base)
		r := httptest.NewRequest("GET", tt.in, nil)
		if got := upstreamURL(base, tt.scheme, r).String(); got != tt.want {
			t.Errorf("upstreamURL(%s, %s) = %s; want %s", tt.base, tt.in, got, tt.want)
		}
	}
}

// TestFlushInterval: a body of known length is flushed within
// FlushInterval when set, at each write when negative, and by default at
// each write for server-sent events and gRPC: the client reads the first
// part while the upstream waits to send the rest. (With the default and
// another type the server buffers it, and the client sees nothing.)
func TestFlushInterval(t *testing.T) {
	for _, tt := range []struct {
		interval time.Duration
		ctype    string
	}{
		{50 * time.Millisecond, "text/plain"},
		{-1, "text/plain"},
		{0, "text/event-stream; charset=utf-8"},
		{0, "application/grpc+proto"},
	} {
		t.Run(fmt.Sprintf("%v/%s", tt.interval, tt.ctype), func(t *testing.T) {
			release := make(chan struct{})
			up, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tt.ctype)
				w.Header().Set("Content-Length", "10")
				w.Write([]byte("first"))
				w.(http.Flusher).Flush()
				<-release
				w.Write([]byte("later"))
			}))
			ts := front(t, triotest.H1, &Handler{Pool: poolOf(t, up), FlushInterval: tt.interval})
			res := do(t, ts, newRequest(t, "GET", ts.URL+"/", nil))
			got := make(chan string, 1)
			go func() {
				b := make([]byte, 5)
				io.ReadFull(res.Body, b)
				got <- string(b)
			}()
			select {
			case s := <-got:
				if s != "first" {
					t.Errorf("read %q; want %q", s, "first")
				}
			case <-time.After(3 * time.Second):
				t.Error("the first part did not arrive while the upstream held the rest")
			}
			close(release)
		})
	}
}
