package hub

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultHistory is how many messages a room keeps when a broker is given 0.
const DefaultHistory = 1000

// PresenceTTL bounds how long a member announced by an instance that died
// (without calling leave) stays in Present's answers.
const PresenceTTL = 10 * time.Second

// A Message is one message of a room. Data is opaque to the hub, and shared:
// receivers must not modify it.
type Message struct {
	Room string
	Seq  uint64    // strictly increasing within a room; need not step by 1
	Time time.Time // when the broker stored it
	Data []byte
}

// ErrGapTooOld is what a [GapError] is: the history no longer holds what came
// after the sequence number asked for.
var ErrGapTooOld = errors.New("hub: history no longer holds the messages asked for")

// A GapError says that room's history no longer reaches After+1: the oldest
// message it holds is Oldest. Subscribing again with after = Oldest-1 gets
// what is left, in full.
type GapError struct {
	Room   string
	After  uint64 // the sequence number asked to resume after
	Oldest uint64 // the oldest one the history still holds
}

func (e *GapError) Error() string {
	return fmt.Sprintf("hub: room %q: history starts at %d, asked for what came after %d", e.Room, e.Oldest, e.After)
}

// Is reports ErrGapTooOld as e's kind, for errors.Is.
func (e *GapError) Is(target error) bool { return target == ErrGapTooOld }

// A Broker stores each room's bounded history and delivers messages across
// instances. Implementations: [NewLocal] (in-process) and cluster.NewBroker
// (NATS and JetStream). [hubtest.Run] is the conformance suite every Broker
// passes. Its methods are safe for concurrent use; a ctx bounds the call it
// is given to, not what the call starts (a subscription, a presence).
//
// [hubtest.Run]: https://pkg.go.dev/github.com/triohttp/trio/hub/hubtest#Run
type Broker interface {
	// Publish stores data as the room's next message and returns its
	// sequence number. The broker keeps data; the caller must not modify it.
	Publish(ctx context.Context, room string, data []byte) (uint64, error)

	// Subscribe calls deliver for every message of room with Seq > after,
	// in order, each once: first the history, then live ones, with no gap
	// or duplicate at the seam. after == 0 means live only (no history):
	// every message published after Subscribe returns, on any instance.
	// after == math.MaxUint64 is invalid. If the history no longer reaches
	// after+1, Subscribe returns a *GapError (errors.Is ErrGapTooOld).
	// deliver runs on the broker's goroutine, one call at a time per
	// subscription, and must not block for long (the hub queues), nor call
	// the subscription's Unsubscribe.
	Subscribe(ctx context.Context, room string, after uint64, deliver func(Message)) (Subscription, error)

	// Last returns the room's newest sequence number (0 when empty).
	Last(ctx context.Context, room string) (uint64, error)

	// Announce registers a member present in room until the returned leave
	// is called (more calls do nothing), the broker is closed, or the
	// instance dies: then the broker ages it out within PresenceTTL.
	Announce(ctx context.Context, room string, m Presence) (leave func(), err error)

	// Present lists the members present in room on every instance.
	Present(ctx context.Context, room string) ([]Presence, error)

	// Close ends the broker's subscriptions and presences. It does not
	// lose history other instances still share. A second Close does
	// nothing.
	Close() error
}

// A Subscription is a live Subscribe. After Unsubscribe returns, its
// deliver is not running and is not called again. A second Unsubscribe
// does nothing.
type Subscription interface {
	Unsubscribe() error
}

// An Ender is a Subscription that can end by itself, when its broker can
// no longer deliver the rest without a gap (an instance cut off from NATS
// for longer than the history lasts). Done is closed once it has ended,
// by itself or by Unsubscribe; then Err says why (nil after Unsubscribe).
// A Hub ends the room's members with that error (their clients resume and
// learn of the gap), and subscribes afresh on the next Join.
type Ender interface {
	Subscription
	Done() <-chan struct{}
	Err() error
}

// A Presence is a member present in a room, as Present lists it.
type Presence struct {
	ID       string `json:"id"`       // unique across the cluster
	Name     string `json:"name"`     // shown to others
	Instance string `json:"instance"` // the trio instance holding the connection
	Proto    string `json:"proto,omitempty"`
}

// ErrBrokerClosed is returned by a closed Broker.
var ErrBrokerClosed = errors.New("hub: broker closed")

// MaxRoom is the longest room name, in bytes.
const MaxRoom = 128

// CheckRoom reports whether room is a valid room name: 1 to MaxRoom ASCII
// letters, digits, '-' and '_', so a broker may use it as it is in a
// subject, a key or a file name. The Hub and NewLocal refuse other names.
func CheckRoom(room string) error {
	if room == "" || len(room) > MaxRoom {
		return fmt.Errorf("hub: room name of %d bytes; want 1 to %d", len(room), MaxRoom)
	}
	for i := 0; i < len(room); i++ {
		c := room[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("hub: room name %q: byte %d (%q) is not a letter, digit, '-' or '_'", room, i, c)
		}
	}
	return nil
}
