package h3

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
)

func TestClientIP(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.UDPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 443}, "192.0.2.7"},
		{&net.UDPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 443}, "192.0.2.7"},
		{&net.UDPAddr{IP: net.ParseIP("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), Port: 443}, "2001:db8:1:2::"},
		{&net.UDPAddr{IP: net.ParseIP("2001:db8:1:2::1"), Port: 1}, "2001:db8:1:2::"},
	} {
		if got := clientIP(tt.addr).String(); got != tt.want {
			t.Errorf("clientIP(%v) = %s; want %s", tt.addr, got, tt.want)
		}
	}
}

// TestAdmissionCounts: connContext counts a connection and its handshake
// per address, verifySourceAddress asks for a Retry at the thresholds,
// and the counts go back to zero as handshakes end and connections close.
func TestAdmissionCounts(t *testing.T) {
	var hits []string
	a := newAdmission(Limits{MaxConnsPerIP: 3, RetryHandshakesPerIP: 2, RetryHandshakes: 4}, func(l string) { hits = append(hits, l) }, nil)
	ip1 := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1000}
	ip2 := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 2), Port: 1000}
	open := func(addr net.Addr) (context.CancelFunc, *admitted) {
		ctx, cancel := context.WithCancel(context.Background())
		cctx, err := a.connContext(ctx, &quic.ClientInfo{RemoteAddr: addr})
		if err != nil {
			cancel()
			return nil, nil
		}
		return cancel, cctx.Value(admittedKey{}).(*admitted)
	}
	if a.verifySourceAddress(ip1) {
		t.Fatal("Retry asked with no handshake in progress")
	}
	c1, ad1 := open(ip1)
	c2, _ := open(ip1)
	if !a.verifySourceAddress(ip1) {
		t.Error("no Retry with 2 handshakes in progress from the address (RetryHandshakesPerIP 2)")
	}
	if a.verifySourceAddress(ip2) {
		t.Error("Retry asked of another address with 2 handshakes in progress in all (RetryHandshakes 4)")
	}
	ad1.endHandshake(false) // the first handshake completes
	if a.verifySourceAddress(ip1) {
		t.Error("Retry asked with 1 handshake in progress from the address")
	}
	c3, _ := open(ip1)
	if c, _ := open(ip1); c != nil {
		c()
		t.Error("a fourth connection from the address let in (MaxConnsPerIP 3)")
	}
	if hs, ips := a.counts(); hs != 2 || ips != 1 {
		t.Errorf("counts = %d handshakes, %d addresses; want 2, 1", hs, ips)
	}
	for _, c := range []context.CancelFunc{c1, c2, c3} {
		c()
	}
	waitCounts(t, a)
	want := []string{LimitRetryHandshakesPerIP, LimitMaxConnsPerIP}
	if len(hits) != 2 || hits[0] != want[0] || hits[1] != want[1] {
		t.Errorf("hits = %v; want %v", hits, want)
	}
}

// waitCounts waits for the AfterFuncs of closed connections to run.
func waitCounts(t *testing.T, a *admission) {
	t.Helper()
	for range 1000 {
		if hs, ips := a.counts(); hs == 0 && ips == 0 {
			return
		}
		time.Sleep(time.Millisecond)
	}
	hs, ips := a.counts()
	t.Fatalf("after every connection closed: %d handshakes, %d addresses; want 0, 0", hs, ips)
}
