package memreturn

import (
	"runtime"
	"testing"
	"time"
)

const mb = 1 << 20

func TestDue(t *testing.T) {
	const floor = 20 * mb
	busy := stats{goal: 8 * mb}                  // need: 8 MiB
	big := stats{goal: 100 * mb, total: 10 * mb} // need: 110 MiB
	for _, tc := range []struct {
		name  string
		rss   uint64
		s     stats
		quiet bool
		want  bool
	}{
		{"at the floor, quiet", floor, busy, true, false},
		{"doubled, within slack", 2*floor + DefaultSlack, busy, true, false},
		{"doubled and slack, quiet", 2*floor + DefaultSlack + 1, busy, true, true},
		{"far above the floor and the heap's need, collecting", 100 * mb, busy, false, true},
		{"far above the floor, collecting, heap needs it", 100 * mb, big, false, false},
		{"far above the floor, quiet, heap goal stale", 100 * mb, big, true, true},
	} {
		r := &Returner{floor: floor}
		if got := r.due(tc.rss, tc.s, tc.quiet); got != tc.want {
			t.Errorf("%s: due(rss %d MiB) = %v; want %v", tc.name, tc.rss/mb, got, tc.want)
		}
	}
}

// fake is a Returner whose RSS and GC count the test sets, and whose
// FreeOSMemory drops RSS to freeTo.
type fake struct {
	*Returner
	rssNow, freeTo, gcs uint64
	frees               int
	released            []uint64
}

func newFake(rss uint64) *fake {
	f := &fake{rssNow: rss}
	f.Returner = New(Config{Returned: func(released, before, after uint64) {
		f.released = append(f.released, released)
	}})
	f.rss = func() (uint64, bool) { return f.rssNow, true }
	f.free = func() { f.frees++; f.gcs++; f.rssNow = f.freeTo }
	f.stats = func() stats { return stats{gcs: f.gcs, goal: 4 * mb} }
	f.floor, f.Returner.gcs = rss, f.gcs
	return f
}

func TestCheckAfterBurst(t *testing.T) {
	f := newFake(15 * mb)
	// A burst: RSS climbs while the heap collects.
	f.rssNow, f.gcs = 170*mb, 17
	f.freeTo = 29 * mb
	f.check()
	if f.frees != 1 || len(f.released) != 1 || f.released[0] != 141*mb {
		t.Fatalf("after a burst whose heap needs little: %d frees, released %v; want 1, [141 MiB]", f.frees, f.released)
	}
	if f.floor != 29*mb {
		t.Errorf("floor = %d MiB after the return; want 29", f.floor/mb)
	}
	// Quiet at the new floor: nothing more to do.
	f.check()
	f.check()
	if f.frees != 1 {
		t.Errorf("%d frees at the floor; want still 1", f.frees)
	}
	// RSS falls by itself: the floor follows it.
	f.rssNow = 18 * mb
	f.check()
	if f.floor != 18*mb || f.frees != 1 {
		t.Errorf("floor %d MiB, %d frees after RSS fell to 18 MiB; want 18, 1", f.floor/mb, f.frees)
	}
}

func TestCheckLeavesBusyHeapAlone(t *testing.T) {
	f := newFake(15 * mb)
	f.stats = func() stats { return stats{gcs: f.gcs, goal: 200 * mb} }
	for range 5 {
		f.rssNow, f.gcs = 180*mb, f.gcs+3 // collecting, and the heap may grow to its goal
		f.check()
	}
	if f.frees != 0 {
		t.Errorf("%d frees while the heap collected and needed its RSS; want 0", f.frees)
	}
	f.check() // the burst is over: no collection since the last check
	if f.frees != 1 {
		t.Errorf("%d frees once the heap was quiet; want 1", f.frees)
	}
}

// TestReturnsRealMemory drops 256 MiB of garbage and checks that one
// check hands most of it back.
func TestReturnsRealMemory(t *testing.T) {
	if _, ok := RSS(); !ok {
		t.Skip("no RSS on this system")
	}
	var released uint64
	r := New(Config{Returned: func(n, before, after uint64) { released = n }})
	runtime.GC()
	r.floor, _ = r.rss()
	garbage := make([][]byte, 256)
	for i := range garbage {
		garbage[i] = make([]byte, mb)
		for j := 0; j < mb; j += 4096 {
			garbage[i][j] = 1 // touched: resident
		}
	}
	before, _ := r.rss()
	garbage = nil
	r.gcs = read().gcs // no collection from here to the check: quiet
	r.check()
	after, _ := r.rss()
	t.Logf("RSS floor %d MiB, with garbage %d MiB, after the check %d MiB; released %d MiB",
		r.floor/mb, before/mb, after/mb, released/mb)
	if before < 200*mb {
		t.Fatalf("RSS %d MiB with 256 MiB touched; the test expects it above 200", before/mb)
	}
	if released < 128*mb || after > before-128*mb {
		t.Errorf("released %d MiB (RSS %d -> %d MiB); want at least 128", released/mb, before/mb, after/mb)
	}
}

func TestStartRelease(t *testing.T) {
	a := Start(Config{Interval: time.Hour}, nil)
	b := Start(Config{Interval: time.Hour}, nil)
	proc.mu.Lock()
	r, users := proc.r, proc.users
	proc.mu.Unlock()
	if r == nil || users != 2 {
		t.Fatalf("after two Starts: returner %v, %d users; want one, 2", r != nil, users)
	}
	a.Release()
	a.Release() // twice: no effect
	proc.mu.Lock()
	still := proc.r == r && proc.users == 1
	proc.mu.Unlock()
	if !still {
		t.Fatal("one Release of two (called twice) stopped the returner or miscounted")
	}
	b.Release()
	select {
	case <-r.done:
	default:
		t.Fatal("the returner still runs after the last Release returned")
	}
	if proc.r != nil || proc.users != 0 {
		t.Errorf("after the last Release: returner %v, %d users; want none, 0", proc.r != nil, proc.users)
	}
}

func TestStartTellsEveryHold(t *testing.T) {
	var gotA, gotB uint64
	a := Start(Config{Interval: time.Hour}, func(n, _, _ uint64) { gotA = n })
	b := Start(Config{Interval: time.Hour}, func(n, _, _ uint64) { gotB = n })
	tellAll(5, 10, 5)
	a.Release()
	tellAll(7, 10, 3)
	b.Release()
	if gotA != 5 || gotB != 7 {
		t.Errorf("holds told %d and %d; want 5 (before its release) and 7", gotA, gotB)
	}
}

// TestCheckAfterLoadEnded: a load grew RSS less than twice over the floor
// left by a return made under it; once it ends (goroutines fall, no
// collection), memory is returned down towards the start.
func TestCheckAfterLoadEnded(t *testing.T) {
	f := newFake(15 * mb)
	g := uint64(1030)
	f.stats = func() stats { return stats{gcs: f.gcs, goal: 30 * mb, goroutines: g} }
	f.rssNow, f.freeTo = 47*mb, 36*mb // under load: returned once (quiet, 47 > 2x15+16)
	f.check()
	if f.frees != 1 {
		t.Fatalf("%d frees while loading; want 1", f.frees)
	}
	f.rssNow = 48 * mb
	for range 3 {
		f.gcs++ // busy
		f.check()
	}
	f.check() // quiet, goroutines steady: nothing
	if f.frees != 1 {
		t.Fatalf("%d frees under a steady load; want still 1", f.frees)
	}
	g = 21 // the load ended
	f.freeTo = 20 * mb
	f.check()
	if f.frees != 2 || f.released[1] != 28*mb {
		t.Errorf("after the load ended: %d frees, released %v; want 2, 28 MiB last", f.frees, f.released)
	}
	f.check()
	if f.frees != 2 {
		t.Errorf("%d frees once back at 20 MiB; want still 2", f.frees)
	}
}
