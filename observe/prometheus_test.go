package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/triotest"
)

// startAdmin serves observe.AdminHandler(m, healthy) on 127.0.0.1:0 and
// returns its base URL.
func startAdmin(t *testing.T, m *observe.Metrics, healthy func() bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: observe.AdminHandler(m, healthy)}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close(); <-done })
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestHealthz: 200 while serving, 503 once healthy reports false.
func TestHealthz(t *testing.T) {
	var down atomic.Bool
	admin := startAdmin(t, observe.NewMetrics(), func() bool { return !down.Load() })
	if code, body := get(t, admin+"/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q while serving; want 200 \"ok\\n\"", code, body)
	}
	down.Store(true)
	if code, _ := get(t, admin+"/healthz"); code != 503 {
		t.Errorf("/healthz = %d while shutting down; want 503", code)
	}
	if code, _ := get(t, admin+"/nothing"); code != 404 {
		t.Errorf("/nothing = %d; want 404", code)
	}
}

// sendRequests sends n GETs of /p?status=S&i=0 (site "s") through o.
func sendRequests(t *testing.T, o *triotest.TS, n, status int) {
	t.Helper()
	for range n {
		resp, err := o.Client.Get(fmt.Sprintf("%s/r?i=0&status=%d&n=10", o.URL, status))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// sendMix starts one server per protocol sharing m, and sends known
// numbers of requests: per protocol, want[proto] with 2xx, plus two 404s
// over h1. It returns the counts of site "s" 2xx requests.
func sendMix(t *testing.T, m *observe.Metrics) map[string]int {
	t.Helper()
	want := map[string]int{"h1": 7, "h2": 5, "h3": 3}
	for _, mode := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
		ts := triotest.New(t, mode, observe.Handler(http.HandlerFunc(statusHandler), nil, m),
			func(s *trio.Server) { s.Observer = m })
		sendRequests(t, ts, want[string(mode)], 200)
		if mode == triotest.H1 {
			sendRequests(t, ts, 2, 404)
		}
	}
	return want
}

// TestPromtoolCheckMetrics: the exposition passes promtool's linter.
func TestPromtoolCheckMetrics(t *testing.T) {
	promtool := testtool.Path(t, "promtool")
	m := observe.NewMetrics()
	m.Reloaded(nil)
	m.Reloaded(errors.New("bad file"))
	m.SetCertExpiry(func() map[string]time.Time {
		return map[string]time.Time{"a.localhost": time.Now().Add(24 * time.Hour)}
	})
	sendMix(t, m)
	_, body := get(t, startAdmin(t, m, nil)+"/metrics")
	for _, name := range []string{
		`trio_http_requests_total{code="2xx",protocol="h3",site="s"} 3`,
		`trio_http_requests_total{code="4xx",protocol="h1",site="s"} 2`,
		`trio_config_reloads_total{result="failed"} 1`,
		`trio_certificate_expiry_timestamp_seconds{name="a.localhost"}`,
		`trio_http_request_duration_seconds_bucket{code="2xx",protocol="h2",site="s",le="+Inf"} 5`,
		`trio_http_response_bytes_total{code="2xx",protocol="h1",site="s"} 70`,
		`go_goroutines`, `process_open_fds`,
	} {
		if !bytes.Contains([]byte(body), []byte(name)) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader([]byte(body))
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// TestPrometheusScrape runs a real Prometheus on loopback that scrapes the
// admin listener every second, sends known numbers of requests over h1,
// h2 and h3, and reads the counters back through Prometheus's query API.
func TestPrometheusScrape(t *testing.T) {
	bin := testtool.Path(t, "prometheus")
	m := observe.NewMetrics()
	admin := startAdmin(t, m, nil)
	promURL := startPrometheus(t, bin, admin)
	want := sendMix(t, m)

	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := queryByProtocol(promURL, `sum by (protocol) (trio_http_requests_total{site="s",code="2xx"})`)
		notFound, err2 := queryByProtocol(promURL, `sum by (protocol) (trio_http_requests_total{code="4xx"})`)
		if err == nil && err2 == nil && equalCounts(got, want) && equalCounts(notFound, map[string]int{"h1": 2}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus has 2xx %v (%v), 4xx %v (%v); want %v and h1:2", got, err, notFound, err2, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
	hs, err := queryByProtocol(promURL, `sum by (transport) (trio_tls_handshakes_total{result="ok"})`)
	if err != nil || hs["tcp"] < 2 || hs["quic"] < 1 {
		t.Errorf("handshakes by transport %v, %v; want tcp >= 2 (h1, h2 clients), quic >= 1", hs, err)
	}
}

func equalCounts(got map[string]float64, want map[string]int) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != float64(v) {
			return false
		}
	}
	return true
}

// queryByProtocol runs an instant query and returns each series' value by
// its only label's value.
func queryByProtocol(promURL, q string) (map[string]float64, error) {
	resp, err := http.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r struct {
		Status string
		Data   struct {
			Result []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, err
	}
	if r.Status != "success" {
		return nil, fmt.Errorf("query %s: status %q", q, r.Status)
	}
	out := make(map[string]float64)
	for _, s := range r.Data.Result {
		v, _ := s.Value[1].(string)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, err
		}
		for _, lv := range s.Metric {
			out[lv] = f
		}
	}
	return out, nil
}

// startPrometheus runs Prometheus on a free loopback port, scraping
// target's /metrics every second, and waits until it is ready.
func startPrometheus(t *testing.T, bin, target string) string {
	t.Helper()
	dir := t.TempDir()
	u, _ := url.Parse(target)
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: trio\n    static_configs:\n      - targets: [%q]\n", u.Host)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn")
	cmd.Stderr = &stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-exited
		if t.Failed() {
			t.Logf("prometheus stderr:\n%s", stderr.String())
		}
	})
	base := "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prometheus exited: %v\n%s", err, stderr.String())
		default:
		}
		if resp, err := http.Get(base + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after 30 s\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
