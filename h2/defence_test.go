package h2

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

var h2cTrio = mode{EngineTrio, false}

func blockingHandler(w http.ResponseWriter, r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestDefences(t *testing.T) {
	tests := []struct {
		name   string
		attack func(rc *rawClient)
	}{
		{"rapid reset", func(rc *rawClient) {
			for id := uint32(1); id < 20000; id += 2 {
				rc.headers(id, true)
				rc.fr.WriteRSTStream(id, http2.ErrCodeCancel)
			}
		}},
		{"MadeYouReset", func(rc *rawClient) {
			for id := uint32(1); id < 20000; id += 2 {
				rc.headers(id, false)
				rc.fr.WriteWindowUpdate(id, 0) // the server must reset the stream
			}
		}},
		{"PING flood", func(rc *rawClient) {
			for range 20000 {
				rc.fr.WritePing(false, [8]byte{})
			}
		}},
		{"SETTINGS flood", func(rc *rawClient) {
			for range 20000 {
				rc.fr.WriteSettings()
			}
		}},
		{"empty DATA flood", func(rc *rawClient) {
			rc.headers(1, false)
			for range 20000 {
				rc.fr.WriteData(1, false, nil)
			}
		}},
		{"closed-stream WINDOW_UPDATE flood", func(rc *rawClient) {
			rc.headers(3, true) // stream 1 is closed, no DATA was sent on it
			for range 20000 {
				rc.fr.WriteWindowUpdate(1, 1<<20)
			}
		}},
		{"CONTINUATION flood", func(rc *rawClient) {
			rc.encBuf.Reset()
			rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: []byte{0x82}})
			for range 20000 {
				if rc.fr.WriteContinuation(1, false, nil) != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t, h2cTrio, http.HandlerFunc(blockingHandler), nil)
			rc := newRawClient(t, ts.addr)
			go tt.attack(rc)
			if code := rc.waitGoAway(); code != http2.ErrCodeEnhanceYourCalm {
				t.Errorf("GOAWAY %v; want ENHANCE_YOUR_CALM", code)
			}
		})
	}
}

// TestZeroWindowStall checks that a client that never opens its window
// cannot pin a handler: the write fails after StallTimeout.
func TestZeroWindowStall(t *testing.T) {
	werr := make(chan error, 1)
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := w.Write([]byte(strings.Repeat("x", 1<<20)))
		werr <- err
	}), &Config{StallTimeout: 200 * time.Millisecond})
	rc := newRawClient(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	rc.headers(1, true)
	select {
	case err := <-werr:
		if err == nil {
			t.Fatal("Write succeeded with a closed window")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler still blocked")
	}
	f := rc.waitFor("RST_STREAM", func(f rawFrame) bool { return f.typ == http2.FrameRSTStream })
	if f.stream != 1 {
		t.Errorf("RST_STREAM on stream %d; want 1", f.stream)
	}
}

// TestWriteDeadlineWhileStalled checks that a write deadline set before a
// write still ends it when the write then waits for a window the client
// never opens: the stall timeout, armed later, must not postpone it.
func TestWriteDeadlineWhileStalled(t *testing.T) {
	werr := make(chan error, 1)
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		_, err := w.Write([]byte(strings.Repeat("x", 1<<20)))
		werr <- err
	}), &Config{StallTimeout: time.Minute})
	rc := newRawClient(t, ts.addr, http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0})
	rc.headers(1, true)
	select {
	case err := <-werr:
		if err == nil {
			t.Fatal("Write succeeded with a closed window")
		}
	case <-time.After(10 * time.Second): // a bound, not a measurement: the stall timeout is a minute
		t.Fatal("write still blocked past its deadline")
	}
}

// TestHeaderListTooLarge expects 431 for a header list over MaxHeaderBytes.
func TestHeaderListTooLarge(t *testing.T) {
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), &Config{MaxHeaderBytes: 1000})
	rc := newRawClient(t, ts.addr)
	rc.headers(1, true, "x-big", strings.Repeat("a", 2000))
	f := rc.waitFor("HEADERS", func(f rawFrame) bool { return f.typ == http2.FrameHeaders })
	if f.status != "431" {
		t.Errorf(":status = %q; want 431", f.status)
	}
}

// TestMaxConcurrentStreams expects REFUSED_STREAM beyond the limit.
func TestMaxConcurrentStreams(t *testing.T) {
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(blockingHandler), &Config{MaxConcurrentStreams: 2})
	rc := newRawClient(t, ts.addr)
	for id := uint32(1); id <= 5; id += 2 {
		rc.headers(id, true)
	}
	f := rc.waitFor("RST_STREAM", func(f rawFrame) bool { return f.typ == http2.FrameRSTStream })
	if f.stream != 5 || f.code != http2.ErrCodeRefusedStream {
		t.Errorf("RST_STREAM stream %d %v; want 5 REFUSED_STREAM", f.stream, f.code)
	}
}

// TestUnreadBodyBounded: a client must not send past the stream window
// while the handler does not read; the server buffers at most the window.
func TestUnreadBodyBounded(t *testing.T) {
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(blockingHandler), nil)
	rc := newRawClient(t, ts.addr, http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 14})
	rc.headers(1, false, ":method", "POST")
	chunk := make([]byte, 1<<14)
	go func() {
		for range (initialStreamWindow / len(chunk)) + 2 {
			if rc.fr.WriteData(1, false, chunk) != nil {
				return
			}
		}
	}()
	f := rc.waitFor("RST_STREAM or GOAWAY", func(f rawFrame) bool {
		return f.typ == http2.FrameRSTStream || f.typ == http2.FrameGoAway
	})
	if f.code != http2.ErrCodeFlowControl {
		t.Errorf("%v %v; want FLOW_CONTROL_ERROR", f.typ, f.code)
	}
}

// TestWindowUpdateAfterClose: a net/http client reading large bodies
// returns window for streams the server already closed, faster than the
// flood budget refills; that is not a flood (RFC 9113 6.9).
func TestWindowUpdateAfterClose(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100<<10)
	ts := newTestServer(t, mode{EngineTrio, true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}), nil)
	var dials atomic.Int32
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ts.pool},
		ForceAttemptHTTP2: true,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
	}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr}
	deadline := time.Now().Add(20 * time.Second)
	n := 0
	for ; n < 5000 && time.Now().Before(deadline); n++ {
		res, err := c.Get(ts.url + "/100k")
		if err != nil {
			t.Fatalf("request %d: %v", n, err)
		}
		got, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || got != int64(len(body)) || res.ProtoMajor != 2 {
			t.Fatalf("request %d: %s read %d bytes, %v; want HTTP/2, %d bytes", n, res.Proto, got, err, len(body))
		}
		if d := dials.Load(); d != 1 {
			t.Fatalf("request %d: %d connections; want 1", n, d)
		}
	}
	t.Logf("%d requests", n)
}
