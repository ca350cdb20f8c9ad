package proxy

import (
	"testing"

	"github.com/triohttp/trio/ws"
)

// BenchmarkWebSocketEcho: round trips of a 1 KiB message through the
// proxy to an h1 and an h2c echo backend, from each client leg, against
// the same backend directly ("direct").
func BenchmarkWebSocketEcho(b *testing.B) {
	msg := make([]byte, 1024)
	for _, leg := range wsBackendLegs {
		backend := wsBackend(b, leg, wsEcho(nil))
		for _, m := range wsClientModes {
			b.Run(leg+"/"+string(m), func(b *testing.B) {
				ts := wsFront(b, m, poolOf(b, backend))
				benchEcho(b, wsDial(b, ts, "/", nil), msg)
			})
		}
		b.Run(leg+"/direct", func(b *testing.B) {
			u := "ws" + backend[len("http"):]
			o := &ws.DialOptions{}
			if leg == "h2c" {
				u, o.HTTP = "ws"+backend[len("h2c"):], "h2"
			}
			c, _, err := ws.Dial(b.Context(), u, o)
			if err != nil {
				b.Fatal(err)
			}
			defer c.CloseNow()
			benchEcho(b, c, msg)
		})
	}
}

func benchEcho(b *testing.B, c *ws.Conn, msg []byte) {
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteMessage(ws.MessageBinary, msg); err != nil {
			b.Fatal(err)
		}
		if _, _, err := c.ReadMessage(); err != nil {
			b.Fatal(err)
		}
	}
}
