package observe_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// statusHandler answers /r?status=S&n=N with status S and N bytes, and
// names site "s" for even i.
func statusHandler(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if i, _ := strconv.Atoi(q.Get("i")); i%2 == 0 {
		observe.SetSite(r, "s")
	}
	status, _ := strconv.Atoi(q.Get("status"))
	n, _ := strconv.Atoi(q.Get("n"))
	w.WriteHeader(status)
	io.WriteString(w, strings.Repeat("x", n))
}

var lineStatuses = []int{200, 201, 404, 500, 418}

// TestAccessLogLines sends ten requests one after the other in every mode
// and finds one line each, with the status, bytes, protocol, site, TLS
// version, and on trio's engines the stream ids the client used.
func TestAccessLogLines(t *testing.T) { triotest.Run(t, testAccessLogLines) }

func testAccessLogLines(t *testing.T, m triotest.Mode) {
	o := newObserved(t, m, http.HandlerFunc(statusHandler))
	const n = 10
	for i := range n {
		uri := fmt.Sprintf("/r?i=%d&status=%d&n=%d", i, lineStatuses[i%len(lineStatuses)], i*100)
		resp, err := o.Client.Get(o.URL + uri)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	lines := o.waitLines(t, n)
	var streams []int64
	for _, l := range lines {
		var i, status, size int
		if _, err := fmt.Sscanf(l.URI, "/r?i=%d&status=%d&n=%d", &i, &status, &size); err != nil {
			t.Fatalf("uri %q: %v", l.URI, err)
		}
		if l.Status != status || l.Bytes != int64(size) {
			t.Errorf("%s: status %d, bytes %d; want %d, %d", l.URI, l.Status, l.Bytes, status, size)
		}
		if l.Proto != m.Proto() || l.Method != "GET" {
			t.Errorf("%s: %s %s; want GET %s", l.URI, l.Method, l.Proto, m.Proto())
		}
		wantSite := "none"
		if i%2 == 0 {
			wantSite = "s"
		}
		if l.Site != wantSite {
			t.Errorf("%s: site %q; want %q", l.URI, l.Site, wantSite)
		}
		if wantTLS := map[bool]string{true: "1.3", false: ""}[m.TLS()]; l.TLS != wantTLS {
			t.Errorf("%s: tls %q; want %q", l.URI, l.TLS, wantTLS)
		}
		if !strings.HasPrefix(l.Remote, "127.0.0.1:") || l.Host == "" || l.Duration <= 0 || time.Since(l.Time) > time.Minute {
			t.Errorf("%s: remote %q host %q duration %v time %v", l.URI, l.Remote, l.Host, l.Duration, l.Time)
		}
		if l.Stream != nil {
			streams = append(streams, *l.Stream)
		}
	}
	var want []int64
	if trioEngine(m) {
		for i := range int64(n) {
			if m.Base() == triotest.H3 {
				want = append(want, 4*i) // client-initiated bidirectional: 0, 4, 8, ...
			} else {
				want = append(want, 2*i+1) // 1, 3, 5, ...
			}
		}
	}
	slices.Sort(streams)
	if !slices.Equal(streams, want) {
		t.Errorf("stream ids %v; want %v", streams, want)
	}
}

// TestWebSocketLine opens a WebSocket in every mode, echoes once and has
// the client close with 4001: the line comes only then, with the close
// code, and the open-WebSocket gauge is 1 while it is open.
func TestWebSocketLine(t *testing.T) { triotest.Run(t, testWebSocketLine) }

func testWebSocketLine(t *testing.T, m triotest.Mode) {
	if m.Engine() == "std" {
		t.Skip("Go's HTTP/2 server needs GODEBUG=http2xconnect=1 at start for extended CONNECT")
	}
	handlerDone := make(chan struct{})
	o := newObserved(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(handlerDone)
		observe.SetSite(r, "chat")
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	}))
	c := dialWS(t, o.TS, "/chat?room=1")
	if err := c.WriteMessage(ws.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hello" {
		t.Fatalf("echo = %q, %v", msg, err)
	}
	proto := map[triotest.Mode]string{triotest.H1: "h1", triotest.H3: "h3"}[m.Base()]
	if proto == "" {
		proto = "h2"
	}
	if v := gaugeValue(t, o.Metrics, "trio_websockets_open", proto); v != 1 {
		t.Errorf("trio_websockets_open{protocol=%q} = %v while open; want 1", proto, v)
	}
	time.Sleep(1200 * time.Millisecond) // a flush passes: still no line
	if lines := readLog(t, o.LogPath); len(lines) != 0 {
		t.Fatalf("%d lines while the WebSocket is open; want 0: %+v", len(lines), lines)
	}
	if err := c.Close(4001, "bye"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	<-handlerDone
	lines := o.waitLines(t, 1)
	l := lines[0]
	wantStatus := 200
	if m.Base() == triotest.H1 {
		wantStatus = 101
	}
	if !l.WebSocket || l.CloseCode != 4001 || l.Status != wantStatus || l.Proto != m.Proto() || l.Site != "chat" || l.URI != "/chat?room=1" {
		t.Errorf("line %+v; want websocket, close_code 4001, status %d, %s, site chat, /chat?room=1", l, wantStatus, m.Proto())
	}
	if l.Bytes < 5 || l.Duration < 1.2 {
		t.Errorf("bytes %d, duration %v; want the 5-byte echo at least, and over 1.2 s", l.Bytes, l.Duration)
	}
	if (l.Stream != nil) != trioEngine(m) {
		t.Errorf("stream %v; want one on trio's engines only", l.Stream)
	}
	if v := gaugeValue(t, o.Metrics, "trio_websockets_open", proto); v != 0 {
		t.Errorf("trio_websockets_open{protocol=%q} = %v after close; want 0", proto, v)
	}
}

// dialWS opens a WebSocket to path on ts over its mode.
func dialWS(t *testing.T, ts *triotest.TS, path string) *ws.Conn {
	t.Helper()
	o := &ws.DialOptions{TLSClientConfig: ts.ClientTLS()}
	var u string
	switch ts.Mode.Base() {
	case triotest.H1:
		o.HTTP, u = "http/1.1", "wss://"+ts.TLSAddr().String()
	case triotest.H2:
		o.HTTP, u = "h2", "wss://"+ts.TLSAddr().String()
	case triotest.H2C:
		o.HTTP, u = "h2", "ws://"+ts.Addrs.Cleartext[0].Addr().String()
	case triotest.H3:
		o.HTTP, u = "h3", "wss://"+ts.Addrs.QUIC[0].LocalAddr().String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, u+path, o)
	if err != nil {
		t.Fatalf("Dial %s over %s: %v", u+path, o.HTTP, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// TestWriterInterfaces: behind Handler, a handler still finds what the
// engine's ResponseWriter offers: Flusher everywhere, Hijacker and
// io.ReaderFrom on HTTP/1.x only, and http.ResponseController's
// deadlines through Unwrap.
func TestWriterInterfaces(t *testing.T) { triotest.Run(t, testWriterInterfaces) }

func testWriterInterfaces(t *testing.T, m triotest.Mode) {
	o := newObserved(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, flusher := w.(http.Flusher)
		_, hijacker := w.(http.Hijacker)
		_, readerFrom := w.(io.ReaderFrom)
		rc := http.NewResponseController(w)
		deadline := rc.SetReadDeadline(time.Now().Add(time.Minute))
		fmt.Fprintf(w, "flusher=%v hijacker=%v readerfrom=%v deadline=%v", flusher, hijacker, readerFrom, deadline)
		rc.Flush()
	}))
	h1 := m.Base() == triotest.H1
	want := fmt.Sprintf("flusher=true hijacker=%v readerfrom=%v deadline=<nil>", h1, h1)
	if got := o.Get(t, "/"); got != want {
		t.Errorf("handler saw %q; want %q", got, want)
	}
	lines := o.waitLines(t, 1)
	if lines[0].Bytes != int64(len(want)) || lines[0].Status != 200 {
		t.Errorf("line: status %d, bytes %d; want 200, %d", lines[0].Status, lines[0].Bytes, len(want))
	}
}

// TestPanicLogged: a handler that panics before answering is logged with
// 500, and the engine still sees the panic (the client gets no 200).
func TestPanicLogged(t *testing.T) {
	o := newObserved(t, triotest.H2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	if resp, err := o.Client.Get(o.URL + "/boom"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /boom = %s; want the stream reset", resp.Status)
	}
	if l := o.waitLines(t, 1)[0]; l.Status != 500 || l.URI != "/boom" {
		t.Errorf("line %+v; want /boom with 500", l)
	}
}
