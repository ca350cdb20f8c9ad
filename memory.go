package trio

import (
	"time"

	"github.com/triohttp/trio/internal/memreturn"
)

// DefaultMemoryReturnInterval is Limits.MemoryReturnInterval's default.
const DefaultMemoryReturnInterval = memreturn.DefaultInterval

// A MemoryObserver is an Observer that also counts the memory a Server
// handed back to the operating system after a burst; observe.Metrics is
// one (trio_memory_returned_bytes_total).
type MemoryObserver interface {
	MemoryReturned(bytes uint64)
}

// memoryReturnInterval is MemoryReturnInterval with its default; negative
// means never.
func (l *Limits) memoryReturnInterval() time.Duration {
	if l.MemoryReturnInterval == 0 {
		return DefaultMemoryReturnInterval
	}
	return l.MemoryReturnInterval
}

// startMemoryReturn joins the process's memory returner, once, when s
// starts serving; stop leaves it. A Server that was closed first does not
// join. RSS and the heap belong to the process, so Servers in one process
// share one returner, checking at the interval of the first to start.
//
// After a burst of connections their memory is garbage that nothing
// collects: the heap goal stays where the peak put it, so a quiet server
// collects again only two minutes later, and the runtime keeps the pages
// of a heap that size. Measured in TestMemoryReturnedAfterBurst (3,000 TLS
// and 300 QUIC connections): 172 MiB resident a minute after they closed,
// from 15 MiB before. A soft memory limit (GOMEMLIMIT 64 MiB) brought it
// to 44 MiB at seven times the collections during the burst; the returner,
// debug.FreeOSMemory once RSS is more than twice its floor and the heap
// quiet (or once a load ends: goroutines halved, no collection since), to
// 29 MiB within 13 s; after bench/soak's 300 WebSockets and clients
// closed, 48.7 MiB to 20.1 MiB within 12 s. What stays is the runtime's own: a
// descriptor for each goroutine that ever ran at once (about 600 bytes)
// and span metadata, which Go never frees.
func (s *Server) startMemoryReturn() {
	d := s.Limits.memoryReturnInterval()
	if d < 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.memReturn != nil {
		return
	}
	s.memReturn = memreturn.Start(memreturn.Config{Interval: d}, s.memoryReturned)
}

// stopMemoryReturn releases s's hold on the memory returner, if it has
// one; the last Server to stop stops the returner. stop calls it after
// marking s closed, so no hold is taken after.
func (s *Server) stopMemoryReturn() {
	s.mu.Lock()
	sub := s.memReturn
	s.mu.Unlock()
	if sub != nil {
		sub.Release()
	}
}

// memoryReturned counts and logs a return of memory to the OS.
func (s *Server) memoryReturned(released, before, after uint64) {
	if o, ok := s.Observer.(MemoryObserver); ok {
		o.MemoryReturned(released)
	}
	s.logger().Info("trio: memory handed back to the OS after a burst",
		"released_mib", mib(released), "rss_before_mib", mib(before), "rss_after_mib", mib(after))
}

// mib is n bytes in MiB, rounded to a tenth.
func mib(n uint64) float64 { return float64(n*10>>20) / 10 }
