package calm

import (
	"net"
	"testing"
	"time"
)

func TestMemory(t *testing.T) {
	var m Memory
	now := time.Now()
	for i := range Max + 100 {
		m.Offended(&net.TCPAddr{IP: net.IPv4(10, byte(i>>16), byte(i>>8), byte(i))}, now)
	}
	if n := m.Len(); n > Max {
		t.Errorf("%d addresses remembered; want at most %d", n, Max)
	}
	a := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1}
	m.Offended(a, now)
	if got := m.First(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 2}, 500, now); got != Burst {
		t.Errorf("First = %v just after, another port; want %v", got, Burst)
	}
	if got := m.First(a, 500, now.Add(For+time.Second)); got != 500 {
		t.Errorf("First = %v after For; want 500", got)
	}
	if got := m.First(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 2)}, 500, now); got != 500 {
		t.Errorf("First = %v for another address; want 500", got)
	}
	v6 := func(s string) net.Addr { return &net.UDPAddr{IP: net.ParseIP(s)} }
	m.Offended(v6("2001:db8:1:2::1"), now)
	if got := m.First(v6("2001:db8:1:2:ffff::9"), 500, now); got != Burst {
		t.Errorf("First = %v for the same /64; want %v", got, Burst)
	}
}
