package h3

import (
	"sync"

	"github.com/quic-go/quic-go/http3"
)

// hooks are the functions to run when an HTTP/3 server starts shutting
// down: what net/http's Server.RegisterOnShutdown is, which quic-go's
// http3.Server lacks.
var hooks struct {
	mu sync.Mutex
	m  map[*http3.Server][]func()
}

// RegisterOnShutdown registers f to run when srv starts shutting down, so
// that code holding long-lived streams open (WebSockets) can close them and
// let the shutdown finish. The server's owner calls RunShutdownHooks.
func RegisterOnShutdown(srv *http3.Server, f func()) {
	hooks.mu.Lock()
	defer hooks.mu.Unlock()
	if hooks.m == nil {
		hooks.m = make(map[*http3.Server][]func())
	}
	hooks.m[srv] = append(hooks.m[srv], f)
}

// RunShutdownHooks starts, each in its own goroutine, the functions
// registered for srv, and forgets them.
func RunShutdownHooks(srv *http3.Server) {
	hooks.mu.Lock()
	fs := hooks.m[srv]
	delete(hooks.m, srv)
	hooks.mu.Unlock()
	for _, f := range fs {
		go f()
	}
}
