package h2

import (
	"bufio"
	"context"
	"crypto/tls"
	"log"
	"net"
	"net/http"
	"sync"

	"github.com/triohttp/trio/internal/workers"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// conn is one HTTP/2 connection. The goroutine calling serve reads and
// processes frames; writeLoop writes; each stream runs its handler in its
// own goroutine. Its state is split by concern, each part beside the code
// that uses it: readState (read.go), writeState (write.go), flowState
// (flow.go), streamsState (stream.go), peerSettings (settings.go),
// shutdownState (shutdown.go) and limitState (limits.go). All but
// readState, and the fields set once by newConn, are guarded by mu.
type conn struct {
	srv        *Server // nil when not tracked
	cfg        *Config
	nc         net.Conn
	h          http.Handler
	hs         *http.Server
	tlsState   *tls.ConnectionState
	remoteAddr string
	ctx        context.Context // cancelled when the connection ends
	cancel     context.CancelFunc
	trace      *tracer // nil unless Config.Trace is set

	readState // the reading goroutine's alone

	mu sync.Mutex
	writeState
	flowState
	streamsState
	peerSettings
	shutdownState
	limitState
}

func newConn(ctx context.Context, cfg *Config, nc net.Conn, h http.Handler, opts *ServeConnOpts) *conn {
	c := &conn{
		cfg:        cfg,
		nc:         nc,
		h:          h,
		remoteAddr: nc.RemoteAddr().String(),
		writeState: writeState{writerDone: make(chan struct{})},
		flowState: flowState{
			sendWin:  defaultWindow,
			recvWin:  initialConnWindow,
			recvSize: initialConnWindow,
		},
		streamsState: streamsState{
			maxStreams: cfg.maxConcurrentStreams(),
			streams:    make(map[uint32]*stream),
		},
		peerSettings: peerSettings{peerWin: defaultWindow, peerFrame: minMaxFrameSize},
	}
	if opts != nil {
		c.hs = opts.BaseConfig
	}
	c.trace = newTracer(cfg.get().Trace, c.remoteAddr)
	if c.h == nil {
		c.h = http.NotFoundHandler()
	}
	if tc, ok := nc.(*tls.Conn); ok {
		cs := tc.ConnectionState()
		c.tlsState = &cs
		c.batcher, _ = tc.NetConn().(batcher)
	}
	c.ctx, c.cancel = context.WithCancel(baseContext(ctx, c.hs, nc, h))
	c.workers = workers.New(func(j job) { c.runHandler(j.st, j.h) }, workers.Keep, c.ctx.Done())
	c.wcond.L = &c.mu
	c.scond.L = &c.mu
	c.br = bufio.NewReaderSize(nc, 16<<10)
	c.fr = http2.NewFramer(nil, c.br)
	c.fr.SetMaxReadFrameSize(cfg.trioMaxReadFrameSize())
	c.fr.SetReuseFrames()
	c.hb.maxList = cfg.maxHeaderBytes()
	c.hb.maxFields = cfg.maxHeaderFields()
	c.dec = hpack.NewDecoder(4096, c.hb.emit)
	// Strings are bounded by the header block budget (readHeaderBlock);
	// over-long lists end in 431, not in a decoding error.
	c.dec.SetMaxStringLength(4*c.hb.maxList + 128<<10)
	c.enc = newHpackEncoder()
	c.resetsFull = float64(max(200, 2*c.maxStreams))
	c.resets = newBudget(c.resetsFull, c.resetsFull/2) // see serveConn
	c.floods = newBudget(1000, 500)
	return c
}

// baseContext is the parent of request contexts: the values of the
// connection context net/http hands over in TLSNextProto (ConnContext
// applied), or of ctx; never ctx's cancellation, which asks for a graceful
// shutdown instead.
func baseContext(ctx context.Context, hs *http.Server, nc net.Conn, h http.Handler) context.Context {
	if bc, ok := h.(interface{ BaseContext() context.Context }); ok {
		if b := bc.BaseContext(); b != nil {
			return b
		}
	}
	ctx = context.WithoutCancel(ctx)
	if hs != nil {
		ctx = context.WithValue(ctx, http.ServerContextKey, hs)
	}
	return context.WithValue(ctx, http.LocalAddrContextKey, nc.LocalAddr())
}

func (c *conn) logf(format string, args ...any) {
	if c.hs != nil && c.hs.ErrorLog != nil {
		c.hs.ErrorLog.Printf(format, args...)
		return
	}
	log.Printf(format, args...)
}
