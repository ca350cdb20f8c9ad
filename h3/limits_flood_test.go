package h3_test

import (
	"context"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
)

// A flood begins QUIC handshakes and abandons them: from one address,
// each dial's first Initial (a whole ClientHello) goes out, nothing after
// it, and nothing the server answers is read. It counts the Initials
// sent and the Retry packets received.
type flood struct {
	addr     *net.UDPAddr
	tr       *quic.Transport
	tls      *tls.Config
	initials atomic.Int64
	retries  atomic.Int64
}

// newFlood binds a UDP socket on srcIP to flood the server at addr;
// t.Cleanup closes it.
func newFlood(t testing.TB, addr, srcIP string, tlsConf *tls.Config) *flood {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(srcIP)})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true") // abandonConn hides the UDPConn
	tlsConf = tlsConf.Clone()
	tlsConf.CurvePreferences = []tls.CurveID{tls.X25519} // a ClientHello in one Initial
	f := &flood{addr: ua, tls: tlsConf}
	f.tr = &quic.Transport{Conn: &abandonConn{udp: udp, f: f, seen: make(map[string]bool)}}
	t.Cleanup(func() { f.tr.Close(); udp.Close() })
	return f
}

// send begins n handshakes and returns when all are given up: once the
// first Initial of each has gone out (or 10 seconds passed), not after a
// fixed time, which a busy machine may need just to build the Initials.
func (f *flood) send(n int) {
	start := f.initials.Load()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			f.tr.Dial(ctx, f.addr, f.tls, &quic.Config{HandshakeIdleTimeout: 10 * time.Second})
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for f.initials.Load()-start < int64(n) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wg.Wait()
}

// An abandonConn passes each connection's first Initial and drops every
// other packet either way, counting the Retries it drops. It hides the
// UDPConn's ReadMsgUDP and WriteMsgUDP, which quic-go would use instead.
type abandonConn struct {
	udp  *net.UDPConn
	f    *flood
	mu   sync.Mutex
	seen map[string]bool // source connection IDs whose Initial went out
}

func (c *abandonConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	scid, ok := initialSCID(p)
	c.mu.Lock()
	first := ok && !c.seen[string(scid)]
	if first {
		c.seen[string(scid)] = true
	}
	c.mu.Unlock()
	if !first {
		return len(p), nil
	}
	c.f.initials.Add(1)
	return c.udp.WriteTo(p, addr)
}

func (c *abandonConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.udp.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		if n > 0 && p[0]&0xf0 == 0xf0 { // long header, QUIC v1 type Retry
			c.f.retries.Add(1)
		}
	}
}

// initialSCID returns the source connection ID of a QUIC v1 Initial.
func initialSCID(p []byte) ([]byte, bool) {
	if len(p) < 7 || p[0]&0xb0 != 0x80 { // long header, type Initial
		return nil, false
	}
	dl := int(p[5])
	if len(p) < 7+dl {
		return nil, false
	}
	sl := int(p[6+dl])
	if len(p) < 7+dl+sl {
		return nil, false
	}
	return p[7+dl : 7+dl+sl], true
}

func (c *abandonConn) Close() error                       { return c.udp.Close() }
func (c *abandonConn) LocalAddr() net.Addr                { return c.udp.LocalAddr() }
func (c *abandonConn) SetDeadline(t time.Time) error      { return c.udp.SetDeadline(t) }
func (c *abandonConn) SetReadDeadline(t time.Time) error  { return c.udp.SetReadDeadline(t) }
func (c *abandonConn) SetWriteDeadline(t time.Time) error { return c.udp.SetWriteDeadline(t) }
