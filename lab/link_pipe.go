package lab

import (
	"io"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// A pipe carries the packets of one direction of a link: it drops, delays
// and paces each packet admitted as the link's Impairment says, and passes
// it to out (a TUN device's Write, or a UDP socket's).
type pipe struct {
	out func([]byte) error
	imp *atomic.Pointer[Impairment]
	dir uint64 // 0 up, 1 down: each direction draws its own sequence

	mu     sync.Mutex // guards below
	loss   *rand.Rand // one draw per packet, dropped or not
	jitter *rand.Rand
	busy   time.Time // when the rate-limited line has sent what is queued
	last   time.Time // departure of the packet queued last
	q      []packet  // in departure order

	wake chan struct{} // a packet was queued; capacity 1
	done chan struct{} // closed by stop
	once sync.Once

	packets, bytes, dropped, overflow atomic.Uint64
}

type packet struct {
	b  []byte
	at time.Time // departure
}

// newPipe returns a pipe sending to out until stop is called.
func newPipe(out func([]byte) error, imp *atomic.Pointer[Impairment], dir uint64) *pipe {
	p := &pipe{out: out, imp: imp, dir: dir, wake: make(chan struct{}, 1), done: make(chan struct{})}
	p.reseed(imp.Load().Seed)
	go p.send()
	return p
}

// reseed restarts the drop and jitter sequences from seed.
func (p *pipe) reseed(seed uint64) {
	p.mu.Lock()
	p.loss = rand.New(rand.NewPCG(seed, 0x6c6f7373<<1|p.dir))   // "loss"
	p.jitter = rand.New(rand.NewPCG(seed, 0x6a697474<<1|p.dir)) // "jitt"
	p.mu.Unlock()
}

// readTUN admits the IPv4 packets read from in until reading fails (the
// device closed).
func (p *pipe) readTUN(in io.Reader) {
	for {
		b := make([]byte, 2048) // the devices' MTU is 1500
		n, err := in.Read(b)
		if err != nil {
			return
		}
		if n == 0 || b[0]>>4 != 4 {
			continue // IPv4 only: the kernel's IPv6 chatter goes nowhere
		}
		p.admit(b[:n], time.Now())
	}
}

func (p *pipe) stop() { p.once.Do(func() { close(p.done) }) }

// admit drops the packet or queues it with its departure time.
func (p *pipe) admit(b []byte, now time.Time) {
	imp := p.imp.Load()
	p.mu.Lock()
	// One draw per packet whatever the loss, so that for one seed the
	// packets dropped at 1% are among those dropped at 2%.
	if p.loss.Float64() < imp.Loss {
		p.mu.Unlock()
		p.dropped.Add(1)
		return
	}
	at := now
	if imp.Rate > 0 {
		start := now
		if p.busy.After(now) {
			start = p.busy
		}
		if start.Sub(now) > QueueLimit {
			p.mu.Unlock()
			p.overflow.Add(1)
			return
		}
		p.busy = start.Add(time.Duration(len(b)) * time.Second / time.Duration(imp.Rate))
		at = p.busy
	}
	d := imp.Delay
	if imp.Jitter > 0 {
		d += time.Duration(p.jitter.Int64N(2*int64(imp.Jitter)+1)) - imp.Jitter
	}
	at = at.Add(d)
	if at.Before(p.last) {
		at = p.last // no reordering
	}
	p.last = at
	p.q = append(p.q, packet{b, at})
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// send writes each queued packet at its departure time.
func (p *pipe) send() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		p.mu.Lock()
		if len(p.q) == 0 {
			p.mu.Unlock()
			select {
			case <-p.wake:
				continue
			case <-p.done:
				return
			}
		}
		head := p.q[0]
		if wait := time.Until(head.at); wait > 0 {
			p.mu.Unlock()
			timer.Reset(wait) // packets queued meanwhile leave after head
			select {
			case <-timer.C:
				continue
			case <-p.done:
				return
			}
		}
		p.q[0] = packet{}
		p.q = p.q[1:]
		p.mu.Unlock()
		if err := p.out(head.b); err == nil {
			p.packets.Add(1)
			p.bytes.Add(uint64(len(head.b)))
		}
	}
}

func (p *pipe) stats() DirStats {
	return DirStats{
		Packets:  p.packets.Load(),
		Bytes:    p.bytes.Load(),
		Dropped:  p.dropped.Load(),
		Overflow: p.overflow.Load(),
	}
}
