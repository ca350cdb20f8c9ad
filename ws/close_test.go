package ws_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// closeBound is how long the tests below let Close or Shutdown take: far
// more than Close's documented 5 seconds plus 1, so that a slow machine
// does not fail them, and far less than forever.
const closeBound = 30 * time.Second

// shutdownBound is the Shutdown context's timeout in TestShutdownStalledPeer.
const shutdownBound = 15 * time.Second

// A stall is a Conn whose peer never reads, flooded by a goroutine until
// its writes block: the TCP socket is full over HTTP/1.1, the stream's
// flow-control window over HTTP/2 and HTTP/3.
type stall struct {
	c     *ws.Conn
	sent  atomic.Int64
	flood chan error // the flooding writer's error, once it returned
}

// startStall floods c from a new goroutine and returns once its writes
// have made no progress for half a second.
func startStall(t testing.TB, c *ws.Conn) *stall {
	s := &stall{c: c, flood: make(chan error, 1)}
	go func() {
		msg := make([]byte, 64<<10)
		for {
			if err := c.WriteMessage(ws.MessageBinary, msg); err != nil {
				s.flood <- err
				return
			}
			s.sent.Add(1)
		}
	}()
	last, still := int64(-1), 0
	for i := 0; i < 400 && still < 5; i++ { // 40 s at most
		time.Sleep(100 * time.Millisecond)
		if n := s.sent.Load(); n != last {
			last, still = n, 0
		} else {
			still++
		}
	}
	if still < 5 {
		t.Errorf("writes to a peer that does not read never blocked: %d messages sent", last)
	}
	return s
}

// floodErr waits for the flooding writer to return and reports its error.
func (s *stall) floodErr(t testing.TB) error {
	select {
	case err := <-s.flood:
		return err
	case <-time.After(closeBound):
		t.Errorf("writer blocked behind the stalled peer still blocked %v later", closeBound)
		return nil
	}
}

// stallResult is what a stallServer handler saw.
type stallResult struct {
	sent     int64
	took     time.Duration // of act
	actErr   error
	floodErr error
}

// stallServer serves a WebSocket that it floods until the client, which
// never reads, leaves its writes blocked; then it calls act and reports
// on results.
func stallServer(t *testing.T, m triotest.Mode, act func(*ws.Conn) error) (*triotest.TS, <-chan stallResult) {
	results := make(chan stallResult, 1)
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		s := startStall(t, c)
		var res stallResult
		res.sent = s.sent.Load()
		start := time.Now()
		res.actErr = act(c)
		res.took = time.Since(start)
		res.floodErr = s.floodErr(t)
		results <- res
	}))
	return ts, results
}

func waitResult(t *testing.T, results <-chan stallResult) stallResult {
	t.Helper()
	select {
	case res := <-results:
		t.Logf("after %d messages of 64 KiB took %v: %v; blocked writer: %v", res.sent, res.took.Round(time.Millisecond), res.actErr, res.floodErr)
		if res.floodErr == nil {
			t.Error("the blocked writer returned no error")
		}
		return res
	case <-time.After(closeBound + 10*time.Second):
		t.Fatalf("no result from the handler in %v: Close hangs", closeBound+10*time.Second)
		return stallResult{}
	}
}

// TestCloseStalledPeer: Close returns, and frees a writer blocked on the
// same Conn, when the peer stopped reading and no write deadline is set.
func TestCloseStalledPeer(t *testing.T) { run(t, testCloseStalledPeer) }

func testCloseStalledPeer(t *testing.T, m triotest.Mode) {
	t.Parallel()
	ts, results := stallServer(t, m, func(c *ws.Conn) error { return c.Close(ws.StatusNormalClosure, "bye") })
	dial(t, ts, "/", nil) // never reads
	waitResult(t, results)
}

// TestCloseWriteDeadline: a write deadline the user set before Close, and
// shorter than Close's own bound, ends Close.
func TestCloseWriteDeadline(t *testing.T) { run(t, testCloseWriteDeadline) }

func testCloseWriteDeadline(t *testing.T, m triotest.Mode) {
	t.Parallel()
	ts, results := stallServer(t, m, func(c *ws.Conn) error {
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		return c.Close(ws.StatusNormalClosure, "bye")
	})
	dial(t, ts, "/", nil)
	res := waitResult(t, results)
	if res.actErr == nil {
		t.Error("Close = nil; want the error of the close frame's write past the deadline")
	}
	// Without the deadline Close waits 5 s for the close frame.
	if res.took >= 4*time.Second {
		t.Errorf("Close took %v with a write deadline 200ms away; want well under Close's own 5s", res.took)
	}
}

// TestCloseNowStalledPeer: CloseNow frees a writer blocked on the Conn.
func TestCloseNowStalledPeer(t *testing.T) { run(t, testCloseNowStalledPeer) }

func testCloseNowStalledPeer(t *testing.T, m triotest.Mode) {
	t.Parallel()
	ts, results := stallServer(t, m, func(c *ws.Conn) error { return c.CloseNow() })
	dial(t, ts, "/", nil)
	waitResult(t, results)
}

// TestShutdownStalledPeer: the server's Shutdown, which closes WebSockets
// with 1001, returns when a client stopped reading.
func TestShutdownStalledPeer(t *testing.T) { run(t, testShutdownStalledPeer) }

func testShutdownStalledPeer(t *testing.T, m triotest.Mode) {
	t.Parallel()
	stalled := make(chan struct{})
	ts, results := stallServer(t, m, func(c *ws.Conn) error {
		close(stalled)
		select { // Shutdown closes c
		case <-c.Done():
			return c.Err()
		case <-time.After(closeBound):
			return errors.New("not closed by Shutdown")
		}
	})
	dial(t, ts, "/", nil)
	select {
	case <-stalled:
	case <-time.After(closeBound + 10*time.Second):
		t.Fatal("the handler never saw its writes block")
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBound)
	defer cancel()
	start := time.Now()
	err := ts.Server.Shutdown(ctx)
	t.Logf("Shutdown took %v: %v", time.Since(start).Round(time.Millisecond), err)
	if err != nil {
		if m.H3Engine() == h3.EngineStd {
			// quic-go's http3.Server.Shutdown waits for the client to close
			// its QUIC connection after GOAWAY, which one that stopped reading
			// never does, WebSocket closed or not: only ctx ends it.
			t.Logf("known limitation of quic-go's HTTP/3 server, not of ws")
		} else {
			t.Errorf("Shutdown = %v; want nil", err)
		}
	}
	waitResult(t, results)
}

// TestCloseStalledServer: a client's Close returns, and frees a writer
// blocked on the same Conn, when the server stopped reading.
func TestCloseStalledServer(t *testing.T) { run(t, testCloseStalledServer) }

func testCloseStalledServer(t *testing.T, m triotest.Mode) {
	t.Parallel()
	done := make(chan struct{})
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		<-done // never reads
	}))
	defer close(done)
	c := dial(t, ts, "/", nil)
	s := startStall(t, c)
	start := time.Now()
	err := c.Close(ws.StatusNormalClosure, "bye")
	took := time.Since(start)
	t.Logf("after %d messages of 64 KiB Close took %v: %v; blocked writer: %v", s.sent.Load(), took.Round(time.Millisecond), err, s.floodErr(t))
}
