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
// streams does: H3_EXCESSIVE_LOAD after max(200, 2*MaxIncomingStreams).
func TestRapidResetBudget(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Millisecond)
		io.WriteString(w, "ok")
	}), h3.Config{LimitHit: h.hit})
	c := dialRaw(t, ts)
	get := headers(":method", "GET", ":scheme", "https", ":authority", ts.addr, ":path", "/")
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
	if got := c.closeCode(t); got != 0x107 {
		t.Fatalf("connection closed with 0x%x after %d streams; want H3_EXCESSIVE_LOAD (0x107)", got, n)
	}
	if n > 2000 {
		t.Errorf("%d streams reset before the close; want about 500", n)
	}
	if got := h.get(h3.LimitMaxStreams); got != 1 {
		t.Errorf("LimitHit(%q) called %d times; want 1", h3.LimitMaxStreams, got)
	}
}

// TestRapidResetBudgetGoodClient: streams whose responses complete, and
// a browser's navigation resetting the streams it has open, cost nothing
// of the budget that matters.
func TestRapidResetBudgetGoodClient(t *testing.T) {
	var h hits
	ts := newTestServer(t, h3.EngineTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	}), h3.Config{LimitHit: h.hit})
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
	if got := h.get(h3.LimitMaxStreams); got != 0 {
		t.Errorf("LimitHit(%q) called %d times; want 0", h3.LimitMaxStreams, got)
	}
}
