package demo_test

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

var (
	pageProto    = regexp.MustCompile(`<span id="page-proto" class="[^"]*">([^<]*)</span>`)
	connRequests = regexp.MustCompile(`<span id="conn-requests">(\d+)</span>`)
)

// A real browser loads the demo page over each protocol and the page reports
// the protocol the browser used.
func TestBrowser(t *testing.T) {
	browser.Path(t)
	ts := triotest.New(t, triotest.H2, demo.Handler(), func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	tests := []struct {
		name  string
		flags []string
		want  string
	}{
		{"h1", []string{"--disable-http2"}, "http/1.1"},
		{"h2", nil, "h2"},
		{"h3", []string{"--origin-to-force-quic-on=" + origin, browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost")}, "h3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dom := browser.DumpDOM(t, "https://"+origin+"/", 5*time.Second, tt.flags...)
			m := pageProto.FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("no page-proto in the DOM:\n%.2000s", dom)
			}
			if m[1] != tt.want {
				t.Errorf("page came over %q; want %q", m[1], tt.want)
			}
			if want := `"proto"`; !regexp.MustCompile(`<dt>proto</dt><dd>HTTP/`).MatchString(dom) {
				t.Errorf("the server's view (%s from /api/whoami) is missing from the page", want)
			}
			// The keep-alive counter, asked again once the 64 tiles are in:
			// HTTP/2 and HTTP/3 carried them all on the page's one
			// connection; HTTP/1.1 spread them over several.
			m = connRequests.FindStringSubmatch(dom)
			if m == nil {
				t.Fatalf("no keep-alive counter in the DOM:\n%.3000s", dom)
			}
			n, _ := strconv.Atoi(m[1])
			if tt.name == "h1" && (n < 1 || n >= 64) || tt.name != "h1" && n < 64 {
				t.Errorf("%s: the page's connection carried %d requests; want %s", tt.name, n,
					map[bool]string{true: "1 to 63 (six connections share the page)", false: "at least the 64 tiles"}[tt.name == "h1"])
			}
			t.Logf("%s: the connection of the last /api/whoami carried %d requests", tt.name, n)
		})
	}
}

var meProto = regexp.MustCompile(`<span id="me-proto" class="[^"]*">([^<]*)</span>`)

// Headless Chromium joins the demo chat over each protocol: its WebSocket
// is an HTTP/1.1 Upgrade, an HTTP/2 extended CONNECT (RFC 8441), or with
// EnableWebsocketsOverHttp3 an HTTP/3 one (RFC 9220). The page says hello
// (chat.html?say=) and shows its own message coming back from the room;
// the server saw the handshake over the same version.
func TestBrowserChatProtocols(t *testing.T) {
	browser.Path(t)
	handshakes := make(chan string, 16)
	site := demo.Handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws.IsHandshake(r) { // r.Proto is "websocket" for extended CONNECT
			handshakes <- fmt.Sprintf("HTTP/%d", r.ProtoMajor)
		}
		site.ServeHTTP(w, r)
	})
	ts := triotest.New(t, triotest.H2, h, func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	for _, tt := range []struct {
		name  string
		flags []string
		want  string // the HTTP version of the WebSocket
	}{
		{"h1", []string{"--disable-http2"}, "HTTP/1.1"},
		{"h2", nil, "HTTP/2.0"},
		{"h3", []string{"--origin-to-force-quic-on=" + origin, browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost"),
			"--enable-features=EnableWebsocketsOverHttp3"}, "HTTP/3.0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			hello := "hello-over-" + tt.name
			dom := browser.DumpDOM(t, "https://"+origin+"/chat.html?say="+hello, 5*time.Second, tt.flags...)
			select {
			case p := <-handshakes:
				if p != tt.want[:6] {
					t.Errorf("the server saw the WebSocket handshake over %s; want %s", p, tt.want[:6])
				}
			default:
				t.Fatalf("no WebSocket handshake reached the server; DOM:\n%.3000s", dom)
			}
			if m := meProto.FindStringSubmatch(dom); m == nil || m[1] != tt.want {
				t.Errorf("the page says its WebSocket runs over %v; want %s; DOM:\n%.3000s", m, tt.want, dom)
			}
			if !strings.Contains(dom, ": "+hello+" <span") {
				t.Errorf("the page's own message %q did not come back from the room; DOM:\n%.3000s", hello, dom)
			}
		})
	}
}
