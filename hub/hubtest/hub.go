package hubtest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/hub"
)

// newHubs returns a Hub per broker, named instance-i, closed with t.
func newHubs(t testing.TB, bs []hub.Broker, queue int) []*hub.Hub {
	hs := make([]*hub.Hub, len(bs))
	for i, b := range bs {
		hs[i] = &hub.Hub{Broker: b, Instance: fmt.Sprint("instance-", i), Queue: queue}
		t.Cleanup(hs[i].Close)
	}
	return hs
}

// A taker takes a member's messages as a handler would, until it ends.
type taker struct {
	m *hub.Member
	recorder
	done chan struct{}
}

func join(t testing.TB, h *hub.Hub, room, name string, after uint64) *taker {
	t.Helper()
	m, err := h.Join(ctx(t), room, hub.Presence{Name: name}, after)
	if err != nil {
		t.Fatalf("Join(%q, %s, after %d): %v", room, name, after, err)
	}
	k := &taker{m: m, recorder: recorder{more: make(chan struct{}, 1)}, done: make(chan struct{})}
	go k.run()
	t.Cleanup(func() { m.Leave(); <-k.done })
	return k
}

func (k *taker) run() {
	defer close(k.done)
	var buf []hub.Message
	for range k.m.Ready() {
		var ok bool
		buf, ok = k.m.Take(buf[:0])
		for _, msg := range buf {
			k.deliver(msg)
		}
		if !ok {
			return
		}
	}
	// Ready closed: the member ended.
	if _, ok := k.m.Take(nil); ok {
		panic("hubtest: Take says ok after Ready closed")
	}
}

// testHubFanOut: members on three instances each get every message from
// every instance, in one order, exactly once.
func testHubFanOut(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	hs := newHubs(t, bs, 0)
	var ks []*taker
	for i := range 12 {
		ks = append(ks, join(t, hs[i%3], room, fmt.Sprint("m", i), 0))
	}
	for i, h := range hs {
		if n := h.Members(room); n != 4 {
			t.Errorf("instance %d Members = %d; want 4", i, n)
		}
	}
	var (
		all  []uint64
		data []string
	)
	for i, h := range hs {
		for j := range 20 {
			s, err := h.Publish(ctx(t), room, fmt.Appendf(nil, "h%d-%d", i, j))
			if err != nil {
				t.Fatalf("Publish: %v", err)
			}
			all = append(all, s)
			data = append(data, fmt.Sprintf("h%d-%d", i, j))
		}
	}
	for i, k := range ks {
		checkData(t, fmt.Sprint("member ", i), k.wait(t, len(all)), room, all, data)
	}
	time.Sleep(settle)
	for _, k := range ks {
		k.has(t, len(all))
	}
}

// testHubJoinAfterUnderFlow: members joining with after while messages
// flow (some from the instance's ring, some through a catch-up
// subscription) get every message after it, no gap, no duplicate.
func testHubJoinAfter(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	hs := newHubs(t, bs, 0)
	var (
		mu        sync.Mutex
		published []uint64
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		for i := range 300 {
			s, err := hs[0].Publish(ctx(t), room, fmt.Appendf(nil, "m-%d", i))
			if err != nil {
				t.Errorf("Publish #%d: %v", i, err)
				return
			}
			mu.Lock()
			published = append(published, s)
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	type joined struct {
		after int
		k     *taker
	}
	var js []joined
	for j := 0; len(js) < 16; j++ {
		mu.Lock()
		n := len(published)
		k := n - 1 - (j*3)%11 // the newest, or up to ten before it
		var after uint64
		if n >= 12 {
			after = published[k]
		}
		mu.Unlock()
		if n < 12 {
			time.Sleep(5 * time.Millisecond)
			continue
		}
		js = append(js, joined{k, join(t, hs[1+j%2], room, fmt.Sprint("m", j), after)})
		time.Sleep(time.Duration(j%4) * 8 * time.Millisecond)
	}
	<-done
	for _, j := range js {
		want := published[j.after+1:]
		check(t, fmt.Sprint("member after #", j.after), j.k.wait(t, len(want)), room, want, "m", j.after+1)
	}
	time.Sleep(settle)
	for _, j := range js {
		j.k.has(t, len(published)-j.after-1)
	}
}

// testHubGap: Join after a Seq the history lost returns a *GapError; Join
// after its Oldest-1 gets what is left.
func testHubGap(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	hs := newHubs(t, bs, 0)
	ss := publish(t, bs[0], room, "m", History+10)
	_, err := hs[0].Join(ctx(t), room, hub.Presence{Name: "late"}, ss[3])
	var gap *hub.GapError
	if !errors.As(err, &gap) || gap.Oldest != ss[10] {
		t.Fatalf("Join after %d with history from %d: %v; want a GapError", ss[3], ss[10], err)
	}
	if n := hs[0].Members(room); n != 0 {
		t.Errorf("Members after a failed Join = %d; want 0", n)
	}
	present(t, hs[0], room)
	k := join(t, hs[0], room, "late", gap.Oldest-1)
	check(t, "member after Oldest-1", k.wait(t, History), room, ss[10:], "m", 10)
}

// testHubSlow: a member that takes nothing is dropped once Queue messages
// wait for it, and its presence withdrawn; the others go on.
func testHubSlow(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	const queue = 4
	hs := newHubs(t, bs, queue)
	fast := join(t, hs[1], room, "fast", 0)
	slow, err := hs[1].Join(ctx(t), room, hub.Presence{Name: "slow"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(slow.Leave)
	var want []uint64
	for i := range 20 { // in step with the fast member, which takes each
		want = append(want, publish(t, bs[0], room, fmt.Sprint("m", i), 1)...)
		fast.wait(t, i+1)
	}
	data := make([]string, len(want))
	for i := range data {
		data[i] = fmt.Sprintf("m%d-0", i)
	}
	checkData(t, "fast member", fast.got(), room, want, data)
	select {
	case _, open := <-slow.Ready():
		for open {
			_, open = <-slow.Ready()
		}
	case <-time.After(Wait):
		t.Fatal("slow member not dropped")
	}
	if _, ok := slow.Take(nil); ok {
		t.Error("Take of a dropped member: ok")
	}
	if err := slow.Err(); !errors.Is(err, hub.ErrSlow) {
		t.Errorf("dropped member's Err = %v; want ErrSlow", err)
	}
	present(t, hs[0], room, fast.m.Presence())
}

// testHubPresence: Join announces, Present lists members of every
// instance, Leave withdraws.
func testHubPresence(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	hs := newHubs(t, bs, 0)
	a := join(t, hs[0], room, "alice", 0)
	b := join(t, hs[1], room, "bob", 0)
	pa, pb := a.m.Presence(), b.m.Presence()
	if pa.Instance != "instance-0" || pb.Instance != "instance-1" || pa.ID == "" || pa.ID == pb.ID || pa.Name != "alice" {
		t.Fatalf("Presences %+v, %+v; want Instance, unique ID and Name set", pa, pb)
	}
	present(t, hs[0], room, pa, pb)
	b.m.Leave()
	b.m.Leave()
	present(t, hs[1], room, pa)
	if err := b.m.Err(); err != nil {
		t.Errorf("Err after Leave = %v; want nil", err)
	}
}

// testHubClose: Close ends every member with ErrHubClosed and withdraws
// them; the closed Hub refuses work; other instances go on.
func testHubClose(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	hs := newHubs(t, bs, 0)
	stay := join(t, hs[0], room, "stay", 0)
	ks := []*taker{join(t, hs[1], room, "a", 0), join(t, hs[1], room, "b", 0)}
	present(t, hs[0], room, stay.m.Presence(), ks[0].m.Presence(), ks[1].m.Presence())
	hs[1].Close()
	for _, k := range ks {
		select {
		case <-k.done:
		case <-time.After(Wait):
			t.Fatal("member of a closed Hub not ended")
		}
		if err := k.m.Err(); !errors.Is(err, hub.ErrHubClosed) {
			t.Errorf("Err = %v; want ErrHubClosed", err)
		}
	}
	if _, err := hs[1].Join(ctx(t), room, hub.Presence{Name: "c"}, 0); !errors.Is(err, hub.ErrHubClosed) {
		t.Errorf("Join on a closed Hub: %v; want ErrHubClosed", err)
	}
	if _, err := hs[1].Publish(ctx(t), room, []byte("x")); !errors.Is(err, hub.ErrHubClosed) {
		t.Errorf("Publish on a closed Hub: %v; want ErrHubClosed", err)
	}
	present(t, hs[0], room, stay.m.Presence())
	want := publish(t, bs[0], room, "m", 3)
	check(t, "member of the open Hub", stay.wait(t, 3), room, want, "m", 0)
}
