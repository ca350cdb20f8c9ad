package ws

import (
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

// A Stream is the byte stream under a WebSocket once the opening handshake
// is done, without framing: reads return the bytes of the frames the peer
// sent, and writes send bytes as they are, flushed at once. A proxy relays
// frames between two Streams (see AcceptStream and DialStream); everyone
// else wants a Conn.
//
// One goroutine may read while another writes; Close may be called from
// any goroutine.
type Stream struct {
	t     transport
	head  []byte      // read from t before the Stream began (HTTP/1.1), read first
	extra []io.Closer // closed after t: a client's HTTP/2 or HTTP/3 connection
	proto string

	wbusy     chan struct{} // held during a Write; Close waits for it
	closed    chan struct{}
	closeOnce sync.Once

	mu         sync.Mutex // guards below
	onShutdown func()
	unregister func()
	timers     [2]*time.Timer // read and write deadlines of transports without their own
}

// IsHandshake reports whether r asks to open a WebSocket: an HTTP/1.1
// request with Upgrade: websocket and Connection: upgrade, or an HTTP/2 or
// HTTP/3 extended CONNECT with :protocol websocket. It checks nothing else.
func IsHandshake(r *http.Request) bool {
	switch r.ProtoMajor {
	case 1:
		return h1.IsWebSocket(r)
	case 2:
		return h2.ExtendedConnectProtocol(r) == "websocket"
	case 3:
		return h3.ExtendedConnectProtocol(r) == "websocket"
	}
	return false
}

// CheckHandshake checks that r is an opening handshake Accept would take,
// without answering it, but not its Origin: that is for whoever answers.
// If it is not, CheckHandshake answers with the status Accept would (426,
// 400, 405 or 501) and returns why. A proxy calls it before it dials its
// backend.
func CheckHandshake(w http.ResponseWriter, r *http.Request) error {
	_, err := checkHandshake(r)
	if err != nil {
		answerRefusal(w, r, err)
	}
	return err
}

// AcceptStream answers the opening handshake r with success, in r's HTTP
// version (101 with Sec-WebSocket-Accept over HTTP/1.1, 200 over HTTP/2
// and HTTP/3) with the header fields in hdr, and returns the raw Stream.
// It negotiates nothing and checks no Origin: a proxy answers with the
// Sec-WebSocket-Protocol and Sec-WebSocket-Extensions its backend chose.
// On failure it has answered as Accept does. The stream is tracked in the
// server's Registry as a Conn is: a shutdown runs the function given to
// OnShutdown, or closes the stream.
func AcceptStream(w http.ResponseWriter, r *http.Request, hdr http.Header) (*Stream, error) {
	key, err := checkHandshake(r)
	reg := registryFor(r, nil)
	if err == nil && reg.isDown() {
		err = refuse(http.StatusServiceUnavailable, "server is shutting down")
	}
	if err != nil {
		answerRefusal(w, r, err)
		return nil, err
	}
	t, pending, proto, err := acceptTransport(w, r, key, hdr)
	if err != nil {
		return nil, err
	}
	s := newStream(t, pending, proto)
	if reg != nil && !reg.addStream(s) {
		s.Close()
		return nil, errorf("server is shutting down")
	}
	return s, nil
}

// newStream starts a Stream on t; pending are bytes read from t already,
// which the Stream reads first and keeps. No read buffer: a relay reads
// into its own.
func newStream(t transport, pending []byte, proto string) *Stream {
	return &Stream{t: t, head: pending, proto: proto, wbusy: make(chan struct{}, 1), closed: make(chan struct{})}
}

// Proto is the HTTP version the stream runs over: "HTTP/1.1", "HTTP/2.0"
// or "HTTP/3.0".
func (s *Stream) Proto() string { return s.proto }

// Read reads what the peer sent.
func (s *Stream) Read(p []byte) (int, error) {
	if len(s.head) > 0 {
		n := copy(p, s.head)
		s.head = s.head[n:]
		if len(s.head) == 0 {
			s.head = nil
		}
		return n, nil
	}
	return s.t.Read(p)
}

// Write sends p and flushes it. After Close it fails with net.ErrClosed.
func (s *Stream) Write(p []byte) (int, error) {
	select {
	case s.wbusy <- struct{}{}:
	case <-s.closed:
		return 0, net.ErrClosed
	}
	defer func() { <-s.wbusy }()
	select {
	case <-s.closed:
		return 0, net.ErrClosed
	default:
	}
	n, err := s.t.Write(p)
	if f, ok := s.t.(interface{ Flush() error }); ok && err == nil {
		err = f.Flush()
	}
	return n, err
}

// SetReadDeadline sets when a blocked Read fails; the zero time clears
// it. Transports without deadlines (the HTTP/2 client) close the stream
// when it passes.
func (s *Stream) SetReadDeadline(t time.Time) error { return s.setDeadline(t, 0) }

// SetWriteDeadline sets when a blocked Write fails, as SetReadDeadline.
func (s *Stream) SetWriteDeadline(t time.Time) error { return s.setDeadline(t, 1) }

func (s *Stream) setDeadline(t time.Time, which int) error {
	if d, ok := s.t.(deadliner); ok {
		if which == 1 {
			return d.SetWriteDeadline(t)
		}
		return d.SetReadDeadline(t)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if tm := s.timers[which]; tm != nil {
		tm.Stop()
		s.timers[which] = nil
	}
	if !t.IsZero() {
		s.timers[which] = time.AfterFunc(time.Until(t), func() { s.Close() })
	}
	return nil
}

// OnShutdown sets f as what the shutdown of the Registry tracking s runs
// instead of closing it, such as a close handshake on both legs of a
// proxy; the shutdown waits for f to return, and closes s at once if its
// context ends first.
func (s *Stream) OnShutdown(f func()) {
	s.mu.Lock()
	s.onShutdown = f
	s.mu.Unlock()
}

// shutdown runs the OnShutdown function, or closes s.
func (s *Stream) shutdown() {
	s.mu.Lock()
	f := s.onShutdown
	s.mu.Unlock()
	if f == nil {
		s.Close()
		return
	}
	f()
}

// Close closes the stream at once, after what was written: blocked reads
// fail, a blocked write fails within a second, HTTP/3 sends its FIN, a
// client's HTTP/2 or HTTP/3 connection closes.
func (s *Stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.closed)
		d, ok := s.t.(deadliner)
		if ok {
			d.SetReadDeadline(time.Unix(1, 0))
		}
		select {
		case s.wbusy <- struct{}{}: // no write in progress
		default:
			if ok {
				d.SetWriteDeadline(time.Unix(1, 0))
			}
			if !s.waitWrite() {
				for _, x := range s.extra {
					x.Close() // the HTTP/2 client's write waits on its connection
				}
				s.waitWrite()
			}
		}
		if ok {
			d.SetWriteDeadline(time.Now().Add(releaseTimeout)) // bounds TLS close_notify
		}
		err = s.t.Close()
		for _, x := range s.extra {
			x.Close()
		}
		s.mu.Lock()
		for _, tm := range s.timers {
			if tm != nil {
				tm.Stop()
			}
		}
		unregister := s.unregister
		s.mu.Unlock()
		if unregister != nil {
			unregister()
		}
	})
	return err
}

// waitWrite waits up to releaseTimeout for a write in progress to return,
// and reports whether it did.
func (s *Stream) waitWrite() bool {
	t := time.NewTimer(releaseTimeout)
	defer t.Stop()
	select {
	case s.wbusy <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}
