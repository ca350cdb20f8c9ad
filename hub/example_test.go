package hub_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/triohttp/trio/hub"
)

func Example() {
	ctx := context.Background()
	h := &hub.Hub{Instance: "a"} // on its own in-process broker
	defer h.Close()

	m, err := h.Join(ctx, "chat", hub.Presence{Name: "ann"}, 0)
	if err != nil {
		panic(err)
	}
	defer m.Leave()
	h.Publish(ctx, "chat", []byte("hello"))
	h.Publish(ctx, "chat", []byte("world"))

	<-m.Ready()
	msgs, _ := m.Take(nil)
	for _, msg := range msgs {
		fmt.Printf("%d %s\n", msg.Seq, msg.Data)
	}
	// Output:
	// 1 hello
	// 2 world
}

// A client that reconnects with the last sequence number it saw gets what
// it missed, then the live stream; one that was away too long is told.
func ExampleHub_Join_resume() {
	ctx := context.Background()
	h := &hub.Hub{Broker: hub.NewLocal(3)} // a history of 3 messages per room
	defer h.Close()
	for _, s := range []string{"a", "b", "c", "d", "e"} {
		h.Publish(ctx, "news", []byte(s))
	}

	m, err := h.Join(ctx, "news", hub.Presence{Name: "back"}, 3)
	if err != nil {
		panic(err)
	}
	<-m.Ready()
	msgs, _ := m.Take(nil)
	for _, msg := range msgs {
		fmt.Printf("%d %s\n", msg.Seq, msg.Data)
	}
	m.Leave()

	_, err = h.Join(ctx, "news", hub.Presence{Name: "late"}, 1)
	var gap *hub.GapError
	if errors.As(err, &gap) {
		fmt.Println("gap: the history starts at", gap.Oldest)
	}
	// Output:
	// 4 d
	// 5 e
	// gap: the history starts at 3
}
