package h2

import (
	"context"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/testtool"
)

// TestChromium loads a page with a script and an image in headless
// Chromium over TLS: every request must arrive over HTTP/2 and the script
// must run.
func TestChromium(t *testing.T) {
	bin := testtool.Path(t, "chromium")
	if testing.Short() {
		t.Skip("short")
	}
	var mu sync.Mutex
	protos := map[string]string{}
	ts := newTestServer(t, mode{EngineTrio, true}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		protos[r.URL.Path] = r.Proto
		mu.Unlock()
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html><body><img src="/img.svg"><div id="out">static</div><script src="/app.js"></script></body></html>`))
		case "/app.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write([]byte(`document.getElementById("out").textContent = "script ran over h2";`))
		case "/img.svg":
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Write([]byte(`<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>`))
		default:
			http.NotFound(w, r)
		}
	}), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu",
		"--ignore-certificate-errors", "--no-first-run", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--dump-dom", ts.url+"/")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "script ran over h2") {
		t.Errorf("DOM:\n%s", out)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/", "/app.js", "/img.svg"} {
		if protos[p] != "HTTP/2.0" {
			t.Errorf("%s served over %q; want HTTP/2.0", p, protos[p])
		}
	}
}
