package demo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/ws"
)

// A session is one WebSocket's membership of a hub room, shared by the
// chat and the ticker: the reader that enforces the rate, the start of its
// stream (live, or resumed after a sequence number), and the writer that
// relays the room to the client and pings it when idle.
type session struct {
	c        *ws.Conn
	hub      *hub.Hub
	room     string
	instance []byte // the hub's instance name, as a JSON string
	extra    []byte // a JSON object of fields added to every relayed message, or nil

	writeTimeout time.Duration
	pingInterval time.Duration

	floor atomic.Uint64 // room messages at or below this Seq are not sent
	once  sync.Once     // the first end wins
}

// startTimeout bounds the hub calls a session makes to start (Last, Join,
// Present) and each Publish.
const startTimeout = 10 * time.Second

// afterParam reads ?after= from r, answering 400 when it is not a
// sequence number; ok is false then.
func afterParam(w http.ResponseWriter, r *http.Request) (after uint64, given, ok bool) {
	after, given, err := parseAfter(r.URL.Query().Get("after"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return 0, false, false
	}
	return after, given, true
}

// end closes the connection once: with code, or at once when code is 0.
// The close handshake runs on its own goroutine: the reader sees the
// reply and returns.
func (s *session) end(code ws.StatusCode, reason string) {
	s.once.Do(func() {
		if code == 0 {
			s.c.CloseNow()
			return
		}
		go s.c.Close(code, reason)
	})
}

// endFor ends the session for a hub error: 1012 when the hub closed (this
// instance is draining, so the client moves), 1013 when the broker
// failed (try again, perhaps elsewhere).
func (s *session) endFor(err error) {
	if errors.Is(err, hub.ErrHubClosed) {
		s.end(ws.StatusServiceRestart, "server restarting")
		return
	}
	s.end(ws.StatusTryAgainLater, "hub unavailable")
}

// read reads the client's messages in the background and sends the text
// ones on the returned channel, which closes when the connection does. A
// client that sends more than rate messages a second (with bursts of
// twice that) is closed with 1008, one that sends binary with 1003.
func (s *session) read(rate int) <-chan []byte {
	texts := make(chan []byte)
	go func() {
		defer close(texts)
		tokens, last := float64(2*rate), time.Now()
		for {
			typ, msg, err := s.c.ReadMessage()
			if err != nil {
				return
			}
			now := time.Now()
			tokens = min(float64(2*rate), tokens+now.Sub(last).Seconds()*float64(rate))
			last = now
			if tokens < 1 {
				s.end(ws.StatusPolicyViolation, "flooding: over the message rate")
				return
			}
			tokens--
			if typ != ws.MessageText {
				s.end(ws.StatusUnsupportedData, "text messages only")
				return
			}
			texts <- msg
		}
	}()
	return texts
}

// awaitResume waits up to wait for the client's first message, when it
// gave no ?after=: a resume message sets where the stream starts; any
// other text is returned as first, for the caller to handle once it has
// joined. It stops waiting when the hub closes (the join then fails with
// 1012). open is false if the connection ended first.
func (s *session) awaitResume(texts <-chan []byte, wait time.Duration) (after uint64, resumed bool, first []byte, open bool) {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-s.hub.Done():
		return 0, false, nil, true
	case msg, ok := <-texts:
		if !ok {
			return 0, false, nil, false
		}
		if n, ok := parseResume(msg); ok {
			return n, true, nil, true
		}
		return 0, false, msg, true
	case <-t.C:
		return 0, false, nil, true
	}
}

// join adds the session to its room: resuming after after if resume is
// set, else live from now. from is where the stream starts (the Seq after
// which the client gets every message). A resume the history no longer
// reaches starts live, and oldest then says where the history starts (0
// when there was no gap). A resume after 0 (nothing seen yet) or from
// beyond the room's newest message (the room began again) starts live
// too.
func (s *session) join(ctx context.Context, p hub.Presence, after uint64, resume bool) (m *hub.Member, from, oldest uint64, err error) {
	last, err := s.hub.Last(ctx, s.room)
	if err != nil {
		return nil, 0, 0, err
	}
	if !resume || after == 0 || after > last {
		after = last
	}
	m, err = s.hub.Join(ctx, s.room, p, after)
	var gap *hub.GapError
	if !errors.As(err, &gap) {
		return m, after, 0, err
	}
	if last, err = s.hub.Last(ctx, s.room); err != nil {
		return nil, 0, 0, err
	}
	m, err = s.hub.Join(ctx, s.room, p, last)
	return m, last, gap.Oldest, err
}

// relay writes first, then m's messages as they come, each stamped with
// its seq, the instance and s.extra; it pings the client when idle. It
// returns when m or the connection ends, having ended the connection as
// m's end calls for: 1012 when the hub closed, at once when m was too
// slow. It sets the write deadline for each of its writes and clears it
// after: a deadline left set would drop a client that reads but had
// nothing to read for the timeout (over HTTP/2 the stream is reset when
// it passes; over HTTP/1.1 and HTTP/3 the next write fails, be it a ping,
// a pong or a close frame).
func (s *session) relay(m *hub.Member, first [][]byte) {
	for _, b := range first {
		if !s.write(b) {
			return
		}
	}
	ping := time.NewTicker(s.pingInterval)
	defer ping.Stop()
	var msgs []hub.Message
	for {
		select {
		case <-m.Ready():
			var ok bool
			msgs, ok = m.Take(msgs[:0])
			for _, msg := range msgs {
				if msg.Seq <= s.floor.Load() {
					continue
				}
				b, valid := stamp(msg.Data, msg.Seq, s.instance, s.extra)
				if valid && !s.write(b) {
					return
				}
			}
			clear(msgs) // let the ring's old data go
			if !ok {
				s.ended(m.Err())
				return
			}
		case <-ping.C:
			if !s.ping() {
				return
			}
		case <-s.c.Done():
			return
		}
	}
}

// event is e (a *ChatEvent or a *Tick, which marshal to JSON objects) as
// s sends it, at sequence number seq.
func (s *session) event(e any, seq uint64) []byte {
	b, _ := json.Marshal(e)
	b, _ = stamp(b, seq, s.instance, s.extra)
	return b
}

// ended ends the connection for why its member ended.
func (s *session) ended(why error) {
	switch {
	case why == nil: // Leave: the handler is done with the connection
	case errors.Is(why, hub.ErrSlow):
		s.end(0, "")
	default:
		s.endFor(why)
	}
}

// write sends b within the write timeout; false means the connection is
// gone.
func (s *session) write(b []byte) bool {
	s.c.SetWriteDeadline(time.Now().Add(s.writeTimeout))
	err := s.c.WriteMessage(ws.MessageText, b)
	s.c.SetWriteDeadline(time.Time{})
	if err != nil {
		s.end(0, "")
		return false
	}
	return true
}

// ping pings the client and waits for the pong, within the write timeout;
// false means it did not answer and the connection is closing (1008).
func (s *session) ping() bool {
	deadline := time.Now().Add(s.writeTimeout)
	s.c.SetWriteDeadline(deadline) // the ping frame too may block
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	err := s.c.Ping(ctx)
	cancel()
	if err != nil {
		// A new deadline bounds the close frame: the client may have
		// stopped reading, and nothing clears it after.
		s.c.SetWriteDeadline(time.Now().Add(s.writeTimeout))
		s.end(ws.StatusPolicyViolation, "no pong")
		return false
	}
	s.c.SetWriteDeadline(time.Time{})
	return true
}
