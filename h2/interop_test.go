package h2

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestGet(t *testing.T) { run(t, testGet) }
func testGet(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("ProtoMajor = %d; want 2", r.ProtoMajor)
		}
		w.Write([]byte("hello " + r.URL.RawQuery))
	}), nil)
	for _, c := range []*http.Client{ts.h2Client(t), ts.stdClient(t)} {
		res, err := c.Get(ts.url + "/x?q=1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "hello q=1" || res.Proto != "HTTP/2.0" {
			t.Errorf("body = %q, proto %q; want %q", b, res.Proto, "hello q=1")
		}
		if res.ContentLength != 9 {
			t.Errorf("ContentLength = %d; want 9", res.ContentLength)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}

func TestPostStreaming(t *testing.T) { run(t, testPostStreaming) }
func testPostStreaming(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).EnableFullDuplex()
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		buf := make([]byte, 100)
		for {
			n, err := r.Body.Read(buf)
			w.Write(bytes.ToUpper(buf[:n]))
			w.(http.Flusher).Flush()
			if err != nil {
				return
			}
		}
	}), nil)
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", ts.url+"/echo", pr)
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, 10)
	for _, chunk := range []string{"abc", "def", "xyz"} {
		pw.Write([]byte(chunk))
		n, err := io.ReadFull(res.Body, buf[:3])
		if err != nil || string(buf[:n]) != strings.ToUpper(chunk) {
			t.Fatalf("echo = %q, %v; want %q", buf[:n], err, strings.ToUpper(chunk))
		}
	}
	pw.Close()
	if rest, _ := io.ReadAll(res.Body); len(rest) != 0 {
		t.Errorf("trailing body %q", rest)
	}
}

func TestLargeBodies(t *testing.T) { run(t, testLargeBodies) }
func testLargeBodies(t *testing.T, m mode) {
	const size = 10 << 20
	payload := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	want := sha256.Sum256(payload)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" {
			h := sha256.New()
			n, err := io.Copy(h, r.Body)
			if err != nil || n != size {
				t.Errorf("server read %d, %v; want %d", n, err, size)
			}
			w.Write(h.Sum(nil))
			return
		}
		w.Write(payload)
	}), nil)
	for _, c := range []*http.Client{ts.h2Client(t), ts.stdClient(t)} {
		res, err := c.Post(ts.url+"/up", "application/octet-stream", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !bytes.Equal(got, want[:]) {
			t.Errorf("upload digest mismatch")
		}
		res, err = c.Get(ts.url + "/down")
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := io.Copy(h, res.Body)
		res.Body.Close()
		if err != nil || n != size || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("download: %d bytes, %v; want %d matching bytes", n, err, size)
		}
	}
}

func TestTrailers(t *testing.T) { run(t, testTrailers) }
func testTrailers(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if got := r.Trailer.Get("X-Req-Sum"); got != "42" {
			t.Errorf("request trailer = %q; want 42", got)
		}
		w.Header().Set("Trailer", "X-Sum")
		w.Write([]byte("body"))
		w.Header().Set("X-Sum", "7")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	}), nil)
	req, _ := http.NewRequest("POST", ts.url, io.MultiReader(strings.NewReader("data")))
	req.Trailer = http.Header{"X-Req-Sum": nil}
	req.Body = io.NopCloser(&trailerSetter{r: strings.NewReader("data"), set: func() { req.Trailer.Set("X-Req-Sum", "42") }})
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "body" || res.Trailer.Get("X-Sum") != "7" || res.Trailer.Get("X-Late") != "late" {
		t.Errorf("body %q, trailers %v; want body and X-Sum=7, X-Late=late", b, res.Trailer)
	}
}

// trailerSetter calls set at EOF, when a client sends request trailers.
type trailerSetter struct {
	r   io.Reader
	set func()
}

func (s *trailerSetter) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.set()
	}
	return n, err
}

func TestFlusherAndCancel(t *testing.T) { run(t, testFlusherAndCancel) }
func testFlusherAndCancel(t *testing.T, m mode) {
	cancelled := make(chan error, 1)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("first"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
			cancelled <- r.Context().Err()
		case <-time.After(5 * time.Second):
			cancelled <- nil
		}
	}), nil)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url, nil)
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "first" {
		t.Fatalf("read %q, %v; want first", buf, err)
	}
	cancel()
	res.Body.Close()
	if err := <-cancelled; err == nil {
		t.Error("handler context not cancelled after client reset")
	}
}

func TestConcurrentStreams(t *testing.T) { run(t, testConcurrentStreams) }
func testConcurrentStreams(t *testing.T, m mode) {
	const n = 100
	var inflight sync.WaitGroup
	inflight.Add(n)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight.Done()
		inflight.Wait() // all 100 streams are open at once
		w.Write([]byte(r.URL.Path))
	}), nil)
	c := ts.h2Client(t)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("/%d", i)
			res, err := c.Get(ts.url + path)
			if err != nil {
				t.Error(err)
				inflight.Done()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if string(b) != path {
				t.Errorf("body = %q; want %q", b, path)
			}
		}()
	}
	wg.Wait()
}

func TestHeadAnd103(t *testing.T) { run(t, testHeadAnd103) }
func testHeadAnd103(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Write([]byte("hello"))
	}), nil)
	var got1xx []int
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			got1xx = append(got1xx, code)
			return nil
		},
	})
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url, nil)
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(res.Body)
	res.Body.Close()
	if len(got1xx) != 1 || got1xx[0] != 103 {
		t.Errorf("1xx = %v; want [103]", got1xx)
	}
	res, err = ts.h2Client(t).Head(ts.url)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if len(b) != 0 || res.StatusCode != 200 {
		t.Errorf("HEAD: status %d, body %q; want 200 and no body", res.StatusCode, b)
	}
}

func TestHandlerPanic(t *testing.T) { run(t, testHandlerPanic) }
func testHandlerPanic(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}), nil)
	if res, err := ts.h2Client(t).Get(ts.url); err == nil {
		res.Body.Close()
		t.Errorf("GET after handler panic: status %d; want error", res.StatusCode)
	}
}

// TestExpectContinue: the client waits for 100 Continue, which the engine
// sends when the handler first reads the body.
func TestExpectContinue(t *testing.T) { run(t, testExpectContinue) }
func testExpectContinue(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write(b)
	}), nil)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ts.pool}, ForceAttemptHTTP2: true, ExpectContinueTimeout: 5 * time.Second}
	if !m.tls {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	defer tr.CloseIdleConnections()
	req, _ := http.NewRequest("POST", ts.url, strings.NewReader("body"))
	req.Header.Set("Expect", "100-continue")
	start := time.Now()
	res, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "body" || time.Since(start) > 4*time.Second {
		t.Errorf("body %q after %v; want body without waiting for the timeout", b, time.Since(start))
	}
}
