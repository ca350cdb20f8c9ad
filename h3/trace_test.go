package h3_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	h3qlog "github.com/quic-go/quic-go/http3/qlog"
	"github.com/quic-go/quic-go/qlog"
	"github.com/quic-go/quic-go/qlogwriter"

	"github.com/triohttp/trio/h3"
)

// memTrace is a qlogwriter.Trace keeping events as lines in memory.
type memTrace struct {
	mu        sync.Mutex
	lines     []string
	producers int
	closed    chan struct{} // closed when the last producer closes
}

func (m *memTrace) AddProducer() qlogwriter.Recorder {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.producers++
	return &memRecorder{m}
}

type memRecorder struct{ m *memTrace }

func (r *memRecorder) RecordEvent(e qlogwriter.Event) {
	var line string
	switch e := e.(type) {
	case h3qlog.FrameParsed:
		line = fmt.Sprintf("parsed stream=%d %s", e.StreamID, frameDesc(e.Frame.Frame))
	case h3qlog.FrameCreated:
		line = fmt.Sprintf("created stream=%d %s len=%d", e.StreamID, frameDesc(e.Frame.Frame), e.Raw.PayloadLength)
	case h3qlog.StreamTypeSet:
		line = fmt.Sprintf("stream_type stream=%d %s %s", e.StreamID, e.Initiator, e.StreamType)
	default:
		line = e.Name()
	}
	r.m.mu.Lock()
	r.m.lines = append(r.m.lines, line)
	r.m.mu.Unlock()
}

func (r *memRecorder) Close() error {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	if r.m.producers--; r.m.producers == 0 {
		close(r.m.closed)
	}
	return nil
}

func (m *memTrace) has(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Contains(strings.Join(m.lines, "\n"), s)
}

func frameDesc(f any) string {
	switch f := f.(type) {
	case h3qlog.HeadersFrame:
		var b strings.Builder
		b.WriteString("HEADERS")
		for _, hf := range f.HeaderFields {
			if strings.HasPrefix(hf.Name, ":") {
				fmt.Fprintf(&b, " %s=%s", hf.Name, hf.Value)
			}
		}
		return b.String()
	case h3qlog.DataFrame:
		return "DATA"
	case h3qlog.SettingsFrame:
		return fmt.Sprintf("SETTINGS extended_connect=%d", f.ExtendedConnect)
	case h3qlog.GoAwayFrame:
		return fmt.Sprintf("GOAWAY id=%d", f.StreamID)
	}
	return fmt.Sprintf("%T", f)
}

// Config.Tracer gets each connection's QUIC events and, from either
// engine, the HTTP/3 frames of a real request: the request's HEADERS as
// parsed, the response's HEADERS and DATA as created, the SETTINGS on the
// control streams.
func TestTracer(t *testing.T) {
	forEngines(t, func(t *testing.T, e h3.Engine) {
		var mu sync.Mutex
		var traces []*memTrace
		cfg := h3.Config{Tracer: func(ctx context.Context, isClient bool, id quic.ConnectionID) qlogwriter.Trace {
			mt := &memTrace{closed: make(chan struct{})}
			mu.Lock()
			traces = append(traces, mt)
			mu.Unlock()
			return mt
		}}
		ts := newTestServer(t, e, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello "+r.URL.Path)
		}), cfg)
		resp, body := ts.do(t, newRequest(t, "GET", ts.url+"/traced", nil))
		if resp.StatusCode != 200 || body != "hello /traced" {
			t.Fatalf("GET /traced = %d %q", resp.StatusCode, body)
		}
		mu.Lock()
		if len(traces) != 1 {
			t.Fatalf("Tracer called for %d connections; want 1", len(traces))
		}
		mt := traces[0]
		mu.Unlock()
		// The client's control stream may be read after the response.
		for deadline := time.Now().Add(5 * time.Second); !mt.has("parsed stream=2 SETTINGS") && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		ts.tr.Close() // the connection ends: every producer closes
		select {
		case <-mt.closed:
		case <-time.After(5 * time.Second):
			t.Fatal("the trace's producers were not all closed after the connection ended")
		}
		mt.mu.Lock()
		all := strings.Join(mt.lines, "\n")
		mt.mu.Unlock()
		for _, want := range []string{
			(qlog.PacketReceived{}).Name(),
			(qlog.PacketSent{}).Name(),
			"stream_type stream=3 local control",
			"created stream=3 SETTINGS extended_connect=1",
			"stream_type stream=2 remote control",
			"parsed stream=2 SETTINGS",
			"parsed stream=0 HEADERS :authority=",
			":method=GET",
			":path=/traced",
			"created stream=0 HEADERS :status=200",
			"created stream=0 DATA len=13",
		} {
			if !strings.Contains(all, want) {
				t.Errorf("trace lacks %q; got:\n%s", want, all)
			}
		}
	})
}
