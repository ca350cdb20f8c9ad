package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// options say what to open and for how long.
type options struct {
	URL         string        // wss://host:port/path
	HTTP        string        // "h1" (or "http/1.1"), "h2" or "h3"
	N           int           // WebSockets to open
	Conns       int           // connections for h2 and h3
	Parallel    int           // handshakes in flight
	Hold        time.Duration // how long to hold them once open
	Timeout     time.Duration // limit for the whole run
	DialTimeout time.Duration // limit for one handshake
	Origin      string        // "" means the URL's https origin
	PID         int           // server process to read VmRSS of; 0 means none
	TLS         *tls.Config   // RootCAs, InsecureSkipVerify; NextProtos is set per version
}

// result is what a run saw.
type result struct {
	HTTP           string
	Opened, Want   int
	Conns          int // transport connections, warm-up excluded
	Failed         int
	FirstErr       error
	Open           time.Duration // time to open them all
	RSSBefore, RSS int64         // server VmRSS in bytes after the warm-up and while held; 0 without -pid
}

func (r *result) String() string {
	s := fmt.Sprintf("wsidle: http=%s opened=%d want=%d conns=%d open_s=%.1f failed=%d",
		r.HTTP, r.Opened, r.Want, r.Conns, r.Open.Seconds(), r.Failed)
	if r.RSS > 0 && r.Opened > 0 {
		s += fmt.Sprintf(" rss_before=%d rss_held=%d bytes_per_conn=%d", r.RSSBefore, r.RSS, (r.RSS-r.RSSBefore)/int64(r.Opened))
	}
	if r.FirstErr != nil {
		s += fmt.Sprintf(" first_error=%q", r.FirstErr.Error())
	}
	return s
}

// hold opens o.N WebSockets, holds them for o.Hold and closes them, all
// within o.Timeout. It returns an error only if nothing could be measured.
func hold(ctx context.Context, o *options, progress io.Writer) (*result, error) {
	u, err := url.Parse(o.URL)
	if err != nil || u.Scheme != "wss" {
		return nil, fmt.Errorf("URL %q: want wss://host:port/path", o.URL)
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	d, err := newDialer(ctx, o, u)
	if err != nil {
		return nil, err
	}
	defer d.close()
	res := &result{HTTP: o.HTTP, Want: o.N}
	if err := d.warm(ctx); err != nil {
		return nil, fmt.Errorf("warm-up WebSocket: %w", err)
	}
	if o.PID != 0 {
		time.Sleep(200 * time.Millisecond) // let the server's handler settle
		if res.RSSBefore, err = vmRSS(o.PID); err != nil {
			return nil, err
		}
	}

	start := time.Now()
	open(ctx, d, o, res, progress)
	res.Open = time.Since(start)
	res.Conns = d.conns()
	fmt.Fprintf(progress, "wsidle: %s: %d of %d open in %.1fs (%d failed); holding for %v\n",
		o.HTTP, res.Opened, o.N, res.Open.Seconds(), res.Failed, o.Hold)
	select {
	case <-time.After(o.Hold):
	case <-ctx.Done(): // the limit, or a signal: measure what is open
	}
	if o.PID != 0 {
		if res.RSS, err = vmRSS(o.PID); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// open opens o.N WebSockets through d, o.Parallel at a time, counting
// failures in res and printing progress every second.
func open(ctx context.Context, d dialer, o *options, res *result, progress io.Writer) {
	var next, opened, failed atomic.Int64
	var mu sync.Mutex // guards res.FirstErr
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				fmt.Fprintf(progress, "wsidle: %s: %d of %d open, %d failed\n", o.HTTP, opened.Load(), o.N, failed.Load())
			}
		}
	}()
	var wg sync.WaitGroup
	for range max(o.Parallel, 1) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < o.N && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				dctx, cancel := context.WithTimeout(ctx, o.DialTimeout)
				err := d.open(dctx, i)
				cancel()
				if err == nil {
					opened.Add(1)
					continue
				}
				failed.Add(1)
				mu.Lock()
				if res.FirstErr == nil {
					res.FirstErr = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(done)
	res.Opened, res.Failed = int(opened.Load()), int(failed.Load())
}
