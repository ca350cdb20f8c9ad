package demo

import (
	"io"
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
	for {
		typ, rd, err := c.NextReader()
		if err != nil {
			return
		}
		w, err := c.NextWriter(typ)
		if err != nil {
			return
		}
		if _, err := io.CopyBuffer(w, rd, make([]byte, 32<<10)); err != nil {
			return
		}
		if err := w.Close(); err != nil {
			return
		}
	}
}
