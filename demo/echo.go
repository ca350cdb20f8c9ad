package demo

import (
	"net/http"

	"github.com/triohttp/trio/ws"
)

// EchoLimit is the largest message /ws/echo takes: 16 MiB.
const EchoLimit = 16 << 20

// Echo returns every WebSocket message as it came, text or binary, up to
// EchoLimit. Any origin may connect (it is a test endpoint), and
// permessage-deflate is offered without context takeover.
func Echo(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, &ws.AcceptOptions{
		OriginPatterns: []string{"*"},
		Compression:    ws.CompressionNoContextTakeover,
		ReadLimit:      EchoLimit,
	})
	if err != nil {
		return
	}
	defer c.CloseNow()
	for { // whole messages: a streaming echo could deadlock a client that writes before it reads
		typ, msg, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(typ, msg); err != nil {
			return
		}
	}
}
