package trio_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"

	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/triotest"
)

// flooder is the address connections "from another client" come from:
// Linux routes all of 127.0.0.0/8 to loopback, and the test clients use
// 127.0.0.1.
var flooder = net.IPv4(127, 0, 0, 2)

// limitServer is a test server with limits l whose log and limit hits the
// test can read.
type limitServer struct {
	*triotest.TS
	log  *testtool.Buffer
	hits *hitCounter
}

func newLimitServer(t testing.TB, m mode, l trio.Limits) *limitServer {
	t.Helper()
	ls := &limitServer{log: new(testtool.Buffer), hits: new(hitCounter)}
	ls.TS = triotest.New(t, m, protoHandler, func(s *trio.Server) {
		s.Limits = l
		s.Logger = slog.New(slog.NewTextHandler(ls.log, nil))
		s.Observer = ls.hits
		// The flood's idle connections stay until the test closes them.
		s.H1.ReadHeaderTimeout, s.H1.IdleTimeout = 10*time.Minute, 10*time.Minute
	})
	return ls
}

// dialFrom dials addr from local IP ip, failing the test if it cannot.
func dialFrom(t testing.TB, ip net.IP, addr net.Addr) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatalf("dial %v from %v: %v", addr, ip, err)
	}
	return c
}

// handshakeFrom opens a TLS connection to the server from ip (the client
// then sends nothing, as a flood does). It returns the connection, or the
// error of a refused one.
func handshakeFrom(t testing.TB, ts *triotest.TS, ip net.IP) (*tls.Conn, error) {
	t.Helper()
	return handshake(ts.TLSAddr().String(), ip, ts.ClientTLS("http/1.1"))
}

// handshake is handshakeFrom for a server at addr, with client
// configuration cfg. It offers HTTP/1.1, whose idle connections the test
// server keeps for minutes (HTTP/2's preface timeout is shorter).
func handshake(addr string, ip net.IP, cfg *tls.Config) (*tls.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err // a reset may come before connect returns
	}
	tc := tls.Client(c, cfg)
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		tc.Close()
		return nil, err
	}
	// A TLS 1.3 client is done before the server has read its Finished:
	// a connection reset at accept shows only when read.
	tc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	var b [1]byte
	_, err = tc.Read(b[:])
	tc.SetDeadline(time.Time{})
	if !isTimeout(err) && !serverSpoke(err) {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

// serverSpoke reports whether Read returned because the server sent
// something (as HTTP/2's SETTINGS would).
func serverSpoke(err error) bool { return err == nil }

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// refused reports whether err is what a connection reset at accept
// shows: a reset or an EOF in or right after the handshake.
func refused(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE)
}

// waitFor polls cond for up to 5 seconds.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLimitsPerIP: a client address over MaxConnsPerIP is reset before
// the TLS handshake, on both listeners, counted once across them, while
// another address is served; closing one lets it in again.
func TestLimitsPerIP(t *testing.T) {
	for _, m := range []mode{triotest.H1, triotest.Modes[4]} { // both HTTP/1.1 engines
		t.Run(string(m), func(t *testing.T) { testLimitsPerIP(t, m) })
	}
}

func testLimitsPerIP(t *testing.T, m mode) {
	const perIP = 5
	ls := newLimitServer(t, m, trio.Limits{MaxConnsPerIP: perIP})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range perIP - 1 {
		tc, err := handshakeFrom(t, ls.TS, flooder)
		if err != nil {
			t.Fatalf("connection %d of %d allowed: %v", i+1, perIP, err)
		}
		held = append(held, tc)
	}
	// The last one allowed goes to the cleartext listener: one count.
	text := dialFrom(t, flooder, ls.Addrs.Cleartext[0].Addr())
	held = append(held, text)
	if _, err := text.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	text.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := readLine(text); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Fatalf("cleartext request within the limit: %q, %v; want 200", line, err)
	}
	if _, err := handshakeFrom(t, ls.TS, flooder); !refused(err) {
		t.Fatalf("TLS connection %d: err = %v; want reset before the handshake", perIP+1, err)
	}
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: flooder}}
	c, err := d.Dial("tcp", ls.Addrs.Cleartext[0].Addr().String())
	if err == nil {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Read(make([]byte, 1))
		c.Close()
	}
	if !refused(err) {
		t.Fatalf("cleartext connection %d: read err = %v; want reset", perIP+2, err)
	}
	if got := ls.Get(t, "/other"); !strings.Contains(got, "GET /other") {
		t.Errorf("another client's GET = %q", got)
	}
	if n := ls.hits.Get(trio.LimitMaxConnsPerIP); n != 2 {
		t.Errorf("max_conns_per_ip hits = %d; want 2", n)
	}
	waitFor(t, "the log line", func() bool { return len(limitLines(ls.log, trio.LimitMaxConnsPerIP)) == 1 })

	held[0].Close()
	held = held[1:]
	var tc *tls.Conn
	waitFor(t, "a freed place", func() bool {
		tc, err = handshakeFrom(t, ls.TS, flooder)
		return err == nil
	})
	held = append(held, tc)
}

// readLine reads up to a line feed.
func readLine(c net.Conn) (string, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := c.Read(one); err != nil {
			return string(b), err
		}
		if one[0] == '\n' {
			return string(b), nil
		}
		b = append(b, one[0])
	}
}

// TestLimitsMaxConns: at MaxConns, the address holding the most is
// refused more, and a newcomer is served in place of that address's
// least recently active connection.
func TestLimitsMaxConns(t *testing.T) {
	const total = 8
	ls := newLimitServer(t, triotest.H1, trio.Limits{MaxConns: total, MaxConnsPerIP: -1})
	var held []*tls.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range total {
		tc, err := handshakeFrom(t, ls.TS, flooder)
		if err != nil {
			t.Fatalf("connection %d of %d: %v", i+1, total, err)
		}
		held = append(held, tc)
	}
	if _, err := handshakeFrom(t, ls.TS, flooder); !refused(err) {
		t.Fatalf("connection %d from the same address: err = %v; want reset", total+1, err)
	}
	if got := ls.Get(t, "/new"); !strings.Contains(got, "GET /new") {
		t.Fatalf("newcomer's GET = %q", got)
	}
	// The flood's oldest connection made room.
	held[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.ReadAll(held[0]); err != nil && !refused(err) {
		t.Errorf("oldest flood connection: %v; want closed by the server", err)
	}
	for _, c := range held[1:] {
		c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !isTimeout(err) {
			t.Errorf("a younger flood connection: %v; want still open", err)
		}
	}
	if n := ls.hits.Get(trio.LimitMaxConns); n != 2 {
		t.Errorf("max_conns hits = %d; want 2 (one refusal, one eviction)", n)
	}
}

// TestLimitsHandshakes: past MaxHandshakes TLS handshakes in progress, a
// new connection is reset until one ends.
func TestLimitsHandshakes(t *testing.T) {
	const shakes = 3
	ls := newLimitServer(t, triotest.H1, trio.Limits{MaxHandshakes: shakes})
	var silent []net.Conn // TCP connections that never send a ClientHello
	for range shakes {
		silent = append(silent, dialFrom(t, flooder, ls.TLSAddr()))
	}
	// Accept is asynchronous: wait until all are counted, which the first
	// refusal shows.
	waitFor(t, "a refusal", func() bool {
		_, err := handshakeFrom(t, ls.TS, net.IPv4(127, 0, 0, 3))
		return refused(err)
	})
	if n := ls.hits.Get(trio.LimitMaxHandshakes); n < 1 {
		t.Errorf("max_handshakes hits = %d; want 1 or more", n)
	}
	for _, c := range silent {
		c.Close()
	}
	waitFor(t, "handshakes to be allowed again", func() bool {
		tc, err := handshakeFrom(t, ls.TS, net.IPv4(127, 0, 0, 3))
		if err == nil {
			tc.Close()
		}
		return err == nil
	})
}

// TestLimitsPerIPQUIC: TCP and QUIC connections of one address count
// together against MaxConnsPerIP: with its TCP share used up, the address
// is refused over QUIC with CONNECTION_REFUSED, while another address is
// served over HTTP/3; and a QUIC connection released frees its place.
func TestLimitsPerIPQUIC(t *testing.T) {
	const perIP = 2
	ls := newLimitServer(t, triotest.H3, trio.Limits{MaxConnsPerIP: perIP})
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for range perIP {
		tc, err := handshakeFrom(t, ls.TS, flooder)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, tc)
	}
	quicFrom := func() (*quic.Conn, error) {
		udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: flooder})
		if err != nil {
			t.Fatal(err)
		}
		tr := &quic.Transport{Conn: udp}
		t.Cleanup(func() { tr.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return tr.Dial(ctx, ls.Addrs.QUIC[0].LocalAddr(), ls.ClientTLS("h3"), &quic.Config{})
	}
	_, err := quicFrom()
	var te *quic.TransportError
	if !errors.As(err, &te) || te.ErrorCode != quic.ConnectionRefused {
		t.Fatalf("QUIC from an address holding %d TCP connections: %v; want CONNECTION_REFUSED", perIP, err)
	}
	if got := ls.Get(t, "/h3"); !strings.Contains(got, "HTTP/3.0") {
		t.Errorf("another address over h3: %q", got)
	}
	held[0].Close()
	held = held[1:]
	var qc *quic.Conn
	waitFor(t, "a freed place for QUIC", func() bool {
		qc, err = quicFrom()
		return err == nil
	})
	// The QUIC connection now holds the place: TCP is refused until it
	// closes.
	if _, err := handshakeFrom(t, ls.TS, flooder); !refused(err) {
		t.Errorf("TCP with the QUIC connection open: err = %v; want reset", err)
	}
	qc.CloseWithError(0, "")
	waitFor(t, "the QUIC connection's place", func() bool {
		tc, err := handshakeFrom(t, ls.TS, flooder)
		if err == nil {
			held = append(held, tc)
		}
		return err == nil
	})
}
