package demo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// wsDial opens path on ts over HTTP version proto ("http/1.1", "h2", "h3").
func wsDial(t testing.TB, ts *triotest.TS, path, proto string) (*ws.Conn, *http.Response, error) {
	t.Helper()
	addr := ts.TLSAddr().String()
	if proto == "h3" {
		addr = ts.Addrs.QUIC[0].LocalAddr().String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, resp, err := ws.Dial(ctx, "wss://"+addr+path, &ws.DialOptions{HTTP: proto, TLSClientConfig: ts.ClientTLS()})
	if err == nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// next reads chat events until one of type typ.
func next(t testing.TB, c *ws.Conn, typ string) demo.ChatEvent {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(45 * time.Second))
	for {
		_, b, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("reading chat: %v", err)
		}
		var e demo.ChatEvent
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("chat sent %q: %v", b, err)
		}
		if e.Type == typ {
			return e
		}
	}
}

var chatProtos = []string{"http/1.1", "h2", "h3"}

// TestChatAcrossProtocols: one member per HTTP version; each message
// reaches all three, labelled with the sender's version.
func TestChatAcrossProtocols(t *testing.T) {
	ts := triotest.New(t, triotest.H2, demo.Handler())
	var cs []*ws.Conn
	for i, p := range chatProtos {
		c, _, err := wsDial(t, ts, "/ws/chat", p) // joins after the 500ms ResumeWait, over countFresh
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if e := next(t, c, "welcome"); e.Count != i+1 {
			t.Errorf("member %d welcomed to a room of %d", i+1, e.Count)
		}
		cs = append(cs, c)
	}
	want := map[string]string{"http/1.1": "HTTP/1.1", "h2": "HTTP/2.0", "h3": "HTTP/3.0"}
	for i, sender := range cs {
		text := "hello from " + chatProtos[i]
		if err := sender.WriteMessage(ws.MessageText, []byte(text)); err != nil {
			t.Fatal(err)
		}
		for j, c := range cs {
			e := next(t, c, "msg")
			if e.Text != text || e.Proto != want[chatProtos[i]] {
				t.Errorf("member %s got %+v; want %q from %s", chatProtos[j], e, text, want[chatProtos[i]])
			}
		}
	}
}

// TestChatDropsBadMembers: a member that stops reading, one that vanishes
// and one that floods are dropped; their goroutines end; the others go on
// chatting.
func TestChatDropsBadMembers(t *testing.T) {
	chat := &demo.Chat{PingInterval: 300 * time.Millisecond, WriteTimeout: 2 * time.Second, Rate: 20}
	ts := triotest.New(t, triotest.H2, chat)
	for _, p := range chatProtos {
		t.Run(p, func(t *testing.T) {
			a, _, err := wsDial(t, ts, "/", "http/1.1")
			if err != nil {
				t.Fatal(err)
			}
			b, _, err := wsDial(t, ts, "/", "h3")
			if err != nil {
				t.Fatal(err)
			}
			next(t, a, "welcome")
			next(t, b, "welcome")
			aev, bev := events(a), events(b) // they keep answering pings

			stalled, _, err := wsDial(t, ts, "/", p) // never reads: no pongs
			if err != nil {
				t.Fatal(err)
			}
			vanished, _, err := wsDial(t, ts, "/", p)
			if err != nil {
				t.Fatal(err)
			}
			vanished.CloseNow() // no close frame
			flood, _, err := wsDial(t, ts, "/", p)
			if err != nil {
				t.Fatal(err)
			}
			floodErr := make(chan error, 1)
			go func() {
				for {
					if _, _, err := flood.ReadMessage(); err != nil {
						floodErr <- err
						return
					}
				}
			}()
			for i := 0; i < 200; i++ {
				if err := flood.WriteMessage(ws.MessageText, []byte("spam")); err != nil {
					t.Logf("flood write %d: %v", i, err)
					break
				}
			}
			var ce *ws.CloseError
			// The close frame (1008) may be lost when the flooder's own
			// write fails first and its transport closes (HTTP/2 client).
			if err := <-floodErr; !errors.As(err, &ce) || ce.Code != ws.StatusPolicyViolation && ce.Code != ws.StatusAbnormalClosure {
				t.Errorf("flooder ended with %v; want close 1008", err)
			}
			waitFor(t, "bad members dropped", func() bool { return chat.Len() == 2 })
			_ = stalled

			// The two left are a and b: both still hear the room.
			if err := b.WriteMessage(ws.MessageText, []byte("still here")); err != nil {
				t.Fatal(err)
			}
			waitMsg(t, aev, "still here")
			waitMsg(t, bev, "still here")
			a.Close(ws.StatusNormalClosure, "")
			b.Close(ws.StatusNormalClosure, "")
			waitFor(t, "room empty", func() bool { return chat.Len() == 0 })
		})
	}
	// Every handler, writer and reader goroutine of the room has ended.
	waitFor(t, "chat goroutines gone", func() bool { return countGoroutines("demo.(*Chat)") == 0 })
}

// TestChatKeepsIdleMembers: members that read stay in a room that has
// been quiet for longer than the write timeout, over every protocol.
func TestChatKeepsIdleMembers(t *testing.T) {
	chat := &demo.Chat{PingInterval: 100 * time.Millisecond, WriteTimeout: time.Second}
	ts := triotest.New(t, triotest.H2, chat)
	var cs []*ws.Conn
	var evs []<-chan demo.ChatEvent
	for _, p := range chatProtos {
		c, _, err := wsDial(t, ts, "/", p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		next(t, c, "welcome")
		cs = append(cs, c)
		evs = append(evs, events(c))
	}
	say := func(text string) {
		t.Helper()
		if err := cs[0].WriteMessage(ws.MessageText, []byte(text)); err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			waitMsg(t, ev, text)
		}
	}
	say("before") // every member's writer has written since joining
	time.Sleep(chat.WriteTimeout + 5*chat.PingInterval)
	if n := chat.Len(); n != len(chatProtos) {
		t.Errorf("after a quiet %v, Len = %d; want %d", chat.WriteTimeout+5*chat.PingInterval, n, len(chatProtos))
	}
	say("after")
	for _, c := range cs {
		c.Close(ws.StatusNormalClosure, "")
	}
	waitFor(t, "room empty", func() bool { return chat.Len() == 0 })
}

// waitMsg reads ev until a message with text; it fails if ev ends first.
func waitMsg(t testing.TB, ev <-chan demo.ChatEvent, text string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-ev:
			if !ok {
				t.Fatalf("connection ended before message %q", text)
			}
			if e.Type == "msg" && e.Text == text {
				return
			}
		case <-timeout:
			t.Fatalf("timed out waiting for message %q", text)
		}
	}
}

// events reads c in the background (answering pings) and sends what the
// room says; it closes when c does.
func events(c *ws.Conn) <-chan demo.ChatEvent {
	ch := make(chan demo.ChatEvent, 1024)
	go func() {
		defer close(ch)
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				return
			}
			var e demo.ChatEvent
			json.Unmarshal(b, &e)
			ch <- e
		}
	}()
	return ch
}

func countGoroutines(substr string) int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, substr) {
			n++
		}
	}
	return n
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTicker: the server pushes ticks unasked, on every protocol, after a
// welcome: their sequence numbers grow, the producer and the relaying
// instance are this one.
func TestTicker(t *testing.T) {
	ticker := &demo.Ticker{Hub: &hub.Hub{Instance: "solo"}, Interval: 20 * time.Millisecond}
	ts := triotest.New(t, triotest.H2, ticker)
	for _, p := range chatProtos {
		c, _, err := wsDial(t, ts, "/?after=0", p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var last uint64
		for i := 0; i < 4; i++ {
			_, b, err := c.ReadMessage()
			if err != nil {
				t.Fatal(err)
			}
			var tick demo.Tick
			json.Unmarshal(b, &tick)
			want := "tick"
			if i == 0 {
				want = "welcome"
			}
			if tick.Type != want || tick.Instance != "solo" || tick.Proto != c.Proto() || i > 0 && (tick.Seq <= last || len(tick.Quotes) == 0 || tick.Producer != "solo") {
				t.Fatalf("%s: event %d is %s; want a %s over %s after seq %d from solo", p, i, b, want, c.Proto(), last)
			}
			last = tick.Seq
		}
		c.Close(ws.StatusNormalClosure, "")
	}
}

// TestEchoEndpoint: /ws/echo returns text and binary up to its limit, and
// routes without WebSockets answer a handshake with an error status.
func TestEchoEndpoint(t *testing.T) {
	ts := triotest.New(t, triotest.H2, demo.Handler())
	for _, p := range chatProtos {
		c, _, err := wsDial(t, ts, "/ws/echo", p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, n := range []int{0, 1 << 20} {
			for _, typ := range []ws.MessageType{ws.MessageText, ws.MessageBinary} {
				msg := []byte(strings.Repeat("é", n/2))
				if err := c.WriteMessage(typ, msg); err != nil {
					t.Fatal(err)
				}
				gt, got, err := c.ReadMessage()
				if err != nil || gt != typ || string(got) != string(msg) {
					t.Fatalf("%s: echo of %d bytes: %v %d bytes, %v", p, len(msg), gt, len(got), err)
				}
			}
		}
		c.Close(ws.StatusNormalClosure, "")
		for _, path := range []string{"/api/whoami", "/index.html", "/nope"} {
			_, resp, err := wsDial(t, ts, path, p)
			if err == nil || resp == nil { // no hang, and a status to show
				t.Errorf("%s %s: Dial = %v, %v; want an error status", p, path, resp, err)
			}
		}
	}
}

// TestBrowserChat: headless Chromium opens the chat page and says hello;
// a Go member sees the message, labelled with the HTTP version Chromium
// chose for its WebSocket, and the page shows the Go member's reply.
func TestBrowserChat(t *testing.T) {
	browser.Path(t)
	// Headless Chromium's virtual time runs on while a WebSocket talks,
	// but stops while a fetch is pending: the page's logo is held until
	// the reply has gone out, so a loaded machine does not dump the page
	// before it arrives.
	var held atomic.Pointer[chan struct{}]
	site := demo.Handler()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ch := held.Load(); ch != nil && r.URL.Path == "/logo.svg" {
			select {
			case <-*ch:
			case <-time.After(30 * time.Second):
			}
		}
		site.ServeHTTP(w, r)
	})
	ts := triotest.New(t, triotest.H2, h, func(s *trio.Server) { s.Addr = "localhost:0" })
	origin := fmt.Sprintf("localhost:%d", ts.TLSAddr().(*net.TCPAddr).Port)
	tests := []struct {
		name  string
		flags []string
	}{
		{"h1", []string{"--disable-http2"}},
		{"h2", nil},
		{"h3", []string{"--origin-to-force-quic-on=" + origin, browser.SPKIFlag(t, ts.TLSAddr().String(), "localhost")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gopher, _, err := wsDial(t, ts, "/ws/chat?after=0", "h2")
			if err != nil {
				t.Fatal(err)
			}
			next(t, gopher, "welcome")
			got := make(chan demo.ChatEvent, 1)
			replied := make(chan struct{})
			held.Store(&replied)
			go func() {
				defer close(replied)
				e := next(t, gopher, "msg")
				gopher.WriteMessage(ws.MessageText, []byte("hi browser"))
				got <- e
				time.Sleep(time.Second) // for it to reach the page
			}()
			dom := browser.DumpDOM(t, "https://"+origin+"/chat.html?say=hello-"+tt.name, 3*time.Second, tt.flags...)
			var e demo.ChatEvent
			select {
			case e = <-got:
			case <-time.After(45 * time.Second):
				t.Fatalf("no message from the browser; DOM:\n%.3000s", dom)
			}
			if e.Text != "hello-"+tt.name {
				t.Errorf("browser said %q", e.Text)
			}
			t.Logf("Chromium (%s) used %s for its WebSocket", tt.name, e.Proto)
			if !strings.Contains(dom, "hi browser") {
				t.Errorf("the page does not show the reply; DOM:\n%.3000s", dom)
			}
			gopher.Close(ws.StatusNormalClosure, "")
		})
	}
}
