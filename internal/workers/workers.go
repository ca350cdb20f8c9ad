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

	mu   sync.Mutex   // guards idle
	idle []*worker[T] // waiting for a task, the last became idle last
}

// A worker is one goroutine of a Pool; Go hands it a task on ch after
// taking it off idle, so the send never blocks.
type worker[T any] struct {
	ch chan T // buffered 1
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
	timer := time.NewTimer(p.keep)
	defer timer.Stop()
	for {
		p.run(t)
		p.mu.Lock()
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		timer.Reset(p.keep)
		select {
		case t = <-w.ch:
			continue
		case <-timer.C:
		case <-p.done:
		}
		if !p.leave(w) {
			t = <-w.ch // Go took w off idle: its task is on the way
			continue
		}
		return
	}
}

// leave takes w off idle, or reports false if Go took it off already.
// The goroutines that time out are mostly the longest idle, at the start.
func (p *Pool[T]) leave(w *worker[T]) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, x := range p.idle {
		if x == w {
			p.idle = append(p.idle[:i], p.idle[i+1:]...)
			p.idle[len(p.idle):cap(p.idle)][0] = nil
			return true
		}
	}
	return false
}
