package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/triohttp/trio/internal/defaults"
	"github.com/triohttp/trio/ws"
)

// A Chat is a chat room over WebSockets: every text message a member sends
// goes to every member, whichever HTTP version each connected with. It
// drops members that stall (their queue fills, or a write or ping times
// out), vanish (reads fail) or flood (more than Rate messages a second).
// A member that stops reading is dropped when a ping goes unanswered for
// WriteTimeout; one that reads stays, however long the room is quiet.
// The zero value is ready to use.
type Chat struct {
	// Queue is how many messages may wait for a slow member. 0 means 64.
	Queue int
	// WriteTimeout bounds a write or a ping. 0 means 10s.
	WriteTimeout time.Duration
	// PingInterval is how often idle members are pinged. 0 means 30s.
	PingInterval time.Duration
	// Rate is the messages a second a member may send, with bursts of
	// twice that. 0 means 10.
	Rate int

	mu      sync.Mutex
	members map[*member]struct{}
	seq     int
}

// A ChatEvent is what the room sends as JSON in a text message.
type ChatEvent struct {
	Type  string `json:"type"` // welcome, join, leave, msg
	From  string `json:"from"`
	Proto string `json:"proto"` // the sender's HTTP version
	Text  string `json:"text,omitempty"`
	Count int    `json:"count"` // members in the room
}

// maxChatMessage bounds what a member may send.
const maxChatMessage = 4 << 10

type member struct {
	name, proto string
	c           *ws.Conn
	out         chan []byte
	once        sync.Once
}

// Len is the number of members.
func (h *Chat) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

func (h *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, &ws.AcceptOptions{ReadLimit: maxChatMessage, Compression: ws.CompressionNoContextTakeover})
	if err != nil {
		return
	}
	defer c.CloseNow()
	m := &member{proto: c.Proto(), c: c, out: make(chan []byte, defaults.Or(h.Queue, 64))}
	h.mu.Lock()
	if h.members == nil {
		h.members = make(map[*member]struct{})
	}
	h.seq++
	m.name = fmt.Sprintf("guest-%d", h.seq)
	h.members[m] = struct{}{}
	n := len(h.members)
	h.mu.Unlock()

	m.send(h.event(ChatEvent{Type: "welcome", From: m.name, Proto: m.proto, Count: n}))
	h.broadcast(ChatEvent{Type: "join", From: m.name, Proto: m.proto})
	done := make(chan struct{})
	go func() { defer close(done); h.write(m) }()
	h.read(m)
	h.leave(m, ws.StatusNormalClosure, "")
	<-done
	h.broadcast(ChatEvent{Type: "leave", From: m.name, Proto: m.proto})
}

// read relays m's messages until it leaves or breaks a rule.
func (h *Chat) read(m *member) {
	rate := defaults.Or(h.Rate, 10)
	tokens, last := float64(2*rate), time.Now()
	for {
		typ, msg, err := m.c.ReadMessage()
		if err != nil {
			return
		}
		now := time.Now()
		tokens = min(float64(2*rate), tokens+now.Sub(last).Seconds()*float64(rate))
		last = now
		if tokens < 1 {
			h.leave(m, ws.StatusPolicyViolation, "flooding: over the message rate")
			return
		}
		tokens--
		if typ != ws.MessageText {
			h.leave(m, ws.StatusUnsupportedData, "the chat takes text only")
			return
		}
		text := strings.TrimSpace(string(msg))
		if text == "" || !utf8.ValidString(text) {
			continue
		}
		h.broadcast(ChatEvent{Type: "msg", From: m.name, Proto: m.proto, Text: text})
	}
}

// write sends m its queue, and pings it when idle. It sets the write
// deadline for each of its writes and clears it after: a deadline left set
// would drop a member that reads but had nothing to read for timeout (over
// HTTP/2 the stream is reset when it passes; over HTTP/1.1 and HTTP/3 the
// next write fails, be it a ping, a pong or a close frame).
func (h *Chat) write(m *member) {
	timeout := defaults.Or(h.WriteTimeout, 10*time.Second)
	ping := time.NewTicker(defaults.Or(h.PingInterval, 30*time.Second))
	defer ping.Stop()
	for {
		select {
		case msg, ok := <-m.out:
			if !ok {
				return
			}
			m.c.SetWriteDeadline(time.Now().Add(timeout))
			err := m.c.WriteMessage(ws.MessageText, msg)
			m.c.SetWriteDeadline(time.Time{})
			if err != nil {
				h.leave(m, 0, "")
				return
			}
		case <-ping.C:
			deadline := time.Now().Add(timeout)
			m.c.SetWriteDeadline(deadline) // the ping frame too may block
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			err := m.c.Ping(ctx)
			cancel()
			if err != nil {
				// A new deadline bounds the close frame: the member may
				// have stopped reading, and nothing clears it after.
				m.c.SetWriteDeadline(time.Now().Add(timeout))
				h.leave(m, ws.StatusPolicyViolation, "no pong")
				return
			}
			m.c.SetWriteDeadline(time.Time{})
		case <-m.c.Done():
			return
		}
	}
}

// leave removes m once and closes its connection: with code, or at once
// when code is 0.
func (h *Chat) leave(m *member, code ws.StatusCode, reason string) {
	m.once.Do(func() {
		h.mu.Lock()
		delete(h.members, m)
		h.mu.Unlock()
		if code == 0 {
			m.c.CloseNow()
		} else {
			go m.c.Close(code, reason) // the reader sees the reply and returns
		}
	})
}

// broadcast queues e for every member; one whose queue is full is dropped.
func (h *Chat) broadcast(e ChatEvent) {
	h.mu.Lock()
	e.Count = len(h.members)
	b := h.event(e)
	var slow []*member
	for m := range h.members {
		if !m.send(b) {
			slow = append(slow, m)
		}
	}
	h.mu.Unlock()
	for _, m := range slow {
		h.leave(m, 0, "")
	}
}

func (m *member) send(b []byte) bool {
	select {
	case m.out <- b:
		return true
	default:
		return false
	}
}

func (h *Chat) event(e ChatEvent) []byte {
	b, _ := json.Marshal(e)
	return b
}
