package demo

import (
	"context"
	"net/http"
	"time"

	"github.com/triohttp/trio/hub"
)

// New returns the demo site with its chat room and ticker on h, so that
// the demo spans every instance sharing h's broker: a member on one
// instance sees what a member on another says, and all see the same
// prices. nil h means a private in-process hub, for one instance. The
// handler is a *Site: a server draining the instance closes h, waits for
// Drained, then shuts down.
func New(h *hub.Hub) http.Handler {
	if h == nil {
		h = new(hub.Hub)
	}
	chat, ticker := &Chat{Hub: h}, &Ticker{Hub: h}
	return &Site{Handler: site(chat, ticker), chat: chat, ticker: ticker}
}

// A Site is the demo site New returns.
type Site struct {
	http.Handler
	chat   *Chat
	ticker *Ticker
}

// Drained returns once every chat and ticker connection has ended, or
// ctx's error. After its hub closed, every connection closes with 1012
// (server restarting), each on its own goroutine; a server that waits for
// Drained before it shuts its listeners gives none of them the 1001 of a
// shutdown instead. A connection whose client does not answer the close
// ends within ws's close timeout.
func (s *Site) Drained(ctx context.Context) error {
	for s.chat.open.Load()+s.ticker.open.Load() > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}
