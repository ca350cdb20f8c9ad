package load

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// A Result is what a run measured.
type Result struct {
	Proto    Proto
	Conns    int
	Streams  int               // per connection
	Elapsed  time.Duration     // from the first request to the last response
	Requests int64             // complete responses, whatever their status
	Failed   int64             // attempts without a complete response
	Bytes    int64             // response body bytes
	Errors   map[string]int64  // kind (ErrReset, "status 500", ...) -> count
	Protos   map[string]int64  // response Proto ("HTTP/2.0") -> count
	First    map[string]string // error kind -> the text of one error of that kind
	Latency  Histogram         // of complete responses
}

// add merges a finished worker's counts into r.
func (r *Result) add(w *worker) {
	r.Requests += w.requests
	r.Bytes += w.bytes
	r.Latency.Merge(&w.hist)
	for k, n := range w.errors {
		r.Errors[k] += n
		r.Failed += n
	}
	if r.First == nil {
		r.First = map[string]string{}
	}
	for k, e := range w.first {
		if _, ok := r.First[k]; !ok {
			r.First[k] = e
		}
	}
	for c, n := range w.status {
		if n > 0 {
			r.Errors[statusKind(c)] += n
		}
	}
	if r.Protos == nil {
		r.Protos = map[string]int64{}
	}
	for p, n := range w.protos {
		r.Protos[p] += n
	}
}

// ErrorCount is the number of failed attempts plus error responses.
func (r *Result) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// RPS is complete responses per second.
func (r *Result) RPS() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

// MBps is response body megabytes (10^6 bytes) per second.
func (r *Result) MBps() float64 { return float64(r.Bytes) / 1e6 / r.Elapsed.Seconds() }

// String is the human report trio load prints.
func (r *Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %d connections x %d streams, %.2fs\n", r.Proto, r.Conns, r.Streams, r.Elapsed.Seconds())
	fmt.Fprintf(&b, "  requests  %d (%.0f/s), %d failed, %d errors in all\n", r.Requests, r.RPS(), r.Failed, r.ErrorCount())
	fmt.Fprintf(&b, "  body      %d bytes (%.2f MB/s)\n", r.Bytes, r.MBps())
	h := &r.Latency
	fmt.Fprintf(&b, "  latency   p50 %v  p90 %v  p99 %v  max %v\n",
		round(h.Quantile(0.5)), round(h.Quantile(0.9)), round(h.Quantile(0.99)), round(h.Max()))
	for _, k := range slices.Sorted(maps.Keys(r.Errors)) {
		fmt.Fprintf(&b, "  error     %-12s %d", k, r.Errors[k])
		if e := r.First[k]; e != "" {
			fmt.Fprintf(&b, " (%s)", e)
		}
		b.WriteString("\n")
	}
	for _, p := range slices.Sorted(maps.Keys(r.Protos)) {
		fmt.Fprintf(&b, "  protocol  %-12s %d\n", p, r.Protos[p])
	}
	return b.String()
}

func round(d time.Duration) time.Duration { return d.Round(time.Microsecond) }

// jsonResult is the --json form: plain numbers, latencies in microseconds.
type jsonResult struct {
	Proto    Proto            `json:"proto"`
	Conns    int              `json:"conns"`
	Streams  int              `json:"streams"`
	Seconds  float64          `json:"seconds"`
	Requests int64            `json:"requests"`
	Failed   int64            `json:"failed"`
	Errors   int64            `json:"errors"`
	Kinds    map[string]int64 `json:"error_kinds"`
	Protos   map[string]int64 `json:"protocols"`
	RPS      float64          `json:"requests_per_sec"`
	Bytes    int64            `json:"body_bytes"`
	MBps     float64          `json:"mb_per_sec"`
	P50      float64          `json:"p50_us"`
	P90      float64          `json:"p90_us"`
	P99      float64          `json:"p99_us"`
	Max      float64          `json:"max_us"`
}

// MarshalJSON writes r as one flat object, latencies in microseconds.
func (r *Result) MarshalJSON() ([]byte, error) {
	us := func(d time.Duration) float64 { return float64(d) / 1e3 }
	h := &r.Latency
	return json.Marshal(jsonResult{
		Proto: r.Proto, Conns: r.Conns, Streams: r.Streams, Seconds: r.Elapsed.Seconds(),
		Requests: r.Requests, Failed: r.Failed, Errors: r.ErrorCount(), Kinds: r.Errors, Protos: r.Protos,
		RPS: r.RPS(), Bytes: r.Bytes, MBps: r.MBps(),
		P50: us(h.Quantile(0.5)), P90: us(h.Quantile(0.9)), P99: us(h.Quantile(0.99)), Max: us(h.Max()),
	})
}
