package memreturn

import "sync"

// The process's Returner, shared by every caller of Start: RSS and the
// heap belong to the whole process, so one Returner is enough.
var proc struct {
	mu    sync.Mutex
	users int
	r     *Returner
	subs  map[*Sub]struct{}
}

// A Sub is one caller's hold on the process's Returner, from Start.
type Sub struct {
	returned func(released, before, after uint64)
	once     sync.Once
}

// Start starts the process's Returner with cfg if none runs, and returns
// a hold on it; the Returner stops when the last hold is released. Only
// the first caller's Interval and Slack apply while it runs. returned, if
// not nil, is told of every return while the hold lasts.
func Start(cfg Config, returned func(released, before, after uint64)) *Sub {
	s := &Sub{returned: returned}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if proc.subs == nil {
		proc.subs = make(map[*Sub]struct{})
	}
	proc.subs[s] = struct{}{}
	proc.users++
	if proc.r == nil {
		cfg.Returned = tellAll
		proc.r = New(cfg)
		go proc.r.Run()
	}
	return s
}

// Release gives the hold back; the last one stops the Returner and waits
// for it. Release may be called more than once.
func (s *Sub) Release() {
	s.once.Do(func() {
		proc.mu.Lock()
		delete(proc.subs, s)
		proc.users--
		var r *Returner
		if proc.users == 0 {
			r, proc.r = proc.r, nil
		}
		proc.mu.Unlock()
		if r != nil {
			r.Stop()
		}
	})
}

// tellAll passes a return on to every hold's returned func.
func tellAll(released, before, after uint64) {
	proc.mu.Lock()
	fs := make([]func(uint64, uint64, uint64), 0, len(proc.subs))
	for s := range proc.subs {
		if s.returned != nil {
			fs = append(fs, s.returned)
		}
	}
	proc.mu.Unlock()
	for _, f := range fs {
		f(released, before, after)
	}
}
