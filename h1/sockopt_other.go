//go:build !linux

package h1

import "net"

// tuneTCP sets no options outside Linux.
func tuneTCP(net.Conn) {}
