package observe

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/ws"
)

type handler struct {
	next http.Handler
	log  *AccessLog
	m    *Metrics
}

// Handler returns next wrapped to write one access-log line to log and
// count the request in m for each request, once the handler returns; a
// WebSocket (accepted with ws.Accept) is written and counted when it
// closes instead. log or m may be nil; with both nil, next is returned.
// Put it outermost, so that the status and bytes are the client's.
func Handler(next http.Handler, log *AccessLog, m *Metrics) http.Handler {
	if log == nil && m == nil {
		return next
	}
	return &handler{next: next, log: log, m: m}
}

// stateKey is the context key of the request's *reqState.
type stateKey struct{}

// reqState is the request's context while Handler serves it: it answers
// SetSite and ws.Accept (as a ws.Observer), and holds the line until the
// request is done.
type reqState struct {
	context.Context
	h     *handler
	proto trio.Protocol

	mu          sync.Mutex // guards e and the flags once a WebSocket is open
	e           entry
	handlerDone bool
	wsClosed    bool
}

func (s *reqState) Value(key any) any {
	switch key {
	case stateKey{}:
		return s
	case ws.ObserverContextKey:
		return s
	}
	return s.Context.Value(key)
}

// SetSite names the site that serves r, for the log line and the "site"
// label; a router calls it before handing r to the site. The name must
// come from the configuration, not the request, to keep labels bounded.
// Requests no site takes are labelled "none". Without Handler in front,
// SetSite does nothing.
func SetSite(r *http.Request, site string) {
	if s, ok := r.Context().Value(stateKey{}).(*reqState); ok {
		s.mu.Lock()
		s.e.site = site
		s.mu.Unlock()
	}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := &reqState{Context: r.Context(), h: h, proto: trio.ProtocolOf(r.ProtoMajor)}
	s.e = entry{
		time: time.Now(), remote: r.RemoteAddr, host: r.Host, method: r.Method,
		uri: r.RequestURI, proto: r.Proto, referer: r.Referer(), userAgent: r.UserAgent(),
		stream: -1,
	}
	if r.TLS != nil {
		s.e.tls = r.TLS.Version
	}
	switch r.ProtoMajor { // r.Proto of an extended CONNECT is its :protocol
	case 2:
		s.e.proto = "HTTP/2.0"
		if id, ok := h2.StreamID(w); ok {
			s.e.stream = int64(id)
		}
	case 3:
		s.e.proto = "HTTP/3.0"
		if id, ok := h3.StreamID(w); ok {
			s.e.stream = id
		}
	}
	if s.e.uri == "" { // engines that leave it empty
		s.e.uri = r.URL.RequestURI()
	}
	rec, rw := newRecorder(w)
	panicked := true
	defer func() { s.handlerReturned(rec, rw, panicked) }() // the panic goes on to the engine
	h.next.ServeHTTP(rw, r.WithContext(s))
	panicked = false
}

// handlerReturned takes the status and bytes from rec, releases it, and
// emits the line unless a WebSocket is still open. A handler that
// panicked before its response started is logged with 500, which is what
// net/http's HTTP/1.1 answers; the other engines reset the stream.
func (s *reqState) handlerReturned(rec *recorder, rw http.ResponseWriter, panicked bool) {
	status, bytes := rec.status, rec.bytes
	rec.release(rw)
	if status == 0 {
		status = http.StatusOK
		if panicked {
			status = http.StatusInternalServerError
		}
	}
	s.finish(status, bytes)
}

func (s *reqState) finish(status int, bytes int64) {
	s.mu.Lock()
	s.handlerDone = true
	if s.e.websocket {
		if s.e.status == 0 {
			s.e.status = status
		}
		emit := s.wsClosed
		s.mu.Unlock()
		if emit {
			s.emit()
		}
		return
	}
	s.e.status, s.e.bytes = status, bytes
	s.e.dur = time.Since(s.e.time)
	s.mu.Unlock()
	s.emit()
}

// emit writes the line and counts the request; the caller no longer
// touches s.e.
func (s *reqState) emit() {
	if s.h.log != nil {
		s.h.log.add(&s.e)
	}
	if s.h.m != nil {
		s.h.m.observe(&s.e)
	}
}

// WebSocketOpened implements ws.Observer.
func (s *reqState) WebSocketOpened(c *ws.Conn) {
	s.mu.Lock()
	s.e.websocket = true
	if s.proto == trio.H1 {
		s.e.status = http.StatusSwitchingProtocols // written on the hijacked conn
	}
	s.mu.Unlock()
	if m := s.h.m; m != nil {
		m.websockets[protoIndex(s.proto)].Inc()
	}
}

// WebSocketClosed implements ws.Observer.
func (s *reqState) WebSocketClosed(c *ws.Conn, code ws.StatusCode) {
	if m := s.h.m; m != nil {
		m.websockets[protoIndex(s.proto)].Dec()
	}
	s.mu.Lock()
	s.wsClosed = true
	s.e.closeCode = int(code)
	s.e.bytes = c.BytesSent()
	s.e.dur = time.Since(s.e.time)
	emit := s.handlerDone
	s.mu.Unlock()
	if emit {
		s.emit()
	}
}
