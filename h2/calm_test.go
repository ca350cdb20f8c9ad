package h2

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/triohttp/trio/internal/calm"
)

// TestRapidResetReconnect: a client closed with ENHANCE_YOUR_CALM for too
// many resets gets a small resets budget on its next connections, not a
// full one per reconnection; streams whose responses complete grow it
// back.
func TestRapidResetReconnect(t *testing.T) {
	var started atomic.Int64
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		if r.URL.Path == "/ok" {
			return
		}
		<-r.Context().Done()
	}), nil)
	attack := func() int64 {
		n0 := started.Load()
		rc := newRawClient(t, ts.addr)
		go func() {
			for id := uint32(1); id < 20000; id += 2 {
				rc.headers(id, true)
				if rc.fr.WriteRSTStream(id, http2.ErrCodeCancel) != nil {
					return
				}
			}
		}()
		if code := rc.waitGoAway(); code != http2.ErrCodeEnhanceYourCalm {
			t.Fatalf("GOAWAY %v; want ENHANCE_YOUR_CALM", code)
		}
		rc.nc.Close()
		time.Sleep(100 * time.Millisecond)
		return started.Load() - n0
	}
	first := attack()
	if first < 200 {
		t.Errorf("first connection: %d handlers started before ENHANCE_YOUR_CALM; want the full budget (500)", first)
	}
	for i := range 3 {
		if n := attack(); n > 3*calm.Burst {
			t.Errorf("reconnection %d: %d handlers started before ENHANCE_YOUR_CALM; want about %d", i+1, n, calm.Burst)
		}
	}

	// A connection from that address that behaves earns its budget back.
	rc := newRawClient(t, ts.addr)
	var c *conn
	for id := uint32(1); id < 2*1000; id += 2 {
		rc.headers(id, true, ":path", "/ok")
		rc.waitFor("response", func(f rawFrame) bool { return f.stream == id && f.typ == http2.FrameHeaders })
		if c == nil {
			ts.srv.mu.Lock()
			for x := range ts.srv.conns {
				c = x
			}
			ts.srv.mu.Unlock()
		}
	}
	time.Sleep(100 * time.Millisecond)
	c.mu.Lock()
	burst := c.resets.burst
	c.mu.Unlock()
	if burst != c.resetsFull {
		t.Errorf("after 1000 responses, resets burst %v; want back to %v", burst, c.resetsFull)
	}
}
