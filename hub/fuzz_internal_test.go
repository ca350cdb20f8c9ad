package hub

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// FuzzSeam runs a script of publishes, joins (live, or after a Seq, some
// from the ring, some through a catch-up subscription, some too old),
// takes and leaves on a Hub over the local broker, with a short history,
// queue and ring so they wrap, and checks every member's stream: each
// message once, in order, nothing missing after its after, and a
// GapError only when the history lost what came after (and then with the
// oldest message kept).
func FuzzSeam(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 0, 2, 0, 1, 3, 4, 7, 2, 1})
	f.Add([]byte{4, 7, 4, 7, 1, 1, 4, 7, 2, 0, 1, 2, 4, 3, 2, 1, 2, 0})
	f.Add([]byte{0, 1, 0, 4, 5, 1, 9, 2, 0, 2, 1, 4, 7, 4, 7, 2, 0, 2, 1, 3, 0, 1, 200})
	f.Add([]byte{4, 7, 4, 7, 4, 7, 1, 30, 2, 0, 4, 2, 2, 0})
	f.Fuzz(runSeam)
}

func runSeam(t *testing.T, script []byte) {
	if len(script) > 400 {
		script = script[:400] // longer scripts find nothing new, slowly
	}
	const history, queue = 12, 5
	h := &Hub{Broker: NewLocal(history), Queue: queue, History: 6, ring: 8}
	defer h.Broker.Close()
	defer h.Close()
	s := &seam{t: t, h: h, history: history}
	for i := 0; i < len(script); i++ {
		arg := func() int {
			if i+1 < len(script) {
				i++
				return int(script[i])
			}
			return 0
		}
		switch script[i] % 5 {
		case 0:
			s.publish(1)
		case 1:
			s.join(arg())
		case 2:
			s.take(arg())
		case 3:
			s.leave(arg())
		case 4:
			s.publish(arg() % 8)
		}
	}
	for i := range s.members {
		s.take(i)
		if sm := s.members[i]; !sm.ended && !slices.Equal(sm.got, s.after(sm.after)) {
			t.Fatalf("member %d after %d got %v; want %v", i, sm.after, sm.got, s.after(sm.after))
		}
	}
}

type seam struct {
	t         *testing.T
	h         *Hub
	history   int
	published []uint64
	members   []*seamMember
}

type seamMember struct {
	m     *Member
	after uint64 // as joined; for a live one, the last Seq before it joined
	got   []uint64
	ended bool
}

func (s *seam) publish(n int) {
	for range n {
		seq, err := s.h.Publish(context.Background(), "r", fmt.Appendf(nil, "%d", len(s.published)))
		if err != nil {
			s.t.Fatal(err)
		}
		s.published = append(s.published, seq)
	}
}

// after returns the Seqs published after seq.
func (s *seam) after(seq uint64) []uint64 {
	i, _ := slices.BinarySearch(s.published, seq+1)
	return s.published[i:]
}

// join joins a member live (k == 0) or after the k-th newest Seq (0 when
// there is none that old: before everything).
func (s *seam) join(k int) {
	var after, last uint64
	if n := len(s.published); n > 0 {
		last = s.published[n-1]
	}
	switch {
	case k == 0:
	case k <= len(s.published):
		after = s.published[len(s.published)-k]
	default:
		after = 1 // the first message: lost once the history wrapped
	}
	m, err := s.h.Join(context.Background(), "r", Presence{Name: fmt.Sprint(len(s.members))}, after)
	var gap *GapError
	lost := len(s.published) > s.history && after+1 < s.published[len(s.published)-s.history]
	switch {
	case errors.As(err, &gap):
		if !lost || gap.Oldest != s.published[len(s.published)-s.history] {
			s.t.Fatalf("Join after %d with %v published, history %d: %v", after, s.published, s.history, err)
		}
		return
	case err != nil:
		s.t.Fatal(err)
	}
	if after == 0 {
		after = last
	}
	s.members = append(s.members, &seamMember{m: m, after: after})
}

// take takes member k's messages and checks they continue its stream.
func (s *seam) take(k int) {
	if len(s.members) == 0 {
		return
	}
	sm := s.members[k%len(s.members)]
	msgs, ok := sm.m.Take(nil)
	for _, msg := range msgs {
		sm.got = append(sm.got, msg.Seq)
	}
	if want := s.after(sm.after); !slices.Equal(sm.got, want[:min(len(sm.got), len(want))]) || len(sm.got) > len(want) {
		s.t.Fatalf("member after %d got %v; want a start of %v", sm.after, sm.got, want)
	}
	if !ok && !sm.ended {
		sm.ended = true
		if err := sm.m.Err(); err != nil && !errors.Is(err, ErrSlow) {
			s.t.Fatalf("member ended with %v", err)
		}
	}
}

func (s *seam) leave(k int) {
	if len(s.members) == 0 {
		return
	}
	sm := s.members[k%len(s.members)]
	sm.m.Leave()
	sm.ended = true
}

var roomName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// FuzzCheckRoom: CheckRoom accepts exactly the names the regexp does.
func FuzzCheckRoom(f *testing.F) {
	for _, s := range []string{"chat", "ticker-1", "a_b", "", "a.b", "a b", "é", "*", ">", string(make([]byte, 129))} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, room string) {
		if err, want := CheckRoom(room), roomName.MatchString(room); (err == nil) != want {
			t.Fatalf("CheckRoom(%q) = %v; want ok %v", room, err, want)
		}
	})
}
