package demo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/cluster/clustertest"
	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/triotest/testcert"
	"github.com/triohttp/trio/ws"
)

// The demo as a cluster: three trio instances over loopback, each a
// root trio.Server serving demo.New on its own hub, the hubs sharing one
// broker: the in-process one (hub.NewLocalCluster) or NATS (an embedded
// three-node cluster, JetStream R3, one node inside each instance as with
// `[cluster] embedded = true`). Members connect over h1, h2 and h3 to
// different instances and reconnect like chat.js: to the next instance,
// resuming with ?after= their last seq.

// brokerKinds are the brokers every cluster test runs on.
var brokerKinds = []string{"local", "nats"}

// An instance is one trio instance of the demo.
type instance struct {
	name   string
	hub    *hub.Hub
	site   *demo.Site
	srv    *trio.Server
	tcp    *connTracker
	quic   net.PacketConn
	node   *cluster.Cluster // its embedded NATS node; nil on the local broker
	served chan error
	down   atomic.Bool // killed or drained
}

// startInstances starts three instances, trio-a, trio-b and trio-c, on
// the broker kind names, and stops them in t.Cleanup.
func startInstances(t *testing.T, kind string, cert *testcert.Cert) []*instance {
	t.Helper()
	var brokers []hub.Broker
	var nodes []*cluster.Cluster
	switch kind {
	case "local":
		brokers = hub.NewLocalCluster(0, 3)
		t.Cleanup(func() {
			for _, b := range brokers {
				b.Close()
			}
		})
	case "nats":
		nodes = clustertest.Start(t, 3)
		for _, n := range nodes {
			brokers = append(brokers, n.Broker())
		}
	}
	var insts []*instance
	for i, b := range brokers {
		in := &instance{name: "trio-" + string(rune('a'+i)), served: make(chan error, 1)}
		in.hub = &hub.Hub{Broker: b, Instance: in.name}
		if nodes != nil {
			in.node = nodes[i]
		}
		in.site = demo.New(in.hub).(*demo.Site)
		in.srv = &trio.Server{
			Addr:    "127.0.0.1:0",
			Handler: in.site,
			TLS:     cert.Source,
			Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		}
		ls, err := in.srv.Listen()
		if err != nil {
			t.Fatalf("%s: Listen: %v", in.name, err)
		}
		in.tcp = &connTracker{Listener: ls.TLS[0], conns: make(map[net.Conn]struct{})}
		ls.TLS[0], in.quic = in.tcp, ls.QUIC[0]
		go func() { in.served <- in.srv.ServeListeners(ls) }()
		t.Cleanup(func() { in.drain(t) })
		insts = append(insts, in)
	}
	return insts
}

// drain stops in as an orderly shutdown does: the hub first (its members
// are closed with 1012), then, once the site has drained, the server.
func (in *instance) drain(t *testing.T) {
	if in.down.Swap(true) {
		return
	}
	in.hub.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.site.Drained(ctx); err != nil {
		t.Errorf("%s: Drained: %v", in.name, err)
	}
	if err := in.srv.Shutdown(ctx); err != nil {
		t.Errorf("%s: Shutdown: %v", in.name, err)
	}
	if err := <-in.served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("%s: ServeListeners = %v; want http.ErrServerClosed", in.name, err)
	}
}

// kill stops in as a crash does: every TCP connection reset, the QUIC
// socket gone, no close frame; then its embedded NATS node stops.
func (in *instance) kill() {
	in.down.Store(true)
	in.tcp.kill()
	in.quic.Close()
	in.srv.Close()
	<-in.served
	in.hub.Close() // what a dead process holds goes with it; its members are gone already
	if in.node != nil {
		in.node.Close()
	}
}

// A connTracker is a listener that can reset every connection it
// accepted, as the kernel does when a process dies.
type connTracker struct {
	net.Listener
	mu    sync.Mutex
	conns map[net.Conn]struct{}
	dead  bool
}

func (l *connTracker) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.dead {
		c.Close()
		return nil, net.ErrClosed
	}
	l.conns[c] = struct{}{}
	return c, nil
}

func (l *connTracker) kill() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dead = true
	l.Listener.Close()
	for c := range l.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, not FIN
		}
		c.Close()
	}
}

// A chatter is a member of the chat that reconnects by itself, as
// chat.js does: to the next instance, resuming after its last seq.
type chatter struct {
	proto string
	home  int // index of the instance it first dials
	insts []*instance
	cert  *testcert.Cert

	mu       sync.Mutex
	c        *ws.Conn
	at       string // the instance it is connected to, "" between connections
	last     uint64 // the newest seq it saw
	msgs     []demo.ChatEvent
	visited  []string // instances, in the order it connected to them
	codes    []ws.StatusCode
	problems []string
	joined   chan struct{} // closed at its first welcome
}

func newChatter(insts []*instance, home int, proto string, cert *testcert.Cert) *chatter {
	return &chatter{proto: proto, home: home, insts: insts, cert: cert, joined: make(chan struct{})}
}

func (m *chatter) String() string {
	return fmt.Sprintf("%s member of %s", m.proto, m.insts[m.home].name)
}

// chatIdle is how long a chatter waits for an event before it takes its
// instance for dead (a crashed HTTP/3 server sends nothing at all).
const chatIdle = 3 * time.Second

// run connects and reconnects until ctx ends, moving to the next
// instance each time, as a load balancer might send it.
func (m *chatter) run(ctx context.Context) {
	for i := m.home; ctx.Err() == nil; i++ {
		in := m.insts[i%len(m.insts)]
		if in.down.Load() {
			continue
		}
		c, err := m.dial(ctx, in)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(50 * time.Millisecond):
			}
			continue
		}
		m.read(ctx, c, in.name) // then on to the next instance
	}
}

func (m *chatter) dial(ctx context.Context, in *instance) (*ws.Conn, error) {
	addr := in.tcp.Addr().String()
	if m.proto == "h3" {
		addr = in.quic.LocalAddr().String()
	}
	m.mu.Lock()
	path := "/ws/chat?after=" + strconv.FormatUint(m.last, 10)
	m.mu.Unlock()
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, _, err := ws.Dial(dctx, "wss://"+addr+path, &ws.DialOptions{HTTP: m.proto, TLSClientConfig: m.cert.ClientTLS()})
	return c, err
}

// read takes events from c until it ends.
func (m *chatter) read(ctx context.Context, c *ws.Conn, want string) {
	stop := context.AfterFunc(ctx, func() { c.CloseNow() })
	defer stop()
	defer c.CloseNow()
	first := true
	for {
		c.SetReadDeadline(time.Now().Add(chatIdle))
		_, b, err := c.ReadMessage()
		if err != nil {
			var ce *ws.CloseError
			m.mu.Lock()
			if errors.As(err, &ce) {
				m.codes = append(m.codes, ce.Code)
			}
			m.c, m.at = nil, ""
			m.mu.Unlock()
			return
		}
		var e demo.ChatEvent
		if err := json.Unmarshal(b, &e); err != nil {
			m.problem("undecodable event %q", b)
			continue
		}
		m.mu.Lock()
		if e.Instance != want {
			m.problemLocked("event %s from instance %q; connected to %q", b, e.Instance, want)
		}
		switch {
		case first && e.Type != "welcome":
			m.problemLocked("first event %s; want a welcome", b)
		case first:
			if len(m.visited) > 0 && e.Seq != m.last {
				m.problemLocked("resumed after %d on %s, but the welcome says %d", m.last, want, e.Seq)
			}
			m.last = e.Seq
			m.c, m.at = c, want
			m.visited = append(m.visited, want)
			if len(m.visited) == 1 {
				close(m.joined)
			}
		case e.Type == "gap":
			m.problemLocked("gap: %s", b)
		case e.Seq <= m.last:
			m.problemLocked("seq %d after %d: %s", e.Seq, m.last, b)
		default:
			m.last = e.Seq
			if e.Type == "msg" {
				m.msgs = append(m.msgs, e)
			}
		}
		first = false
		m.mu.Unlock()
	}
}

func (m *chatter) problem(format string, args ...any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.problemLocked(format, args...)
}

func (m *chatter) problemLocked(format string, args ...any) {
	m.problems = append(m.problems, fmt.Sprintf(format, args...))
}

// say sends text on the current connection.
func (m *chatter) say(text string) error {
	m.mu.Lock()
	c := m.c
	m.mu.Unlock()
	if c == nil {
		return fmt.Errorf("%v: not connected", m)
	}
	return c.WriteMessage(ws.MessageText, []byte(text))
}

// texts returns the texts m received, in order.
func (m *chatter) texts() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ts []string
	for _, e := range m.msgs {
		ts = append(ts, e.Text)
	}
	return ts
}

// A chatRoom is the members of one test, connected to every instance over
// every protocol.
type chatRoom struct {
	members []*chatter
	cancel  context.CancelFunc
	done    sync.WaitGroup
}

// joinAll connects a member over each of h1, h2 and h3 to each instance,
// and waits for their welcomes.
func joinAll(t *testing.T, insts []*instance, cert *testcert.Cert) *chatRoom {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &chatRoom{cancel: cancel}
	for i := range insts {
		for _, p := range []string{"http/1.1", "h2", "h3"} {
			m := newChatter(insts, i, p, cert)
			r.members = append(r.members, m)
			r.done.Go(func() { m.run(ctx) })
		}
	}
	t.Cleanup(r.stop)
	for _, m := range r.members {
		select {
		case <-m.joined:
		case <-time.After(30 * time.Second):
			t.Fatalf("%v: no welcome", m)
		}
	}
	return r
}

func (r *chatRoom) stop() {
	r.cancel()
	r.done.Wait()
}

// flow has senders say n texts each, one every gap (under the chat's
// rate), and returns the texts in the order each sender said them; after
// k texts in all it calls mid, once.
func flow(t *testing.T, senders []*chatter, n int, gap time.Duration, k int, mid func()) [][]string {
	t.Helper()
	said := make([][]string, len(senders))
	for i := range n {
		for j, s := range senders {
			text := fmt.Sprintf("%v says %d", s, i)
			if err := s.say(text); err != nil {
				t.Fatalf("%v: %v", s, err)
			}
			said[j] = append(said[j], text)
			if i*len(senders)+j+1 == k && mid != nil {
				mid()
			}
		}
		time.Sleep(gap)
	}
	return said
}

// check waits until every member has every text said, then checks that
// each got them once, in an order that keeps each sender's, and that all
// got them in the same order.
func (r *chatRoom) check(t *testing.T, said [][]string) {
	t.Helper()
	total := 0
	for _, s := range said {
		total += len(s)
	}
	start := time.Now()
	deadline := start.Add(60 * time.Second)
	for _, m := range r.members {
		for len(m.texts()) < total && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Logf("every member had every message %v after the last was said", time.Since(start).Round(time.Millisecond))
	r.stop()
	var first []string
	for _, m := range r.members {
		got := m.texts()
		for _, p := range m.problems {
			t.Errorf("%v: %s", m, p)
		}
		if len(got) != total {
			t.Errorf("%v got %d texts; want %d (visited %v, close codes %v)", m, len(got), total, m.visited, m.codes)
			continue
		}
		for _, s := range said {
			var mine []string
			for _, text := range got {
				if slices.Contains(s, text) {
					mine = append(mine, text)
				}
			}
			if !slices.Equal(mine, s) {
				t.Errorf("%v got %q; want %q once each, in order", m, mine, s)
			}
		}
		if first == nil {
			first = got
		} else if !slices.Equal(got, first) {
			t.Errorf("%v got the texts in another order than %v:\n%q\n%q", m, r.members[0], got, first)
		}
	}
}

// TestDemoClusterEveryMessage: members over h1, h2 and h3 on each of three
// instances; three of them, one per instance, chat; every member gets
// every message, in order, exactly once, stamped with its own instance.
func TestDemoClusterEveryMessage(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind, func(t *testing.T) {
			cert := testcert.New(t)
			insts := startInstances(t, kind, cert)
			room := joinAll(t, insts, cert)
			senders := []*chatter{room.members[0], room.members[4], room.members[8]} // h1 on a, h2 on b, h3 on c
			said := flow(t, senders, 10, 120*time.Millisecond, 0, nil)
			room.check(t, said)
			for _, m := range room.members {
				if len(m.visited) != 1 {
					t.Errorf("%v moved: %v", m, m.visited)
				}
			}
		})
	}
}

// TestDemoClusterInstanceLost: one instance crashes under a steady flow
// of messages; its members reconnect to the others with their last seq
// and find no gap and no duplicate.
func TestDemoClusterInstanceLost(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind, func(t *testing.T) {
			cert := testcert.New(t)
			insts := startInstances(t, kind, cert)
			room := joinAll(t, insts, cert)
			senders := []*chatter{room.members[4], room.members[8]} // on b and c
			said := flow(t, senders, 25, 120*time.Millisecond, 16, insts[0].kill)
			room.check(t, said)
			for _, m := range room.members[:3] { // a's
				if len(m.visited) < 2 || m.visited[0] != "trio-a" || slices.Contains(m.visited[1:], "trio-a") {
					t.Errorf("%v connected to %v; want trio-a, then the others", m, m.visited)
				}
				if slices.Contains(m.codes, ws.StatusServiceRestart) {
					t.Errorf("%v saw 1012 from a crash: %v", m, m.codes)
				}
			}
		})
	}
}

// TestDemoClusterDrain: an instance drains under a flow: its hub closes
// its members with 1012 (server restarting), the server waits for the
// site to have Drained before it shuts down (so none gets 1001 instead),
// and they move to the others and resume, no gap, no duplicate.
func TestDemoClusterDrain(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind, func(t *testing.T) {
			cert := testcert.New(t)
			insts := startInstances(t, kind, cert)
			room := joinAll(t, insts, cert)
			senders := []*chatter{room.members[0], room.members[4]} // on a and b
			drained := room.members[6:]                             // c's
			said := flow(t, senders, 25, 120*time.Millisecond, 16, func() { insts[2].drain(t) })
			room.check(t, said)
			for _, m := range drained {
				if len(m.codes) == 0 || m.codes[0] != ws.StatusServiceRestart {
					t.Errorf("%v was closed with %v; want 1012 first", m, m.codes)
				}
				if len(m.visited) < 2 || slices.Contains(m.visited[1:], "trio-c") {
					t.Errorf("%v connected to %v; want trio-c, then the others", m, m.visited)
				}
			}
		})
	}
}

// TestDemoClusterResumeMessage: a member that resumes with a first
// {"type":"resume","after":N} instead of ?after= gets what came after N;
// one that asks for more than the history holds gets a gap, then live.
func TestDemoClusterResumeMessage(t *testing.T) {
	cert := testcert.New(t)
	insts := startInstances(t, "local", cert)
	dial := func(in *instance, query string) *ws.Conn {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, _, err := ws.Dial(ctx, "wss://"+in.tcp.Addr().String()+"/ws/chat"+query, &ws.DialOptions{HTTP: "h2", TLSClientConfig: cert.ClientTLS()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	a := dial(insts[0], "?after=0")
	if w := next(t, a, "welcome"); w.Instance != "trio-a" {
		t.Errorf("welcome %+v; want instance trio-a", w)
	}
	for i := range 3 {
		a.WriteMessage(ws.MessageText, []byte("m"+strconv.Itoa(i)))
	}
	var seqs []uint64
	for range 3 {
		seqs = append(seqs, next(t, a, "msg").Seq)
	}

	b := dial(insts[1], "")
	b.WriteMessage(ws.MessageText, fmt.Appendf(nil, `{"type":"resume","after":%d}`, seqs[0]))
	if e := next(t, b, "welcome"); e.Seq != seqs[0] || e.Instance != "trio-b" {
		t.Errorf("welcome %+v; want seq %d on trio-b", e, seqs[0])
	}
	for _, want := range []string{"m1", "m2"} {
		if e := next(t, b, "msg"); e.Text != want || e.Via != "trio-a" {
			t.Errorf("resumed member got %+v; want %q via trio-a", e, want)
		}
	}
	// A resume that goes back past the welcome, later, breaks the rule.
	b.WriteMessage(ws.MessageText, []byte(`{"type":"resume","after":0}`))
	var ce *ws.CloseError
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		if _, _, err := b.ReadMessage(); err != nil {
			if !errors.As(err, &ce) || ce.Code != ws.StatusPolicyViolation {
				t.Errorf("a late resume back in time ended with %v; want 1008", err)
			}
			break
		}
	}

	// A history of 1000 and 1002 more messages: what came after seqs[0] is gone.
	for i := range 1002 {
		if _, err := insts[2].hub.Publish(context.Background(), "chat", []byte(`{"type":"msg","text":"filler `+strconv.Itoa(i)+`"}`)); err != nil {
			t.Fatal(err)
		}
	}
	c := dial(insts[2], "?after="+strconv.FormatUint(seqs[0], 10))
	welcome := next(t, c, "welcome")
	gap := next(t, c, "gap")
	if gap.Oldest <= seqs[0]+1 || gap.Seq != welcome.Seq || welcome.Seq < 1002 {
		t.Errorf("welcome %+v, gap %+v; want both at the room's newest seq, oldest past %d", welcome, gap, seqs[0]+1)
	}
	// a fell 1002 messages behind: the hub dropped it. The room goes on.
	if _, err := insts[0].hub.Publish(context.Background(), "chat", []byte(`{"type":"msg","text":"live"}`)); err != nil {
		t.Fatal(err)
	}
	if e := next(t, c, "msg"); e.Text != "live" || e.Seq <= welcome.Seq {
		t.Errorf("after the gap: %+v; want the live message", e)
	}
	// ?after=0: nothing seen yet; the stream starts at the room's newest.
	d := dial(insts[1], "?after=0")
	if e := next(t, d, "welcome"); e.Seq <= welcome.Seq {
		t.Errorf("?after=0 welcome %+v; want the newest seq, past %d", e, welcome.Seq)
	}
	_, resp, err := ws.Dial(context.Background(), "wss://"+insts[0].tcp.Addr().String()+"/ws/chat?after=-1", &ws.DialOptions{HTTP: "h2", TLSClientConfig: cert.ClientTLS()})
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Errorf("?after=-1: %v, %v; want 400", resp, err)
	}
}

// tickRecord is what a ticker client saw: each tick's seq and producer.
type tickRecord struct {
	mu    sync.Mutex
	ticks []demo.Tick
	err   error
}

// watchTicker reads the ticker of in over proto into a record, until the
// connection ends.
func watchTicker(t *testing.T, in *instance, proto string, cert *testcert.Cert) *tickRecord {
	t.Helper()
	addr := in.tcp.Addr().String()
	if proto == "h3" {
		addr = in.quic.LocalAddr().String()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := ws.Dial(ctx, "wss://"+addr+"/ws/ticker?after=0", &ws.DialOptions{HTTP: proto, TLSClientConfig: cert.ClientTLS()})
	if err != nil {
		t.Fatalf("%s over %s: %v", in.name, proto, err)
	}
	rec := new(tickRecord)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, b, err := c.ReadMessage()
			var k demo.Tick
			if err == nil {
				err = json.Unmarshal(b, &k)
			}
			if err == nil && (k.Instance != in.name || k.Type != "welcome" && k.Type != "tick") {
				err = fmt.Errorf("%s over %s sent %s", in.name, proto, b)
			}
			rec.mu.Lock()
			if err != nil {
				rec.err = err
				rec.mu.Unlock()
				return
			}
			if k.Type == "tick" {
				rec.ticks = append(rec.ticks, k)
			}
			rec.mu.Unlock()
		}
	}()
	t.Cleanup(func() { c.CloseNow(); <-done })
	return rec
}

// since returns the ticks with Seq > after.
func (r *tickRecord) since(after uint64) []demo.Tick {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []demo.Tick
	for _, k := range r.ticks {
		if k.Seq > after {
			ks = append(ks, k)
		}
	}
	return ks
}

// TestDemoClusterTicker: a ticker client on each instance (h1 on a, h2 on
// b, h3 on c); one instance produces the ticks and all three relay the
// same ones; when the producer crashes another takes over within the
// lease, and the ticks go on, in order, from one producer again.
func TestDemoClusterTicker(t *testing.T) {
	for _, kind := range brokerKinds {
		t.Run(kind, func(t *testing.T) {
			cert := testcert.New(t)
			insts := startInstances(t, kind, cert)
			var recs []*tickRecord
			for i, p := range []string{"http/1.1", "h2", "h3"} {
				recs = append(recs, watchTicker(t, insts[i], p, cert))
			}
			// Once the instances' first claims have settled (two claims at
			// once make one extra tick), six ticks that every client saw:
			// one producer made them.
			var base uint64
			waitFor(t, "three clients with three ticks", func() bool {
				for _, r := range recs {
					ks := r.since(0)
					if len(ks) < 3 {
						return false
					}
					base = max(base, ks[len(ks)-1].Seq)
				}
				return true
			})
			steady := checkTicks(t, recs, base, 6)
			producer := slices.IndexFunc(insts, func(in *instance) bool { return in.name == steady })
			if producer < 0 {
				t.Fatalf("ticks made by %q, not one of the instances", steady)
			}

			// Crash the producer: another takes over.
			last := recs[(producer+1)%3].since(0)
			insts[producer].kill()
			var live []*tickRecord
			for i, r := range recs {
				if i != producer {
					live = append(live, r)
				}
			}
			after := last[len(last)-1].Seq
			waitFor(t, "ticks from a new producer", func() bool {
				for _, k := range live[0].since(after) {
					if k.Producer != steady {
						after = k.Seq
						return true
					}
				}
				return false
			})
			waitFor(t, "the claims settled", func() bool { return len(live[0].since(after)) >= 2 })
			after = live[0].since(after)[1].Seq
			if next := checkTicks(t, live, after, 4); next == steady {
				t.Errorf("ticks still made by the crashed %s", steady)
			}
		})
	}
}

// checkTicks waits until every record has n ticks after after, and checks
// that all saw the same ticks (seq, producer, prices), in order, made by
// one producer, which it returns.
func checkTicks(t *testing.T, recs []*tickRecord, after uint64, n int) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ready := true
		for _, r := range recs {
			r.mu.Lock()
			if r.err != nil {
				t.Fatalf("ticker client: %v", r.err)
			}
			r.mu.Unlock()
			ready = ready && len(r.since(after)) >= n
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d ticks after %d", n, after)
		}
	}
	want := recs[0].since(after)[:n]
	var seen []string
	for _, k := range want {
		seen = append(seen, fmt.Sprintf("%d by %s", k.Seq, k.Producer))
	}
	for i, k := range want {
		if i > 0 && k.Seq <= want[i-1].Seq {
			t.Errorf("tick %d after %d: %v", k.Seq, want[i-1].Seq, seen)
		}
		if k.Producer != want[0].Producer {
			t.Errorf("ticks from two producers: %v", seen)
			break
		}
	}
	for _, r := range recs[1:] {
		got := r.since(after)[:n]
		for i := range got {
			if got[i].Seq != want[i].Seq || got[i].Producer != want[i].Producer || !slices.Equal(got[i].Quotes, want[i].Quotes) {
				t.Errorf("one client saw tick %+v, another %+v", got[i], want[i])
			}
		}
	}
	return want[0].Producer
}
