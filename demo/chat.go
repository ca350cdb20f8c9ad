package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/internal/defaults"
	"github.com/triohttp/trio/ws"
)

// A Chat is a chat room over WebSockets, on a hub room: every text message
// a member sends goes to every member, whichever HTTP version each
// connected with and whichever instance of the cluster each reached.
//
// Every event carries the room's sequence number ("seq") and the instance
// the member is connected to ("instance"). A member that lost its
// connection resumes, on any instance, with ?after=SEQ in the URL or with
// {"type":"resume","after":SEQ} as its first message: it gets every
// message after SEQ, in order, once, then the live room; if the history
// no longer reaches back that far it gets {"type":"gap","oldest":N} and
// the live room. ?after=0 joins live at once; without ?after= the room
// waits up to ResumeWait for a resume message before it starts. A resume
// message sent later may only skip ahead (after >= the welcome's seq);
// one asking for older messages is closed with 1008. A member that
// resumes is not announced with a join event again, so a crowd moving off
// a drained instance does not push the room's messages out of its
// history.
//
// It drops members that stall (they fall Queue messages behind, or a
// write or ping times out), vanish (reads fail) or flood (more than Rate
// messages a second). A member that stops reading is dropped when a ping
// goes unanswered for WriteTimeout; one that reads stays, however long the
// room is quiet. When the hub closes (the instance is draining), members
// are closed with 1012, so that they move to another instance.
//
// The zero value is ready to use, on a private in-process hub.
type Chat struct {
	// Hub carries the room to the other instances. nil means a private
	// in-process hub, made on first use, whose Queue is Queue.
	Hub *hub.Hub
	// Room is the hub room. "" means "chat".
	Room string
	// Queue is how many messages may wait for a slow member, when Hub is
	// nil (a Hub given has its own Queue). 0 means 64.
	Queue int
	// WriteTimeout bounds a write or a ping. 0 means 10s.
	WriteTimeout time.Duration
	// PingInterval is how often idle members are pinged. 0 means 30s.
	PingInterval time.Duration
	// Rate is the messages a second a member may send, with bursts of
	// twice that. 0 means 10.
	Rate int
	// ResumeWait is how long a member that gave no ?after= has to send a
	// resume message. 0 means 500ms.
	ResumeWait time.Duration

	once sync.Once
	hub  *hub.Hub

	open atomic.Int64 // connections, joined or not

	mu      sync.Mutex
	members map[*session]struct{}
	counted int       // the last count of the room's members
	countAt time.Time // when it was taken
}

// A ChatEvent is what the room sends as JSON in a text message.
type ChatEvent struct {
	Seq      uint64 `json:"seq,omitempty"`      // the room's sequence number; always sent
	Instance string `json:"instance,omitempty"` // the instance the receiver is connected to; always sent
	Type     string `json:"type"`               // welcome, join, leave, msg, gap
	From     string `json:"from,omitempty"`
	Proto    string `json:"proto,omitempty"` // the sender's HTTP version
	Via      string `json:"via,omitempty"`   // the instance the sender is connected to
	Text     string `json:"text,omitempty"`
	Count    int    `json:"count,omitempty"`  // members in the room, on every instance (welcome, join, leave)
	Oldest   uint64 `json:"oldest,omitempty"` // gap: the oldest message the history holds
}

// maxChatMessage bounds what a member may send.
const maxChatMessage = 4 << 10

// Len is the number of members on this instance.
func (h *Chat) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.members)
}

func (h *Chat) init() {
	h.once.Do(func() {
		h.hub = h.Hub
		if h.hub == nil {
			h.hub = &hub.Hub{Queue: h.Queue}
		}
	})
}

func (h *Chat) room() string { return defaults.Or(h.Room, "chat") }

func (h *Chat) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	after, resume, ok := afterParam(w, r)
	if !ok {
		return
	}
	h.init()
	c, err := ws.Accept(w, r, &ws.AcceptOptions{ReadLimit: maxChatMessage, Compression: ws.CompressionNoContextTakeover})
	if err != nil {
		return
	}
	h.open.Add(1)
	defer h.open.Add(-1) // last: once the connection is closed and its goroutines are done
	defer c.CloseNow()
	s := &session{
		c: c, hub: h.hub, room: h.room(), instance: quote(h.hub.InstanceName()),
		writeTimeout: defaults.Or(h.WriteTimeout, 10*time.Second),
		pingInterval: defaults.Or(h.PingInterval, 30*time.Second),
	}
	texts := s.read(defaults.Or(h.Rate, 10))
	defer drain(texts)
	var first []byte // a text sent before the member joined
	if !resume {
		after, resume, first, ok = s.awaitResume(texts, defaults.Or(h.ResumeWait, 500*time.Millisecond))
		if !ok {
			return
		}
	}
	me := hub.Presence{Name: fmt.Sprintf("guest-%06x", rand.Uint32()>>8), Proto: c.Proto()}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	m, from, oldest, err := s.join(ctx, me, after, resume)
	cancel()
	if err != nil {
		s.endFor(err)
		return
	}
	me = m.Presence()
	h.add(s)
	hello := [][]byte{s.event(&ChatEvent{Type: "welcome", From: me.Name, Proto: me.Proto, Count: h.count()}, from)}
	if oldest != 0 {
		hello = append(hello, s.event(&ChatEvent{Type: "gap", Oldest: oldest}, from))
	}
	done := make(chan struct{})
	go func() { defer close(done); s.relay(m, hello) }()

	if !resume || after == 0 {
		// Announced once: a member that resumes (after a drain, a crash)
		// is not, so a crowd moving does not push the room's messages out
		// of its history.
		h.publish(s, ChatEvent{Type: "join", From: me.Name, Proto: me.Proto, Count: h.count()})
	}
	if first != nil {
		h.say(s, me, first)
	}
	broke := false // the rules; what it sends is ignored while it is closed
	for msg := range texts {
		switch n, ok := parseResume(msg); {
		case broke:
		case ok && n < from:
			s.end(ws.StatusPolicyViolation, "resume must be the first message, or use ?after=")
			broke = true
		case ok:
			s.floor.Store(max(s.floor.Load(), n))
		default:
			h.say(s, me, msg)
		}
	}
	s.end(ws.StatusNormalClosure, "")
	<-done
	m.Leave()
	h.remove(s)
	h.publish(s, ChatEvent{Type: "leave", From: me.Name, Proto: me.Proto, Count: h.count()})
}

// say publishes what member me wrote, unless it is blank.
func (h *Chat) say(s *session, me hub.Presence, msg []byte) {
	text := strings.TrimSpace(string(msg))
	if text == "" || !utf8.ValidString(text) {
		return
	}
	h.publish(s, ChatEvent{Type: "msg", From: me.Name, Proto: me.Proto, Text: text})
}

// publish sends e to the room, from s's instance; a hub that fails ends s.
func (h *Chat) publish(s *session, e ChatEvent) {
	e.Via = h.hub.InstanceName()
	b, _ := json.Marshal(e)
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if _, err := h.hub.Publish(ctx, s.room, b); err != nil {
		s.endFor(err)
	}
}

// countFresh is how long a count of the room's members is used again:
// Present lists every member, so a crowd joining at once would make the
// joins quadratic.
const countFresh = 250 * time.Millisecond

// count is how many members the room has on every instance (as of at
// most countFresh ago), 0 if the hub cannot say.
func (h *Chat) count() int {
	h.mu.Lock()
	if time.Since(h.countAt) < countFresh {
		defer h.mu.Unlock()
		return h.counted
	}
	h.countAt = time.Now() // others use the last count until this one is done
	h.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	ps, err := h.hub.Present(ctx, h.room())
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		h.counted = len(ps)
	}
	return h.counted
}

func (h *Chat) add(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.members == nil {
		h.members = make(map[*session]struct{})
	}
	h.members[s] = struct{}{}
}

func (h *Chat) remove(s *session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.members, s)
}

// drain reads texts until the reader closes it, so the reader can end.
func drain(texts <-chan []byte) {
	for range texts {
	}
}
