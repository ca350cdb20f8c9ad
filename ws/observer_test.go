package ws_test

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// A recordObserver records what a ws.Observer is told.
type recordObserver struct {
	mu     sync.Mutex
	opened int
	codes  []ws.StatusCode
	sent   int64
	closed chan struct{}
}

func (o *recordObserver) WebSocketOpened(*ws.Conn) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.opened++
}

func (o *recordObserver) WebSocketClosed(c *ws.Conn, code ws.StatusCode) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.codes = append(o.codes, code)
	o.sent = c.BytesSent()
	close(o.closed)
}

// TestObserver: Accept tells the Observer in the request's context of
// the WebSocket, and its close once, with the code whoever closed it:
// the client's, 1005 for a close frame without one, 1006 for none at all,
// or the server's.
func TestObserver(t *testing.T) { run(t, testObserver) }

func testObserver(t *testing.T, m triotest.Mode) {
	for _, tt := range []struct {
		name  string
		close func(c *ws.Conn) // the client's part; nil: the server closes with 1001
		want  ws.StatusCode
	}{
		{"client 4002", func(c *ws.Conn) { c.Close(4002, "bye") }, 4002},
		{"client no code", func(c *ws.Conn) { c.Close(0, "") }, ws.StatusNoStatusReceived},
		{"client abort", func(c *ws.Conn) { c.CloseNow() }, ws.StatusAbnormalClosure},
		{"server 1001", nil, ws.StatusGoingAway},
	} {
		t.Run(tt.name, func(t *testing.T) {
			obs := &recordObserver{closed: make(chan struct{})}
			var errCode atomic.Uint32 // the server's Conn.Err code, when it closes
			handlerDone := make(chan struct{})
			ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(handlerDone)
				r = r.WithContext(context.WithValue(r.Context(), ws.ObserverContextKey, obs))
				c, err := ws.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer c.CloseNow()
				if err := c.WriteMessage(ws.MessageText, []byte("hi there")); err != nil {
					return
				}
				if tt.close == nil {
					c.Close(ws.StatusGoingAway, "")
					if ce, ok := c.Err().(*ws.CloseError); ok {
						errCode.Store(uint32(ce.Code))
					}
					return
				}
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}))
			c := dial(t, ts, "/", nil)
			if _, msg, err := c.ReadMessage(); err != nil || string(msg) != "hi there" {
				t.Fatalf("ReadMessage = %q, %v", msg, err)
			}
			if tt.close != nil {
				tt.close(c)
			} else {
				c.ReadMessage() // the server's close frame, answered
			}
			select {
			case <-obs.closed:
			case <-time.After(10 * time.Second):
				t.Fatal("WebSocketClosed not called within 10 s")
			}
			<-handlerDone
			time.Sleep(50 * time.Millisecond) // a second call would come now
			obs.mu.Lock()
			defer obs.mu.Unlock()
			want := tt.want
			if tt.close == nil {
				// The client waits for the server to end the stream after
				// its answer, so no reset overtakes it over HTTP/2 and
				// HTTP/3: the server's Err says 1001 too.
				if got := ws.StatusCode(errCode.Load()); got != ws.StatusGoingAway {
					t.Errorf("server's Err code %d; want 1001", got)
				}
			}
			if obs.opened != 1 || len(obs.codes) != 1 || obs.codes[0] != want {
				t.Errorf("opened %d times, closed with %v; want once, and [%d]", obs.opened, obs.codes, want)
			}
			if obs.sent < int64(len("hi there")) {
				t.Errorf("BytesSent = %d; want at least the %d-byte message", obs.sent, len("hi there"))
			}
		})
	}
}
