package config

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/triohttp/trio/ws"
)

// TestWebSocketThroughSite opens the demo's echo WebSocket over HTTP/1.1,
// HTTP/2 and HTTP/3 through a site whose header rules and error pages
// wrap the ResponseWriter, which must still reach the connection.
func TestWebSocketThroughSite(t *testing.T) {
	dir := t.TempDir()
	writeTestFile(t, filepath.Join(dir, "404.html"), "custom 404\n")
	writeTestFile(t, filepath.Join(dir, "trio.toml"), `
[[site]]
hosts = ["127.0.0.1"]

[[site.header]]
set = { X-Rule = "yes" }

[site.errors]
404 = "404.html"
`)
	ts := serveConfig(t, filepath.Join(dir, "trio.toml"))
	for _, proto := range []string{"http/1.1", "h2", "h3"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		url := fmt.Sprintf("wss://127.0.0.1:%d/ws/echo", ts.port)
		c, _, err := ws.Dial(ctx, url, &ws.DialOptions{
			HTTP:            proto,
			TLSClientConfig: &tls.Config{RootCAs: ts.pool},
			Header:          http.Header{"Origin": {fmt.Sprintf("https://127.0.0.1:%d", ts.port)}},
		})
		cancel()
		if err != nil {
			t.Fatalf("%s: Dial: %v", proto, err)
		}
		msg := "hello over " + proto
		if err := c.WriteMessage(ws.MessageText, []byte(msg)); err != nil {
			t.Fatalf("%s: WriteMessage: %v", proto, err)
		}
		if _, got, err := c.ReadMessage(); err != nil || string(got) != msg {
			t.Errorf("%s: echo = %q, %v; want %q", proto, got, err, msg)
		}
		c.Close(ws.StatusNormalClosure, "")
	}
	c, base := ts.client(t, "h2", "")
	r := do(t, c, base, "127.0.0.1", "GET", "/nope", nil)
	if r.status != 404 || r.body != "custom 404\n" || r.header.Get("X-Rule") != "yes" {
		t.Errorf("GET /nope = %d %q X-Rule %q; want 404, the page, yes", r.status, r.body, r.header.Get("X-Rule"))
	}
}
