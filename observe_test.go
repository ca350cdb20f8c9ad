package trio_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
)

// A countObserver counts what a trio.Observer is told.
type countObserver struct {
	mu         sync.Mutex
	conns      map[trio.Protocol]int // open now
	opened     map[trio.Protocol]int // ever
	streams    map[trio.Protocol]int // open now
	streamsOpn map[trio.Protocol]int // ever
	handshakes map[string]int        // "tcp ok", "quic failed", ...
}

func newCountObserver() *countObserver {
	return &countObserver{conns: map[trio.Protocol]int{}, opened: map[trio.Protocol]int{},
		streams: map[trio.Protocol]int{}, streamsOpn: map[trio.Protocol]int{}, handshakes: map[string]int{}}
}

func (o *countObserver) ConnOpened(p trio.Protocol) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.conns[p]++
	o.opened[p]++
}

func (o *countObserver) ConnClosed(p trio.Protocol) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.conns[p]--
}

func (o *countObserver) StreamOpened(p trio.Protocol) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.streams[p]++
	o.streamsOpn[p]++
}

func (o *countObserver) StreamClosed(p trio.Protocol) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.streams[p]--
}

func (o *countObserver) TLSHandshake(transport string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	result := "ok"
	if err != nil {
		result = "failed"
	}
	o.handshakes[transport+" "+result]++
}

// snapshot renders the counts for comparison and messages.
func (o *countObserver) snapshot() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return fmt.Sprintf("conns %v opened %v streams %v opened %v handshakes %v",
		o.conns, o.opened, o.streams, o.streamsOpn, o.handshakes)
}

// waitFor polls until cond holds (checked under the lock), for up to 5 s.
func (o *countObserver) waitFor(t *testing.T, what string, cond func(o *countObserver) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		o.mu.Lock()
		ok := cond(o)
		o.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: never so; %s", what, o.snapshot())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var modeProtocol = map[triotest.Mode]trio.Protocol{
	triotest.H1: trio.H1, triotest.H2: trio.H2, triotest.H2C: trio.H2, triotest.H3: trio.H3,
}

// TestObserver holds a request in its handler and finds its connection
// (and stream, on HTTP/2 and HTTP/3) open under its protocol and no other,
// then closed once the client is gone; TLS handshakes are counted by
// transport. Trio's engines only: Go's HTTP/2 and quic-go's HTTP/3 report
// no connections or streams.
func TestObserver(t *testing.T) {
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H2C, triotest.H3} {
		t.Run(string(m), func(t *testing.T) { testObserver(t, m) })
	}
}

func testObserver(t *testing.T, m triotest.Mode) {
	obs := newCountObserver()
	entered, release := make(chan struct{}), make(chan struct{})
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		io.WriteString(w, "done")
	}), func(s *trio.Server) { s.Observer = obs })
	p := modeProtocol[m]
	got := make(chan string, 1)
	go func() {
		resp, err := ts.Client.Get(ts.URL + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got <- string(b)
	}()
	<-entered
	wantStreams := 1
	if p == trio.H1 {
		wantStreams = 0
	}
	obs.waitFor(t, "one connection and stream open", func(o *countObserver) bool {
		return o.conns[p] == 1 && o.streams[p] == wantStreams
	})
	obs.waitFor(t, "one connection opened, of no other protocol", func(o *countObserver) bool {
		return o.opened[p] == 1 && len(o.opened) == 1
	})
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("GET = %q; want done", body)
	}
	obs.waitFor(t, "stream closed", func(o *countObserver) bool { return o.streams[p] == 0 })
	ts.Client.CloseIdleConnections()
	if c, ok := ts.Client.Transport.(io.Closer); ok {
		c.Close()
	}
	obs.waitFor(t, "connection closed", func(o *countObserver) bool { return o.conns[p] == 0 })
	want := map[triotest.Mode]string{triotest.H1: "tcp ok", triotest.H2: "tcp ok", triotest.H3: "quic ok"}[m]
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if want != "" && (obs.handshakes[want] != 1 || len(obs.handshakes) != 1) {
		t.Errorf("handshakes %v; want one %s", obs.handshakes, want)
	}
	if m == triotest.H2C && len(obs.handshakes) != 0 {
		t.Errorf("handshakes %v over cleartext; want none", obs.handshakes)
	}
}

// TestObserverHandshakeFailures: a TCP client that speaks no TLS, and a
// QUIC client offering no protocol the server speaks, count as failed
// handshakes of their transport.
func TestObserverHandshakeFailures(t *testing.T) {
	obs := newCountObserver()
	ts := triotest.New(t, triotest.H1, http.NotFoundHandler(), func(s *trio.Server) { s.Observer = obs })

	c, err := net.Dial("tcp", ts.TLSAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	io.Copy(io.Discard, c) // the server answers 400 and closes
	c.Close()
	obs.waitFor(t, "failed TCP handshake", func(o *countObserver) bool { return o.handshakes["tcp failed"] == 1 })

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	qc, err := quic.DialAddr(ctx, ts.Addrs.QUIC[0].LocalAddr().String(), ts.ClientTLS("nope"), nil)
	if err == nil {
		qc.CloseWithError(0, "")
		t.Fatal("QUIC handshake offering ALPN nope succeeded")
	}
	obs.waitFor(t, "failed QUIC handshake", func(o *countObserver) bool { return o.handshakes["quic failed"] == 1 })

	untrusted := &tls.Config{ServerName: "localhost", NextProtos: []string{"h3"}} // system roots: the local CA is not one
	if qc, err := quic.DialAddr(ctx, ts.Addrs.QUIC[0].LocalAddr().String(), untrusted, nil); err == nil {
		qc.CloseWithError(0, "")
		t.Fatal("QUIC handshake with an untrusted certificate succeeded")
	}
	obs.waitFor(t, "second failed QUIC handshake", func(o *countObserver) bool { return o.handshakes["quic failed"] == 2 })
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.handshakes["tcp ok"]+obs.handshakes["quic ok"] != 0 {
		t.Errorf("handshakes %v; want no success", obs.handshakes)
	}
}

// TestObserverQUICStdEngine: with quic-go's HTTP/3 engine the QUIC
// handshakes are still reported, though connections and streams are not.
func TestObserverQUICStdEngine(t *testing.T) {
	obs := newCountObserver()
	var std triotest.Mode
	for _, m := range triotest.Modes {
		if m.Base() == triotest.H3 && m.H3Engine() == "std" {
			std = m
		}
	}
	if std == "" {
		std = triotest.H3 // the default engine is quic-go's
	}
	ts := triotest.New(t, std, http.NotFoundHandler(), func(s *trio.Server) { s.Observer = obs })
	resp, err := ts.Client.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	obs.waitFor(t, "QUIC handshake", func(o *countObserver) bool { return o.handshakes["quic ok"] == 1 })
}

// TestObserverCleartextH1: a cleartext HTTP/1.1 connection counts as h1
// from its first request until it closes.
func TestObserverCleartextH1(t *testing.T) {
	obs := newCountObserver()
	ts := triotest.New(t, triotest.H1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.Proto)
	}), func(s *trio.Server) { s.Observer = obs })
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("http://" + ts.Addrs.Cleartext[0].Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "HTTP/1.1" {
		t.Fatalf("body %q; want HTTP/1.1", b)
	}
	obs.waitFor(t, "one h1 connection open", func(o *countObserver) bool { return o.conns[trio.H1] == 1 && o.opened[trio.H1] == 1 })
	tr.CloseIdleConnections()
	obs.waitFor(t, "h1 connection closed", func(o *countObserver) bool { return o.conns[trio.H1] == 0 })
	s := obs.snapshot()
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.opened) != 1 || len(obs.handshakes) != 0 {
		t.Errorf("%s; want only the h1 connection, no handshake", s)
	}
}
