package h3_test

import (
	"context"
	"crypto/tls"
	"errors"
	"github.com/triohttp/trio/internal/testtool"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/h3"
)

// hits records the limits a server reports through Config.LimitHit.
type hits = testtool.Counter

// dialQUIC opens a QUIC connection with ALPN h3 to ts, or returns the error.
func dialQUIC(t *testing.T, ts *testServer) (*quic.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return quic.DialAddr(ctx, ts.addr, ts.cert.ClientTLS("h3"), nil)
}

// TestMaxConnsPerIP: past Limits.MaxConnsPerIP connections from one
// address, a new one is refused with CONNECTION_REFUSED and the hit is
// reported; once one closes, a new one is let in.
func TestMaxConnsPerIP(t *testing.T) { forEngines(t, testMaxConnsPerIP) }

func testMaxConnsPerIP(t *testing.T, e h3.Engine) {
	var h hits
	ts := newTestServer(t, e, http.NotFoundHandler(), h3.Config{
		Limits:   h3.Limits{MaxConnsPerIP: 3},
		LimitHit: h.Hit,
	})
	var conns []*quic.Conn
	for i := range 3 {
		qc, err := dialQUIC(t, ts)
		if err != nil {
			t.Fatalf("connection %d of 3: %v", i+1, err)
		}
		defer qc.CloseWithError(0x100, "")
		conns = append(conns, qc)
	}
	_, err := dialQUIC(t, ts)
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode != quic.ConnectionRefused {
		t.Fatalf("fourth connection: %v; want CONNECTION_REFUSED", err)
	}
	if n := h.Get(h3.LimitMaxConnsPerIP); n == 0 { // once per Initial refused
		t.Errorf("LimitHit(%q) not called", h3.LimitMaxConnsPerIP)
	}
	conns[0].CloseWithError(0x100, "")
	deadline := time.Now().Add(5 * time.Second)
	for {
		qc, err := dialQUIC(t, ts)
		if err == nil {
			qc.CloseWithError(0x100, "")
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one of 3 closed, a new connection: %v; want it let in", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestMaxHandshakes: with Retry off, handshakes beyond MaxHandshakes
// are refused with CONNECTION_REFUSED while the first ones are stuck.
func TestMaxHandshakes(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.NotFoundHandler(), h3.Config{
		Limits:   h3.Limits{MaxHandshakes: 2, RetryHandshakes: -1, RetryHandshakesPerIP: -1},
		LimitHit: h.Hit,
	})
	f := newFlood(t, ts.addr, "127.0.0.1", ts.cert.ClientTLS("h3"))
	f.send(2) // two handshakes begun and abandoned
	waitFor(t, "2 handshakes in progress", func() bool { return f.initials.Load() >= 2 })
	time.Sleep(100 * time.Millisecond) // for the server to read them
	_, err := dialQUIC(t, ts)
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode != quic.ConnectionRefused {
		t.Fatalf("third handshake: %v; want CONNECTION_REFUSED", err)
	}
	if n := h.Get(h3.LimitMaxHandshakes); n == 0 {
		t.Errorf("LimitHit(%q) not called", h3.LimitMaxHandshakes)
	}
}

// TestRetryPerIP: past RetryHandshakesPerIP handshakes in progress from
// one address, its new Initials get a Retry; a real client (which follows
// the Retry) from that address is still served, and another address is
// not asked.
func TestRetryPerIP(t *testing.T) { forEngines(t, testRetryPerIP) }

func testRetryPerIP(t *testing.T, e h3.Engine) {
	var h hits
	ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), h3.Config{
		Limits:           h3.Limits{RetryHandshakesPerIP: 4},
		LimitHit:         h.Hit,
		HandshakeTimeout: 3 * time.Second,
	})
	f := newFlood(t, ts.addr, "127.0.0.2", ts.cert.ClientTLS("h3"))
	f.send(50)
	// Each Initial is counted as a handshake (4 at most, none completes)
	// or answered with a Retry, which quic-go drops when its queue is
	// full: so Retries seen <= Retries decided = 46. Wait for the
	// decisions, not the Retries.
	waitFor(t, "Retries", func() bool { return h.Get(h3.LimitRetryHandshakesPerIP) >= 30 }, &f.initials, &f.retries)
	// quic-go drops Initials when its queue is full: up to 50 arrive.
	if n := h.Get(h3.LimitRetryHandshakesPerIP); n < 30 || n > 46 {
		t.Errorf("LimitHit(%q) called %d times for 50 Initials; want 30 to 46 (4 handshakes let in)", h3.LimitRetryHandshakesPerIP, n)
	}
	// A real client from the flooding address follows the Retry.
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	tr := &quic.Transport{Conn: udp}
	defer tr.Close()
	ht := &http3.Transport{
		TLSClientConfig: ts.cert.ClientTLS(),
		Dial: func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
			ua, err := net.ResolveUDPAddr("udp", addr)
			if err != nil {
				return nil, err
			}
			return tr.Dial(ctx, ua, tlsConf, conf)
		},
	}
	defer ht.Close()
	resp, err := (&http.Client{Transport: ht, Timeout: 5 * time.Second}).Get(ts.url + "/")
	if err != nil {
		t.Fatalf("client from the flooding address: %v", err)
	}
	resp.Body.Close()
	// The test client, from 127.0.0.1, is not asked for a Retry.
	before := f.retries.Load()
	ts.do(t, newRequest(t, "GET", ts.url+"/", nil))
	if f.retries.Load() != before {
		t.Error("the flood's Retries grew with another address's request")
	}
}

// TestRetryTotal: past RetryHandshakes handshakes in progress in total,
// every new Initial gets a Retry.
func TestRetryTotal(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.NotFoundHandler(), h3.Config{
		Limits:           h3.Limits{RetryHandshakes: 8, RetryHandshakesPerIP: -1},
		HandshakeTimeout: 3 * time.Second,
		LimitHit:         h.Hit,
	})
	f := newFlood(t, ts.addr, "127.0.0.3", ts.cert.ClientTLS("h3"))
	f.send(30)
	// Retries past quic-go's queue are dropped, not sent: wait for the
	// refusals themselves.
	waitFor(t, "Retries", func() bool { return h.Get(h3.LimitRetryHandshakes) >= 12 }, &f.initials, &f.retries)
	if n := h.Get(h3.LimitRetryHandshakes); n < 12 || n > 22 {
		t.Errorf("LimitHit(%q) called %d times for 30 Initials; want 12 to 22 (8 handshakes let in)", h3.LimitRetryHandshakes, n)
	}
}

// TestExcessiveLoad: a client that resets its requests while their
// handlers still run, to get its stream credit back, has new streams
// refused with H3_REQUEST_REJECTED past MaxIncomingStreams handlers, and
// after as many refusals the connection closed with H3_EXCESSIVE_LOAD.
func TestExcessiveLoad(t *testing.T) {
	var h hits
	release := make(chan struct{})
	var running atomic.Int32
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A streaming handler that stops writing when the client goes
		// but then works on without watching its context.
		running.Add(1)
		rc := http.NewResponseController(w)
		for {
			if _, err := io.WriteString(w, "."); err != nil {
				break
			}
			if rc.Flush() != nil {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		io.Copy(io.Discard, r.Body)
		<-release
	}), h3.Config{MaxIncomingStreams: 4, LimitHit: h.Hit})
	defer close(release)
	c := dialRaw(t, ts)
	get := headers(":method", "GET", ":scheme", "https", ":authority", ts.addr, ":path", "/")
	var rejected int
	for i := 0; i < 20 && c.qc.Context().Err() == nil; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s, err := c.qc.OpenStreamSync(ctx)
		cancel()
		if err != nil {
			break
		}
		s.Write(get)
		if i < 4 {
			want := int32(i + 1)
			waitFor(t, "handler running", func() bool { return running.Load() >= want })
		} else {
			s.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, err := s.Read(make([]byte, 1))
			var se *quic.StreamError
			if errors.As(err, &se) && se.ErrorCode == 0x10b {
				rejected++
			}
		}
		s.CancelWrite(0x10c)
		s.CancelRead(0x10c)
	}
	if got := c.closeCode(t); got != 0x107 {
		t.Fatalf("connection closed with 0x%x; want H3_EXCESSIVE_LOAD (0x107)", got)
	}
	if rejected == 0 {
		t.Error("no stream refused with H3_REQUEST_REJECTED before the close")
	}
	if got := running.Load(); got != 4 {
		t.Errorf("%d handlers ran; want 4 (MaxIncomingStreams)", got)
	}
	if n := h.Get(h3.LimitMaxStreams); n != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", h3.LimitMaxStreams, n)
	}
}

// TestForcedCloseCodes: when Shutdown's context ends, a connection with
// a request in flight is closed with H3_REQUEST_CANCELLED, which the
// client's body read reports, and an idle one with H3_NO_ERROR.
func TestForcedCloseCodes(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}), h3.Config{})
	idle, err := dialQUIC(t, ts)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.CloseWithError(0x100, "")
	resp, err := ts.client.Get(ts.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v; want context.DeadlineExceeded", err)
	}
	_, err = io.ReadAll(resp.Body)
	var he *http3.Error
	if !errors.As(err, &he) || he.ErrorCode != http3.ErrCodeRequestCanceled {
		t.Errorf("body read after the forced close: %v; want H3_REQUEST_CANCELLED (0x10c)", err)
	}
	select {
	case <-idle.Context().Done():
	case <-time.After(3 * time.Second):
		t.Fatal("idle connection still open after the forced close")
	}
	var ae *quic.ApplicationError
	if err := context.Cause(idle.Context()); !errors.As(err, &ae) || ae.ErrorCode != 0x100 {
		t.Errorf("idle connection closed with %v; want H3_NO_ERROR (0x100)", err)
	}
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool, counts ...*atomic.Int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			var n []int64
			for _, c := range counts {
				n = append(n, c.Load())
			}
			t.Fatalf("waited 10s for %s (counts %v)", what, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
