package proxy

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestWebSocketChat: the demo chat behind the proxy, with members over
// HTTP/1.1, HTTP/2 and HTTP/3 at once: what one says reaches the others.
func TestWebSocketChat(t *testing.T) {
	for _, leg := range wsBackendLegs {
		t.Run(leg, func(t *testing.T) {
			ts := wsFront(t, triotest.H1, poolOf(t, wsBackend(t, leg, demo.Handler())))
			members := map[triotest.Mode]*ws.Conn{}
			for _, m := range wsClientModes {
				u, o := wsTargetOver(ts, m, "/ws/chat", &ws.DialOptions{Compression: ws.CompressionNoContextTakeover})
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c, _, err := ws.Dial(ctx, u, o)
				cancel()
				if err != nil {
					t.Fatalf("%s: Dial: %v", m, err)
				}
				t.Cleanup(func() { c.CloseNow() })
				if e := nextEvent(t, c, "welcome", ""); e.Proto == "" {
					t.Errorf("%s: welcome without the backend's protocol", m)
				}
				members[m] = c
			}
			for from, c := range members {
				if err := c.WriteMessage(ws.MessageText, []byte("hello from "+string(from))); err != nil {
					t.Fatal(err)
				}
				for to, d := range members {
					if e := nextEvent(t, d, "msg", "hello from "+string(from)); e.Text == "" {
						t.Errorf("%s did not hear %s", to, from)
					}
				}
			}
			for _, c := range members {
				c.Close(ws.StatusNormalClosure, "")
			}
		})
	}
}

// nextEvent reads chat events from c until one of type typ (and text, if
// not "") arrives, for up to 10 seconds.
func nextEvent(t testing.TB, c *ws.Conn, typ, text string) demo.ChatEvent {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	defer c.SetReadDeadline(time.Time{})
	for {
		_, msg, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for a %s event: %v", typ, err)
		}
		var e demo.ChatEvent
		if err := json.Unmarshal(msg, &e); err != nil {
			t.Fatalf("chat event %q: %v", msg, err)
		}
		if e.Type == typ && (text == "" || e.Text == text) {
			return e
		}
	}
}
