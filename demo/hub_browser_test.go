package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/triotest"
)

// TestBrowserChatMoves: headless Chromium chats on instance trio-a, which
// then drains: the page shows "server restarting, moving", reconnects by
// itself to the origin, now served by trio-b on the same broker, resumes
// after its last seq (its own message once, not twice), shows trio-b, and
// shows what was said there after the move.
func TestBrowserChatMoves(t *testing.T) {
	browser.Path(t)
	brokers := hub.NewLocalCluster(0, 2)
	hubA := &hub.Hub{Broker: brokers[0], Instance: "trio-a"}
	hubB := &hub.Hub{Broker: brokers[1], Instance: "trio-b"}
	siteA, siteB := demo.New(hubA), demo.New(hubB)
	var current atomic.Pointer[http.Handler] // the instance the load balancer sends to
	current.Store(&siteA)
	// Headless Chromium's virtual time runs on while a WebSocket connects,
	// but stops while a fetch is pending: the page's logo is held until
	// the move is done, so the page is not dumped halfway.
	held := make(chan struct{})
	ts := triotest.New(t, triotest.H2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/logo.svg" {
			select {
			case <-held:
			case <-time.After(30 * time.Second):
			}
		}
		(*current.Load()).ServeHTTP(w, r)
	}), func(s *trio.Server) { s.Addr = "localhost:0" })
	t.Cleanup(func() {
		hubA.Close()
		hubB.Close()
		for _, b := range brokers {
			b.Close()
		}
	})

	// A member of the room on trio-b, through its hub.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	gopher, err := hubB.Join(ctx, "chat", hub.Presence{Name: "gopher"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer gopher.Leave()
	moved := make(chan error, 1)
	go func() {
		defer close(held)
		// The page says hello on trio-a: drain trio-a, the origin now
		// goes to trio-b; once the page has joined there, say something.
		if err := await(ctx, gopher, func(e demo.ChatEvent) bool { return e.Type == "msg" && e.Text == "hello-move" }); err != nil {
			moved <- err
			return
		}
		current.Store(&siteB)
		hubA.Close()
		for hubB.Members("chat") < 2 { // the gopher and the page
			select {
			case <-ctx.Done():
				moved <- ctx.Err()
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		_, err := hubB.Publish(ctx, "chat", []byte(`{"type":"msg","from":"gopher","text":"after the move","via":"trio-b"}`))
		moved <- err
		time.Sleep(time.Second) // for it to reach the page
	}()
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	dom := browser.DumpDOM(t, "https://"+origin+"/chat.html?say=hello-move", 10*time.Second)
	select {
	case err := <-moved:
		if err != nil {
			t.Fatalf("the move did not happen: %v; DOM:\n%.3000s", err, dom)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the page did not join trio-b; DOM:\n%.3000s", dom)
	}
	for _, want := range []string{"server restarting, moving off trio-a", `<code id="instance">trio-b</code>`, "resumed after #", "gopher: after the move"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page does not show %q; DOM:\n%.3000s", want, dom)
		}
	}
	if n := strings.Count(dom, ": hello-move"); n != 1 {
		t.Errorf("the page shows its message %d times; want once; DOM:\n%.3000s", n, dom)
	}
}

// await takes m's messages until one, decoded, satisfies ok.
func await(ctx context.Context, m *hub.Member, ok func(demo.ChatEvent) bool) error {
	var msgs []hub.Message
	for {
		select {
		case <-m.Ready():
			var open bool
			msgs, open = m.Take(msgs[:0])
			for _, msg := range msgs {
				var e demo.ChatEvent
				if json.Unmarshal(msg.Data, &e) == nil && ok(e) {
					return nil
				}
			}
			if !open {
				return fmt.Errorf("member ended: %v", m.Err())
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// TestBrowserTicker: headless Chromium opens the ticker page: it shows
// the prices, the instance that made them and the one relaying them.
func TestBrowserTicker(t *testing.T) {
	browser.Path(t)
	h := &hub.Hub{Instance: "trio-x"}
	site := demo.New(h)
	t.Cleanup(h.Close)
	// Hold the page's logo (virtual time stops for a pending fetch) for a
	// few ticks.
	ts := triotest.New(t, triotest.H2, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/logo.svg" {
			time.Sleep(2 * time.Second)
		}
		site.ServeHTTP(w, r)
	}), func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	dom := browser.DumpDOM(t, "https://"+origin+"/ticker.html", 3*time.Second)
	for _, want := range []string{`<code id="producer">trio-x</code>`, `<code id="instance">trio-x</code>`, `<td>TRIO</td>`, `<span id="status">open</span>`} {
		if !strings.Contains(dom, want) {
			t.Errorf("the page does not show %q; DOM:\n%.3000s", want, dom)
		}
	}
	if strings.Contains(dom, `<span id="seq">0</span>`) {
		t.Errorf("the page shows no tick; DOM:\n%.3000s", dom)
	}
}
