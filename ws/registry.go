package ws

import (
	"context"
	"net/http"
	"sync"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/h3"
)

// A Registry tracks open connections so a server can close them all with
// 1001 (going away) when it shuts down: net/http does not track hijacked
// connections, and HTTP/2 and HTTP/3 shutdowns wait for streams that a
// WebSocket keeps open.
//
// Accept tracks each connection in AcceptOptions.Registry, or else in the
// registry of the server that received the request. For an *http.Server
// (under http.ServerContextKey: HTTP/1.1 and HTTP/2) or an *h3.Server
// (under h3.ServerContextKey, with either HTTP/3 engine) that registry is
// shut down by the server's RegisterOnShutdown hook, installed on first
// use, so with trio it is automatic. A bare quic-go *http3.Server has no
// such hook: its owner calls ServerRegistry(srv).Shutdown next to its
// Shutdown.
//
// The zero value is ready to use.
type Registry struct {
	mu      sync.Mutex
	conns   map[*Conn]struct{}
	streams map[*Stream]struct{} // from AcceptStream
	down    bool
}

// Len is the number of open connections, streams from AcceptStream
// included.
func (g *Registry) Len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.conns) + len(g.streams)
}

// isDown reports whether g has shut down; a nil g never does.
func (g *Registry) isDown() bool {
	if g == nil {
		return false
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.down
}

// addStream tracks s, or reports false if the registry has shut down.
func (g *Registry) addStream(s *Stream) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return false
	}
	if g.streams == nil {
		g.streams = make(map[*Stream]struct{})
	}
	g.streams[s] = struct{}{}
	s.mu.Lock()
	s.unregister = func() {
		g.mu.Lock()
		delete(g.streams, s)
		g.mu.Unlock()
	}
	s.mu.Unlock()
	return true
}

// add tracks c, or reports false if the registry has shut down.
func (g *Registry) add(c *Conn) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		return false
	}
	if g.conns == nil {
		g.conns = make(map[*Conn]struct{})
	}
	g.conns[c] = struct{}{}
	c.onShutdown = func() {
		g.mu.Lock()
		delete(g.conns, c)
		g.mu.Unlock()
	}
	return true
}

// Shutdown refuses new connections, sends every open one a close frame
// with 1001 (going away), runs the OnShutdown function of every stream
// (or closes it), and waits for them to close. If ctx ends first, it
// closes the rest at once and returns ctx.Err().
func (g *Registry) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	g.down = true
	conns := make([]*Conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	streams := make([]*Stream, 0, len(g.streams))
	for s := range g.streams {
		streams = append(streams, s)
	}
	g.mu.Unlock()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.Close(StatusGoingAway, "server shutting down") })
	}
	for _, s := range streams {
		wg.Go(s.shutdown)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.CloseNow()
		}
		for _, s := range streams {
			s.Close()
		}
		<-done
		return ctx.Err()
	}
}

// servers maps an *http.Server, *h3.Server or *http3.Server to its *Registry.
var servers sync.Map

// ServerRegistry returns the registry of connections Accept took from
// srv, an *http.Server, *h3.Server or *http3.Server (the value under
// http.ServerContextKey, h3.ServerContextKey or http3.ServerContextKey in
// request contexts). It installs the server's shutdown hook
// (http.Server.RegisterOnShutdown, h3.Server.RegisterOnShutdown) that
// shuts the registry down.
func ServerRegistry(srv any) *Registry {
	if g, ok := servers.Load(srv); ok {
		return g.(*Registry)
	}
	g, loaded := servers.LoadOrStore(srv, new(Registry))
	reg := g.(*Registry)
	if loaded {
		return reg
	}
	down := func() {
		reg.Shutdown(context.Background()) // bounded by Close's timeout
		servers.Delete(srv)
	}
	switch hs := srv.(type) {
	case *http.Server:
		hs.RegisterOnShutdown(down)
	case *h3.Server:
		hs.RegisterOnShutdown(down)
	}
	return reg
}

// registryFor picks the registry for a connection accepted from r.
func registryFor(r *http.Request, opts *AcceptOptions) *Registry {
	if opts != nil && opts.Registry != nil {
		return opts.Registry
	}
	ctx := r.Context()
	if hs, ok := ctx.Value(http.ServerContextKey).(*http.Server); ok {
		return ServerRegistry(hs)
	}
	if hs, ok := ctx.Value(h3.ServerContextKey).(*h3.Server); ok {
		return ServerRegistry(hs)
	}
	if hs, ok := ctx.Value(http3.ServerContextKey).(*http3.Server); ok {
		return ServerRegistry(hs)
	}
	return nil
}
