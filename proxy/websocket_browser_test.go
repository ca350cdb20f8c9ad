package proxy

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/internal/testserver"
	"github.com/triohttp/trio/ws"
)

// TestWebSocketBrowser: headless Chromium loads the demo chat page through
// the proxy and says hello; the room's echo of it shows on the page, so
// the message went through both legs and back. Its WebSocket reaches the
// proxy over HTTP/1.1, HTTP/2 and, with EnableWebsocketsOverHttp3, HTTP/3.
func TestWebSocketBrowser(t *testing.T) {
	browser.Path(t)
	for _, leg := range wsBackendLegs {
		t.Run(leg, func(t *testing.T) { testWebSocketBrowser(t, leg) })
	}
}

func testWebSocketBrowser(t *testing.T, leg string) {
	protos := make(chan string, 8)
	h := &Handler{Pool: poolOf(t, wsBackend(t, leg, demo.Handler())), Transport: newTransport(t)}
	seen := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws.IsHandshake(r) {
			protos <- fmt.Sprintf("HTTP/%d", r.ProtoMajor)
		}
		h.ServeHTTP(w, r)
	})
	ts := testserver.New(t, testserver.H2, seen, func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	tests := []struct {
		name, want string
		flags      []string
	}{
		{"h1", "HTTP/1", []string{"--disable-http2"}},
		{"h2", "HTTP/2", nil},
		{"h3", "HTTP/3", []string{"--origin-to-force-quic-on=" + origin, "--enable-features=EnableWebsocketsOverHttp3",
			browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			say := "hello-through-proxy-" + tt.name
			dom := browser.DumpDOM(t, "https://"+origin+"/chat.html?say="+say, 15*time.Second, tt.flags...)
			select {
			case p := <-protos:
				if p != tt.want {
					t.Errorf("Chromium's WebSocket reached the proxy over %s; want %s", p, tt.want)
				}
			default:
				t.Fatalf("no WebSocket reached the proxy; DOM:\n%.3000s", dom)
			}
			if !strings.Contains(dom, ": "+say) {
				t.Errorf("the page does not show its message back from the room; DOM:\n%.3000s", dom)
			}
		})
	}
}
