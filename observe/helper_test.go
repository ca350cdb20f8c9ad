package observe_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/triotest"
)

// A line is an access-log line in JSON.
type line struct {
	Time      time.Time
	Remote    string
	Host      string
	Method    string
	URI       string
	Proto     string
	Status    int
	Bytes     int64
	Duration  float64
	TLS       string
	Stream    *int64
	Site      string
	WebSocket bool `json:"websocket"`
	CloseCode int  `json:"close_code"`
}

// observed is a test server whose handler is wrapped by observe.Handler,
// with its access log in a file and its metrics.
type observed struct {
	*triotest.TS
	Log     *observe.AccessLog
	LogPath string
	Metrics *observe.Metrics
}

// newObserved starts h behind observe.Handler on a testserver in mode m,
// with the Metrics as the server's Observer. t.Cleanup closes the log
// after the server has shut down.
func newObserved(t *testing.T, m triotest.Mode, h http.Handler) *observed {
	t.Helper()
	path := filepath.Join(t.TempDir(), "access.log")
	log, err := observe.OpenAccessLog(path, "json")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := log.Close(); err != nil {
			t.Errorf("AccessLog.Close: %v", err)
		}
	}) // runs after the server's cleanup, registered later
	met := observe.NewMetrics()
	ts := triotest.New(t, m, observe.Handler(h, log, met), func(s *trio.Server) { s.Observer = met })
	return &observed{TS: ts, Log: log, LogPath: path, Metrics: met}
}

// waitLines waits up to 5 s for the log file to hold n lines (the writer
// flushes every second) and returns them decoded.
func (o *observed) waitLines(t *testing.T, n int) []line {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		lines := readLog(t, o.LogPath)
		if len(lines) >= n || time.Now().After(deadline) {
			if len(lines) != n {
				t.Fatalf("access log has %d lines; want %d", len(lines), n)
			}
			return lines
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func readLog(t *testing.T, path string) []line {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines []line
	for s := range strings.SplitSeq(strings.TrimSuffix(string(b), "\n"), "\n") {
		if s == "" {
			continue
		}
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("line %q: %v", s, err)
		}
		lines = append(lines, l)
	}
	return lines
}

// trioEngine reports whether m runs on trio's own engine, which reports
// stream ids (Go's HTTP/2 and quic-go's HTTP/3 do not).
func trioEngine(m triotest.Mode) bool {
	_, e, _ := strings.Cut(string(m), "-")
	return m.Base() != triotest.H1 && (e == "" || e == "trio")
}
