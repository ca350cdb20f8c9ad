package trio

import (
	"net"
	"testing"
)

func TestClientAddr(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 1}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 1}, "192.0.2.7"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:aaaa::1"), Port: 1}, "2001:db8:1:2::"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:bbbb::9"), Port: 1}, "2001:db8:1:2::"},
		{&net.UDPAddr{IP: net.ParseIP("2001:db8:1:3::1"), Port: 1}, "2001:db8:1:3::"},
	} {
		if got := clientAddr(tt.addr).String(); got != tt.want {
			t.Errorf("clientAddr(%v) = %s; want %s", tt.addr, got, tt.want)
		}
	}
}

func TestLimitsDefaults(t *testing.T) {
	for _, tt := range []struct {
		name    string
		l       Limits
		nofile  uint64
		maxConn int
		perIP   int
		shakes  int
	}{
		{"zero", Limits{}, 20000, 20000 - DefaultFDReserve, DefaultMaxConnsPerIP, DefaultMaxHandshakes},
		{"small nofile keeps half", Limits{}, 200, 100, DefaultMaxConnsPerIP, DefaultMaxHandshakes},
		{"reserve", Limits{FDReserve: 1000}, 20000, 19000, DefaultMaxConnsPerIP, DefaultMaxHandshakes},
		{"no reserve", Limits{FDReserve: -1}, 20000, 20000, DefaultMaxConnsPerIP, DefaultMaxHandshakes},
		{"unknown nofile", Limits{}, 0, -1, DefaultMaxConnsPerIP, DefaultMaxHandshakes},
		{"set", Limits{MaxConns: 50, MaxConnsPerIP: 5, MaxHandshakes: 7}, 20000, 50, 5, 7},
		{"off", Limits{MaxConns: -1, MaxConnsPerIP: -1, MaxHandshakes: -1}, 20000, -1, -1, -1},
	} {
		l := tt.l
		if got := l.maxConns(tt.nofile); got != tt.maxConn {
			t.Errorf("%s: maxConns(%d) = %d; want %d", tt.name, tt.nofile, got, tt.maxConn)
		}
		if got := l.maxConnsPerIP(); got != tt.perIP {
			t.Errorf("%s: maxConnsPerIP = %d; want %d", tt.name, got, tt.perIP)
		}
		if got := l.maxHandshakes(); got != tt.shakes {
			t.Errorf("%s: maxHandshakes = %d; want %d", tt.name, got, tt.shakes)
		}
	}
}

// TestVictim checks whom MaxConns evicts: the least recently active TCP
// connection of the client holding the most, and only for a newcomer
// holding fewer.
func TestVictim(t *testing.T) {
	s := &Server{Limits: Limits{MaxConns: 4, MaxConnsPerIP: -1}}
	tab := newConnTable(s, 0)
	conn := func(ip string, active int64) *limitConn {
		c := &limitConn{t: tab, addr: clientAddr(&net.TCPAddr{IP: net.ParseIP(ip)})}
		c.active.Store(active)
		return c
	}
	heavy := []*limitConn{conn("192.0.2.1", 30), conn("192.0.2.1", 10), conn("192.0.2.1", 20)}
	light := conn("192.0.2.2", 5)
	for _, c := range append(heavy, light) {
		if refused, v := tab.admit(c, false); refused != "" || v != nil {
			t.Fatalf("admit under the limit = %q, %v; want admitted", refused, v)
		}
	}
	if refused, _ := tab.admit(conn("192.0.2.1", 40), false); refused != LimitMaxConns {
		t.Errorf("newcomer of the heaviest client: refused = %q; want %q", refused, LimitMaxConns)
	}
	refused, v := tab.admit(conn("192.0.2.3", 50), false)
	if refused != "" || v != heavy[1] {
		t.Fatalf("newcomer of a new client = %q, victim %v; want admitted, victim the heavy client's least active", refused, v)
	}
	if tab.total != 4 || tab.clients[heavy[0].addr].n != 2 {
		t.Errorf("after eviction total = %d, heavy client holds %d; want 4 and 2", tab.total, tab.clients[heavy[0].addr].n)
	}
	// Two of the heavy client's, one each of the others: a fourth
	// address holding none still gets in, at the heavy client's expense.
	if _, v := tab.admit(conn("192.0.2.4", 60), false); v != heavy[2] {
		t.Errorf("victim = %v; want the heavy client's next least active", v)
	}
	// Now each of the four clients holds one: none holds more than a
	// newcomer would, so a newcomer is refused.
	if refused, _ := tab.admit(conn("192.0.2.5", 70), false); refused != LimitMaxConns {
		t.Errorf("with no client heavier than two: refused = %q; want %q", refused, LimitMaxConns)
	}
}

// TestAdmitNonIP: connections whose address is not an IP (a listener of
// the caller's own) are not lumped together as one client.
func TestAdmitNonIP(t *testing.T) {
	s := &Server{Limits: Limits{MaxConnsPerIP: 2, MaxConns: 3}}
	tab := newConnTable(s, 0)
	for i := range 3 {
		c := &limitConn{t: tab, addr: clientAddr(pipeAddr{})}
		if refused, _ := tab.admit(c, false); refused != "" {
			t.Fatalf("connection %d: refused by %s; want admitted (MaxConnsPerIP applies to IPs)", i, refused)
		}
	}
	if refused, _ := tab.admit(&limitConn{t: tab, addr: clientAddr(pipeAddr{})}, false); refused != LimitMaxConns {
		t.Errorf("past MaxConns: refused = %q; want %q", refused, LimitMaxConns)
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// BenchmarkAdmit measures what the limits add to each accepted connection:
// admit and release under the table's lock, with 1,000 clients holding
// connections.
func BenchmarkAdmit(b *testing.B) {
	s := &Server{}
	tab := newConnTable(s, 1<<16)
	for i := range 1000 {
		c := &limitConn{t: tab, addr: clientAddr(&net.TCPAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i))})}
		tab.admit(c, false)
	}
	addr := clientAddr(&net.TCPAddr{IP: net.IPv4(192, 0, 2, 1)})
	b.ReportAllocs()
	for b.Loop() {
		c := &limitConn{t: tab, addr: addr}
		if refused, _ := tab.admit(c, true); refused != "" {
			b.Fatal(refused)
		}
		tab.release(c)
		tab.handshakeHook(nil)(nil)
	}
}
