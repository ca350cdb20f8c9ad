//go:build !linux

package h3

import "net"

// raiseBuffers asks for socketBuffer in both directions. Outside Linux there
// is no portable way to check what was granted, so it reports nothing.
func raiseBuffers(c *net.UDPConn) error {
	c.SetReadBuffer(socketBuffer)
	c.SetWriteBuffer(socketBuffer)
	return nil
}
