package hubtest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/hub"
)

// testOrder: one subscriber gets every message once, in the order
// published, with what Publish returned as Seq.
func testOrder(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	r := subscribe(t, bs[0], room, 0)
	want := publish(t, bs[0], room, "m", 200)
	check(t, "subscriber", r.wait(t, len(want)), room, want, "m", 0)
	r.quiet(t, len(want))
}

// testExactlyOnce: a subscriber on each instance gets what every instance
// publishes, each message once, all in the same order.
func testExactlyOnce(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	var rs []*recorder
	for _, b := range bs {
		rs = append(rs, subscribe(t, b, room, 0))
	}
	var (
		all  []uint64
		data []string
	)
	for i, b := range bs {
		all = append(all, publish(t, b, room, fmt.Sprint("from", i), 30)...)
		for j := range 30 {
			data = append(data, fmt.Sprintf("from%d-%d", i, j))
		}
	}
	for i, r := range rs {
		checkData(t, fmt.Sprint("subscriber on instance ", i), r.wait(t, len(all)), room, all, data)
		r.quiet(t, len(all))
	}
}

// testLiveOnly: after 0 delivers nothing published before Subscribe, and
// everything published after it returns, on any instance.
func testLiveOnly(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	publish(t, bs[0], room, "old", 5)
	r := subscribe(t, bs[1], room, 0)
	want := publish(t, bs[0], room, "new", 5)
	check(t, "live subscriber", r.wait(t, 5), room, want, "new", 0)
	r.quiet(t, 5)
}

// testResume: after N delivers the history after N, then live ones.
func testResume(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	old := publish(t, bs[0], room, "m", 20)
	for _, k := range []int{0, 9, 18, 19} {
		r := subscribe(t, bs[1], room, old[k])
		check(t, fmt.Sprint("resumed after #", k), r.wait(t, 19-k), room, old[k+1:], "m", k+1)
		r.quiet(t, 19-k)
	}
	r := subscribe(t, bs[1], room, old[4])
	more := publish(t, bs[0], room, "n", 3)
	got := r.wait(t, 15+3)
	check(t, "resumed, history", got[:15], room, old[5:], "m", 5)
	check(t, "resumed, live", got[15:], room, more, "n", 0)
}

// testResumeUnderFlow: subscribing with after while another instance
// publishes leaves neither gap nor duplicate at the seam.
func testResumeUnderFlow(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	first := publish(t, bs[0], room, "m", 1)
	var (
		mu        sync.Mutex
		published = first
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		for i := 1; i < 150; i++ {
			s, err := bs[0].Publish(ctx(t), room, fmt.Appendf(nil, "m-%d", i))
			if err != nil {
				t.Errorf("Publish #%d: %v", i, err)
				return
			}
			mu.Lock()
			published = append(published, s)
			mu.Unlock()
			time.Sleep(time.Millisecond)
		}
	}()
	type sub struct {
		after int
		r     *recorder
	}
	var subs []sub
	for len(subs) < 8 {
		mu.Lock()
		k := len(published) - 1 - len(subs)%3 // the newest, or one or two before
		after := published[max(k, 0)]
		mu.Unlock()
		subs = append(subs, sub{max(k, 0), subscribe(t, bs[1], room, after)})
		time.Sleep(7 * time.Millisecond)
	}
	<-done
	for _, s := range subs {
		want := published[s.after+1:]
		check(t, fmt.Sprint("subscribed after #", s.after), s.r.wait(t, len(want)), room, want, "m", s.after+1)
	}
	time.Sleep(settle)
	for _, s := range subs {
		s.r.has(t, len(published)-s.after-1)
	}
}

// testGap: when the history no longer reaches after+1, Subscribe says so
// with a *GapError naming the oldest message kept; after = Oldest-1 gets
// what is left.
func testGap(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	ss := publish(t, bs[0], room, "m", History+10)
	kept := ss[10:]
	for _, after := range []uint64{ss[0], ss[8]} {
		sub, err := bs[1].Subscribe(ctx(t), room, after, func(hub.Message) {})
		if err == nil {
			sub.Unsubscribe()
			t.Fatalf("Subscribe after %d with history from %d: no error", after, kept[0])
		}
		var gap *hub.GapError
		if !errors.As(err, &gap) || !errors.Is(err, hub.ErrGapTooOld) {
			t.Fatalf("Subscribe after %d: %v; want a *hub.GapError", after, err)
		}
		if gap.Oldest != kept[0] || gap.After != after || gap.Room != room {
			t.Errorf("GapError = %+v; want Room %q After %d Oldest %d", *gap, room, after, kept[0])
		}
	}
	r := subscribe(t, bs[1], room, ss[9])
	check(t, "after the last one lost", r.wait(t, History), room, kept, "m", 10)
	r = subscribe(t, bs[1], room, kept[0]-1)
	check(t, "after Oldest-1", r.wait(t, History), room, kept, "m", 10)
	if _, err := bs[1].Subscribe(ctx(t), room, math.MaxUint64, func(hub.Message) {}); err == nil {
		t.Error("Subscribe after math.MaxUint64: no error")
	}
}

// testLast: 0 for an empty room, then the newest Seq, on every instance.
func testLast(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	if last, err := bs[1].Last(ctx(t), room); err != nil || last != 0 {
		t.Fatalf("Last of an empty room = %d, %v; want 0", last, err)
	}
	ss := publish(t, bs[0], room, "m", 3)
	for i, b := range bs {
		eventually(t, Wait, func() error {
			last, err := b.Last(ctx(t), room)
			if err != nil || last != ss[2] {
				return fmt.Errorf("Last on instance %d = %d, %v; want %d", i, last, err, ss[2])
			}
			return nil
		})
	}
}

// testUnsubscribe: once Unsubscribe returns, deliver is not called again.
func testUnsubscribe(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	r := newRecorder()
	sub, err := bs[1].Subscribe(ctx(t), room, 0, r.deliver)
	if err != nil {
		t.Fatal(err)
	}
	keep := subscribe(t, bs[1], room, 0)
	publish(t, bs[0], room, "m", 3)
	r.wait(t, 3)
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	sub.Unsubscribe()
	publish(t, bs[0], room, "n", 3)
	keep.wait(t, 6) // the other subscription of the instance still works
	r.quiet(t, 3)
}

// testConcurrentPublishers: publishers on every instance at once; every
// subscriber sees one order, each publisher's messages in its own order.
func testConcurrentPublishers(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	var rs []*recorder
	for _, b := range bs {
		rs = append(rs, subscribe(t, b, room, 0))
	}
	const each = 40
	var wg sync.WaitGroup
	seqsBy := make([][]uint64, 2*len(bs))
	for i := range seqsBy {
		wg.Go(func() {
			for j := range each {
				s, err := bs[i%len(bs)].Publish(ctx(t), room, fmt.Appendf(nil, "p%d-%d", i, j))
				if err != nil {
					t.Errorf("publisher %d: %v", i, err)
					return
				}
				seqsBy[i] = append(seqsBy[i], s)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	var all []uint64
	for _, s := range seqsBy {
		all = append(all, s...)
	}
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != len(all) {
		t.Fatalf("Publish returned a Seq twice: %s", short(all))
	}
	for i, r := range rs {
		got := r.wait(t, len(all))
		if s := seqOf(got); !slices.Equal(s, all) {
			t.Fatalf("subscriber %d: got %s; want %s", i, short(s), short(all))
		}
		next := make([]int, len(seqsBy))
		for _, m := range got {
			var p, j int
			if _, err := fmt.Sscanf(string(m.Data), "p%d-%d", &p, &j); err != nil || p >= len(next) || j != next[p] {
				t.Fatalf("subscriber %d: message %d is %q; want publisher %d's #%d next", i, m.Seq, m.Data, p, next[min(p, len(next)-1)])
			}
			next[p]++
		}
		r.quiet(t, len(all))
	}
}

// testClosed: a closed broker refuses work; its siblings keep the history.
func testClosed(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	ss := publish(t, bs[1], room, "m", 3)
	if err := bs[1].Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := bs[1].Close(); err != nil {
		t.Errorf("second Close: %v; want nil", err)
	}
	if _, err := bs[1].Publish(ctx(t), room, []byte("x")); !errors.Is(err, hub.ErrBrokerClosed) {
		t.Errorf("Publish on a closed broker: %v; want ErrBrokerClosed", err)
	}
	if _, err := bs[1].Subscribe(ctx(t), room, 0, func(hub.Message) {}); !errors.Is(err, hub.ErrBrokerClosed) {
		t.Errorf("Subscribe on a closed broker: %v; want ErrBrokerClosed", err)
	}
	r := subscribe(t, bs[0], room, ss[0])
	check(t, "sibling of a closed broker", r.wait(t, 2), room, ss[1:], "m", 1)
}
