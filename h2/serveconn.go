package h2

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"time"

	"golang.org/x/net/http2"
)

// ServeConnOpts describes how a connection reached HTTP/2.
type ServeConnOpts struct {
	// BaseConfig is the HTTP/1 server the connection came from: its
	// ErrorLog is used, its ReadTimeout and WriteTimeout become each
	// stream's body and response deadlines (as with net/http's HTTP/2), and
	// it is stored under http.ServerContextKey in request contexts. It may
	// be nil.
	BaseConfig *http.Server

	// Upgrade is the request of an h2c Upgrade (RFC 7540 3.2): it is served
	// as stream 1, half-closed by the client, with its body already read
	// into memory by the caller, who has written the 101 response.
	Upgrade *http.Request

	// Settings is the decoded HTTP2-Settings header payload of Upgrade.
	Settings []byte

	// SawPreface reports that the caller already consumed the client
	// preface.
	SawPreface bool
}

// ServeConn serves HTTP/2 on nc with trio's engine until the connection
// closes or ctx is done (ctx done = graceful GOAWAY, then drain; request
// contexts are not cancelled by it). Request contexts carry ctx's values,
// or those of the connection context net/http passes in TLSNextProto
// (ConnContext applied) when h is the handler it gave. ServeConn returns
// once the connection is closed and its handlers have returned. The
// connection is not tracked by any [Server].
func (c *Config) ServeConn(ctx context.Context, nc net.Conn, h http.Handler, opts *ServeConnOpts) {
	serveConn(ctx, c, nil, nc, h, opts)
}

func serveConn(ctx context.Context, cfg *Config, srv *Server, nc net.Conn, h http.Handler, opts *ServeConnOpts) {
	if opts == nil {
		opts = new(ServeConnOpts)
	}
	c := newConn(ctx, cfg, nc, h, opts)
	c.srv = srv
	if srv != nil { // see calm.go
		if first := srv.calm.First(nc.RemoteAddr(), c.resetsFull, time.Now()); first < c.resetsFull {
			c.resets = newBudget(first, first/2)
		}
	}
	go c.writeLoop()
	c.mu.Lock()
	c.out = appendSettings(c.out, c.settings()...)
	c.out = appendWindowUpdate(c.out, 0, initialConnWindow-defaultWindow)
	c.signalLocked()
	var err error
	if opts.Upgrade != nil {
		err = c.upgradeLocked(opts)
	}
	c.updateIdleLocked()
	c.mu.Unlock()
	shutdown := srv != nil && !srv.track(c)
	if o := c.observer(); o != nil {
		o.ConnOpened()
		defer o.ConnClosed()
	}
	stop := context.AfterFunc(ctx, c.startShutdown)
	if shutdown {
		c.startShutdown()
	}
	if err == nil {
		err = c.readLoop(opts.SawPreface)
	}
	stop()
	c.mu.Lock()
	if ce, ok := err.(*ConnError); ok {
		c.connErrorLocked(ce)
	} else {
		c.failLocked(err)
	}
	c.mu.Unlock()
	<-c.writerDone
	c.nc.SetReadDeadline(time.Now().Add(lingerTime))
	io.Copy(io.Discard, c.br)
	c.nc.Close()
	c.handlers.Wait()
	if o := c.observer(); o != nil {
		c.mu.Lock()
		for range c.streams { // failed with the connection, never removed
			o.StreamClosed()
		}
		clear(c.streams)
		c.mu.Unlock()
	}
	c.cancel()
	c.workers.Wait()
	if srv != nil {
		srv.untrack(c)
	}
}

// upgradeLocked applies the HTTP2-Settings of an h2c Upgrade and starts
// the upgraded request as stream 1.
func (c *conn) upgradeLocked(opts *ServeConnOpts) error {
	p := opts.Settings
	if len(p)%6 != 0 {
		return connErr(http2.ErrCodeProtocol, "bad HTTP2-Settings")
	}
	for ; len(p) > 0; p = p[6:] {
		s := http2.Setting{ID: http2.SettingID(binary.BigEndian.Uint16(p)), Val: binary.BigEndian.Uint32(p[2:])}
		if err := s.Valid(); err != nil {
			return connErr(http2.ErrCodeProtocol, "bad HTTP2-Settings")
		}
		if err := c.applySettingLocked(s); err != nil {
			return err
		}
	}
	r := opts.Upgrade.Clone(context.Background())
	r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
	for _, k := range []string{"Upgrade", "Connection", "Http2-Settings"} {
		r.Header.Del(k)
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	c.maxID = 1
	st := c.newStreamLocked(1)
	st.remoteClosed = true
	c.streams[1] = st
	if o := c.observer(); o != nil {
		o.StreamOpened()
	}
	st.ctx, st.cancel = context.WithCancel(c.ctx)
	st.req = r.WithContext(st.ctx)
	c.applyServerTimeoutsLocked(st)
	c.startLocked(st, c.h)
	return nil
}
