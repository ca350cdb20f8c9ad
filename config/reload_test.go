package config_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/loadtest"
)

// reloadDir writes the sites of the reload test and loadtest.ConfigBefore as
// trio.toml into a new directory, and sets the local CA's directory.
func reloadDir(t *testing.T) (file, data string) {
	t.Helper()
	dir := t.TempDir()
	data = t.TempDir()
	t.Setenv("TRIO_DATA_DIR", data)
	for name, body := range map[string]string{"site-a": "A before", "site-a2": "A after", "site-c": "C new"} {
		os.Mkdir(filepath.Join(dir, name), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name, "index.html"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file = filepath.Join(dir, "trio.toml")
	if err := os.WriteFile(file, []byte(loadtest.ConfigBefore), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, data
}

// A reload under load drops nothing: requests on h1, h2 and h3 all
// succeed, a WebSocket on each keeps echoing, a broken file is refused
// (logged with its position, counted) while the old one serves, and
// requests that start after a good reload see the new content and the new
// site.
func TestReloadUnderLoad(t *testing.T) {
	file, data := reloadDir(t)
	var logs testtool.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := config.Start(context.Background(), c, logger)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	addr := r.Listeners().TLS[0].Addr().String()
	target := loadtest.Target{Addr: addr, Pool: pool, Host: "a.localhost", Path: "/", WSHost: "127.0.0.1", WSPath: "/ws/echo", MaxRequests: 3000}
	load, err := loadtest.Start(target)
	if err != nil {
		r.Shutdown(context.Background())
		t.Fatal(err)
	}
	load.WaitSent(t, 60)

	// A broken file: refused, logged with file:line:col, counted.
	os.WriteFile(file, []byte(loadtest.ConfigBroken), 0o644)
	err = r.Reload()
	if err == nil || !strings.Contains(err.Error(), "trio.toml:17:1") {
		t.Errorf("Reload of a broken file = %v; want an error at trio.toml:17:1", err)
	}
	if !regexp.MustCompile(`level=ERROR .*trio\.toml:17:1: site\[2\]\.rot: unknown key`).MatchString(logs.String()) {
		t.Errorf("log lacks the refused reload's error with its position:\n%s", logs.String())
	}
	load.WaitSent(t, 60)

	// A good one: new content for a, a new site c.
	os.WriteFile(file, []byte(loadtest.ConfigAfter), 0o644)
	reloaded := time.Now()
	if err := r.Reload(); err != nil {
		t.Fatalf("Reload = %v", err)
	}
	after := time.Now()
	load.WaitSent(t, 90)
	if !load.WaitEchoes(5, 20*time.Second) {
		t.Errorf("the WebSockets did not go on echoing after the reload: %v", load.Echoes())
	}
	fresh := loadtest.Get(loadtest.Target{Addr: addr, Pool: pool, Host: "c.localhost", Path: "/", MaxRequests: 1})

	results, wsErrs, echoes := load.Stop()
	loadtest.Check(t, results, wsErrs, echoes, reloaded, after, "A before", "A after")
	for _, res := range fresh {
		if res.Err != nil || res.Status != 200 || res.Body != "C new" {
			t.Errorf("new site c over %s: %d %q %v; want 200 \"C new\"", res.Proto, res.Status, res.Body, res.Err)
		}
	}
	if got := reloads(t, r); got != "failed=1 ok=1" {
		t.Errorf("reload metrics: %s; want failed=1 ok=1", got)
	}

	if err := r.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	// Every request has its access-log line, none lost at shutdown.
	lines := accessLines(t, filepath.Join(filepath.Dir(file), "access.log"), `"uri":"/"`)
	if want := len(results) + len(fresh); lines != want {
		t.Errorf("access log has %d request lines; want %d, one per request sent", lines, want)
	}
}

// reloads reads the reload counter from r's metrics: "failed=N ok=M".
func reloads(t *testing.T, r *config.Runner) string {
	t.Helper()
	mfs, err := r.Metrics().Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "trio_config_reloads_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				got[l.GetValue()] = m.GetCounter().GetValue()
			}
		}
	}
	return fmt.Sprintf("failed=%v ok=%v", got["failed"], got["ok"])
}

// accessLines counts the lines of the access log at path containing sub.
func accessLines(t *testing.T, path, sub string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), sub)
}

// A reload that moves listen, http and admin opens the new addresses and
// stops the old ones, while the connections open on the old ones (HTTP
// requests on all three protocols, a WebSocket on each) go on.
func TestReloadMovesListeners(t *testing.T) {
	file, data := reloadDir(t)
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := config.Start(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Shutdown(context.Background())
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	old, oldAdmin := r.Listeners(), r.AdminAddr()
	load, err := loadtest.Start(loadtest.Target{Addr: old.TLS[0].Addr().String(), Pool: pool, Host: "a.localhost", Path: "/", WSHost: "127.0.0.1", WSPath: "/ws/echo", MaxRequests: 3000})
	if err != nil {
		t.Fatal(err)
	}
	load.WaitSent(t, 60)

	moved := strings.ReplaceAll(loadtest.ConfigBefore, "127.0.0.1:0", "127.0.0.2:0")
	os.WriteFile(file, []byte(moved), 0o644)
	reloaded := time.Now()
	if err := r.Reload(); err != nil {
		t.Fatalf("Reload = %v", err)
	}
	after := time.Now()
	cur := r.Listeners()
	if got := cur.TLS[0].Addr().(*net.TCPAddr).IP.String(); got != "127.0.0.2" {
		t.Fatalf("listening on %s after the reload; want 127.0.0.2", got)
	}
	load.WaitSent(t, 90)
	if !load.WaitEchoes(5, 20*time.Second) {
		t.Errorf("the WebSockets did not go on echoing after the reload: %v", load.Echoes())
	}
	for _, res := range loadtest.Get(loadtest.Target{Addr: cur.TLS[0].Addr().String(), Pool: pool, Host: "a.localhost", Path: "/", MaxRequests: 1}) {
		if res.Err != nil || res.Status != 200 || res.Body != "A before" {
			t.Errorf("new address over %s: %d %q %v; want 200 \"A before\"", res.Proto, res.Status, res.Body, res.Err)
		}
	}
	resp, err := http.Get("http://" + r.AdminAddr().String() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("new admin /healthz: %v %v; want 200", resp, err)
	} else {
		resp.Body.Close()
	}
	for _, a := range []net.Addr{old.TLS[0].Addr(), old.Cleartext[0].Addr(), oldAdmin} {
		deadline := time.Now().Add(10 * time.Second) // the old admin listener drains in the background
		for {
			c, err := net.DialTimeout("tcp", a.String(), time.Second)
			if err != nil {
				break
			}
			c.Close()
			if time.Now().After(deadline) {
				t.Errorf("%v still accepts connections after the reload moved it", a)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	results, wsErrs, echoes := load.Stop()
	loadtest.Check(t, results, wsErrs, echoes, reloaded, after, "A before", "A before")
}
