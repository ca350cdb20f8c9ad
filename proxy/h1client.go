package proxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
)

// h1Client is the Transport's HTTP/1.1 client of http upstreams: a pool
// of kept-alive connections per upstream address, without pipelining, and
// without a goroutine of its own per connection or request. A request is
// written and its response head read on the goroutine of the round trip
// (the handler's); the response body is read by whoever reads it. Only a
// request body that may be long, or must wait for a 100 Continue, is
// written from a goroutine of its own, so that the response can come
// while it is sent (a server echoing the body as it reads it would
// otherwise block on a full socket buffer, and so would the proxy). The
// buffers are pooled: a connection holds a read buffer while a request is
// on it, a write buffer while the request is written.
type h1Client struct {
	dialer        net.Dialer
	headerTimeout time.Duration // 0 for none
	idleTimeout   time.Duration // 0 for never
	maxIdle       int

	hosts sync.Map // address → *h1Host
}

// expectContinueTimeout is how long a request with Expect: 100-continue
// waits for the 100 before its body is sent anyway (as http.Transport's
// ExpectContinueTimeout of the Transport did).
const expectContinueTimeout = time.Second

// writerGrace is how long the end of a response waits for its request's
// body writer to finish before giving up the connection (as net/http's
// Transport does).
const writerGrace = 50 * time.Millisecond

// inlineBody is the largest request body of known length that is written
// on the round trip's goroutine before the response is read: small enough
// for the socket buffers to hold it and an echo of it.
const inlineBody = 64 << 10

// An h1Observer is told what happens to a round trip: the exchange of a
// Handler's request, or a Transport.RoundTrip caller's httptrace.
type h1Observer interface {
	got1xx(code int, h textproto.MIMEHeader) error
	gotFirstByte()
	headerTimeout() // the response header did not come in time
}

func newH1Client(t *Transport) *h1Client {
	c := &h1Client{
		dialer:        net.Dialer{Timeout: t.dialTimeout(), KeepAlive: 30 * time.Second},
		headerTimeout: t.responseHeaderTimeout(),
		idleTimeout:   t.idleTimeout(),
		maxIdle:       t.MaxIdleConnsPerHost,
	}
	if c.maxIdle == 0 {
		c.maxIdle = 512
	}
	return c
}

// An h1Host is the connections to one upstream address.
type h1Host struct {
	c    *h1Client
	addr string

	mu   sync.Mutex
	idle []*h1Conn // most recently used last
}

func (c *h1Client) host(addr string) *h1Host {
	if h, ok := c.hosts.Load(addr); ok {
		return h.(*h1Host)
	}
	h, _ := c.hosts.LoadOrStore(addr, &h1Host{c: c, addr: addr})
	return h.(*h1Host)
}

// An h1Conn is a connection to an upstream. Between round trips it is
// idle in its host's list, without buffers.
//
// Neither its idle timer nor its read deadline is set and cleared for
// each request, which would cost two runtime timer updates apiece: the
// idle timer, once armed, runs on while the connection is in use and, when
// it fires, closes the connection only if it has been idle for the whole
// timeout (else it waits again for the rest, or for the next put); the
// response-header deadline is left on the connection once the head came,
// and a read that an earlier trip's deadline interrupts (no byte read)
// sets the deadline the current trip needs and reads again (see Read).
type h1Conn struct {
	host   *h1Host
	nc     net.Conn
	br     *bufio.Reader // nil while idle; reads through Read
	reused bool          // it carried a request before this one
	check  bool          // its last response had no body: check it for stray bytes before reuse
	trip   *h1Trip       // the current trip, or the last one
	rdl    time.Time     // the read deadline set on nc; zero for none. Guarded by trip.mu while a trip has it

	// For the Handler's trips (see h1Trip.own): the trip, its onCancel
	// bound once, and the response header map, reused by each.
	own      h1Trip
	onCancel func()
	hdr      http.Header

	idleTimer  *time.Timer
	idleSince  time.Time // guarded by host.mu, as below
	idle       bool      // in the host's idle list
	timerArmed bool      // idleTimer will fire
}

// Read reads from the upstream, for pc.br: a read that a deadline set for
// an earlier trip stopped, or one the current trip no longer needs,
// re-arms the deadline (see h1Trip.rearm) and reads again.
func (pc *h1Conn) Read(p []byte) (int, error) {
	for {
		n, err := pc.nc.Read(p)
		if err == nil || n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) || !pc.trip.rearm() {
			return n, err
		}
	}
}

var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}
	headPool   = sync.Pool{New: func() any { b := make([]byte, 0, 1<<10); return &b }}
)

func getWriter(w io.Writer) *bufio.Writer {
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(w)
	return bw
}

func putWriter(bw *bufio.Writer) {
	bw.Reset(nil)
	writerPool.Put(bw)
}

// get returns an idle connection or dials one. A connection to carry a
// request that cannot be sent again (see replayable) is checked first for
// a close by the upstream while it was idle.
func (h *h1Host) get(ctx context.Context, check bool) (*h1Conn, error) {
	for {
		h.mu.Lock()
		n := len(h.idle)
		if n == 0 {
			h.mu.Unlock()
			break
		}
		pc := h.idle[n-1]
		h.idle[n-1] = nil
		h.idle = h.idle[:n-1]
		pc.idle = false
		h.mu.Unlock()
		if check || pc.check {
			if !pc.rdl.IsZero() && !time.Now().Before(pc.rdl) {
				// A past deadline fails the peek before it is made.
				pc.nc.SetReadDeadline(time.Time{})
				pc.rdl = time.Time{}
			}
			if !connAlive(pc.nc) {
				pc.nc.Close()
				continue
			}
		}
		pc.reused = true
		pc.br = readerPool.Get().(*bufio.Reader)
		pc.br.Reset(pc)
		return pc, nil
	}
	nc, err := h.c.dialer.DialContext(ctx, "tcp", h.addr)
	if err != nil {
		return nil, err
	}
	pc := &h1Conn{host: h, nc: nc}
	pc.br = readerPool.Get().(*bufio.Reader)
	pc.br.Reset(pc)
	return pc, nil
}

// put makes pc idle, or closes it if the host keeps enough idle ones.
func (h *h1Host) put(pc *h1Conn) {
	if pc.br.Buffered() > 0 { // bytes the upstream had no business sending
		pc.close()
		return
	}
	pc.br.Reset(nil)
	readerPool.Put(pc.br)
	pc.br = nil
	d := h.c.idleTimeout
	var now time.Time
	if d > 0 {
		now = time.Now()
	}
	h.mu.Lock()
	if len(h.idle) >= h.c.maxIdle {
		h.mu.Unlock()
		pc.nc.Close()
		return
	}
	h.idle = append(h.idle, pc)
	pc.idle = true
	if d > 0 {
		pc.idleSince = now
		switch {
		case pc.idleTimer == nil:
			pc.idleTimer = time.AfterFunc(d, pc.idleExpired)
			pc.timerArmed = true
		case !pc.timerArmed:
			pc.idleTimer.Reset(d)
			pc.timerArmed = true
		}
	}
	h.mu.Unlock()
}

// idleExpired closes pc if it is idle and has been for the idle timeout.
// If it is idle for less, the timer waits for the rest; if it is in use,
// the next put arms it again.
func (pc *h1Conn) idleExpired() {
	h := pc.host
	h.mu.Lock()
	if !pc.idle {
		pc.timerArmed = false
		h.mu.Unlock()
		return
	}
	if left := h.c.idleTimeout - time.Since(pc.idleSince); left >= time.Millisecond {
		pc.idleTimer.Reset(left)
		h.mu.Unlock()
		return
	}
	if i := slices.Index(h.idle, pc); i >= 0 {
		h.idle = slices.Delete(h.idle, i, i+1)
	}
	pc.idle, pc.timerArmed = false, false
	h.mu.Unlock()
	pc.nc.Close()
}

// close closes a connection that is not idle. Its read buffer is left
// to the collector, not pooled: a Read may still be using it.
func (pc *h1Conn) close() {
	pc.br = nil
	pc.nc.Close()
}

// closeIdle closes every idle connection.
func (c *h1Client) closeIdle() {
	c.hosts.Range(func(_, v any) bool {
		h := v.(*h1Host)
		h.mu.Lock()
		idle := h.idle
		h.idle = nil
		for _, pc := range idle {
			pc.idle = false
		}
		h.mu.Unlock()
		for _, pc := range idle {
			if pc.idleTimer != nil {
				pc.idleTimer.Stop()
			}
			pc.nc.Close()
		}
		return true
	})
}

// RoundTrip sends req, whose URL is http://host[:port]/..., for
// Transport.RoundTrip: its context's httptrace.ClientTrace hears of 1xx
// responses and of the first response byte, and the response-header
// timeout is errResponseHeaderTimeout.
func (c *h1Client) RoundTrip(req *http.Request) (*http.Response, error) {
	var obs h1Observer
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil {
		obs = traceObserver{tr}
	}
	return c.roundTrip(req, obs, false)
}

type traceObserver struct{ tr *httptrace.ClientTrace }

func (o traceObserver) got1xx(code int, h textproto.MIMEHeader) error {
	if code == http.StatusContinue && o.tr.Got100Continue != nil {
		o.tr.Got100Continue()
	}
	if o.tr.Got1xxResponse != nil {
		return o.tr.Got1xxResponse(code, h)
	}
	return nil
}

func (o traceObserver) gotFirstByte() {
	if o.tr.GotFirstResponseByte != nil {
		o.tr.GotFirstResponseByte()
	}
}

func (o traceObserver) headerTimeout() {}

// roundTrip sends req and reads the response head. A reused connection
// that fails before any byte of the response came (the upstream closed it
// while it was idle) is replaced by another for a request that can be
// sent again; a new connection's failure is returned. own is the
// Handler's promise for the response (see h1Trip.own).
func (c *h1Client) roundTrip(req *http.Request, obs h1Observer, own bool) (*http.Response, error) {
	if req.URL == nil || req.URL.Scheme != "http" || req.URL.Host == "" {
		closeReqBody(req)
		return nil, errors.New("proxy: HTTP/1.1 upstream client: request URL is not http://host/...")
	}
	ctx := req.Context()
	h := c.host(hostPort(req.URL))
	replay := replayable(req)
	for {
		pc, err := h.get(ctx, !replay)
		if err != nil {
			closeReqBody(req)
			return nil, err
		}
		var t *h1Trip
		if own {
			t = &pc.own
			*t = h1Trip{c: c, pc: pc, req: req, obs: obs, own: true}
		} else {
			t = &h1Trip{c: c, pc: pc, req: req, obs: obs}
		}
		res, err := t.run()
		if err == nil {
			return res, nil
		}
		if !pc.reused || !replay || t.gotByte || ctx.Err() != nil || !isConnFailure(err) {
			return nil, err
		}
	}
}

func closeReqBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// An h1Trip is one request on a connection, from its writing to the end
// of its response body.
type h1Trip struct {
	c   *h1Client
	pc  *h1Conn
	req *http.Request
	obs h1Observer

	res   http.Response
	body  h1Body
	chunk chunkedReader

	// own: the caller is the Handler, which copies the response header
	// before it reads the body, and closes the body when it is done with
	// the response: only then does the connection go back to its host
	// (see h1Body.Close), and with it the trip (the connection's own) and
	// the header map, which the next trip on the connection reuses.
	own    bool
	noBody bool // the response has no body: the connection is checked before reuse

	stopCancel func() bool // stops the context.AfterFunc of the request's cancellation
	gotByte    bool        // a byte of the response came
	closeAfter bool        // the connection cannot carry another request

	// The body writer goroutine, if any.
	expect     bool          // waits for a 100 Continue
	continueCh chan bool     // true: send the body; false: never
	wdone      chan struct{} // closed when the writer is done
	werr       error         // the writer's error, once wdone is closed

	mu       sync.Mutex // guards below, and pc.rdl
	canceled bool       // the request's context ended: the connection's deadline is past
	aborted  error      // the request body broke: the connection's deadline is past
	headDone bool       // the final response head came
	deadline bool       // the response-header timeout runs, until due
	due      time.Time
}

// aLongTimeAgo is a deadline in the past, which interrupts reads and
// writes at once.
var aLongTimeAgo = time.Unix(1, 0)

// onCancel interrupts the connection's reads and writes when the
// request's context ends.
func (t *h1Trip) onCancel() {
	t.mu.Lock()
	t.canceled = true
	t.pc.nc.SetDeadline(aLongTimeAgo)
	t.pc.rdl = aLongTimeAgo
	t.mu.Unlock()
}

// startHeaderTimer starts the response-header timeout, once the request
// is written, if the final response head has not come yet. The
// connection's read deadline is set only if it would not fire by then: one
// left by an earlier trip that fires sooner is re-armed when it does.
func (t *h1Trip) startHeaderTimer() {
	d := t.c.headerTimeout
	if d <= 0 {
		return
	}
	now := time.Now()
	t.mu.Lock()
	if !t.headDone && !t.canceled && t.aborted == nil {
		t.due = now.Add(d)
		t.deadline = true
		if pc := t.pc; pc.rdl.IsZero() || pc.rdl.Before(now) || pc.rdl.After(t.due) {
			pc.nc.SetReadDeadline(t.due)
			pc.rdl = t.due
		}
	}
	t.mu.Unlock()
}

// endHeaderTimer ends the response-header timeout once the final head
// came. The deadline stays on the connection (see h1Conn).
func (t *h1Trip) endHeaderTimer() {
	t.mu.Lock()
	t.headDone = true
	t.mu.Unlock()
}

// rearm is told that a read on the trip's connection stopped at its
// deadline, having read nothing. It reports whether that deadline was not
// the trip's own, having set the one the trip needs: the header timeout's
// while it runs and has not passed, else none. A cancelled or aborted trip
// and a header timeout that passed keep the error.
func (t *h1Trip) rearm() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.canceled || t.aborted != nil {
		return false
	}
	pc := t.pc
	if t.deadline && !t.headDone {
		if !time.Now().Before(t.due) {
			return false
		}
		pc.nc.SetReadDeadline(t.due)
		pc.rdl = t.due
		return true
	}
	pc.nc.SetReadDeadline(time.Time{})
	pc.rdl = time.Time{}
	return true
}

// readErr turns an error reading the response into the one to return: the
// context's when it ended, errResponseHeaderTimeout when the deadline
// passed.
func (t *h1Trip) readErr(err error) error {
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		return err
	}
	t.mu.Lock()
	canceled, aborted := t.canceled, t.aborted
	t.mu.Unlock()
	if aborted != nil {
		return aborted
	}
	if canceled {
		if cause := context.Cause(t.req.Context()); cause != nil {
			return cause
		}
		return err
	}
	if t.obs != nil {
		t.obs.headerTimeout()
	}
	return errResponseHeaderTimeout
}

// run writes the request, reads the response head and returns the
// response, whose body ends the trip.
func (t *h1Trip) run() (*http.Response, error) {
	req, pc := t.req, t.pc
	pc.trip = t
	var onCancel func()
	if t.own {
		if pc.onCancel == nil {
			pc.onCancel = t.onCancel // t is &pc.own, the same for every own trip
		}
		onCancel = pc.onCancel
	} else {
		onCancel = t.onCancel
	}
	t.stopCancel = context.AfterFunc(req.Context(), onCancel)

	body := req.Body
	if body == http.NoBody {
		body = nil
	}
	length := req.ContentLength
	if body == nil {
		length = 0
	}
	chunked := body != nil && (length <= 0 || len(req.Trailer) > 0)
	t.expect = body != nil && httpguts.HeaderValuesContainsToken(req.Header["Expect"], "100-continue")
	t.closeAfter = req.Close || httpguts.HeaderValuesContainsToken(req.Header["Connection"], "close")

	bw := getWriter(pc.nc)
	if err := writeRequestHead(bw, req, length, chunked, t.closeAfter); err != nil {
		putWriter(bw)
		closeReqBody(req)
		return nil, t.fail(err)
	}
	var writeErr error
	switch {
	case body == nil:
		writeErr = bw.Flush()
		putWriter(bw)
		if writeErr != nil {
			return nil, t.fail(t.readErr(writeErr))
		}
		t.startHeaderTimer()
	case !chunked && !t.expect && length <= inlineBody:
		// Small enough to write before reading: no goroutine.
		err := writeBody(bw, body, length, false, nil)
		body.Close()
		if err != nil { // the client's body broke
			putWriter(bw)
			return nil, t.fail(err)
		}
		writeErr = bw.Flush()
		putWriter(bw)
		if writeErr != nil {
			t.closeAfter = true // perhaps half a body on the connection; a response may have come
		} else {
			t.startHeaderTimer()
		}
	default:
		if err := bw.Flush(); err != nil { // the head now, whenever the body comes
			putWriter(bw)
			closeReqBody(req)
			return nil, t.fail(t.readErr(err))
		}
		t.wdone = make(chan struct{})
		if t.expect {
			t.continueCh = make(chan bool, 1)
		}
		go t.writeBody(bw, body, length, chunked)
	}

	res, err := t.readResponse()
	if err != nil {
		if writeErr != nil && !t.gotByte {
			err = writeErr // the upstream stopped reading: say why
		}
		return nil, t.fail(t.readErr(err))
	}
	return res, nil
}

// fail ends a trip that got no response: the connection is closed.
func (t *h1Trip) fail(err error) error {
	t.stopCancel()
	if t.continueCh != nil {
		select {
		case t.continueCh <- false:
		default:
		}
	}
	t.pc.close()
	return err
}

// writeBody writes the request body from its own goroutine, after the
// upstream's 100 Continue (or the expect-continue timeout) if the request
// expects one, then starts the response-header timeout.
func (t *h1Trip) writeBody(bw *bufio.Writer, body io.ReadCloser, length int64, chunked bool) {
	defer close(t.wdone)
	defer body.Close()
	if t.expect {
		timer := time.NewTimer(expectContinueTimeout)
		select {
		case ok := <-t.continueCh:
			timer.Stop()
			if !ok {
				putWriter(bw)
				t.werr = errBodyNotSent
				return
			}
		case <-timer.C:
		}
	}
	err := writeBody(bw, body, length, chunked, t.req)
	if err == nil {
		err = bw.Flush()
	}
	putWriter(bw)
	t.werr = err
	var be *bodyReadError
	switch {
	case err == nil:
		t.startHeaderTimer()
	case errors.As(err, &be):
		// The client's body broke and half of it went: the upstream's
		// response, if any, is moot.
		t.mu.Lock()
		t.aborted = err
		t.pc.nc.SetDeadline(aLongTimeAgo)
		t.pc.rdl = aLongTimeAgo
		t.mu.Unlock()
	}
	// A failed write to the upstream leaves the response to be read: it
	// may have answered before it stopped reading.
}

// A bodyReadError is an error reading the client's request body, or the
// body's end before its Content-Length.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "proxy: reading the request body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// errBodyNotSent is the body writer's error when a final response came
// before the 100 Continue: the body was never sent, and the connection,
// whose upstream may wait for it, cannot carry another request.
var errBodyNotSent = errors.New("proxy: request body not sent: final response before 100 Continue")

var copyPool = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}

// writeBody writes body to bw: length bytes if not chunked, else in the
// chunked coding followed by req's trailers (req is nil for a body
// written inline, which is never chunked). A goroutine writer (req not
// nil) flushes after each part, so a streamed body is not held back.
func writeBody(bw *bufio.Writer, body io.Reader, length int64, chunked bool, req *http.Request) error {
	bp := copyPool.Get().(*[]byte)
	defer copyPool.Put(bp)
	buf := *bp
	var sent int64
	for {
		p := buf
		if !chunked && int64(len(p)) > length-sent {
			p = p[:length-sent]
		}
		if len(p) == 0 {
			return nil // length bytes sent; what more the body has is not ours to send
		}
		n, rerr := body.Read(p)
		if n > 0 {
			sent += int64(n)
			if chunked {
				bw.WriteString(strconv.FormatInt(int64(n), 16))
				bw.WriteString("\r\n")
			}
			bw.Write(p[:n])
			if chunked {
				bw.WriteString("\r\n")
			}
			if req != nil {
				if err := bw.Flush(); err != nil {
					return err
				}
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return &bodyReadError{rerr}
		}
	}
	if !chunked {
		if sent < length {
			return &bodyReadError{io.ErrUnexpectedEOF}
		}
		return nil
	}
	bw.WriteString("0\r\n")
	if req != nil {
		for k, vv := range req.Trailer {
			if !httpguts.ValidHeaderFieldName(k) {
				continue
			}
			for _, v := range vv {
				if httpguts.ValidHeaderFieldValue(v) {
					bw.WriteString(k)
					bw.WriteString(": ")
					bw.WriteString(v)
					bw.WriteString("\r\n")
				}
			}
		}
	}
	bw.WriteString("\r\n")
	return nil
}

// requestHeaderExcluded are the fields writeRequestHead writes itself.
var requestHeaderExcluded = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true, "Trailer": true,
}

// writeRequestHead writes req's request line and fields to bw: Host
// (req.Host, else the URL's), the header (names and values checked, as
// net/http does, so that no field can split the request), and the
// framing of the body.
func writeRequestHead(bw *bufio.Writer, req *http.Request, length int64, chunked, close bool) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	if !httpguts.ValidHostHeader(host) {
		return errors.New("proxy: invalid Host " + strconv.Quote(host))
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if !isToken(method) {
		return errors.New("proxy: invalid method " + strconv.Quote(method))
	}
	bw.WriteString(method)
	bw.WriteByte(' ')
	bw.WriteString(req.URL.RequestURI())
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(host)
	bw.WriteString("\r\n")
	for k, vv := range req.Header {
		if requestHeaderExcluded[k] {
			continue
		}
		if !httpguts.ValidHeaderFieldName(k) {
			return errors.New("proxy: invalid header field name " + strconv.Quote(k))
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return errors.New("proxy: invalid header field value for " + k)
			}
			bw.WriteString(k)
			bw.WriteString(": ")
			bw.WriteString(strings.Trim(v, " \t"))
			bw.WriteString("\r\n")
		}
	}
	switch {
	case chunked:
		if len(req.Trailer) > 0 {
			bw.WriteString("Trailer: ")
			i := 0
			for k := range req.Trailer {
				if i > 0 {
					bw.WriteString(", ")
				}
				bw.WriteString(k)
				i++
			}
			bw.WriteString("\r\n")
		}
		bw.WriteString("Transfer-Encoding: chunked\r\n")
	case length > 0 || method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch:
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(length, 10))
		bw.WriteString("\r\n")
	}
	if close {
		bw.WriteString("Connection: close\r\n")
	}
	_, err := bw.WriteString("\r\n")
	return err
}

// max1xx bounds the informational responses before the final one.
const max1xx = 10

// readResponse reads the response heads, relaying 1xx ones, and returns
// the final response with its body.
func (t *h1Trip) readResponse() (*http.Response, error) {
	br := t.pc.br
	bp := headPool.Get().(*[]byte)
	defer headPool.Put(bp)
	var h respHead
	for n := 0; ; n++ {
		if !t.gotByte {
			if _, err := br.Peek(1); err != nil {
				return nil, err
			}
			t.gotByte = true
			if t.obs != nil {
				t.obs.gotFirstByte()
			}
		}
		buf, err := readHead(br, (*bp)[:0])
		*bp = buf[:0]
		if err != nil {
			return nil, err
		}
		h = respHead{}
		if t.own {
			if t.pc.hdr == nil {
				t.pc.hdr = make(http.Header, 8)
			}
			h.header = t.pc.hdr
		}
		if err := parseHead(string(buf), t.req.Method, &h); err != nil {
			return nil, err
		}
		if h.code >= 200 {
			break
		}
		switch {
		case h.code == http.StatusSwitchingProtocols:
			return nil, badResponse("101 Switching Protocols to a request without Upgrade")
		case n >= max1xx:
			return nil, badResponse("too many 1xx responses")
		case h.code == http.StatusContinue && t.continueCh != nil:
			select {
			case t.continueCh <- true:
			default:
			}
		}
		if t.obs != nil {
			if err := t.obs.got1xx(h.code, textproto.MIMEHeader(h.header)); err != nil {
				return nil, err
			}
		}
	}
	t.endHeaderTimer()
	if t.continueCh != nil {
		select {
		case t.continueCh <- false: // the final response came first: no body
		default:
		}
	}

	res := &t.res
	res.Status = h.status
	res.StatusCode = h.code
	res.Proto, res.ProtoMajor, res.ProtoMinor = "HTTP/1.1", 1, 1
	if h.minor == 0 {
		res.Proto, res.ProtoMinor = "HTTP/1.0", 0
	}
	res.Header = h.header
	res.Request = t.req
	res.Close = h.close || t.closeAfter
	t.closeAfter = res.Close
	noBody := h.code == http.StatusNoContent || h.code == http.StatusNotModified || t.req.Method == http.MethodHead
	switch {
	case noBody:
		res.ContentLength = 0
		if t.req.Method == http.MethodHead {
			res.ContentLength = h.contentLength
		}
	case h.chunked:
		res.ContentLength = -1
		res.TransferEncoding = []string{"chunked"}
		if len(h.trailer) > 0 {
			res.Trailer = make(http.Header, len(h.trailer))
			for _, k := range h.trailer {
				res.Trailer[k] = nil
			}
		}
		delete(res.Header, "Trailer")
	case h.contentLength >= 0:
		res.ContentLength = h.contentLength
	default:
		res.ContentLength = -1 // to the close of the connection
		res.Close, t.closeAfter = true, true
	}
	b := &t.body
	b.t = t
	b.br = br
	b.own = t.own
	if noBody || res.ContentLength == 0 {
		// An upstream that sends a body where none may be (a 204's, say)
		// would have it read as the next response: the next request on
		// this connection checks that nothing came after this one.
		t.noBody = true
		t.pc.check = true
		if !t.own {
			res.Body = http.NoBody
			t.finish(true)
			return res, nil
		}
		b.remain = 0 // read, it ends; closed, the connection goes back
		res.Body = b
		return res, nil
	}
	b.remain = res.ContentLength
	if h.chunked {
		t.chunk = chunkedReader{br: br}
		b.chunked = &t.chunk
	}
	res.Body = b
	return res, nil
}

// finish ends the trip once its response is read (ok) or abandoned: the
// connection goes back to its host if it can carry another request.
func (t *h1Trip) finish(ok bool) {
	pc := t.pc
	if !t.stopCancel() {
		ok = false // the context ended: the deadline is past
	}
	if ok && t.wdone != nil {
		select {
		case <-t.wdone:
			ok = t.werr == nil
		default:
			// The writer may just not have been scheduled since its last
			// write; or the upstream answered before reading the whole
			// body, and the connection cannot be reused.
			timer := time.NewTimer(writerGrace)
			select {
			case <-t.wdone:
				ok = t.werr == nil
			case <-timer.C:
				ok = false
			}
			timer.Stop()
		}
	}
	if ok && !t.closeAfter {
		if pc.br.Buffered() == 0 && !t.noBody {
			pc.check = false
		}
		pc.host.put(pc)
	} else {
		pc.close()
	}
}

// An h1Body is the body of a response from an upstream. At its end (EOF)
// or Close its connection is released: kept for another request, or
// closed if the body was not read to its end. The body of an own trip
// (see h1Trip.own) releases it at Close only.
type h1Body struct {
	t       *h1Trip
	br      *bufio.Reader
	remain  int64          // bytes left of a Content-Length body; -1 to the close
	chunked *chunkedReader // of a chunked body
	own     bool

	mu     sync.Mutex
	done   bool  // the body ended: read whole, broken or closed
	err    error // what Read returns once done
	whole  bool  // it was read whole (own: the connection may be kept at Close)
	closed bool  // Close was called
}

var errBodyClosed = errors.New("proxy: read on a closed response body")

func (b *h1Body) Read(p []byte) (int, error) {
	b.mu.Lock()
	done, derr := b.done, b.err
	b.mu.Unlock()
	if done {
		return 0, derr
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	switch {
	case b.remain == 0: // an own trip's response without a body
		b.release(true, io.EOF)
		return 0, io.EOF
	case b.chunked != nil:
		n, err = b.chunked.Read(p)
		if err == io.EOF {
			t := b.t
			if len(b.chunked.trailer) > 0 {
				if t.res.Trailer == nil {
					t.res.Trailer = make(http.Header, len(b.chunked.trailer))
				}
				for k, vv := range b.chunked.trailer {
					t.res.Trailer[k] = vv
				}
			}
			b.release(true, io.EOF)
			return n, io.EOF
		}
	case b.remain < 0:
		n, err = b.br.Read(p)
		if err == io.EOF {
			b.release(false, io.EOF)
			return n, io.EOF
		}
	default:
		if int64(len(p)) > b.remain {
			p = p[:b.remain]
		}
		n, err = b.br.Read(p)
		b.remain -= int64(n)
		if b.remain == 0 {
			b.release(true, io.EOF)
			return n, io.EOF
		}
		if n == 0 {
			err = unexpected(err)
		} else {
			err = nil
		}
	}
	if err != nil {
		err = b.t.readErr(err)
		b.release(false, err)
	}
	return n, err
}

// release ends the body once, with ok telling whether it was read whole;
// later reads return err. It ends the trip, unless the trip is own and
// the body not closed: Close does then.
func (b *h1Body) release(ok bool, err error) {
	b.mu.Lock()
	if b.done {
		b.mu.Unlock()
		return
	}
	b.done, b.err, b.whole = true, err, ok
	later := b.own && !b.closed
	b.mu.Unlock()
	if !later {
		b.t.finish(ok)
	}
}

// Close releases the connection: closed unless the body was read whole.
func (b *h1Body) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	done, whole := b.done, b.whole
	b.mu.Unlock()
	switch {
	case !done:
		b.release(false, errBodyClosed)
	case b.own: // ended before, the trip waited for Close
		b.t.finish(whole)
	}
	return nil
}
