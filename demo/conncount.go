package demo

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// A connCounter counts the requests each connection brings. A handler sees
// no connection, only r.RemoteAddr: the client's address and port, which
// name one TCP connection (HTTP/1.1, HTTP/2) or one QUIC connection
// (HTTP/3) while it is open. A port the client reuses after a connection
// closed would continue the old count, so a connection unseen for
// connForget (the servers' idle timeout) counts as new.
type connCounter struct {
	mu    sync.Mutex
	conns map[connKey]*connCount
	swept time.Time
}

type connKey struct {
	major int // HTTP/3 is UDP: its ports are not TCP's
	addr  string
}

type connCount struct {
	n    int
	seen time.Time
}

// connForget is how long a connection may go without a request before a
// request from its address counts as a new connection.
const connForget = 2 * time.Minute

// maxConns bounds the connections remembered; beyond it the counts start
// over (the page shows 1 rather than the server holding unbounded memory).
const maxConns = 1 << 14

func newConnCounter() *connCounter { return &connCounter{conns: make(map[connKey]*connCount)} }

// add counts r and returns its connection's count, r included.
func (cc *connCounter) add(r *http.Request, now time.Time) int {
	k := connKey{r.ProtoMajor, r.RemoteAddr}
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if now.Sub(cc.swept) > connForget {
		cc.sweepLocked(now)
	}
	c := cc.conns[k]
	if c == nil || now.Sub(c.seen) > connForget {
		if len(cc.conns) >= maxConns {
			clear(cc.conns)
		}
		c = new(connCount)
		cc.conns[k] = c
	}
	c.n++
	c.seen = now
	return c.n
}

// sweepLocked forgets connections unseen for connForget.
func (cc *connCounter) sweepLocked(now time.Time) {
	for k, c := range cc.conns {
		if now.Sub(c.seen) > connForget {
			delete(cc.conns, k)
		}
	}
	cc.swept = now
}

type connRequestsKey struct{}

// countRequests counts each request to h by connection and passes the
// count on in the request's context, for connRequests.
func countRequests(h http.Handler, cc *connCounter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := cc.add(r, time.Now())
		if r.URL.Path == "/api/whoami" { // the only reader: no context for the rest
			r = r.WithContext(context.WithValue(r.Context(), connRequestsKey{}, n))
		}
		h.ServeHTTP(w, r)
	})
}

// connRequests is the count countRequests gave r, or 0.
func connRequests(r *http.Request) int {
	n, _ := r.Context().Value(connRequestsKey{}).(int)
	return n
}
