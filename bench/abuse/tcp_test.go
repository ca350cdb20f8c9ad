package abuse

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// floodSize is the TLS connection flood of the issue: 20,000 idle
// connections from one address; TRIO_ABUSE_SHORT=1 or -short makes 2,000.
func floodSize() int {
	if testing.Short() || os.Getenv("TRIO_ABUSE_SHORT") != "" {
		return 2000
	}
	return 20000
}

// A flood is what a TLS connection flood got.
type flood struct {
	held    []*tls.Conn // handshakes that completed: idle connections
	at      []time.Time // when each of held completed its handshake
	refused atomic.Int64
	errs    sync.Map // shortErr -> *atomic.Int64
}

// floodTLS opens n TLS connections from the addresses ips (in turn), 256
// at a time and at most rate a second (0: as fast as they go), offering
// h2 to half and http/1.1 to the other half, and keeps those that the
// server lets through the handshake, idle.
func floodTLS(t *testing.T, s *server, n, rate int, ips []net.IP) *flood {
	f := &flood{}
	var mu sync.Mutex
	work := make(chan int)
	var wg sync.WaitGroup
	for range 256 {
		wg.Go(func() {
			for i := range work {
				alpn := "h2"
				if i%2 == 1 {
					alpn = "http/1.1"
				}
				c, err := dialTLS(context.Background(), s, ips[i%len(ips)], alpn)
				if err != nil {
					f.refused.Add(1)
					v, _ := f.errs.LoadOrStore(shortErr(err), new(atomic.Int64))
					v.(*atomic.Int64).Add(1)
					continue
				}
				mu.Lock()
				f.held = append(f.held, c)
				f.at = append(f.at, time.Now())
				mu.Unlock()
			}
		})
	}
	start := time.Now()
	for i := range n {
		if rate > 0 {
			time.Sleep(time.Until(start.Add(time.Duration(i) * time.Second / time.Duration(rate))))
		}
		work <- i
	}
	close(work)
	wg.Wait()
	var es []string
	f.errs.Range(func(k, v any) bool {
		es = append(es, fmt.Sprintf("%s: %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	t.Logf("flood of %d: %d held, %d refused (%s)", n, len(f.held), f.refused.Load(), strings.Join(es, ", "))
	return f
}

// closedWithin waits for the server to close every held connection and
// returns how long the last took, failing t past d.
func (f *flood) closedWithin(t *testing.T, d time.Duration) time.Duration {
	start := time.Now()
	var mu sync.Mutex
	open := map[string]int{} // by ALPN
	var wg sync.WaitGroup
	for _, c := range f.held {
		wg.Go(func() {
			c.SetReadDeadline(start.Add(d))
			_, err := io.Copy(io.Discard, c)
			if err != nil && strings.Contains(err.Error(), "timeout") {
				mu.Lock()
				open[c.ConnectionState().NegotiatedProtocol]++
				mu.Unlock()
			}
			c.Close()
		})
	}
	wg.Wait()
	for alpn, n := range open {
		t.Errorf("%d idle %s connections of %d still open %v after the flood; want them closed (time to first request)", n, alpn, len(f.held), d)
	}
	return time.Since(start).Round(100 * time.Millisecond)
}

// newClientsServed checks that a client new to the server is served over
// h1, h2 and h3 while the flood holds what it could.
func newClientsServed(t *testing.T, s *server) {
	for _, p := range protos {
		c, url := newClient(s, p)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := get(ctx, c, url, p); err != nil {
			t.Errorf("a new %s client during the flood: %v; want served", p, err)
		}
		cancel()
		closeClient(c)
	}
}

// TestTLSFloodOneAddress is the reproduction: 20,000 idle TLS
// connections from one address used to take every file descriptor and
// HTTPS over TCP with it. Now one address holds at most MaxConnsPerIP
// (256); the rest are reset before the handshake, a new client is served
// over h1, h2 and h3, the refusals are logged and counted, and the idle
// ones are closed when the time to a first request (10 s) passes.
func TestTLSFloodOneAddress(t *testing.T) {
	n := floodSize()
	run(t, scenario{name: fmt.Sprintf("TLS flood, %d idle conns, 1 address", n), limits: []string{"max_conns_per_ip", "h2_preface_timeout"}, attack: func(t *testing.T, s *server) string {
		f := floodTLS(t, s, n, 0, []net.IP{attackerIP(0)})
		newClientsServed(t, s)
		if len(f.held) > 256 {
			t.Errorf("one address holds %d connections; want at most 256 (MaxConnsPerIP)", len(f.held))
		}
		took := f.closedWithin(t, 13*time.Second)
		return fmt.Sprintf("%d held, %d reset; idle closed in %v", len(f.held), f.refused.Load(), took)
	}})
}

// TestTLSFloodFDLimit runs the server with 1,024 file descriptors and
// floods it from 10 addresses with 2,000 idle TLS connections, under
// MaxConnsPerIP each: the fd limit is what is hit. The server keeps its
// reserve, so a new client is still served over h1, h2 and h3.
func TestTLSFloodFDLimit(t *testing.T) {
	var ips []net.IP
	for i := range 10 {
		ips = append(ips, attackerIP(i))
	}
	run(t, scenario{name: "TLS flood, 2000 conns, 10 addresses, 1024 fds", nofile: 1024, limits: []string{"max_conns|fd_limit", "h2_preface_timeout"}, attack: func(t *testing.T, s *server) string {
		f := floodTLS(t, s, 2000, 0, ips)
		newClientsServed(t, s)
		st := s.stats(t)
		if st.FDs >= int(st.Nofile) {
			t.Errorf("server has %d fds open of %d; want its reserve kept", st.FDs, st.Nofile)
		}
		took := f.closedWithin(t, 13*time.Second)
		return fmt.Sprintf("%d held, %d reset; idle closed in %v", len(f.held), f.refused.Load(), took)
	}})
}

// TestSlowloris opens 800 TLS connections from 4 addresses (200 a
// second: the handshakes are not the attack) that send their first bytes
// one line, or for HTTP/2 one byte of the client preface, a second. An
// HTTP/1.1 one is answered 408 when ReadHeaderTimeout (10 s) passes since
// its first byte; an HTTP/2 one is closed when the preface timeout (10 s)
// passes.
func TestSlowloris(t *testing.T) {
	run(t, scenario{name: "slowloris, 800 conns", limits: []string{"header_timeout", "h2_preface_timeout"}, attack: func(t *testing.T, s *server) string {
		const conns = 800
		var ips []net.IP
		for i := range 4 {
			ips = append(ips, attackerIP(i))
		}
		f := floodTLS(t, s, conns, 200, ips)
		var got tally
		start := time.Now()
		var last atomic.Int64
		var wg sync.WaitGroup
		for i, c := range f.held {
			wg.Go(func() {
				defer c.Close()
				h2 := c.ConnectionState().NegotiatedProtocol == "h2"
				stop := make(chan struct{})
				begun := f.at[i] // the preface timeout runs from the connection's start
				go func() {
					if !h2 {
						io.WriteString(c, "GET / HTTP/1.1\r\nHost: localhost\r\n")
					}
					for i := 0; ; i++ {
						var err error
						if h2 {
							_, err = io.WriteString(c, http2.ClientPreface[i%len(http2.ClientPreface):][:1])
						} else {
							_, err = fmt.Fprintf(c, "X-%d: a\r\n", i)
						}
						if err != nil {
							return
						}
						select {
						case <-stop:
							return
						case <-time.After(time.Second):
						}
					}
				}()
				ans := h1Status(c, 15*time.Second)
				close(stop)
				took := time.Since(begun)
				last.Store(int64(time.Since(start)))
				switch {
				case h2 && (ans == "EOF" || ans == "reset") && took > 9*time.Second:
					got.add("closed")
				case h2:
					got.add(fmt.Sprintf("h2 %s after %v", ans, took.Round(time.Second)))
				default:
					got.add(ans)
				}
			})
		}
		wg.Wait()
		h1 := got.m["408"]
		res := fmt.Sprintf("h1 408: %d, h2 closed: %d of %d, in %v", h1, got.m["closed"], len(f.held), time.Duration(last.Load()).Round(100*time.Millisecond))
		delete(got.m, "closed")
		got.check(t, "slowloris connections", "408")
		return res
	}})
}
