package proxy

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// echoPage opens a WebSocket to the demo's /ws/echo through the proxy,
// sends a message and shows the echo. Its fetch of /hold stays pending
// until the page fetches /got, after the echo (or the close) came, or for
// 5 s: a request in flight stops Chromium's virtual time, so the DOM is
// dumped only once the round trip is over. (Chromium sometimes holds /got
// back until /hold is answered; such runs take the 5 s.)
const echoPage = `<!doctype html><title>relay</title><p id="out">waiting</p>
<script>
fetch("/hold");
const out = document.getElementById("out");
const s = new WebSocket("wss://" + location.host + "/ws/echo");
s.onopen = () => s.send("MSG");
s.onmessage = m => { out.textContent = "echo:" + m.data; fetch("/got"); };
s.onclose = e => { out.textContent += " closed " + e.code; fetch("/got"); };
</script>`

// browserFront runs the proxy to the demo site over leg behind a
// trio.Server on localhost, with the echo page and its /hold and /got;
// protos receives the HTTP version of each WebSocket handshake. While
// logoHeld holds a channel, the demo's /logo.svg is answered only once it
// is closed (or after 20 s): the chat page's pending logo stops Chromium's
// virtual time, which a WebSocket does not.
func browserFront(t *testing.T, leg string) (origin string, ts *triotest.TS, protos chan string) {
	origin, ts, protos, _ = browserFrontHeld(t, leg)
	return origin, ts, protos
}

func browserFrontHeld(t *testing.T, leg string) (origin string, ts *triotest.TS, protos chan string, logoHeld *atomic.Pointer[chan struct{}]) {
	protos = make(chan string, 16)
	logoHeld = new(atomic.Pointer[chan struct{}])
	h := &Handler{Pool: poolOf(t, wsBackend(t, leg, demo.Handler())), Transport: newTransport(t)}
	var mu sync.Mutex
	got := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo-page.html", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = make(chan struct{}) // one page load at a time
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, echoPage)
	})
	mux.HandleFunc("GET /hold", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		ch := got
		mu.Unlock()
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
		}
	})
	mux.HandleFunc("GET /got", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		select {
		case <-got:
		default:
			close(got)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if ch := logoHeld.Load(); ch != nil && r.URL.Path == "/logo.svg" {
			select {
			case <-*ch:
			case <-time.After(20 * time.Second):
			}
		}
		if ws.IsHandshake(r) {
			protos <- fmt.Sprintf("HTTP/%d", r.ProtoMajor)
		}
		h.ServeHTTP(w, r)
	})
	ts = triotest.New(t, triotest.H2, mux, func(s *trio.Server) { s.Addr = "localhost:0" })
	return fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port), ts, protos, logoHeld
}

// chromeModes are Chromium's flags for a WebSocket over HTTP/1.1, HTTP/2
// and HTTP/3 to origin, and the version the proxy should see.
func chromeModes(t *testing.T, origin string, ts *triotest.TS) []struct {
	name, want string
	flags      []string
} {
	return []struct {
		name, want string
		flags      []string
	}{
		{"h1", "HTTP/1", []string{"--disable-http2"}},
		{"h2", "HTTP/2", nil},
		{"h3", "HTTP/3", []string{"--origin-to-force-quic-on=" + origin, "--enable-features=EnableWebsocketsOverHttp3",
			browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost")}},
	}
}

// checkProto fails t unless the proxy saw a WebSocket over want.
func checkProto(t *testing.T, protos chan string, want, dom string) {
	t.Helper()
	select {
	case p := <-protos:
		if p != want {
			t.Errorf("Chromium's WebSocket reached the proxy over %s; want %s", p, want)
		}
	default:
		t.Fatalf("no WebSocket reached the proxy; DOM:\n%.3000s", dom)
	}
}

// TestWebSocketBrowser: headless Chromium's WebSocket goes through the
// proxy to an h1 and an h2c backend and its message comes back, over
// HTTP/1.1, HTTP/2 and, with EnableWebsocketsOverHttp3, HTTP/3.
func TestWebSocketBrowser(t *testing.T) {
	browser.Path(t)
	for _, leg := range wsBackendLegs {
		t.Run(leg, func(t *testing.T) {
			origin, ts, protos := browserFront(t, leg)
			for _, tt := range chromeModes(t, origin, ts) {
				t.Run(tt.name, func(t *testing.T) {
					dom := browser.DumpDOM(t, "https://"+origin+"/echo-page.html", 5*time.Second, tt.flags...)
					checkProto(t, protos, tt.want, dom)
					if !strings.Contains(dom, `<p id="out">echo:MSG</p>`) {
						t.Errorf("the page shows no echo; DOM:\n%.3000s", dom)
					}
				})
			}
		})
	}
}

// TestWebSocketBrowserChat: Chromium opens the demo chat page through the
// proxy and says hello; a Go member, also through the proxy, hears it, and
// the page shows the room's events.
func TestWebSocketBrowserChat(t *testing.T) {
	browser.Path(t)
	origin, ts, protos, logoHeld := browserFrontHeld(t, "h1")
	for _, tt := range chromeModes(t, origin, ts) {
		t.Run(tt.name, func(t *testing.T) {
			gopher := wsDial(t, ts, "/ws/chat", nil)
			<-protos // the gopher's own handshake
			nextEvent(t, gopher, "welcome", "")
			say := "hello-through-proxy-" + tt.name
			heard, shown := make(chan struct{}), make(chan struct{})
			logoHeld.Store(&shown)
			defer logoHeld.Store(nil)
			go func() {
				defer close(heard)
				nextEvent(t, gopher, "msg", say)
			}()
			go func() {
				// The page sends on open; the room welcomed it before
				// relaying that, so a second is ample for the welcome to
				// reach the page before its DOM is dumped.
				select {
				case <-heard:
					time.Sleep(time.Second)
				case <-time.After(20 * time.Second):
				}
				close(shown)
			}()
			dom := browser.DumpDOM(t, "https://"+origin+"/chat.html?say="+say, 5*time.Second, tt.flags...)
			checkProto(t, protos, tt.want, dom)
			select {
			case <-heard:
			case <-time.After(5 * time.Second):
				t.Fatalf("the Go member did not hear %q; DOM:\n%.3000s", say, dom)
			}
			if !strings.Contains(dom, `id="status">open`) || !strings.Contains(dom, "joined") {
				t.Errorf("the page shows no open room; DOM:\n%.3000s", dom)
			}
			gopher.Close(ws.StatusNormalClosure, "")
		})
	}
}
