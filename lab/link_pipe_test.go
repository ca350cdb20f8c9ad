package lab

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// pipeRecorder collects what a pipe sends, with the time it left.
type pipeRecorder struct {
	mu   sync.Mutex
	got  []byte // each packet's first byte: its index
	when []time.Time
}

func (r *pipeRecorder) out(b []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, b[0])
	r.when = append(r.when, time.Now())
	return nil
}

func (r *pipeRecorder) wait(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		have := len(r.got)
		r.mu.Unlock()
		if have >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("the pipe sent fewer than %d packets", n)
}

// sendThrough admits n packets of size bytes to a pipe impaired as imp and
// returns the indices of those that came out and when.
func sendThrough(t *testing.T, imp Impairment, n, size int) ([]byte, []time.Time, DirStats) {
	t.Helper()
	var cur atomic.Pointer[Impairment]
	cur.Store(&imp)
	var rec pipeRecorder
	p := newPipe(rec.out, &cur, 0)
	defer p.stop()
	start := time.Now()
	for i := range n {
		b := make([]byte, size)
		b[0] = byte(i)
		p.admit(b, start)
	}
	st := p.stats()
	rec.wait(t, n-int(st.Dropped+st.Overflow))
	rec.mu.Lock()
	defer rec.mu.Unlock()
	when := make([]time.Time, len(rec.when))
	for i, w := range rec.when {
		when[i] = start.Add(w.Sub(start))
	}
	return rec.got, when, p.stats()
}

func TestPipeSeedDropsSamePackets(t *testing.T) {
	const n = 250
	a, _, _ := sendThrough(t, Impairment{Loss: 0.1, Seed: 9}, n, 20)
	b, _, _ := sendThrough(t, Impairment{Loss: 0.1, Seed: 9}, n, 20)
	c, _, _ := sendThrough(t, Impairment{Loss: 0.1, Seed: 10}, n, 20)
	if string(a) != string(b) {
		t.Errorf("seed 9 twice passed different packets:\n%v\n%v", a, b)
	}
	if string(a) == string(c) {
		t.Errorf("seeds 9 and 10 passed the same packets")
	}
	if len(a) == n || len(a) < n*3/4 {
		t.Errorf("passed %d of %d at 10%% loss", len(a), n)
	}
	// One draw per packet: what 20% passes, 10% passes too.
	more, _, _ := sendThrough(t, Impairment{Loss: 0.2, Seed: 9}, n, 20)
	passed := map[byte]bool{}
	for _, i := range a {
		passed[i] = true
	}
	for _, i := range more {
		if !passed[i] {
			t.Errorf("packet %d passed at 20%% loss but not at 10%%", i)
		}
	}
}

func TestPipeDelayJitterOrder(t *testing.T) {
	const delay, jitter = 30 * time.Millisecond, 20 * time.Millisecond
	start := time.Now()
	got, when, _ := sendThrough(t, Impairment{Delay: delay, Jitter: jitter, Seed: 1}, 100, 20)
	for i, b := range got {
		if int(b) != i {
			t.Fatalf("packet %d left in place %d: jitter reordered packets", b, i)
		}
	}
	if d := when[0].Sub(start); d < delay-jitter {
		t.Errorf("first packet left after %v; want at least delay-jitter, %v", d, delay-jitter)
	}
	last := when[len(when)-1].Sub(start)
	if last < delay || last > delay+jitter+20*time.Millisecond {
		t.Errorf("last of 100 packets left after %v; want within delay+jitter, %v", last, delay+jitter)
	}
}

func TestPipeDelay(t *testing.T) {
	const delay = 40 * time.Millisecond
	var cur atomic.Pointer[Impairment]
	cur.Store(&Impairment{Delay: delay})
	var rec pipeRecorder
	p := newPipe(rec.out, &cur, 0)
	defer p.stop()
	start := time.Now()
	p.admit([]byte{0}, start)
	rec.wait(t, 1)
	if d := rec.when[0].Sub(start); d < delay || d > delay+30*time.Millisecond {
		t.Errorf("packet left after %v; want %v", d, delay)
	}
}

func TestPipeRate(t *testing.T) {
	const rate, size, n = 200_000, 1000, 18 // 18 kB at 200 kB/s: 90 ms, within QueueLimit
	start := time.Now()
	_, when, st := sendThrough(t, Impairment{Rate: rate}, n, size)
	took := when[len(when)-1].Sub(start)
	if took < 85*time.Millisecond || took > 200*time.Millisecond {
		t.Errorf("%d bytes at %d B/s took %v; want about 90ms", n*size, rate, took)
	}
	if st.Overflow != 0 {
		t.Errorf("overflow %d with a queue of 90 ms; QueueLimit is %v", st.Overflow, QueueLimit)
	}
	// 100 kB at once: what would wait over QueueLimit is dropped.
	_, _, st = sendThrough(t, Impairment{Rate: rate}, 100, size)
	if want := 100 - int(QueueLimit.Seconds()*rate/size) - 1; int(st.Overflow) < want-2 || int(st.Overflow) > want+2 {
		t.Errorf("overflow %d of 100; want about %d", st.Overflow, want)
	}
}
