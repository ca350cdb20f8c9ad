package proxy

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/triohttp/trio/internal/testtool"
)

// newStatusSet is a set with two pools in known states: on route "api",
// one upstream healthy with 2 HTTP requests and 1 WebSocket in flight, one
// down; on route "ws", one draining with a WebSocket, one drained.
func newStatusSet(t *testing.T) *Pools {
	t.Helper()
	set := new(Pools)
	st := set.Stage()
	api, _ := st.Pool(quiet(PoolConfig{Name: "api"}), "http://127.0.0.1:9000", "h2c://127.0.0.1:9001")
	wsp, _ := st.Pool(quiet(PoolConfig{Name: "ws", DrainGrace: -1}), "http://127.0.0.1:9100", "http://127.0.0.1:9101")
	st.Commit()
	t.Cleanup(st.Close)
	up := api.Upstreams()
	up[1].down.Store(true)
	for range 3 {
		_, done, _ := api.Pick(plain(0), nil)
		t.Cleanup(func() { done(nil) })
	}
	t.Cleanup(up[0].addRelay(newFakeRelay()))
	up[0].checks[1].Add(4)
	up[1].checks[0].Add(1)
	up[1].checkErr = "status 503"
	f, end := openWebSocket(t, wsp, wsp.Upstreams()[0])
	t.Cleanup(end)
	if err := wsp.Update("http://127.0.0.1:9101"); err != nil {
		t.Fatal(err)
	}
	if !f.waitClosed(time.Second) {
		t.Fatal("the WebSocket of the removed upstream was not drained")
	}
	return set
}

func TestPoolAdminJSON(t *testing.T) {
	set := newStatusSet(t)
	rec := httptest.NewRecorder()
	set.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/upstreams", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q; want application/json", ct)
	}
	var got []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, rec.Body)
	}
	want := []map[string]any{
		{"route": "api", "upstream": "http://127.0.0.1:9000", "state": "healthy", "requests": 2.0, "websockets": 1.0,
			"websockets_drained": 0.0, "health_checks_ok": 4.0, "health_checks_failed": 0.0},
		{"route": "api", "upstream": "h2c://127.0.0.1:9001", "state": "down", "requests": 0.0, "websockets": 0.0,
			"websockets_drained": 0.0, "health_checks_ok": 0.0, "health_checks_failed": 1.0, "last_check_error": "status 503"},
		{"route": "ws", "upstream": "http://127.0.0.1:9101", "state": "healthy", "requests": 0.0, "websockets": 0.0,
			"websockets_drained": 0.0, "health_checks_ok": 0.0, "health_checks_failed": 0.0},
		{"route": "ws", "upstream": "http://127.0.0.1:9100", "state": "draining", "requests": 0.0, "websockets": 1.0,
			"websockets_drained": 1.0, "health_checks_ok": 0.0, "health_checks_failed": 0.0},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d upstreams; want %d:\n%s", len(got), len(want), rec.Body)
	}
	for i := range want {
		a, _ := json.Marshal(got[i])
		b, _ := json.Marshal(want[i])
		if !bytes.Equal(a, b) {
			t.Errorf("upstream %d:\n got %s\nwant %s", i, a, b)
		}
	}
}

func TestPoolMetrics(t *testing.T) {
	set := newStatusSet(t)
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(set); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, line := range []string{
		`trio_upstream_state{route="api",state="healthy",upstream="http://127.0.0.1:9000"} 1`,
		`trio_upstream_state{route="api",state="down",upstream="h2c://127.0.0.1:9001"} 1`,
		`trio_upstream_state{route="api",state="healthy",upstream="h2c://127.0.0.1:9001"} 0`,
		`trio_upstream_state{route="ws",state="draining",upstream="http://127.0.0.1:9100"} 1`,
		`trio_upstream_requests_in_flight{route="api",upstream="http://127.0.0.1:9000"} 2`,
		`trio_upstream_websockets_open{route="api",upstream="http://127.0.0.1:9000"} 1`,
		`trio_upstream_websockets_drained_total{route="ws",upstream="http://127.0.0.1:9100"} 1`,
		`trio_upstream_health_checks_total{result="ok",route="api",upstream="http://127.0.0.1:9000"} 4`,
		`trio_upstream_health_checks_total{result="failed",route="api",upstream="h2c://127.0.0.1:9001"} 1`,
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
	promtool := testtool.Path(t, "promtool")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("promtool check metrics: %v\n%s\n%s", err, out, body)
	}
}
