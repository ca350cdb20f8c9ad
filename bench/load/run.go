package load

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Run loads o.URL as o says and returns what it measured. It returns an
// error only for bad options; failed requests are counted in the Result.
func Run(ctx context.Context, o Options) (*Result, error) {
	u, err := o.check()
	if err != nil {
		return nil, err
	}
	p := o.proto()
	rts := make([]http.RoundTripper, o.conns())
	for i := range rts {
		if rts[i], err = newTransport(p, u, &o); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, rt := range rts {
			closeTransport(rt)
		}
	}()

	ctx, cancel := context.WithTimeout(ctx, o.duration())
	defer cancel()
	var tickets atomic.Int64 // attempts left, if o.Requests > 0
	tickets.Store(int64(o.Requests))
	workers := make([]*worker, 0, len(rts)*o.streams())
	for _, rt := range rts {
		for range o.streams() {
			workers = append(workers, &worker{rt: rt, req: newRequest(ctx, u, &o), tickets: &tickets, limited: o.Requests > 0})
		}
	}

	start := time.Now()
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() { w.loop(ctx) })
	}
	wg.Wait()
	res := &Result{Proto: p, Conns: len(rts), Streams: o.streams(), Elapsed: time.Since(start), Errors: map[string]int64{}}
	for _, w := range workers {
		res.add(w)
	}
	return res, nil
}

// newRequest is the one request a worker sends again and again, which
// RoundTrip allows once the previous response's body is closed.
func newRequest(ctx context.Context, u *url.URL, o *Options) *http.Request {
	req := (&http.Request{
		Method:     o.method(),
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     o.Header.Clone(),
		Host:       u.Host,
	}).WithContext(ctx)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if h := req.Header.Get("Host"); h != "" {
		req.Host = h
		req.Header.Del("Host")
	}
	return req
}

// A worker keeps one request in flight on its connection.
type worker struct {
	rt      http.RoundTripper
	req     *http.Request
	tickets *atomic.Int64
	limited bool

	buf      [32 << 10]byte
	hist     Histogram
	requests int64
	bytes    int64
	protos   map[string]int64  // response Proto -> count
	errors   map[string]int64  // kind -> count
	first    map[string]string // kind -> the first error's text
	status   [600]int64        // error responses by code, named at the end
}

// loop sends requests until ctx ends or the tickets run out; the worker
// that takes the last ticket does not cancel the others: they finish theirs.
func (w *worker) loop(ctx context.Context) {
	w.protos, w.errors, w.first = map[string]int64{}, map[string]int64{}, map[string]string{}
	for ctx.Err() == nil {
		if w.limited && w.tickets.Add(-1) < 0 {
			return
		}
		w.once(ctx)
	}
}

// once sends one request and reads the whole response.
func (w *worker) once(ctx context.Context) {
	t0 := time.Now()
	resp, err := w.rt.RoundTrip(w.req)
	if err != nil {
		if ctx.Err() == nil { // cut off by the deadline: not counted
			w.fail(kind(err), err)
		}
		return
	}
	n, err := w.drain(resp.Body)
	resp.Body.Close()
	if err != nil {
		if ctx.Err() == nil {
			w.fail(ErrBody, err)
		}
		return
	}
	w.hist.Record(time.Since(t0))
	w.requests++
	w.bytes += n
	w.protos[resp.Proto]++
	if c := resp.StatusCode; c >= 400 && c < len(w.status) {
		w.status[c]++
	}
}

// fail counts a failed attempt of kind k, keeping the first error's text.
func (w *worker) fail(k string, err error) {
	if w.errors[k]++; w.errors[k] == 1 {
		w.first[k] = err.Error()
	}
}

// drain reads body to its end into the worker's buffer.
func (w *worker) drain(body io.Reader) (int64, error) {
	var total int64
	for {
		n, err := body.Read(w.buf[:])
		total += int64(n)
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}
