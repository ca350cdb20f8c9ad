package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/internal/defaults"
)

// BrokerConfig configures NewBroker. The zero value is usable.
type BrokerConfig struct {
	// Prefix names the broker's subjects ("<prefix>.room.<room>" stored,
	// "<prefix>.live.<room>" fanned out), its stream (the prefix upper-cased,
	// dots as '_': "TRIO_HUB") and its presence bucket ("trio_hub_presence").
	// Brokers with one prefix share rooms; a prefix is a set of rooms with
	// its own limits. If empty, DefaultPrefix.
	Prefix string

	// History is how many messages each room keeps (the stream's
	// MaxMsgsPerSubject). If zero, hub.DefaultHistory.
	History int

	// MaxAge drops messages older than this from the history. If zero,
	// messages leave only as History pushes them out.
	MaxAge time.Duration

	// Replicas is the number of JetStream replicas of the stream and the
	// presence bucket (3 survives the loss of one NATS node). If zero, 1.
	Replicas int

	// PresenceTTL bounds how long a member announced by an instance that
	// died stays present; a live instance says so every quarter of it. If
	// zero, hub.PresenceTTL.
	PresenceTTL time.Duration

	// Logger receives what a subscription recovers from (a message lost
	// in fan-out and fetched from the stream). If nil, slog.Default().
	Logger *slog.Logger
}

// resyncInterval is how often an idle subscription asks the stream whether
// it missed the room's last message.
const resyncInterval = time.Second

// publishTimeout bounds a Publish whose ctx has no deadline.
const publishTimeout = 10 * time.Second

// requestTimeout bounds one request to JetStream.
const requestTimeout = 2 * time.Second

// A Broker is a hub.Broker on NATS: JetStream stores each room's history
// and numbers its messages, the stream republishes each stored message on
// a core NATS subject that every instance subscribes to once per room, and
// a JetStream key-value bucket holds presence. See the package doc for how
// a message reaches each subscriber once and in order. Make one with
// NewBroker; its methods are safe for concurrent use.
type Broker struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream jetstream.Stream
	names  names
	resync time.Duration
	log    *slog.Logger

	// Presence: see presence.go.
	id          string             // this broker's key in beats
	members     jetstream.KeyValue // one key per member and room
	beats       jetstream.KeyValue // one key per live broker
	ttl         time.Duration      // PresenceTTL: beats' TTL
	memberEvery time.Duration      // how often members are rewritten

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // the presence refresher

	stats struct{ published, conflicts, retries, live, recovered, dropped atomic.Uint64 }

	mu        sync.Mutex // guards below
	closed    bool
	subs      map[*subscription]struct{}
	presences map[string]*presence // by key
	rooms     map[string]*roomState
}

// roomState serializes this instance's publishes to one room, so that they
// do not race each other for the room's next link, and caches that link.
type roomState struct {
	lock  chan struct{} // a mutex a ctx can give up on
	last  uint64        // the room's last sequence number, if known
	known bool
}

// NewBroker creates (or updates) the stream and the presence bucket of
// cfg.Prefix on nc's JetStream, waiting until JetStream answers or ctx
// ends, and returns a Broker on them. Closing the Broker leaves nc open.
func NewBroker(ctx context.Context, nc *nats.Conn, cfg BrokerConfig) (*Broker, error) {
	n, err := newNames(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, err
	}
	b := &Broker{
		nc:          nc,
		js:          js,
		names:       n,
		id:          nuid.Next(),
		ttl:         defaults.Or(cfg.PresenceTTL, hub.PresenceTTL),
		memberEvery: memberTTL / 3,
		resync:      resyncInterval,
		log:         cfg.Logger,
		subs:        make(map[*subscription]struct{}),
		presences:   make(map[string]*presence),
		rooms:       make(map[string]*roomState),
	}
	if b.log == nil {
		b.log = slog.Default()
	}
	sc := jetstream.StreamConfig{
		Name:              n.stream,
		Description:       "trio hub rooms " + n.room + "*",
		Subjects:          []string{n.room + "*"},
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardOld,
		MaxMsgsPerSubject: int64(defaults.Or(cfg.History, hub.DefaultHistory)),
		MaxAge:            cfg.MaxAge,
		Storage:           jetstream.FileStorage,
		Replicas:          defaults.Or(cfg.Replicas, 1),
		RePublish:         &jetstream.RePublish{Source: n.room + "*", Destination: n.live + "{{wildcard(1)}}"},
	}
	mc := jetstream.KeyValueConfig{
		Bucket:      n.members,
		Description: "trio hub presence " + n.room + "*: members",
		History:     1,
		TTL:         memberTTL,
		Storage:     jetstream.MemoryStorage,
		Replicas:    sc.Replicas,
	}
	bc := mc
	bc.Bucket, bc.Description, bc.TTL = n.beats, "trio hub presence "+n.room+"*: live instances", beatTTL(b.ttl)
	err = retry(ctx, func(ctx context.Context) error {
		if b.stream, err = js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
		if b.members, err = js.CreateOrUpdateKeyValue(ctx, mc); err != nil {
			return fmt.Errorf("bucket %s: %w", mc.Bucket, err)
		}
		if b.beats, err = js.CreateOrUpdateKeyValue(ctx, bc); err != nil {
			return fmt.Errorf("bucket %s: %w", bc.Bucket, err)
		}
		return b.beat(ctx)
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: creating the hub's JetStream resources: %w", err)
	}
	b.ctx, b.cancel = context.WithCancel(context.Background())
	b.wg.Add(1)
	go b.refreshPresence()
	return b, nil
}

// retry calls f with a requestTimeout-bounded ctx until it succeeds,
// returns a permanent error, or ctx ends, waiting a little longer each
// time; it returns f's last error.
func retry(ctx context.Context, f func(ctx context.Context) error) error {
	wait := 50 * time.Millisecond
	for {
		rctx, cancel := context.WithTimeout(ctx, requestTimeout)
		err := f(rctx)
		cancel()
		if err == nil {
			return nil
		}
		var p permanent
		if errors.As(err, &p) {
			return p.error
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after: %w)", err, context.Cause(ctx))
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// A permanent error ends retry at once.
type permanent struct{ error }

func (b *Broker) room(name string) (*roomState, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, hub.ErrBrokerClosed
	}
	r := b.rooms[name]
	if r == nil {
		r = &roomState{lock: make(chan struct{}, 1)}
		b.rooms[name] = r
	}
	return r, nil
}

// Publish stores data as room's next message and returns its sequence
// number. It links the message to the room's previous one with the
// Trio-Prev header, which JetStream checks through
// Nats-Expected-Last-Subject-Sequence: a publisher that lost the race to
// another instance reads the new last message and tries again. Failures a
// cluster recovers from (a lost node, a leader election) are retried with
// the same Nats-Msg-Id, so the message is stored once, until ctx ends or,
// without a deadline, for 10 s.
func (b *Broker) Publish(ctx context.Context, room string, data []byte) (uint64, error) {
	if err := hub.CheckRoom(room); err != nil {
		return 0, err
	}
	r, err := b.room(room)
	if err != nil {
		return 0, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, publishTimeout)
		defer cancel()
	}
	select {
	case r.lock <- struct{}{}:
		defer func() { <-r.lock }()
	case <-ctx.Done():
		return 0, fmt.Errorf("cluster: publish to room %q: %w", room, ctx.Err())
	}
	id := nuid.Next()
	var seq uint64
	err = retry(ctx, func(ctx context.Context) error {
		for {
			if !r.known {
				last, err := b.last(ctx, room)
				if err != nil {
					return err
				}
				r.last, r.known = last, true
			}
			m := nats.NewMsg(b.names.room + room)
			m.Data = data
			m.Header.Set(jetstream.MsgIDHeader, id)
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, fmt.Sprint(r.last))
			m.Header.Set(prevHeader, fmt.Sprint(r.last))
			ack, err := b.js.PublishMsg(ctx, m)
			if isWrongLast(err) {
				r.known = false // another instance published first
				b.stats.conflicts.Add(1)
				continue
			}
			if err != nil {
				if errors.Is(err, nats.ErrMaxPayload) {
					return permanent{err}
				}
				b.stats.retries.Add(1)
				return err
			}
			seq, r.last = ack.Sequence, ack.Sequence
			b.stats.published.Add(1)
			return nil
		}
	})
	if err != nil {
		return 0, fmt.Errorf("cluster: publish to room %q: %w", room, err)
	}
	return seq, nil
}

// isWrongLast reports whether err is JetStream refusing a publish whose
// Nats-Expected-Last-Subject-Sequence is not the subject's last.
func isWrongLast(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) &&
		(apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Last returns room's newest sequence number, 0 when it holds none.
func (b *Broker) Last(ctx context.Context, room string) (uint64, error) {
	if err := hub.CheckRoom(room); err != nil {
		return 0, err
	}
	if b.isClosed() {
		return 0, hub.ErrBrokerClosed
	}
	last, err := b.last(ctx, room)
	if err != nil {
		return 0, fmt.Errorf("cluster: last of room %q: %w", room, err)
	}
	return last, nil
}

func (b *Broker) last(ctx context.Context, room string) (uint64, error) {
	m, err := b.stream.GetLastMsgForSubject(ctx, b.names.room+room)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	return m.Sequence, nil
}

// next returns the room's first stored message with a sequence number of
// at least seq, or nil when there is none.
func (b *Broker) next(ctx context.Context, room string, seq uint64) (*jetstream.RawStreamMsg, error) {
	m, err := b.stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(b.names.room+room))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	return m, err
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Close ends the broker's subscriptions and withdraws its presences (as
// ageing out would, but at once: its heartbeat first, which hides them
// all). The stream and the buckets stay for the other instances; the
// connection stays open.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		s.end(hub.ErrBrokerClosed)
		<-s.done
	}
	b.cancel()
	b.wg.Wait()
	b.withdrawAll()
	return nil
}

func (b *Broker) newTicker() *time.Ticker { return time.NewTicker(b.resync) }

var _ hub.Broker = (*Broker)(nil)

// BrokerStats counts what a Broker did since NewBroker.
type BrokerStats struct {
	Published uint64 // messages stored by Publish
	Conflicts uint64 // publishes retried because another instance published first
	Retries   uint64 // publish attempts retried after a failure (a lost node, an election)
	Live      uint64 // deliveries of fanned-out messages
	Recovered uint64 // deliveries read from the stream: history, or what fan-out lost
	Dropped   uint64 // fanned-out messages dropped as already delivered
}

// Stats returns the broker's counters.
func (b *Broker) Stats() BrokerStats {
	return BrokerStats{
		Published: b.stats.published.Load(),
		Conflicts: b.stats.conflicts.Load(),
		Retries:   b.stats.retries.Load(),
		Live:      b.stats.live.Load(),
		Recovered: b.stats.recovered.Load(),
		Dropped:   b.stats.dropped.Load(),
	}
}
