// Package hubtest is the conformance suite of hub.Broker: what every
// broker (hub.NewLocal, cluster.NewBroker) must do, and what a hub.Hub on
// it must then do, tested the same way for each.
//
//	func TestBroker(t *testing.T) {
//		hubtest.Run(t, func(t *testing.T, n int) []hub.Broker {
//			return hub.NewLocalCluster(hubtest.History, n)
//		})
//	}
package hubtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/hub"
)

// History is how many messages per room the brokers given to Run must
// keep: the gap tests publish more than that.
const History = 50

// Wait bounds every wait for a delivery: how long a message may take to
// cross the brokers under test on a loaded machine.
const Wait = 10 * time.Second

// Run runs the suite. newBrokers returns n brokers that stand for n
// instances of one cluster (one store), each subscribing and announcing on
// its own, with History messages per room; it closes them at the end of t
// (t.Cleanup). Run closes some itself first, to stand for an instance that
// died, so Close must tolerate a second call. Every test uses rooms of its
// own, so newBrokers may share one cluster between calls.
func Run(t *testing.T, newBrokers func(t *testing.T, n int) []hub.Broker) {
	for _, tt := range []struct {
		name string
		n    int
		f    func(*testing.T, []hub.Broker)
	}{
		{"Order", 1, testOrder},
		{"ExactlyOnceAcrossInstances", 3, testExactlyOnce},
		{"LiveOnly", 2, testLiveOnly},
		{"Resume", 2, testResume},
		{"ResumeUnderFlow", 2, testResumeUnderFlow},
		{"GapTooOld", 2, testGap},
		{"Last", 2, testLast},
		{"Unsubscribe", 2, testUnsubscribe},
		{"ConcurrentPublishers", 3, testConcurrentPublishers},
		{"Presence", 3, testPresence},
		{"PresenceAgesOut", 2, testPresenceAgesOut},
		{"Closed", 2, testClosed},
		{"HubFanOut", 3, testHubFanOut},
		{"HubJoinAfterUnderFlow", 3, testHubJoinAfter},
		{"HubGap", 1, testHubGap},
		{"HubSlowMember", 2, testHubSlow},
		{"HubPresence", 2, testHubPresence},
		{"HubClose", 2, testHubClose},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bs := newBrokers(t, tt.n)
			if len(bs) != tt.n {
				t.Fatalf("newBrokers(%d) returned %d brokers", tt.n, len(bs))
			}
			tt.f(t, bs)
		})
	}
}

// Room returns a room name no other test uses.
func Room(t testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	return "hubtest-" + hex.EncodeToString(b[:])
}

// ctx returns a context that ends with t, bounded by Wait.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(t.Context(), Wait)
	t.Cleanup(cancel)
	return c
}

// A recorder collects what a subscription delivers.
type recorder struct {
	mu   sync.Mutex
	msgs []hub.Message
	more chan struct{} // signalled on each delivery
}

func newRecorder() *recorder { return &recorder{more: make(chan struct{}, 1)} }

func (r *recorder) deliver(m hub.Message) {
	r.mu.Lock()
	r.msgs = append(r.msgs, m)
	r.mu.Unlock()
	select {
	case r.more <- struct{}{}:
	default:
	}
}

func (r *recorder) got() []hub.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.msgs)
}

// wait waits until r holds n messages, or fails t after Wait.
func (r *recorder) wait(t testing.TB, n int) []hub.Message {
	t.Helper()
	timeout := time.After(Wait)
	for {
		if got := r.got(); len(got) >= n {
			return got
		}
		select {
		case <-r.more:
		case <-timeout:
			t.Fatalf("got %d messages after %v; want %d", len(r.got()), Wait, n)
		}
	}
}

// settle is how long quiet waits for deliveries that should not come.
const settle = 200 * time.Millisecond

// quiet checks that r gets nothing beyond n messages for a moment.
func (r *recorder) quiet(t testing.TB, n int) {
	t.Helper()
	time.Sleep(settle)
	r.has(t, n)
}

// has checks that r got n messages.
func (r *recorder) has(t testing.TB, n int) {
	t.Helper()
	if got := r.got(); len(got) != n {
		t.Errorf("got %d messages; want %d (%s)", len(got), n, seqs(got))
	}
}

func subscribe(t testing.TB, b hub.Broker, room string, after uint64) *recorder {
	t.Helper()
	r := newRecorder()
	sub, err := b.Subscribe(ctx(t), room, after, r.deliver)
	if err != nil {
		t.Fatalf("Subscribe(%q, %d): %v", room, after, err)
	}
	t.Cleanup(func() { sub.Unsubscribe() })
	return r
}

// publish publishes n messages "prefix-i" from b, one after another, and
// returns their sequence numbers.
func publish(t testing.TB, b hub.Broker, room, prefix string, n int) []uint64 {
	t.Helper()
	var ss []uint64
	for i := range n {
		s, err := b.Publish(ctx(t), room, fmt.Appendf(nil, "%s-%d", prefix, i))
		if err != nil {
			t.Fatalf("Publish(%q) #%d: %v", room, i, err)
		}
		if len(ss) > 0 && s <= ss[len(ss)-1] {
			t.Fatalf("Publish #%d returned Seq %d after %d; want it to increase", i, s, ss[len(ss)-1])
		}
		ss = append(ss, s)
	}
	return ss
}

// check wants msgs to be exactly the messages of room with sequence
// numbers want and data "prefix-(first+i)".
func check(t testing.TB, who string, msgs []hub.Message, room string, want []uint64, prefix string, first int) {
	t.Helper()
	data := make([]string, len(want))
	for i := range data {
		data[i] = fmt.Sprintf("%s-%d", prefix, first+i)
	}
	checkData(t, who, msgs, room, want, data)
}

// checkData wants msgs to be exactly the messages of room with sequence
// numbers want and data data.
func checkData(t testing.TB, who string, msgs []hub.Message, room string, want []uint64, data []string) {
	t.Helper()
	if got := seqOf(msgs); !slices.Equal(got, want) {
		t.Fatalf("%s: got Seqs %s; want %s", who, short(got), short(want))
	}
	for i, m := range msgs {
		if string(m.Data) != data[i] || m.Room != room {
			t.Fatalf("%s: message %d is %q in %q; want %q in %q", who, m.Seq, m.Data, m.Room, data[i], room)
		}
		if m.Time.IsZero() {
			t.Fatalf("%s: message %d has no Time", who, m.Seq)
		}
	}
}

func seqOf(msgs []hub.Message) []uint64 {
	s := make([]uint64, len(msgs))
	for i, m := range msgs {
		s[i] = m.Seq
	}
	return s
}

func seqs(msgs []hub.Message) string { return short(seqOf(msgs)) }

// short formats a list of sequence numbers, eliding the middle of long ones.
func short(s []uint64) string {
	if len(s) > 12 {
		return fmt.Sprintf("%v ... %v (%d)", s[:6], s[len(s)-6:], len(s))
	}
	return fmt.Sprint(s)
}

// eventually retries f until it returns nil, or fails t with its error
// after d.
func eventually(t testing.TB, d time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var errNotYet = errors.New("not yet")
