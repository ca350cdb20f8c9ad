package cluster_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/hub"
)

// An instance running its own NATS node (alone here; with Routes to its
// peers in production) and a room on it.
func ExampleStart() {
	dir, err := os.MkdirTemp("", "trio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := cluster.Start(ctx, cluster.Config{Embedded: true, Listen: "127.0.0.1:0", StoreDir: dir, Name: "example"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	got := make(chan hub.Message, 1)
	sub, err := c.Broker().Subscribe(ctx, "lobby", 0, func(m hub.Message) { got <- m })
	if err != nil {
		log.Fatal(err)
	}
	defer sub.Unsubscribe()
	if _, err := c.Broker().Publish(ctx, "lobby", []byte("hello")); err != nil {
		log.Fatal(err)
	}
	m := <-got
	fmt.Printf("%s in %s\n", m.Data, m.Room)
	// Output: hello in lobby
}
