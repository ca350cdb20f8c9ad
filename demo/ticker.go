package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/internal/defaults"
	"github.com/triohttp/trio/ws"
)

// A Quote is one tick of the demo ticker.
type Quote struct {
	Symbol string  `json:"symbol"`
	Price  float64 `json:"price"`
	Change float64 `json:"change"` // since the previous tick, in percent
}

// A Tick is what the ticker pushes as JSON: a welcome, then a tick every
// Interval (a gap after a resume the history no longer reaches).
type Tick struct {
	Seq      uint64  `json:"seq,omitempty"`      // the room's sequence number; always sent
	Instance string  `json:"instance,omitempty"` // the instance relaying it to this client; always sent
	Type     string  `json:"type"`               // welcome, tick, gap
	Producer string  `json:"producer,omitempty"` // the instance that made the prices
	Time     string  `json:"time,omitempty"`
	Proto    string  `json:"proto,omitempty"` // this client's HTTP version
	Quotes   []Quote `json:"quotes,omitempty"`
	Oldest   uint64  `json:"oldest,omitempty"` // gap: the oldest tick the history holds
}

// Ticker pushes made-up stock prices, a random walk per symbol, to each
// connection without being asked. The prices go through a hub room: one
// instance of the cluster makes them and every instance relays the room
// to its clients, so all see the same prices. Which instance makes them
// is elected from the room itself (see hubticker.go). A client resumes
// as a Chat member does (?after=SEQ, or a first resume message; a later
// one may only skip ahead, others are ignored), and is closed with 1012
// when the hub closes.
//
// The zero value is ready to use, on a private in-process hub.
type Ticker struct {
	// Hub carries the ticks between instances. nil means a private
	// in-process hub, made on first use.
	Hub *hub.Hub
	// Room is the hub room. "" means "ticker".
	Room string
	// Interval is the time between ticks. 0 means 500ms.
	Interval time.Duration

	once sync.Once
	hub  *hub.Hub

	open atomic.Int64 // connections, joined or not

	mu      sync.Mutex
	clients int                // on this instance
	stop    context.CancelFunc // ends the producer, while clients > 0
}

var tickerSymbols = []string{"TRIO", "QUIC", "HPCK", "TLS3", "WSCK"}

func (t *Ticker) init() {
	t.once.Do(func() {
		t.hub = t.Hub
		if t.hub == nil {
			t.hub = new(hub.Hub)
		}
	})
}

func (t *Ticker) room() string            { return defaults.Or(t.Room, "ticker") }
func (t *Ticker) interval() time.Duration { return defaults.Or(t.Interval, 500*time.Millisecond) }

func (t *Ticker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	after, resume, ok := afterParam(w, r)
	if !ok {
		return
	}
	t.init()
	c, err := ws.Accept(w, r, &ws.AcceptOptions{ReadLimit: 1024})
	if err != nil {
		return
	}
	t.open.Add(1)
	defer t.open.Add(-1) // last: once the connection is closed and its goroutines are done
	defer c.CloseNow()
	extra, _ := json.Marshal(Tick{Proto: c.Proto()})
	s := &session{
		c: c, hub: t.hub, room: t.room(), instance: quote(t.hub.InstanceName()), extra: extra,
		writeTimeout: 10 * time.Second, pingInterval: 30 * time.Second,
	}
	texts := s.read(10) // only to answer pings, see the close, and a resume
	defer drain(texts)
	if !resume {
		after, resume, _, ok = s.awaitResume(texts, 500*time.Millisecond)
		if !ok {
			return
		}
	}
	t.arrived()
	defer t.left()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	m, from, oldest, err := s.join(ctx, hub.Presence{Name: "ticker", Proto: c.Proto()}, after, resume)
	cancel()
	if err != nil {
		s.endFor(err)
		return
	}
	hello := [][]byte{s.event(&Tick{Type: "welcome"}, from)}
	if oldest != 0 {
		hello = append(hello, s.event(&Tick{Type: "gap", Oldest: oldest}, from))
	}
	done := make(chan struct{})
	go func() { defer close(done); s.relay(m, hello) }()
	for msg := range texts {
		if n, ok := parseResume(msg); ok && n >= from {
			s.floor.Store(max(s.floor.Load(), n))
		}
	}
	s.end(ws.StatusNormalClosure, "")
	<-done
	m.Leave()
}

// arrived counts a client, and starts this instance's producer for the
// first.
func (t *Ticker) arrived() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients++
	if t.clients == 1 {
		ctx, cancel := context.WithCancel(context.Background())
		t.stop = cancel
		go t.produce(ctx)
	}
}

// left uncounts a client, and stops the producer after the last.
func (t *Ticker) left() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clients--
	if t.clients == 0 {
		t.stop()
		t.stop = nil
	}
}
