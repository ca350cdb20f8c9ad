package h3_test

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/h3"
)

// TestRapidResetBudget: a client that resets every request stream with
// its HEADERS (rapid reset over QUIC) never has a handler running for
// long, so MaxIncomingStreams never stops it; its budget of reset
// streams does: H3_EXCESSIVE_LOAD after max(200, 2*MaxIncomingStreams),
// and on its next connections after 16 (what it opens is bounded by
// its stream credit too: 20 here).
func TestRapidResetBudget(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		io.WriteString(w, "ok")
	}), h3.Config{LimitHit: h.Hit, MaxIncomingStreams: 20})
	get := headers(":method", "GET", ":scheme", "https", ":authority", ts.addr, ":path", "/")
	n, code := resetUntilClosed(t, dialRaw(t, ts), get)
	if code != 0x107 {
		t.Fatalf("connection closed with 0x%x after %d streams; want H3_EXCESSIVE_LOAD (0x107)", code, n)
	}
	if n < 200 || n > 1000 {
		t.Errorf("%d streams reset before the close; want about 200", n)
	}
	// Reconnecting does not buy a full budget again.
	for i := range 3 {
		n, code := resetUntilClosed(t, dialRaw(t, ts), get)
		if code != 0x107 || n > 16+20+20 {
			t.Errorf("reconnection %d: closed with 0x%x after %d streams; want H3_EXCESSIVE_LOAD after about 16 (and 20 of credit)", i+1, code, n)
		}
	}
	// A connection from that address whose requests complete earns the
	// budget back: after 200 responses it may reset 150 streams at once.
	c := dialRaw(t, ts)
	for i := range 200 {
		s, err := c.qc.OpenStreamSync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s.Write(get)
		s.Close()
		s.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.ReadAll(s); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	for range 150 {
		s, err := c.qc.OpenStreamSync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		s.Write(get)
		s.CancelWrite(0x10c)
		s.CancelRead(0x10c)
	}
	time.Sleep(200 * time.Millisecond)
	if c.qc.Context().Err() != nil {
		t.Errorf("a connection that behaved was closed after 150 resets: %v", context.Cause(c.qc.Context()))
	}
	if got := h.Get(h3.LimitMaxStreams); got != 4 {
		t.Errorf("LimitHit(%q) called %d times; want 4", h3.LimitMaxStreams, got)
	}
}

// resetUntilClosed opens request streams on c and resets each with its
// HEADERS until the server closes c; it returns the streams opened and
// the close code.
func resetUntilClosed(t *testing.T, c *rawConn, get []byte) (int, uint64) {
	n := 0
	for ; n < 5000 && c.qc.Context().Err() == nil; n++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s, err := c.qc.OpenStreamSync(ctx)
		cancel()
		if err != nil {
			break
		}
		s.Write(get)
		s.CancelWrite(0x10c)
		s.CancelRead(0x10c)
	}
	return n, c.closeCode(t)
}

// TestRapidResetBudgetGoodClient: streams whose responses complete, and
// a browser's navigation resetting the streams it has open, cost nothing
// of the budget that matters.
func TestRapidResetBudgetGoodClient(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), h3.Config{LimitHit: h.Hit})
	c := dialRaw(t, ts)
	get := headers(":method", "GET", ":scheme", "https", ":authority", ts.addr, ":path", "/")
	for i := 0; i < 600; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		s, err := c.qc.OpenStreamSync(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		s.Write(get)
		s.Close()
		s.SetReadDeadline(time.Now().Add(3 * time.Second))
		if _, err := io.ReadAll(s); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if i%100 == 99 { // navigation: 150 streams reset at once
			for range 150 {
				s, err := c.qc.OpenStreamSync(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				s.Write(get)
				s.CancelWrite(0x10c)
				s.CancelRead(0x10c)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	if err := c.qc.Context().Err(); err != nil {
		t.Fatalf("connection closed: %v", context.Cause(c.qc.Context()))
	}
	if got := h.Get(h3.LimitMaxStreams); got != 0 {
		t.Errorf("LimitHit(%q) called %d times; want 0", h3.LimitMaxStreams, got)
	}
}
