package lab

import (
	"net"
	"testing"
	"time"
)

func TestUDPRelayLoss(t *testing.T) {
	echo, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	go func() {
		b := make([]byte, 2048)
		for {
			n, from, err := echo.ReadFromUDPAddrPort(b)
			if err != nil {
				return
			}
			echo.WriteToUDPAddrPort(b[:n], from)
		}
	}()
	const delay = 20 * time.Millisecond
	r, err := NewUDPRelay(Impairment{Loss: 0.2, Delay: delay, Seed: 3}, echo.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(r.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const sent = 500
	start := time.Now()
	type result struct {
		got   int
		first time.Duration
	}
	done := make(chan result)
	go func() {
		var res result
		b := make([]byte, 64)
		for {
			c.SetReadDeadline(time.Now().Add(time.Second))
			if _, err := c.Read(b); err != nil {
				done <- res
				return
			}
			if res.got == 0 {
				res.first = time.Since(start)
			}
			res.got++
		}
	}()
	for range sent {
		c.Write([]byte("ping"))
		time.Sleep(200 * time.Microsecond)
	}
	res := <-done
	got, first := res.got, res.first
	st := r.Stats()
	t.Logf("echoed %d of %d, first after %v; relay %+v", got, sent, first, st)
	if first < 2*delay {
		t.Errorf("first echo after %v; want at least the round trip's added %v", first, 2*delay)
	}
	if lost := sent - got; uint64(lost) != st.Up.Dropped+st.Down.Dropped {
		t.Errorf("lost %d; relay dropped %d up + %d down", lost, st.Up.Dropped, st.Down.Dropped)
	}
	// Each way 20%: 36% of round trips lose; binomial sd ~10.7 at 500.
	if lost := sent - got; lost < 130 || lost > 230 {
		t.Errorf("lost %d of %d; want 180 ± 50", lost, sent)
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestUDPRelayCloseSessions: Close with many sessions open, whose reply
// goroutines remove themselves from the relay's sessions as Close closes
// their sockets (go test -race found Close ranging over that map).
func TestUDPRelayCloseSessions(t *testing.T) {
	target, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	r, err := NewUDPRelay(Impairment{}, target.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	const clients = 50
	b := make([]byte, 16)
	for range clients {
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(r.Addr()))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	target.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := range clients {
		if _, _, err := target.ReadFromUDPAddrPort(b); err != nil {
			t.Fatalf("datagram %d of %d through the relay: %v", i+1, clients, err)
		}
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
