package demo

import (
	"net/http"

	"github.com/triohttp/trio/hub"
)

// New returns the demo site with its chat room and ticker on h, so that
// the demo spans every instance sharing h's broker: a member on one
// instance sees what a member on another says, and all see the same
// prices. nil h means a private in-process hub, for one instance.
func New(h *hub.Hub) http.Handler {
	if h == nil {
		h = new(hub.Hub)
	}
	return site(&Chat{Hub: h}, &Ticker{Hub: h})
}
