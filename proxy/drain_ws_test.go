package proxy

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// nameBackend is a backend that says its name: as the first message of a
// WebSocket (then it echoes), or as the body of GET /slow once release is
// closed, or of any other GET at once.
func nameBackend(t *testing.T, name string, release <-chan struct{}) string {
	t.Helper()
	u, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !ws.IsHandshake(r) {
			if r.URL.Path == "/slow" {
				w.WriteHeader(http.StatusOK)
				http.NewResponseController(w).Flush()
				<-release
			}
			io.WriteString(w, name)
			return
		}
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		if c.WriteMessage(ws.MessageText, []byte(name)) != nil {
			return
		}
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}))
	return u
}

// backendOf opens a WebSocket for room through ts and returns it with the
// name of the backend it reached.
func backendOf(t *testing.T, ts *triotest.TS, room string) (*ws.Conn, string) {
	t.Helper()
	c := wsDial(t, ts, "/chat?room="+room, nil)
	_, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("room %s: first message: %v", room, err)
	}
	return c, string(msg)
}

// TestPoolDrainWebSockets: Update removes backend B from a pool hashing
// on a query parameter. B's request in flight finishes; its WebSockets
// get 1012 after the grace and no sooner, and their clients reconnect to
// A at once; A's WebSockets are untouched. Over h1, h2 and h3 clients.
func TestPoolDrainWebSockets(t *testing.T) {
	for _, m := range wsClientModes {
		t.Run(string(m), func(t *testing.T) { testPoolDrainWebSockets(t, m) })
	}
}

func testPoolDrainWebSockets(t *testing.T, m triotest.Mode) {
	const grace = 600 * time.Millisecond
	release := make(chan struct{})
	a, b := nameBackend(t, "A", release), nameBackend(t, "B", release)
	pool, err := NewPool(quiet(PoolConfig{Name: "chat", Policy: "hash", HashKey: "query:room", DrainGrace: grace}), a, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ts := wsFront(t, m, pool)

	// WebSockets in rooms until each backend holds two.
	conns := map[string][]*ws.Conn{}
	rooms := map[*ws.Conn]string{}
	for i := 0; len(conns["A"]) < 2 || len(conns["B"]) < 2; i++ {
		if i == 40 {
			t.Fatalf("40 rooms and still %d on A, %d on B", len(conns["A"]), len(conns["B"]))
		}
		room := fmt.Sprint("r", i)
		c, name := backendOf(t, ts, room)
		conns[name] = append(conns[name], c)
		rooms[c] = room
	}
	onB := rooms[conns["B"][0]]

	// A request in flight to B: its header is in, its body waits.
	res := do(t, ts, newRequest(t, "GET", ts.URL+"/slow?room="+onB, nil))

	start := time.Now()
	if err := pool.Update(a); err != nil {
		t.Fatal(err)
	}
	if c, name := backendOf(t, ts, onB); name != "A" {
		t.Errorf("a new WebSocket in room %s during the drain reached %s; want A", onB, name)
	} else {
		c.CloseNow()
	}
	for _, c := range conns["B"] {
		_, _, err := c.ReadMessage()
		var ce *ws.CloseError
		if !errors.As(err, &ce) || ce.Code != ws.StatusServiceRestart || ce.Reason != DrainReason {
			t.Fatalf("WebSocket on the removed B ended with %v; want 1012 %q", err, DrainReason)
		}
		if d := time.Since(start); d < grace*8/10 {
			t.Errorf("closed %v after the update; want no sooner than the grace, %v", d, grace)
		}
		// The client reconnects, as browsers are told to on 1012.
		closed := time.Now()
		c2, name := backendOf(t, ts, rooms[c])
		if name != "A" {
			t.Errorf("room %s reconnected to %s; want A", rooms[c], name)
		}
		if d := time.Since(closed); d > grace {
			t.Errorf("reconnecting took %v; want less than the grace, %v", d, grace)
		}
		echo(t, c2, "again")
	}
	if d := time.Since(start); d > 5*grace {
		t.Errorf("draining took %v; want about the grace, %v", d, grace)
	}
	for _, c := range conns["A"] {
		echo(t, c, "still here")
	}

	close(release)
	body, err := io.ReadAll(res.Body)
	if err != nil || string(body) != "B" {
		t.Errorf("the request in flight to B during the drain: %q, %v; want \"B\"", body, err)
	}
	ub := pool.Upstreams()
	for _, u := range ub {
		if want := int64(len(conns["B"])); u.String() == b && u.drained.Load() != want {
			t.Errorf("B's drained counter = %d; want %d, its WebSockets", u.drained.Load(), want)
		}
	}
}

// echo sends msg on c and wants it back.
func echo(t *testing.T, c *ws.Conn, msg string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(ws.MessageText, []byte(msg)); err != nil {
		t.Fatalf("echo %q: %v", msg, err)
	}
	_, got, err := c.ReadMessage()
	if err != nil || string(got) != msg {
		t.Fatalf("echo %q: got %q, %v", msg, got, err)
	}
}
