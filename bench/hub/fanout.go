package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/hub"
)

// room is the room every benchmark member joins.
const room = "bench"

// A second is one second of a run, as the progress line and the chart
// show it.
type second struct {
	At         time.Duration // since the producer started
	Warm       bool          // in the warm-up, left out of the totals
	Deliveries uint64
	P50, P99   time.Duration
	Max        time.Duration
}

// A result is one fan-out run.
type result struct {
	Broker     string
	WS         bool   // members were WebSockets
	Client     string // their client: epoll, lean or ws
	Members    int
	Instances  int
	Rate       int
	Duration   time.Duration
	JoinTime   time.Duration
	Published  uint64
	Deliveries uint64 // of the messages published in Duration
	P50, P99   time.Duration
	Max        time.Duration
	PublishP99 time.Duration
	Span       time.Duration // from the first counted publish to the last, plus an interval
	CPU        time.Duration // the instances' CPU time over Span
	ClientCPU  time.Duration // with -ws, the WebSocket clients' (this process's)
	Dropped    uint64        // members dropped as slow
	Disorder   uint64        // messages not after the member's previous one
	Seconds    []second
}

// deliveryRate is deliveries a second over the span the counted messages
// were published in.
func (r *result) deliveryRate() float64 {
	if r.Span <= 0 {
		return 0
	}
	return float64(r.Deliveries) / r.Span.Seconds()
}

// cpuPerDelivery is the instances' CPU time per delivery, in µs.
func (r *result) cpuPerDelivery() float64 { return perDelivery(r.CPU, r.Deliveries) }

// perDelivery is cpu per delivery, in µs.
func perDelivery(cpu time.Duration, deliveries uint64) float64 {
	if deliveries == 0 {
		return 0
	}
	return float64(cpu.Microseconds()) / float64(deliveries)
}

func (r *result) String() string {
	client := ""
	if r.WS {
		client = fmt.Sprintf(" client=%s client_cpu=%.2f_cores client_cpu_per_delivery=%.2fus", r.Client,
			r.ClientCPU.Seconds()/r.Span.Seconds(), perDelivery(r.ClientCPU, r.Deliveries))
	}
	return fmt.Sprintf("broker=%s ws=%v members=%d instances=%d rate=%d/s duration=%v published=%d deliveries/s=%.0f want=%d delivered=%d of %d p50=%v p99=%v max=%v publish_p99=%v cpu=%.2f_cores cpu_per_delivery=%.2fus%s dropped=%d disorder=%d join=%v",
		r.Broker, r.WS, r.Members, r.Instances, r.Rate, r.Duration, r.Published, r.deliveryRate(), r.Rate*r.Members,
		r.Deliveries, r.Published*uint64(r.Members),
		r.P50.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond),
		r.PublishP99.Round(10*time.Microsecond), r.CPU.Seconds()/r.Span.Seconds(), r.cpuPerDelivery(), client, r.Dropped, r.Disorder, r.JoinTime.Round(time.Millisecond))
}

// A fanout runs o.members members and a producer, and records every
// message's latency from before Publish to the member: in-process, a
// goroutine per member that takes its messages as a WebSocket handler does
// before writing them; with -ws, a WebSocket client per member, connected
// to the instances in a child process.
type fanout struct {
	o         *options
	publish   func(ctx context.Context, i int, data []byte) error // through instance i%instances; data is stamped
	win       *window
	pub       *window
	dropped   atomic.Uint64
	disorder  atomic.Uint64
	clientErr atomic.Value // with -ws: the lean clients' first bad frame
	server    int          // the pid whose CPU time the run counts: the instances'
}

func runFanout(ctx context.Context, o *options, kind string, progress io.Writer) (*result, error) {
	f := &fanout{o: o, win: newWindow(), pub: newWindow(), server: os.Getpid()}
	res := &result{Broker: kind, Members: o.members, Instances: o.instances, Rate: o.rate, Duration: o.duration, WS: o.ws}
	if o.ws {
		res.Client = o.client
	}
	start := time.Now()
	var (
		stop func()
		err  error
	)
	if o.ws {
		stop, err = f.startWS(ctx, kind, progress)
	} else {
		stop, err = f.startHubs(ctx, kind)
	}
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	res.JoinTime = time.Since(start)
	fmt.Fprintf(progress, "%s: %d members joined on %d instances in %v\n", kind, o.members, o.instances, res.JoinTime.Round(time.Millisecond))
	published, err := f.produce(ctx, res, progress)
	if err != nil {
		return nil, err
	}
	stop()
	stopped = true
	if err, _ := f.clientErr.Load().(error); err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	total := &f.win.total
	res.Published = published
	res.Deliveries = total.count()
	res.P50, res.P99, res.Max = total.quantile(0.5), total.quantile(0.99), total.maximum()
	res.PublishP99 = f.pub.total.quantile(0.99)
	res.Dropped, res.Disorder = f.dropped.Load(), f.disorder.Load()
	return res, nil
}

// startHubs starts o.instances Hubs on brokers of kind and joins the
// members, in-process.
func (f *fanout) startHubs(ctx context.Context, kind string) (func(), error) {
	bs, stopBrokers, err := brokers(ctx, kind, f.o.instances)
	if err != nil {
		return nil, err
	}
	var (
		hubs []*hub.Hub
		wg   sync.WaitGroup
	)
	for i, b := range bs {
		hubs = append(hubs, &hub.Hub{Broker: b, Instance: fmt.Sprint("instance-", i)})
	}
	stop := func() {
		for _, h := range hubs {
			h.Close()
		}
		wg.Wait()
		stopBrokers()
	}
	f.publish = func(ctx context.Context, i int, data []byte) error {
		_, err := hubs[i%len(hubs)].Publish(ctx, room, data)
		return err
	}
	err = parallel(f.o.members, func(i int) error {
		m, err := hubs[i%len(hubs)].Join(ctx, room, hub.Presence{Name: fmt.Sprint("m", i)}, 0)
		if err == nil {
			wg.Go(func() { f.member(m) })
		}
		return err
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// parallel calls f(0) to f(n-1), 64 at a time, and returns the first error.
func parallel(n int, f func(i int) error) error {
	var (
		next atomic.Int64
		errs = make(chan error, 64)
		wg   sync.WaitGroup
	)
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if err := f(i); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// member takes m's messages until it ends, as a handler would before
// writing them to its WebSocket.
func (f *fanout) member(m *hub.Member) {
	var (
		buf  []hub.Message
		last uint64
	)
	for range m.Ready() {
		var ok bool
		buf, ok = m.Take(buf[:0])
		now := time.Now().UnixNano()
		for _, msg := range buf {
			if msg.Seq <= last {
				f.disorder.Add(1)
			}
			last = msg.Seq
			f.received(now, msg.Data)
		}
		if !ok {
			break
		}
	}
	if m.Err() == hub.ErrSlow {
		f.dropped.Add(1)
	}
}

// received records a message's latency, from its publish time in data's
// first 8 bytes; the next 8 are when the producer sent it, which decides
// whether it counts (with -ws the instance stamps the publish time, later).
func (f *fanout) received(now int64, data []byte) {
	pub := int64(binary.BigEndian.Uint64(data))
	f.win.record(time.Duration(now-pub), int64(binary.BigEndian.Uint64(data[8:])))
}

// maxInFlight bounds the publishes under way: past it the producer waits,
// and publishes fewer than o.rate a second (the span counts that).
const maxInFlight = 64

// produce publishes o.rate messages a second for the warm-up and the run,
// through the instances in turn, each on a goroutine of its own so that a
// slow one does not hold up the next, printing a line a second; then it
// waits a moment for the last deliveries. It returns how many it published
// in the run, and sets res.Span and res.CPU.
func (f *fanout) produce(ctx context.Context, res *result, progress io.Writer) (uint64, error) {
	interval := time.Second / time.Duration(f.o.rate)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	sec := time.NewTicker(time.Second)
	defer sec.Stop()
	var (
		start         = time.Now()
		end           = start.Add(f.o.warmup + f.o.duration)
		counted       uint64
		first, last   time.Time
		cpu0, client0 time.Duration
		warm          = true
		inflight      = make(chan struct{}, maxInFlight)
		wg            sync.WaitGroup
		failed        atomic.Value
	)
	defer wg.Wait()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case now := <-sec.C:
			f.report(res, now.Sub(start), warm, progress)
			i--
			continue
		case now := <-tick.C:
			if err, _ := failed.Load().(error); err != nil {
				return 0, err
			}
			if now.After(end) {
				res.CPU = cpuTime(f.server) - cpu0
				if f.server != os.Getpid() {
					res.ClientCPU = cpuTime(os.Getpid()) - client0
				}
				res.Span = last.Sub(first) + interval
				wg.Wait()
				f.drain(counted * uint64(f.o.members))
				f.report(res, now.Sub(start), warm, progress)
				return counted, nil
			}
		}
		t0 := time.Now()
		if warm && t0.Sub(start) >= f.o.warmup {
			warm = false // this message is the first that counts
			first, cpu0, client0 = t0, cpuTime(f.server), cpuTime(os.Getpid())
			f.win.from.Store(t0.UnixNano())
			f.pub.from.Store(t0.UnixNano())
		}
		if !warm {
			counted++
			last = t0
		}
		data := make([]byte, max(f.o.size, 16))
		binary.BigEndian.PutUint64(data, uint64(t0.UnixNano()))
		binary.BigEndian.PutUint64(data[8:], uint64(t0.UnixNano()))
		inflight <- struct{}{}
		wg.Go(func() {
			defer func() { <-inflight }()
			if err := f.publish(ctx, i, data); err != nil {
				failed.CompareAndSwap(nil, fmt.Errorf("publish #%d: %w", i, err))
				return
			}
			f.pub.record(time.Since(t0), t0.UnixNano())
		})
	}
}

// drain waits for the deliveries still on their way: until want have
// arrived, or none for two seconds (members dropped, or messages lost).
func (f *fanout) drain(want uint64) {
	last, since := f.win.total.count(), time.Now()
	for time.Since(since) < 2*time.Second {
		time.Sleep(50 * time.Millisecond)
		if n := f.win.total.count(); n >= want {
			return
		} else if n != last {
			last, since = n, time.Now()
		}
	}
}

// report ends the current second: a progress line and a point of the chart.
func (f *fanout) report(res *result, at time.Duration, warm bool, progress io.Writer) {
	h := f.win.next()
	s := second{At: at, Warm: warm, Deliveries: h.count(), P50: h.quantile(0.5), P99: h.quantile(0.99), Max: h.maximum()}
	res.Seconds = append(res.Seconds, s)
	tag := ""
	if warm {
		tag = " (warm-up)"
	}
	fmt.Fprintf(progress, "%s %5.1fs  deliveries %6d/s  p50 %8v  p99 %8v  max %8v  dropped %d%s\n",
		res.Broker, at.Seconds(), s.Deliveries, s.P50.Round(time.Microsecond), s.P99.Round(time.Microsecond),
		s.Max.Round(time.Microsecond), f.dropped.Load(), tag)
}

// cpuTime returns the user and system CPU time process pid has used, from
// /proc (0 elsewhere).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command, which is in parentheses: state is the
	// first, utime and stime the 12th and 13th, in clock ticks (100 a
	// second on Linux).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
