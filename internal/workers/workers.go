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
	"sync/atomic"
	"time"
)

// Keep is how long h2 and h3 keep a handler goroutine waiting for another
// stream of its connection.
const Keep = time.Second

// A Pool runs tasks on goroutines it keeps for a while between them.
type Pool[T any] struct {
	run   func(T)
	keep  time.Duration
	done  <-chan struct{}
	tasks chan T // unbuffered
	wg    sync.WaitGroup
	// idle counts goroutines waiting for a task, less the tasks Go has
	// promised them and not yet handed over. A waiting goroutine may leave
	// only by taking one off idle; when it finds idle at 0, every waiting
	// goroutine is promised a task, and it takes one.
	idle atomic.Int32
}

// New returns a Pool that runs run(t) for each t given to Go, on an idle
// goroutine of the pool or on a new one. A goroutine whose task returned
// waits up to idle for another, and leaves earlier once done is closed.
func New[T any](run func(T), idle time.Duration, done <-chan struct{}) *Pool[T] {
	return &Pool[T]{run: run, keep: idle, done: done, tasks: make(chan T)}
}

// Go runs the task t on an idle goroutine, or starts one. It may wait the
// moment an idle goroutine takes to reach its receive.
func (p *Pool[T]) Go(t T) {
	for {
		n := p.idle.Load()
		if n == 0 {
			p.wg.Add(1)
			go p.work(t)
			return
		}
		if p.idle.CompareAndSwap(n, n-1) {
			p.tasks <- t
			return
		}
	}
}

// Wait waits until every goroutine of p has left: call it after done is
// closed and no more Go calls can come.
func (p *Pool[T]) Wait() { p.wg.Wait() }

// IdleCount is how many goroutines are waiting for a task.
func (p *Pool[T]) IdleCount() int { return int(p.idle.Load()) }

func (p *Pool[T]) work(t T) {
	defer p.wg.Done()
	timer := time.NewTimer(p.keep)
	defer timer.Stop()
	for {
		p.run(t)
		timer.Reset(p.keep)
		p.idle.Add(1)
		select {
		case t = <-p.tasks:
			continue
		case <-timer.C:
		case <-p.done:
		}
		if !p.leave() {
			t = <-p.tasks // promised to this goroutine: take it
			continue
		}
		return
	}
}

// leave takes a waiting goroutine off idle, or reports false if all that
// wait are promised tasks.
func (p *Pool[T]) leave() bool {
	for {
		n := p.idle.Load()
		if n == 0 {
			return false
		}
		if p.idle.CompareAndSwap(n, n-1) {
			return true
		}
	}
}
