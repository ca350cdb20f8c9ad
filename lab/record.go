package lab

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/h3"
)

// A Record is the server's view of one page load, a run: every request
// that carried its run id in the query (?run=ID), as the server saw it.
// It is what /lab/api/run/{id} serves.
type Record struct {
	ID       string    `json:"id"`
	Start    time.Time `json:"start"` // when the first request of the run arrived
	Conns    int       `json:"conns"` // distinct connections the run's requests came on
	Requests []Served  `json:"requests"`
}

// Served is one request of a run as the server recorded it. Times are in
// milliseconds since the run's first request arrived (Record.Start).
type Served struct {
	Path   string `json:"path"`
	Index  int    `json:"i"`      // the resource's index for /lab/r/{i}; -1 otherwise
	Origin string `json:"origin"` // the lab origin that served it: h1, h2 or h3
	Proto  string `json:"proto"`  // the protocol it came over: h1, h2 or h3

	// Conn numbers the connection the request came on, from 1 in the order
	// the server first saw each connection (it is kept across runs, so a
	// connection reused by a later run keeps its number). Remote is the
	// client's address on it.
	Conn   int    `json:"conn"`
	Remote string `json:"remote"`

	// Stream is the HTTP/2 or HTTP/3 stream id, -1 over HTTP/1.1 (or when
	// an engine other than trio's served the request).
	Stream int64 `json:"stream"`

	ReceivedMS  float64 `json:"received_ms"`   // the request's head was read and the handler called
	FirstByteMS float64 `json:"first_byte_ms"` // the handler wrote the first byte of the body (or the head, for an empty body)
	LastByteMS  float64 `json:"last_byte_ms"`  // the handler's last byte was flushed to the connection
	Bytes       int64   `json:"bytes"`         // body bytes written
	Status      int     `json:"status"`
	Done        bool    `json:"done"` // the handler returned; until then the byte times are 0
}

// Limits that keep a recorder's memory bounded whatever clients send.
const (
	maxRuns        = 200   // runs kept; the oldest is dropped first
	maxRunRequests = 2000  // requests kept per run
	maxConnIDs     = 10000 // remote addresses remembered; the oldest are forgotten all at once
)

// runID is what a run id may look like.
var runID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// A recorder keeps the Records of the most recent runs.
type recorder struct {
	mu    sync.Mutex
	runs  map[string]*Record
	order []string       // run ids, oldest first
	conns map[string]int // origin + remote address -> connection number
	last  int            // the last connection number given
	now   func() time.Time
}

func newRecorder() *recorder {
	return &recorder{runs: make(map[string]*Record), conns: make(map[string]int), now: time.Now}
}

// run returns a copy of the Record of run id.
func (rc *recorder) run(id string) (Record, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.runs[id]
	if !ok {
		return Record{}, false
	}
	cp := *r
	cp.Requests = slices.Clone(r.Requests)
	return cp, true
}

// begin records the arrival of a request of run id and returns its index
// in the run's Requests, or -1 when the run is full.
func (rc *recorder) begin(id string, s Served, at time.Time) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.runs[id]
	if !ok {
		if len(rc.order) >= maxRuns {
			delete(rc.runs, rc.order[0])
			rc.order = rc.order[1:]
		}
		r = &Record{ID: id, Start: at, Requests: []Served{}}
		rc.runs[id] = r
		rc.order = append(rc.order, id)
	}
	if len(r.Requests) >= maxRunRequests {
		return -1
	}
	s.Conn = rc.connID(s.Origin + " " + s.Remote)
	if !slices.ContainsFunc(r.Requests, func(o Served) bool { return o.Conn == s.Conn }) {
		r.Conns++
	}
	s.ReceivedMS = millis(at.Sub(r.Start))
	r.Requests = append(r.Requests, s)
	return len(r.Requests) - 1
}

// finish records the end of request i of run id.
func (rc *recorder) finish(id string, i int, first, last time.Time, bytes int64, status int) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	r, ok := rc.runs[id]
	if !ok || i < 0 || i >= len(r.Requests) {
		return // dropped as the oldest meanwhile
	}
	s := &r.Requests[i]
	s.FirstByteMS = millis(first.Sub(r.Start))
	s.LastByteMS = millis(last.Sub(r.Start))
	s.Bytes = bytes
	s.Status = status
	s.Done = true
}

// connID numbers connections in the order they are first seen. rc.mu must
// be held.
func (rc *recorder) connID(key string) int {
	if n, ok := rc.conns[key]; ok {
		return n
	}
	if len(rc.conns) >= maxConnIDs {
		clear(rc.conns) // numbers go on rising: none is given twice
	}
	rc.last++
	rc.conns[key] = rc.last
	return rc.last
}

// millis converts d to milliseconds, rounded to the microsecond.
func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

// record wraps next so that every request with a valid ?run= id is
// recorded: its connection, stream and the times its bytes were written.
func (rc *recorder) record(origin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.URL.Query().Get("run")
		if !runID.MatchString(id) {
			next.ServeHTTP(w, r)
			return
		}
		at := rc.now()
		s := Served{
			Path:   r.URL.Path,
			Index:  resourceIndex(r.URL.Path),
			Origin: origin,
			Proto:  protoName(r.ProtoMajor),
			Remote: r.RemoteAddr,
			Stream: streamID(w),
		}
		i := rc.begin(id, s, at)
		rw := &recordingWriter{ResponseWriter: w, now: rc.now}
		defer func() {
			http.NewResponseController(rw).Flush() // the last byte leaves the handler's buffers
			last := rc.now()
			if rw.first.IsZero() {
				rw.first = last
			}
			rc.finish(id, i, rw.first, last, rw.bytes, rw.status())
		}()
		next.ServeHTTP(rw, r)
	})
}

// resourceIndex returns i for a path /lab/r/{i}, -1 for others.
func resourceIndex(path string) int {
	s, ok := strings.CutPrefix(path, "/lab/r/")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return -1
	}
	return n
}

// protoName is the short name of an HTTP major version: h1, h2 or h3.
func protoName(major int) string { return string(trio.ProtocolOf(major)) }

// streamID returns the HTTP/2 or HTTP/3 stream id of w, or -1.
func streamID(w http.ResponseWriter) int64 {
	if id, ok := h2.StreamID(w); ok {
		return int64(id)
	}
	if id, ok := h3.StreamID(w); ok {
		return id
	}
	return -1
}

// A recordingWriter notes when the first body byte was written and how
// many were. It unwraps, so h2.StreamID, h3.StreamID and
// http.ResponseController see the writer beneath.
type recordingWriter struct {
	http.ResponseWriter
	now   func() time.Time
	first time.Time
	bytes int64
	code  int
}

func (w *recordingWriter) WriteHeader(code int) {
	if w.code == 0 && code >= 200 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	if w.first.IsZero() && len(p) > 0 {
		w.first = w.now()
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *recordingWriter) status() int {
	if w.code == 0 {
		return http.StatusOK
	}
	return w.code
}
