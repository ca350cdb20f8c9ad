//go:build !linux

package main

import (
	"errors"
	"net"
)

// defaultClient is the lean client on a goroutine per connection: epoll
// is Linux's.
const defaultClient = "lean"

func (f *fanout) startEpoll(conns []*net.TCPConn, rest [][]byte) (func() error, error) {
	return nil, errors.New("-client=epoll needs Linux; use -client=lean")
}
