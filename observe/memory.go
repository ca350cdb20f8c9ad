package observe

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/triohttp/trio"
)

var _ trio.MemoryObserver = (*Metrics)(nil)

// newMemoryReturned makes trio_memory_returned_bytes_total.
func newMemoryReturned() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{
		Name: "trio_memory_returned_bytes_total",
		Help: "Bytes of RSS handed back to the operating system after bursts (debug.FreeOSMemory once RSS was more than twice its floor and the heap quiet; see [limits] memory_return_seconds).",
	})
}

// MemoryReturned implements trio.MemoryObserver: it counts bytes handed
// back to the operating system.
func (m *Metrics) MemoryReturned(bytes uint64) { m.memReturn.Add(float64(bytes)) }
