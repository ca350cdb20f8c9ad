package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/hub"
)

// recorder collects what a subscription delivers.
type recorder struct {
	mu   sync.Mutex
	msgs []hub.Message
	ch   chan struct{} // signalled on every delivery
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1)} }

func (r *recorder) deliver(m hub.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

func (r *recorder) seqs() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := make([]uint64, len(r.msgs))
	for i, m := range r.msgs {
		s[i] = m.Seq
	}
	return s
}

// waitFor waits up to d until the recorder holds n messages.
func (r *recorder) waitFor(t *testing.T, n int, d time.Duration) []uint64 {
	t.Helper()
	deadline := time.After(d)
	for {
		if s := r.seqs(); len(s) >= n {
			return s
		}
		select {
		case <-r.ch:
		case <-deadline:
			s := r.seqs()
			t.Fatalf("got %d messages after %v; want %d", len(s), d, n)
			return nil
		}
	}
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestBrokerAcrossNodes: members subscribed on three instances, each
// connected to its own node of a 3-node cluster, get what every instance
// publishes, in order, once; resuming with after gets the rest.
func TestBrokerAcrossNodes(t *testing.T) {
	cs := clustertest.Start(t, 3)
	ctx := ctxT(t, 30*time.Second)
	recs := make([]*recorder, len(cs))
	for i, c := range cs {
		if got := c.Conn().ConnectedUrl(); got != c.ClientURL() {
			t.Errorf("instance %d connected to %s; want its own node %s first", i, got, c.ClientURL())
		}
		recs[i] = newRecorder()
		sub, err := c.Broker().Subscribe(ctx, "room", 0, recs[i].deliver)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { sub.Unsubscribe() })
	}
	var want []uint64
	for i := range 30 {
		seq, err := cs[i%3].Broker().Publish(ctx, "room", fmt.Appendf(nil, "m%d", i))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, seq)
	}
	if !slices.IsSorted(want) {
		t.Fatalf("Publish sequence numbers %v are not increasing", want)
	}
	for i, r := range recs {
		if got := r.waitFor(t, len(want), 10*time.Second); !slices.Equal(got, want) {
			t.Errorf("instance %d got %v; want %v", i, got, want)
		}
	}
	last, err := cs[2].Broker().Last(ctx, "room")
	if err != nil || last != want[len(want)-1] {
		t.Errorf("Last = %d, %v; want %d", last, err, want[len(want)-1])
	}
	r := newRecorder()
	sub, err := cs[1].Broker().Subscribe(ctx, "room", want[9], r.deliver)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	if got := r.waitFor(t, 20, 10*time.Second); !slices.Equal(got, want[10:]) {
		t.Errorf("resumed after %d: got %v; want %v", want[9], got, want[10:])
	}
	r.mu.Lock()
	if string(r.msgs[0].Data) != "m10" || r.msgs[0].Room != "room" || r.msgs[0].Time.IsZero() {
		t.Errorf("first resumed message = %+v; want room %q, data m10, a time", r.msgs[0], "room")
	}
	r.mu.Unlock()
}

// TestBrokerGap: a room keeps History messages; resuming before them is a
// *hub.GapError naming the oldest kept, resuming right before it is not.
func TestBrokerGap(t *testing.T) {
	cfgs := clustertest.Configs(t, 1)
	cfgs[0].History = 5
	c := clustertest.StartConfigs(t, cfgs)[0]
	ctx := ctxT(t, 30*time.Second)
	b := c.Broker()
	var seqs []uint64
	for i := range 12 {
		seq, err := b.Publish(ctx, "g", fmt.Appendf(nil, "%d", i))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	oldest := seqs[7]
	for _, after := range []uint64{seqs[0], seqs[5]} {
		_, err := b.Subscribe(ctx, "g", after, func(hub.Message) {})
		var gap *hub.GapError
		if !errors.As(err, &gap) || !errors.Is(err, hub.ErrGapTooOld) || gap.Oldest != oldest || gap.After != after {
			t.Errorf("Subscribe after %d: err = %v; want a GapError with Oldest %d", after, err, oldest)
		}
	}
	r := newRecorder()
	sub, err := b.Subscribe(ctx, "g", seqs[6], r.deliver)
	if err != nil {
		t.Fatalf("Subscribe after %d: %v", seqs[6], err)
	}
	defer sub.Unsubscribe()
	if got := r.waitFor(t, 5, 5*time.Second); !slices.Equal(got, seqs[7:]) {
		t.Errorf("got %v; want %v", got, seqs[7:])
	}
	if _, err := b.Subscribe(ctx, "g", seqs[11]+100, func(hub.Message) {}); !errors.Is(err, hub.ErrGapTooOld) {
		t.Errorf("Subscribe after a sequence number never given: err = %v; want a gap", err)
	}
	if _, ok := b.(*cluster.Broker); !ok {
		t.Errorf("Broker() is a %T; want *cluster.Broker", b)
	}
}
