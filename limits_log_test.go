package trio_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testtool"
)

// hitCounter is a trio.LimitObserver that counts hits by limit.
type hitCounter struct{ testtool.Counter }

func (h *hitCounter) ConnOpened(trio.Protocol)   {}
func (h *hitCounter) ConnClosed(trio.Protocol)   {}
func (h *hitCounter) StreamOpened(trio.Protocol) {}
func (h *hitCounter) StreamClosed(trio.Protocol) {}
func (h *hitCounter) TLSHandshake(string, error) {}
func (h *hitCounter) LimitHit(limit string)      { h.Hit(limit) }

// limitLines returns the log lines about limit in buf.
func limitLines(buf *testtool.Buffer, limit string) []string {
	var lines []string
	for l := range strings.Lines(buf.String()) {
		if strings.Contains(l, "limit reached") && strings.Contains(l, "limit="+limit+" ") {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	return lines
}

// TestLimitHitLog checks that hits are all counted but logged once per
// interval per limit, the later line carrying the hits held back.
func TestLimitHitLog(t *testing.T) {
	var buf testtool.Buffer
	obs := new(hitCounter)
	s := &trio.Server{
		Logger:   slog.New(slog.NewTextHandler(&buf, nil)),
		Observer: obs,
		Limits:   trio.Limits{LogInterval: 200 * time.Millisecond},
	}
	for range 5 {
		s.LimitHit("max_conns_per_ip")
	}
	s.LimitHit("max_header_fields")
	if n := obs.Get("max_conns_per_ip"); n != 5 {
		t.Errorf("observer counted %d max_conns_per_ip hits; want 5", n)
	}
	lines := limitLines(&buf, "max_conns_per_ip")
	if len(lines) != 1 || !strings.Contains(lines[0], "count=1 ") {
		t.Fatalf("at once, max_conns_per_ip lines = %q; want one with count=1", lines)
	}
	if l := limitLines(&buf, "max_header_fields"); len(l) != 1 {
		t.Errorf("max_header_fields lines = %q; want one (limits are logged apart)", l)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(limitLines(&buf, "max_conns_per_ip")) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	lines = limitLines(&buf, "max_conns_per_ip")
	if len(lines) != 2 || !strings.Contains(lines[1], "count=4 ") {
		t.Fatalf("after the interval, lines = %q; want a second with count=4", lines)
	}
	time.Sleep(300 * time.Millisecond)
	if l := limitLines(&buf, "max_conns_per_ip"); len(l) != 2 {
		t.Errorf("with no new hit, lines = %q; want still 2", l)
	}
}
