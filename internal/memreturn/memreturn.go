// Package memreturn hands the memory a spike left behind back to the
// operating system, sooner than the Go runtime does by itself.
//
// After a burst (a connection flood, a QUIC handshake flood) the
// connections' memory is garbage, but nothing collects it: the server
// allocates little once the burst is over, so the next garbage collection
// waits until the heap reaches a goal set at the peak (twice the peak's
// live heap) or for the runtime's forced collection every two minutes, and
// the runtime's scavenger keeps the pages of a heap that size. Measured on
// trio: 1 GB resident after 20,000 connections closed, none of it returned
// within 80 s.
//
// A Returner checks the process every Interval. When the resident set
// (RSS, from /proc/self/statm) is more than twice what it was after the
// last return (or at start, or its lowest since), plus Slack, and either
// no collection ran since the last check (the burst is over) or RSS is
// more than twice what the heap needs (its goal plus stacks and runtime
// metadata), it calls debug.FreeOSMemory: one collection and every free
// page returned. It does so too when, with no collection since the last
// check, RSS is more than twice its lowest since the start and the
// goroutines fell by half since the last return: a load that held
// connections ended (a soak's 300 WebSockets and clients closing left
// 48.6 MiB of a 15 MiB start, uncollected, without this). A busy server that collects every few seconds and holds
// what it uses is left alone. Only Linux reports RSS; elsewhere a Returner
// does nothing.
//
// Who should import it: the trio root package, which starts one Returner
// per process while any Server runs (see Start).
package memreturn

import (
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"time"
)

// Defaults of Config.
const (
	DefaultInterval = 10 * time.Second
	DefaultSlack    = 16 << 20
)

// Config says how often a Returner looks and how far RSS must rise first.
type Config struct {
	// Interval is the time between two checks. If zero, 10 s: memory is
	// handed back within two intervals of a burst's end.
	Interval time.Duration

	// Slack is the growth in bytes, on top of doubling, that RSS needs
	// before memory is returned, so that a small process is not collected
	// for a few megabytes. If zero, 16 MiB.
	Slack uint64

	// Returned, if not nil, is called after each return with the bytes
	// RSS fell by (0 if it did not) and RSS before and after.
	Returned func(released, before, after uint64)
}

func (c *Config) interval() time.Duration {
	if c.Interval <= 0 {
		return DefaultInterval
	}
	return c.Interval
}

func (c *Config) slack() uint64 {
	if c.Slack == 0 {
		return DefaultSlack
	}
	return c.Slack
}

// A Returner returns memory to the operating system after spikes; see the
// package comment. The zero value is not usable: call New.
type Returner struct {
	cfg   Config
	rss   func() (uint64, bool) // RSS in bytes; false where unknown
	free  func()                // debug.FreeOSMemory
	stats func() stats          // the runtime's figures
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
	floor uint64 // lowest RSS since the last return or the start
	base  uint64 // lowest RSS since the start
	gcs   uint64 // GC cycles seen at the last check
	peakG uint64 // most goroutines seen at a check since the last return
}

// New returns a Returner with cfg; Run starts it.
func New(cfg Config) *Returner {
	return &Returner{
		cfg:   cfg,
		rss:   RSS,
		free:  debug.FreeOSMemory,
		stats: read,
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
}

// Run checks the process every Interval until Stop. It returns at once
// where RSS cannot be read.
func (r *Returner) Run() {
	defer close(r.done)
	rss, ok := r.rss()
	if !ok {
		return
	}
	r.floor, r.base = rss, rss
	r.gcs = r.stats().gcs
	t := time.NewTicker(r.cfg.interval())
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.check()
		}
	}
}

// Stop stops Run and waits for it to return.
func (r *Returner) Stop() {
	r.once.Do(func() { close(r.stop) })
	<-r.done
}

// check returns memory if RSS is far above both its floor and what the
// heap needs, as the package comment says.
func (r *Returner) check() {
	rss, ok := r.rss()
	if !ok {
		return
	}
	s := r.stats()
	quiet := s.gcs == r.gcs
	r.gcs = s.gcs
	r.floor, r.base = min(r.floor, rss), min(r.base, rss)
	r.peakG = max(r.peakG, s.goroutines)
	if !r.due(rss, s, quiet) {
		return
	}
	r.free()
	after, ok := r.rss()
	if !ok {
		after = rss
	}
	s = r.stats()
	r.floor, r.gcs, r.peakG = after, s.gcs, s.goroutines
	if r.cfg.Returned != nil {
		r.cfg.Returned(sub(rss, after), rss, after)
	}
}

// due reports whether memory should be returned at rss: RSS more than
// twice its floor and either no collection since the last check or RSS
// twice what the heap needs; or, with no collection since the last
// check, RSS more than twice its lowest since the start and the
// goroutines down by half (at least 64) since the last return: a load
// ended, its garbage not yet collected.
func (r *Returner) due(rss uint64, s stats, quiet bool) bool {
	slack := r.cfg.slack()
	if rss > 2*r.floor+slack && (quiet || rss > 2*s.need()+slack) {
		return true
	}
	ended := s.goroutines <= r.peakG/2 && r.peakG-s.goroutines >= 64
	return quiet && ended && rss > 2*r.base+slack
}

func sub(a, b uint64) uint64 {
	if b > a {
		return 0
	}
	return a - b
}

// stats are the runtime's figures a check needs.
type stats struct {
	gcs        uint64 // GC cycles completed
	goal       uint64 // heap goal
	total      uint64 // all memory mapped by the runtime
	heap       uint64 // the heap's pages: objects (live or not yet swept), unused, free, released
	goroutines uint64
}

// need is what the heap may use before the next collection: its goal,
// plus what the runtime maps outside the heap's objects (stacks,
// metadata).
func (s stats) need() uint64 { return s.goal + sub(s.total, s.heap) }

var names = []string{
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/goal:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/objects:bytes",
	"/sched/goroutines:goroutines",
}

func read() stats {
	ss := make([]metrics.Sample, len(names))
	for i, n := range names {
		ss[i].Name = n
	}
	metrics.Read(ss)
	v := func(i int) uint64 {
		if ss[i].Value.Kind() != metrics.KindUint64 {
			return 0
		}
		return ss[i].Value.Uint64()
	}
	return stats{
		gcs:        v(0),
		goal:       v(1),
		total:      v(2),
		heap:       v(3) + v(4) + v(5) + v(6),
		goroutines: v(7),
	}
}
