package hubtest

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/triohttp/trio/hub"
)

// present waits until Present on b lists exactly want (in any order).
func present(t testing.TB, b interface {
	Present(context.Context, string) ([]hub.Presence, error)
}, room string, want ...hub.Presence) {
	t.Helper()
	slices.SortFunc(want, byID)
	eventually(t, hub.PresenceTTL+Wait, func() error {
		got, err := b.Present(ctx(t), room)
		if err != nil {
			return fmt.Errorf("Present(%q): %v", room, err)
		}
		slices.SortFunc(got, byID)
		if !slices.Equal(got, want) {
			return fmt.Errorf("Present(%q) = %+v; want %+v", room, got, want)
		}
		return nil
	})
}

func byID(a, b hub.Presence) int { return cmp.Compare(a.ID, b.ID) }

func announce(t testing.TB, b hub.Broker, room string, p hub.Presence) func() {
	t.Helper()
	leave, err := b.Announce(ctx(t), room, p)
	if err != nil {
		t.Fatalf("Announce(%q, %+v): %v", room, p, err)
	}
	t.Cleanup(leave)
	return leave
}

// testPresence: members announced on two instances are listed on a third;
// leave withdraws one (and a second call does nothing).
func testPresence(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	a := hub.Presence{ID: room + "-a", Name: "alice", Instance: "i0", Proto: "HTTP/1.1"}
	b := hub.Presence{ID: room + "-b", Name: "bob", Instance: "i1", Proto: "HTTP/3"}
	leaveA := announce(t, bs[0], room, a)
	announce(t, bs[1], room, b)
	present(t, bs[2], room, a, b)
	leaveA()
	leaveA()
	present(t, bs[2], room, b)
	present(t, bs[0], Room(t))
}

// testPresenceAgesOut: the members of an instance that closed without
// leaving are gone within PresenceTTL; the others stay.
func testPresenceAgesOut(t *testing.T, bs []hub.Broker) {
	room := Room(t)
	stay := hub.Presence{ID: room + "-stay", Name: "stay", Instance: "i0"}
	gone := hub.Presence{ID: room + "-gone", Name: "gone", Instance: "i1"}
	announce(t, bs[0], room, stay)
	announce(t, bs[1], room, gone)
	present(t, bs[0], room, stay, gone)
	if err := bs[1].Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	present(t, bs[0], room, stay)
}
