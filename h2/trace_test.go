package h2

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/net/http2"
)

// traceLog collects what a Tracer is told, one line per frame.
type traceLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *traceLog) trace(conn string, dir byte, f FrameInfo) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf("%c %v stream=%d flags=%s len=%d %s", dir, f.Type, f.StreamID, f.FlagNames(), f.Length, f.Fields))
}

func (l *traceLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// Config.Trace sees both directions of a real request: the client's
// SETTINGS and HEADERS (decoded), the server's SETTINGS, response HEADERS
// (decoded again from HPACK, dynamic table included) and DATA.
func TestTrace(t *testing.T) {
	for _, m := range []mode{{EngineTrio, true}, {EngineTrio, false}} {
		t.Run(m.String(), func(t *testing.T) { testTrace(t, m) })
	}
}

func testTrace(t *testing.T, m mode) {
	var log traceLog
	var conns sync.Map
	cfg := &Config{Trace: func(conn string, dir byte, f FrameInfo) {
		conns.Store(conn, true)
		log.trace(conn, dir, f)
	}}
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "hello "+r.URL.Path)
	}), cfg)
	c := ts.h2Client(t)
	for _, path := range []string{"/one", "/two"} { // the second response's fields come from the dynamic table
		resp, err := c.Get(ts.url + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	lines := log.snapshot()
	want := []string{
		"r SETTINGS stream=0 flags= len=",
		"w SETTINGS stream=0 flags= len=",
		"w WINDOW_UPDATE stream=0 flags= len=4 increment=",
		"r HEADERS stream=1 flags=END_STREAM|END_HEADERS len=",
		":method=GET",
		":path=/one",
		"w HEADERS stream=1 flags=END_HEADERS len=",
		":status=200 content-type=text/plain content-length=10",
		"w DATA stream=1 flags=END_STREAM len=10",
		"r HEADERS stream=3 flags=END_STREAM|END_HEADERS len=",
		":path=/two",
		"w HEADERS stream=3 flags=END_HEADERS len=",
		":status=200 content-type=text/plain content-length=10",
		"w DATA stream=3 flags=END_STREAM len=10",
	}
	all := strings.Join(lines, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("trace lacks %q; got:\n%s", w, all)
		}
	}
	n := 0
	conns.Range(func(k, v any) bool { n++; return true })
	if n != 1 {
		t.Errorf("trace named %d connections; want 1", n)
	}
	// Order within one direction is the order on the wire.
	if i, j := index(lines, "r HEADERS stream=1"), index(lines, "r HEADERS stream=3"); i < 0 || j < i {
		t.Errorf("stream 1's HEADERS (line %d) not before stream 3's (line %d)", i, j)
	}
}

func index(lines []string, prefix string) int {
	return slices.IndexFunc(lines, func(s string) bool { return strings.HasPrefix(s, prefix) })
}

func TestFrameInfoFlagNames(t *testing.T) {
	for _, tt := range []struct {
		f    FrameInfo
		want string
	}{
		{FrameInfo{Type: http2.FrameHeaders, Flags: http2.FlagHeadersEndStream | http2.FlagHeadersEndHeaders}, "END_STREAM|END_HEADERS"},
		{FrameInfo{Type: http2.FrameData, Flags: http2.FlagDataEndStream}, "END_STREAM"},
		{FrameInfo{Type: http2.FrameSettings, Flags: http2.FlagSettingsAck}, "ACK"},
		{FrameInfo{Type: http2.FramePing}, ""},
	} {
		if got := tt.f.FlagNames(); got != tt.want {
			t.Errorf("%v flags %#x: FlagNames() = %q; want %q", tt.f.Type, tt.f.Flags, got, tt.want)
		}
	}
}
