package trio

import (
	"context"
	"net"
	"net/http"
	"sync"

	"golang.org/x/net/http2"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
)

// upgrades serves, with Go's HTTP/2 engine, the connections that switched from HTTP/1.1 to HTTP/2 with
// `Upgrade: h2c`. net/http no longer tracks them once hijacked, so this does:
// Shutdown sends them GOAWAY and waits, Close closes them.
type upgrades struct {
	once sync.Once
	base *http.Server  // settings; its Shutdown makes h2 send GOAWAY
	h2   *http2.Server // x/net's engine, the one that can take an upgrade

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool // no new connections
	wg     sync.WaitGroup
}

func (u *upgrades) serveFunc(s *Server, h http.Handler) h1.ServeH2Func {
	return func(c net.Conn, up *http.Request, settings []byte) {
		if s.h2Srv != nil { // trio's engine takes upgrades and tracks them itself
			s.h2Srv.ServeConn(context.Background(), c, h, &h2.ServeConnOpts{
				BaseConfig: s.textSrv, Upgrade: up, Settings: settings,
			})
			return
		}
		u.once.Do(func() {
			u.base = &http.Server{Handler: h, ErrorLog: s.textSrv.ErrorLog}
			s.H1.Apply(u.base)
			u.h2 = &http2.Server{
				MaxConcurrentStreams: uint32(s.H2.StdConfig().MaxConcurrentStreams),
				MaxReadFrameSize:     uint32(s.H2.StdConfig().MaxReadFrameSize),
			}
			http2.ConfigureServer(u.base, u.h2)
		})
		if !u.add(c) {
			c.Close()
			return
		}
		defer u.done(c)
		u.h2.ServeConn(c, &http2.ServeConnOpts{
			Context:        up.Context(),
			BaseConfig:     u.base,
			Handler:        h,
			UpgradeRequest: up,
			Settings:       settings,
		})
	}
}

func (u *upgrades) add(c net.Conn) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closed {
		return false
	}
	if u.conns == nil {
		u.conns = make(map[net.Conn]struct{})
	}
	u.conns[c] = struct{}{}
	u.wg.Add(1)
	return true
}

func (u *upgrades) done(c net.Conn) {
	u.mu.Lock()
	delete(u.conns, c)
	u.mu.Unlock()
	u.wg.Done()
}

// Shutdown sends GOAWAY on every upgraded connection and waits for them to
// finish, or closes them when ctx ends.
func (u *upgrades) Shutdown(ctx context.Context) error {
	u.mu.Lock()
	u.closed = true
	base := u.base
	u.mu.Unlock()
	if base != nil {
		base.Shutdown(ctx) // runs x/net's graceful GOAWAY hook; tracks no conns itself
	}
	done := make(chan struct{})
	go func() { u.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		u.Close()
		<-done
		return ctx.Err()
	}
}

// Close closes every upgraded connection.
func (u *upgrades) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	for c := range u.conns {
		c.Close()
	}
	return nil
}
