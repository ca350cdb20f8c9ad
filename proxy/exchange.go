package proxy

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"time"
)

// An exchange is the state of one proxied request while it waits for its
// response header: it relays 1xx responses to the client and runs the
// response-header timeout, which starts once the request is written.
//
// The HTTP/1.1 upstream client runs the timeout itself, with a read
// deadline, and watches the client's request context: it needs no context
// of the exchange's. The other transports get one (transportContext), which
// the timeout cancels.
type exchange struct {
	w      http.ResponseWriter
	parent context.Context // the client's request's
	d      time.Duration   // response-header timeout; 0 for none

	ctx    context.Context // derived from parent for the transports; nil until one needs it
	cancel context.CancelCauseFunc

	mu      sync.Mutex // guards below
	waiting bool       // in a round trip: 1xx may be written, the timer may fire
	fired   bool
	gotByte bool // the round trip's response started
	timer   *time.Timer
}

func newExchange(w http.ResponseWriter, parent context.Context, d time.Duration) *exchange {
	x := new(exchange)
	x.init(w, parent, d)
	return x
}

// init readies a zero exchange.
func (x *exchange) init(w http.ResponseWriter, parent context.Context, d time.Duration) {
	x.w, x.parent, x.d = w, parent, d
}

// transportContext is the context of the requests to net/http's and quic-go's
// transports: the client's, cancelled by the response-header timeout and
// at the end of the exchange, with the exchange's httptrace.ClientTrace,
// which those transports report to.
func (x *exchange) transportContext() context.Context {
	if x.ctx == nil {
		ctx, cancel := context.WithCancelCause(x.parent)
		trace := &httptrace.ClientTrace{
			Got1xxResponse:       x.got1xx,
			WroteRequest:         x.wroteRequest,
			GotFirstResponseByte: x.gotFirstByte,
		}
		x.mu.Lock()
		x.ctx, x.cancel = httptrace.WithClientTrace(ctx, trace), cancel
		x.mu.Unlock()
	}
	return x.ctx
}

// errContext is the context whose cause tells why a round trip failed:
// the exchange's if a transport had it, else the client's.
func (x *exchange) errContext() context.Context {
	if x.ctx != nil {
		return x.ctx
	}
	return x.parent
}

// cancelWith cancels the exchange's context, if it has one, with err.
func (x *exchange) cancelWith(err error) {
	x.mu.Lock()
	cancel := x.cancel
	x.mu.Unlock()
	if cancel != nil {
		cancel(err)
	}
}

// begin and end bracket a round trip.
func (x *exchange) begin() {
	x.mu.Lock()
	x.waiting, x.gotByte = true, false
	x.mu.Unlock()
}

func (x *exchange) end() {
	x.mu.Lock()
	x.waiting = false
	if x.timer != nil {
		x.timer.Stop()
	}
	x.mu.Unlock()
}

// stop ends the exchange: no 1xx or timeout after it, and its context
// is cancelled.
func (x *exchange) stop() {
	x.end()
	x.cancelWith(nil)
}

func (x *exchange) gotFirstByte() {
	x.mu.Lock()
	x.gotByte = true
	x.mu.Unlock()
}

// responseStarted reports whether a byte of the last round trip's
// response came (for HTTP/2 and HTTP/3, its HEADERS frame).
func (x *exchange) responseStarted() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.gotByte
}

func (x *exchange) timedOut() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.fired
}

// wroteRequest starts the response-header timeout.
func (x *exchange) wroteRequest(httptrace.WroteRequestInfo) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.waiting || x.d <= 0 {
		return
	}
	if x.timer == nil {
		x.timer = time.AfterFunc(x.d, x.fire)
	} else {
		x.timer.Reset(x.d)
	}
}

// headerTimeout is the HTTP/1.1 upstream client's report that the
// response header did not come within the timeout, which it ran itself.
func (x *exchange) headerTimeout() {
	x.mu.Lock()
	x.fired = true
	x.mu.Unlock()
}

func (x *exchange) fire() {
	x.mu.Lock()
	fire := x.waiting
	x.fired = x.fired || fire
	x.mu.Unlock()
	if fire {
		x.cancelWith(errResponseHeaderTimeout)
	}
}

// got1xx relays an informational response, 103 Early Hints say, with its
// fields. A 100 Continue is not relayed: the server sends its own when the
// transport starts reading the request body, which it does only after the
// upstream's 100 (or the expect-continue timeout).
func (x *exchange) got1xx(code int, header textproto.MIMEHeader) error {
	if code == http.StatusContinue {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if !x.waiting {
		return nil
	}
	h := x.w.Header()
	saved := make(map[string][]string, len(header))
	for k, vv := range header {
		if old, ok := h[k]; ok {
			saved[k] = old
		}
		h[k] = vv
	}
	x.w.WriteHeader(code)
	for k := range header {
		if old, ok := saved[k]; ok {
			h[k] = old
		} else {
			delete(h, k)
		}
	}
	return nil
}
