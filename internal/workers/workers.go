// Package workers runs short tasks on goroutines that are kept for a while
// after their task, so that the next task reuses a stack already grown.
//
// A new goroutine starts with a small stack, and serving an HTTP request
// (net/http's header code, a static file, a TLS write) grows it by copying
// it several times: at 1 KiB responses over HTTP/2 that copying took 30% of
// the server's CPU. h2 and h3 run each stream's handler through a Pool per
// connection.
package workers

import (
	"sync"
	"time"
)

// Keep is how long h2 and h3 keep a handler goroutine waiting for another
// stream of its connection.
const Keep = time.Second

// A Pool runs tasks on goroutines it keeps for a while between them.
//
// A task goes to the goroutine that became idle last, as fasthttp's
// workerpool does: under a trickle of tasks the same few goroutines
// serve them, and those a burst started leave after keep. Handing tasks
// through one channel would give each to the goroutine that waited
// longest (a channel's receivers queue in order), and a task every
// keep/n would then keep all n goroutines of a past burst for ever.
type Pool[T any] struct {
	run  func(T)
	keep time.Duration
	done <-chan struct{}
	wg   sync.WaitGroup

	mu       sync.Mutex   // guards below
	idle     []*worker[T] // waiting for a task, the last became idle last
	reaper   *time.Timer  // sends away the workers idle for keep; armed while idle is not empty
	armed    bool
	watching bool // a goroutine waits for done
	closed   bool // done is closed: no worker waits any more
}

// A worker is one goroutine of a Pool. It waits on ch alone: Go hands it
// a task there after taking it off idle, so the send never blocks, and
// the reaper or done closes ch to send it away. One channel keeps the
// hand-off cheap: waiting in a select on a task, a timer and done, and
// resetting the timer for every task, was 5% of the server's CPU at
// 1 KiB over h2.
type worker[T any] struct {
	ch    chan T    // buffered 1
	since time.Time // when it became idle
}

// New returns a Pool that runs run(t) for each t given to Go, on an idle
// goroutine of the pool or on a new one. A goroutine whose task returned
// waits up to idle for another, and leaves earlier once done is closed.
func New[T any](run func(T), idle time.Duration, done <-chan struct{}) *Pool[T] {
	return &Pool[T]{run: run, keep: idle, done: done}
}

// Go runs the task t on the goroutine that became idle last, or starts
// one.
func (p *Pool[T]) Go(t T) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		w.ch <- t
		return
	}
	p.mu.Unlock()
	p.wg.Add(1)
	go p.work(t)
}

// Wait waits until every goroutine of p has left: call it after done is
// closed and no more Go calls can come.
func (p *Pool[T]) Wait() { p.wg.Wait() }

// IdleCount is how many goroutines are waiting for a task.
func (p *Pool[T]) IdleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

func (p *Pool[T]) work(t T) {
	defer p.wg.Done()
	w := &worker[T]{ch: make(chan T, 1)}
	for ok := true; ok; t, ok = <-w.ch {
		p.run(t)
		if !p.rest(w) {
			return
		}
	}
}

// rest puts w on idle, or reports false if done is closed.
func (p *Pool[T]) rest(w *worker[T]) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	w.since = time.Now()
	p.idle = append(p.idle, w)
	if !p.armed {
		p.armed = true
		if p.reaper == nil {
			p.reaper = time.AfterFunc(p.keep, p.reap)
		} else {
			p.reaper.Reset(p.keep)
		}
	}
	if !p.watching && p.done != nil {
		p.watching = true
		go p.watch()
	}
	return true
}

// reap sends away the workers idle for keep: those at the start of idle,
// since Go takes from its end. It runs on the reaper timer.
func (p *Pool[T]) reap() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	n := 0
	for n < len(p.idle) && now.Sub(p.idle[n].since) >= p.keep {
		close(p.idle[n].ch)
		n++
	}
	m := copy(p.idle, p.idle[n:])
	clear(p.idle[m:])
	p.idle = p.idle[:m]
	if m > 0 && !p.closed {
		p.reaper.Reset(p.keep - now.Sub(p.idle[0].since))
	} else {
		p.armed = false
	}
}

// watch sends every idle worker away once done is closed, and those that
// finish a task afterwards leave at once.
func (p *Pool[T]) watch() {
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, w := range p.idle {
		close(w.ch)
	}
	clear(p.idle)
	p.idle = p.idle[:0]
	if p.reaper != nil {
		p.reaper.Stop()
	}
	p.armed = false
}
