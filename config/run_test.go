package config_test

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/config"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/loadtest"
	"github.com/triohttp/trio/ws"
)

// startRunner serves file until the test ends.
func startRunner(t *testing.T, file string) *config.Runner {
	t.Helper()
	c, err := config.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := config.Start(context.Background(), c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Shutdown(context.Background()) })
	return r
}

// A reload that turns HTTP/2 or HTTP/3 off is refused with a line naming
// each key, and the old configuration keeps serving.
func TestReloadRefusesFixedKeys(t *testing.T) {
	file, _ := reloadDir(t)
	r := startRunner(t, file)
	os.WriteFile(file, []byte("h2 = false\nh3 = false\n"+strings.Replace(loadtest.ConfigBefore, `"site-a"`, `"site-a2"`, 1)), 0o644)
	err := r.Reload()
	if err == nil {
		t.Fatal("Reload turning h2 and h3 off succeeded; want it refused")
	}
	for _, want := range []string{"trio.toml: h2: cannot change while serving", "trio.toml: h3: cannot change while serving"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Reload error %q lacks %q", err, want)
		}
	}
	if got := r.Config().Sites[0].Root; !strings.HasSuffix(got, "site-a") {
		t.Errorf("after a refused reload the root is %q; want the old site-a", got)
	}
	if got := reloads(t, r); got != "failed=1 ok=0" {
		t.Errorf("reload metrics: %s; want failed=1 ok=0", got)
	}
}

// /healthz answers 200 while serving and 503 once Shutdown has begun,
// while a WebSocket still drains.
func TestHealthzDuringShutdown(t *testing.T) {
	file, data := reloadDir(t)
	r := startRunner(t, file)
	health := "http://" + r.AdminAddr().String() + "/healthz"
	if code := status(t, health); code != 200 {
		t.Fatalf("/healthz while serving = %d; want 200", code)
	}
	// An HTTP/2 WebSocket whose client does not answer the server's close
	// frame keeps Shutdown draining (up to ws's 5s close bound).
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	addr := r.Listeners().TLS[0].Addr().String()
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	conn, _, err := ws.Dial(wctx, "wss://"+addr+"/ws/echo", &ws.DialOptions{
		HTTP: "h2", TLSClientConfig: &tls.Config{RootCAs: pool}, Header: http.Header{"Origin": {"https://" + addr}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.WriteMessage(ws.MessageText, []byte("hi"))
	if _, msg, err := conn.ReadMessage(); err != nil || string(msg) != "hi" {
		t.Fatalf("echo = %q, %v", msg, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Shutdown(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for status(t, health) != http.StatusServiceUnavailable {
		if time.Now().After(deadline) {
			t.Fatal("/healthz not 503 within 5s of Shutdown")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	default:
	}
	conn.CloseNow() // Shutdown can finish
	if err := <-done; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
}

// status GETs url and returns the status code, or 0 if it cannot connect.
func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A reload reopens the access log: after logrotate renamed the file, the
// lines of later requests go to a new file of the configured name, and a
// new destination takes effect.
func TestReloadReopensAccessLog(t *testing.T) {
	file, data := reloadDir(t)
	r := startRunner(t, file)
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(file)
	get := func() {
		t.Helper()
		for _, res := range loadtest.Get(loadtest.Target{Addr: r.Listeners().TLS[0].Addr().String(), Pool: pool, Host: "a.localhost", Path: "/", MaxRequests: 1}) {
			if res.Err != nil || res.Status != 200 {
				t.Fatalf("%s GET: %d %v", res.Proto, res.Status, res.Err)
			}
		}
	}
	get()
	os.Rename(filepath.Join(dir, "access.log"), filepath.Join(dir, "access.log.1")) // logrotate
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	get()
	os.WriteFile(file, []byte(strings.Replace(loadtest.ConfigBefore, `access = "access.log"`, `access = "other.log"`, 1)), 0o644)
	if err := r.Reload(); err != nil {
		t.Fatal(err)
	}
	get()
	if err := r.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"access.log.1", "access.log", "other.log"} {
		if n := accessLines(t, filepath.Join(dir, name), `"uri":"/"`); n != 3 {
			t.Errorf("%s has %d request lines; want 3, one per protocol", name, n)
		}
	}
}
