package h2

import (
	"time"

	"golang.org/x/net/http2"
)

// Rapid reset over many connections: a connection's resets budget holds
// resetsFull tokens, so a client that reconnects each time it is told
// ENHANCE_YOUR_CALM would get a full budget again each time, and make the
// server start resetsFull streams per connection. A Server remembers for
// calm.For the addresses it closed a connection of for too many resets;
// their new connections start with calm.Burst tokens, and each stream
// whose response completes raises their burst by one, up to resetsFull.
// Clients that never exhaust the budget, browsers resetting the streams
// of a page they leave among them, start with the full budget.

// tooManyResets is the connection error of a client past its resets
// budget; its address is remembered.
func (c *conn) tooManyResets() error {
	if c.srv != nil {
		c.srv.calm.Offended(c.nc.RemoteAddr(), time.Now())
	}
	return connErr(http2.ErrCodeEnhanceYourCalm, "too many resets")
}
