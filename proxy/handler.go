package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/triohttp/trio/ws"
)

// Handler proxies each request to an upstream of its Pool. The zero value
// of each field but Pool is a default.
type Handler struct {
	// Pool picks the upstream of each request. It must not be nil.
	Pool *Pool

	// Transport carries the requests to the upstreams: timeouts, upstream
	// TLS, connection reuse. If nil, DefaultTransport.
	Transport *Transport

	// TrustedProxies are the client addresses whose Forwarded and
	// X-Forwarded-For, -Proto and -Host fields are kept and appended to.
	// Those of any other client are replaced. If nil, none is trusted.
	TrustedProxies []netip.Prefix

	// FlushInterval is how often the response is flushed to the client
	// while its body is copied. If zero, it is flushed after each write
	// for text/event-stream, application/grpc and bodies of unknown
	// length, and left to the server's buffering otherwise; if negative,
	// after each write always.
	FlushInterval time.Duration

	// Logger logs failed exchanges with upstreams. If nil, slog.Default().
	Logger *slog.Logger
}

func (h *Handler) transport() *Transport {
	if h.Transport == nil {
		return DefaultTransport
	}
	return h.Transport
}

func (h *Handler) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.Default()
	}
	return h.Logger
}

// ServeHTTP sends r to an upstream and relays the response. If the
// connection to the upstream fails before any response came, a replayable
// request (see replayable) is sent again to another upstream. A failure
// before the response header answers 502, 503 when no upstream is
// available, or 504 on a timeout; a failure within the body aborts the
// response (http.ErrAbortHandler), so the client never takes it for a
// complete one. WebSocket handshakes are relayed (see serveWebSocket).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ws.IsHandshake(r) {
		h.serveWebSocket(w, r)
		return
	}
	if r.Method == http.MethodConnect {
		http.Error(w, "proxy: CONNECT is only relayed for WebSockets", http.StatusMethodNotAllowed)
		return
	}
	c := new(call)
	x, out := &c.x, &c.out
	x.init(w, r.Context(), h.transport().responseHeaderTimeout())
	defer x.stop()
	h.outRequest(r, out, c.outVals[:0])
	dst := &c.url // the first attempt's; a retry gets a new one

	exclude := c.tried[:0]
	var last *gatewayError
	for {
		u, done, err := h.Pool.Pick(r, exclude)
		if err != nil {
			if last == nil {
				last = &gatewayError{Code: http.StatusServiceUnavailable, Msg: "no upstream available", Err: err}
			}
			h.fail(w, r, last)
			return
		}
		res, err := h.roundTrip(x, out, u, dst)
		dst = nil
		if err == nil {
			err = h.relay(w, r, res, u, c.resVals[:0])
			done(err) // before the abort, so the pool counts the request ended
			if err != nil {
				panic(http.ErrAbortHandler) // an RST (h2, h3) or a close (h1): not a complete response
			}
			return
		}
		if r.Context().Err() != nil { // the client left; not the upstream's fault
			done(nil)
			return
		}
		done(err)
		started := x.responseStarted()
		last = classifyAfter(x.errContext(), u, err, started)
		if last.Code == http.StatusGatewayTimeout && x.timedOut() || !replayable(out) || started || !isConnFailure(err) {
			h.fail(w, r, last)
			return
		}
		h.logger().Debug("proxy: retrying on another upstream", "method", r.Method, "path", r.URL.Path, "error", last)
		exclude = append(exclude, u)
	}
}

// A call is what ServeHTTP needs for a request, allocated in one piece:
// the exchange, the request to the upstream, its URL, the upstreams
// tried, and the slices of the header values the proxy adds.
type call struct {
	x       exchange
	out     http.Request
	url     url.URL
	tried   [4]*Upstream
	outVals [6]string // of the request's fields (outHeaderVals)
	resVals [1]string // of the response's Via
}

// outRequest makes out the request to the upstream from r, without URL:
// roundTrip sets that for each upstream it tries. vals are for the values
// of the fields it adds (see outHeaderVals).
func (h *Handler) outRequest(r *http.Request, out *http.Request, vals []string) {
	*out = *r
	out.Header = make(http.Header, len(r.Header)+6) // room for the fields outHeader adds
	h.outHeaderVals(r, out.Header, vals)
	out.RequestURI = ""
	out.Close = false
	if r.ContentLength == 0 || r.Body == http.NoBody || r.Body == nil || emptyBody(r) {
		out.Body = nil // no chunked empty body; and replayable
		out.ContentLength = 0
	} else {
		out.Body = r.Body // emptyBody may have replaced it
		if len(r.Trailer) > 0 {
			// Some servers fill r.Trailer at the body's end, others replace
			// it: copy it into the trailer the transport sends then.
			out.Trailer = make(http.Header, len(r.Trailer))
			for k := range r.Trailer {
				out.Trailer[k] = nil
			}
			out.Body = &trailerBody{ReadCloser: r.Body, in: r, out: out.Trailer}
		}
	}
}

// usuallyNoBody reports whether requests of method usually have no body
// (as net/http's Transport has it).
func usuallyNoBody(method string) bool {
	switch method {
	case "GET", "HEAD", "DELETE", "OPTIONS", "PROPFIND", "SEARCH":
		return true
	}
	return false
}

// emptyBody reports whether r, a request that usually has no body but
// whose length is unknown (an HTTP/3 GET whose stream end came after its
// HEADERS, say), has an empty body: it reads the first byte, and if there
// is one (or an error) replaces r.Body by a probedBody that returns it
// first. net/http's Transport probes such bodies for 200 ms from a
// goroutine of its own; this waits for the client instead, which does not
// hold its request's end for long unless it sends a body.
func emptyBody(r *http.Request) bool {
	if r.ContentLength >= 0 || !usuallyNoBody(r.Method) {
		return false
	}
	p := &probedBody{ReadCloser: r.Body}
	p.n, p.err = io.ReadFull(r.Body, p.b[:])
	if p.n == 0 && (p.err == io.EOF || p.err == io.ErrUnexpectedEOF) {
		return true
	}
	if p.err == io.ErrUnexpectedEOF {
		p.err = nil
	}
	r.Body = p
	return false
}

// A probedBody is a request body whose first byte (or error) emptyBody
// read.
type probedBody struct {
	io.ReadCloser
	b   [1]byte
	n   int
	err error
}

func (p *probedBody) Read(b []byte) (int, error) {
	switch {
	case len(b) == 0:
		return 0, nil
	case p.n > 0:
		b[0], p.n = p.b[0], 0
		return 1, nil
	case p.err != nil:
		err := p.err
		p.err = nil
		return 0, err
	}
	return p.ReadCloser.Read(b)
}

// A trailerBody copies the client's trailers into the request to the
// upstream when the client's body ends.
type trailerBody struct {
	io.ReadCloser
	in  *http.Request
	out http.Header
}

func (b *trailerBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		for k, vv := range b.in.Trailer {
			b.out[k] = vv
		}
	}
	return n, err
}

// roundTrip sends out to u, with its URL in dst (nil: a new one).
func (h *Handler) roundTrip(x *exchange, out *http.Request, u *Upstream, dst *url.URL) (*http.Response, error) {
	rt, scheme, err := h.transport().pick(u.URL.Scheme)
	if err != nil {
		return nil, err
	}
	if dst == nil {
		dst = new(url.URL)
	}
	setUpstreamURL(dst, u.URL, scheme, out)
	out.URL = dst
	x.begin()
	var res *http.Response
	if c, ok := rt.(*h1Client); ok {
		// 1xx, first byte and timeout reported to x directly; own: relay
		// copies the header before the body and closes the body at its end.
		res, err = c.roundTrip(out, x, true)
	} else {
		res, err = rt.RoundTrip(out.WithContext(x.transportContext()))
	}
	x.end()
	if err == nil && x.timedOut() {
		res.Body.Close()
		return nil, errResponseHeaderTimeout
	}
	return res, err
}

// upstreamURL is the URL of r at upstream base: base's path (ParseUpstream
// allows no query) prefixes r's.
func upstreamURL(base *url.URL, scheme string, r *http.Request) *url.URL {
	u := new(url.URL)
	setUpstreamURL(u, base, scheme, r)
	return u
}

// setUpstreamURL sets u to upstreamURL(base, scheme, r).
func setUpstreamURL(u, base *url.URL, scheme string, r *http.Request) {
	in := r.URL
	*u = url.URL{Scheme: scheme, Host: base.Host, Path: in.Path, RawPath: in.RawPath, RawQuery: in.RawQuery}
	if base.Path != "" && base.Path != "/" {
		u.Path = strings.TrimSuffix(base.Path, "/") + "/" + strings.TrimPrefix(in.Path, "/")
		if in.RawPath != "" || base.RawPath != "" {
			u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + "/" + strings.TrimPrefix(in.EscapedPath(), "/")
		}
	}
}

// fail answers e to the client and logs it.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, e *gatewayError) {
	h.logger().Warn("proxy: "+e.Msg, "method", r.Method, "path", r.URL.Path, "upstream", e.Upstream, "status", e.Code, "error", e.Err)
	e.write(w)
}

// relay sends the upstream's response res to the client. It returns the
// upstream's error that broke the body, if any, after flushing what came:
// the caller then aborts the response. vals are for the value of Via (see
// responseHeaderVals).
func (h *Handler) relay(w http.ResponseWriter, r *http.Request, res *http.Response, u *Upstream, vals []string) error {
	defer res.Body.Close()
	hdr := w.Header()
	responseHeaderVals(hdr, res, vals)
	announced := len(res.Trailer)
	if announced > 0 {
		names := make([]string, 0, announced)
		for k := range res.Trailer {
			names = append(names, k)
		}
		hdr["Trailer"] = []string{strings.Join(names, ", ")}
	}
	w.WriteHeader(res.StatusCode)

	var rc *http.ResponseController // made only to flush: most responses never do
	flush := func() {
		if rc == nil {
			rc = http.NewResponseController(w)
		}
		rc.Flush()
	}
	interval := h.flushInterval(res)
	if (interval < 0 || announced > 0) && res.ContentLength != 0 {
		// Headers now: a stream's client waits for them. Not for an empty
		// body, whose header must end the stream: a gRPC trailers-only
		// response is HEADERS with END_STREAM, or no status at all.
		flush()
	}
	if interval != 0 && rc == nil {
		rc = http.NewResponseController(w)
	}
	readErr, writeErr := copyBody(w, rc, res.Body, interval)
	if readErr != nil {
		if r.Context().Err() != nil {
			return nil
		}
		h.logger().Warn("proxy: upstream response broke mid-body", "method", r.Method, "path", r.URL.Path, "upstream", u, "error", readErr)
		flush() // what came, as a client of the upstream would have had it; then the abort
		return readErr
	}
	if writeErr != nil {
		return nil // the client left
	}
	if len(res.Trailer) > 0 {
		flush() // chunked (h1), so the trailers have somewhere to go
	}
	if len(res.Trailer) == announced {
		for k, vv := range res.Trailer {
			hdr[k] = vv
		}
		return nil
	}
	for k, vv := range res.Trailer {
		hdr[http.TrailerPrefix+k] = vv
	}
	return nil
}

// flushInterval is how often to flush res's body: <0 after each write, 0
// never (the server buffers), >0 at most that late.
func (h *Handler) flushInterval(res *http.Response) time.Duration {
	if h.FlushInterval != 0 {
		return h.FlushInterval
	}
	if res.ContentLength < 0 {
		return -1
	}
	ct := res.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	if ct == "text/event-stream" || ct == "application/grpc" || strings.HasPrefix(ct, "application/grpc+") {
		return -1
	}
	return 0
}
