package h2

import (
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
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
		if n := attack(); n > 3*calmBurst {
			t.Errorf("reconnection %d: %d handlers started before ENHANCE_YOUR_CALM; want about %d", i+1, n, calmBurst)
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

// TestResetsMemoryBounded: the addresses remembered stay at most calmMax.
func TestResetsMemoryBounded(t *testing.T) {
	s := new(Server)
	now := time.Now()
	for i := range calmMax + 100 {
		s.resetsExhausted(&net.TCPAddr{IP: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i))}, now)
	}
	if n := len(s.calm); n > calmMax {
		t.Errorf("%d addresses remembered; want at most %d", n, calmMax)
	}
	a := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1)}
	s.resetsExhausted(a, now)
	if got := s.firstResets(a, 500, now); got != calmBurst {
		t.Errorf("firstResets = %v just after; want %v", got, calmBurst)
	}
	if got := s.firstResets(a, 500, now.Add(calmFor+time.Second)); got != 500 {
		t.Errorf("firstResets = %v after calmFor; want 500", got)
	}
	if got := s.firstResets(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 2)}, 500, now); got != 500 {
		t.Errorf("firstResets = %v for another address; want 500", got)
	}
}
