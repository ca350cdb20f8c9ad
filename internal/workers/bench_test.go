package workers

import "testing"

// BenchmarkHandOff is one task handed to an idle goroutine and its end
// waited for, as a stream's handler is on a connection with a worker kept.
func BenchmarkHandOff(b *testing.B) {
	done := make(chan struct{})
	defer close(done)
	ran := make(chan struct{})
	p := New(func(struct{}) { ran <- struct{}{} }, Keep, done)
	for b.Loop() {
		p.Go(struct{}{})
		<-ran
	}
}
