package abuse

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// bodyTimeout is the body read timeout the stalled-body cases give the
// server (H1.BodyTimeout, H2.BodyTimeout; 60 s by default, as nginx's
// client_body_timeout): the mechanism is the same, the case shorter.
const bodyTimeout = 2 * time.Second

// tally counts answers by name, safe for concurrent use.
type tally struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *tally) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]int{}
	}
	c.m[k]++
}

// check fails t for every answer other than want and returns the tally
// as the table shows it.
func (c *tally) check(t *testing.T, what, want string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for k, n := range c.m {
		parts = append(parts, fmt.Sprintf("%s: %d", k, n))
		if k != want {
			t.Errorf("%d %s: %s; want %s", n, what, k, want)
		}
	}
	return strings.Join(parts, ", ")
}

// h1Status reads the status code of the response on c: "408", or why
// there was none.
func h1Status(c net.Conn, d time.Duration) string {
	c.SetReadDeadline(time.Now().Add(d))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" && errors.Is(err, syscall.ECONNRESET) {
		return "reset"
	}
	if strings.HasPrefix(line, "HTTP/1.1 ") && len(line) >= 12 {
		return line[9:12]
	}
	if err != nil {
		return shortErr(err)
	}
	return fmt.Sprintf("%q", line)
}

// TestStalledBodyH1 sends 200 uploads over HTTP/1.1 that promise 1 MB and
// stop after 100 bytes. A stalled body used to be held open for ever; now
// each is answered 408 once the body read timeout passes.
func TestStalledBodyH1(t *testing.T) {
	spec := fmt.Sprintf("H1.BodyTimeout=%v", bodyTimeout)
	run(t, scenario{name: "stalled body, h1, 200 uploads", spec: spec, limits: []string{"body_timeout"}, attack: func(t *testing.T, s *server) string {
		var got tally
		var wg sync.WaitGroup
		start := time.Now()
		for i := range 200 {
			wg.Go(func() {
				// Dials paced 5 ms apart, so the uploads still stall
				// together (the timeout is 2 s) but the case measures
				// them, not 200 TLS handshakes at one instant, which
				// alone lifted the good client's p99 past its bound.
				time.Sleep(time.Duration(i) * 5 * time.Millisecond)
				c, err := dialTLS(context.Background(), s, attackerIP(i%2), "http/1.1")
				if err != nil {
					got.add("dial: " + shortErr(err))
					return
				}
				defer c.Close()
				io.WriteString(c, "POST /upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000\r\n\r\n"+strings.Repeat("x", 100))
				got.add(h1Status(c, bodyTimeout+10*time.Second))
			})
		}
		wg.Wait()
		return got.check(t, "stalled uploads", "408") + fmt.Sprintf(" in %v", time.Since(start).Round(100*time.Millisecond))
	}})
}

// TestStalledBodyH2 is TestStalledBodyH1 over HTTP/2: 50 streams on each
// of 4 connections; each stream is answered 408 (the response had not
// started).
func TestStalledBodyH2(t *testing.T) {
	spec := fmt.Sprintf("H2.BodyTimeout=%v", bodyTimeout)
	run(t, scenario{name: "stalled body, h2, 200 uploads", spec: spec, limits: []string{"body_timeout"}, attack: func(t *testing.T, s *server) string {
		const streams = 50
		var got tally
		var wg sync.WaitGroup
		start := time.Now()
		for a := range 4 {
			wg.Go(func() {
				hc, err := dialH2(context.Background(), s, attackerIP(a))
				if err != nil {
					got.add("dial: " + shortErr(err))
					return
				}
				defer hc.close()
				for n := range streams {
					id := uint32(2*n + 1)
					hc.headers(id, "POST", "/upload", false, "content-length", "1000000")
					hc.fr.WriteData(id, false, make([]byte, 100))
				}
				hc.w.Flush()
				deadline := time.Now().Add(bodyTimeout + 10*time.Second)
				for hc.answered()+hc.resetCount() < streams && time.Now().Before(deadline) && !isDone(hc.done) {
					time.Sleep(50 * time.Millisecond)
				}
				hc.mu.Lock()
				defer hc.mu.Unlock()
				for n := range streams {
					id := uint32(2*n + 1)
					switch {
					case hc.status[id] != "":
						got.add(hc.status[id])
					case hc.resets[id] != 0:
						got.add("RST_STREAM " + hc.resets[id].String())
					default:
						got.add("no answer")
					}
				}
			})
		}
		wg.Wait()
		return got.check(t, "stalled h2 uploads", "408") + fmt.Sprintf(" in %v", time.Since(start).Round(100*time.Millisecond))
	}})
}

// TestManyHeaderFieldsH1 sends requests of 100,000 header fields (500 KB,
// under MaxHeaderBytes) over HTTP/1.1, from 8 connections for 3 s. h1
// used to accept them; now past MaxHeaderFields (100) each gets 431.
func TestManyHeaderFieldsH1(t *testing.T) {
	run(t, scenario{name: "100,000 header fields, h1", limits: []string{"max_header_fields"}, attack: func(t *testing.T, s *server) string {
		head := "GET / HTTP/1.1\r\nHost: localhost\r\n" + strings.Repeat("a: b\r\n", 100000) + "\r\n"
		var got tally
		var wg sync.WaitGroup
		end := time.Now().Add(attackTime)
		for i := range 8 {
			wg.Go(func() {
				for first := true; first || time.Now().Before(end); first = false {
					next := time.Now().Add(h2Every)
					c, err := dialTLS(context.Background(), s, attackerIP(i%2), "http/1.1")
					if err != nil {
						got.add("dial: " + shortErr(err))
						continue
					}
					go io.WriteString(c, head) // fails once the server answers and closes
					got.add(h1Status(c, 10*time.Second))
					c.Close()
					time.Sleep(time.Until(next))
				}
			})
		}
		wg.Wait()
		return got.check(t, "requests of 100,000 fields", "431")
	}})
}

// resetCount returns how many streams the server reset.
func (hc *h2Conn) resetCount() int {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	return len(hc.resets)
}

// stallReader is a request body that sends 100 bytes, then nothing until
// its context ends.
type stallReader struct {
	ctx  context.Context
	sent bool
}

func (r *stallReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		return copy(p, strings.Repeat("x", 100)), nil
	}
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

// TestStalledBodyH3 is TestStalledBodyH1 over HTTP/3: 50 uploads on each
// of 4 QUIC connections from one address, each answered 408.
func TestStalledBodyH3(t *testing.T) {
	spec := fmt.Sprintf("H3.BodyTimeout=%v", bodyTimeout)
	run(t, scenario{name: "stalled body, h3, 200 uploads", spec: spec, limits: []string{"body_timeout"}, attack: func(t *testing.T, s *server) string {
		var got tally
		var wg sync.WaitGroup
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), bodyTimeout+10*time.Second)
		defer cancel()
		for range 4 {
			pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: attackerIP(0)})
			if err != nil {
				t.Fatal(err)
			}
			qt := &quic.Transport{Conn: pc}
			tr := &http3.Transport{TLSClientConfig: s.cert.ClientTLS(), Dial: func(ctx context.Context, addr string, tc *tls.Config, qc *quic.Config) (*quic.Conn, error) {
				ua, err := net.ResolveUDPAddr("udp", addr)
				if err != nil {
					return nil, err
				}
				return qt.DialEarly(ctx, ua, tc, qc)
			}}
			wg.Go(func() {
				defer qt.Close()
				defer tr.Close()
				var rw sync.WaitGroup
				for range 50 {
					rw.Go(func() {
						req, _ := http.NewRequestWithContext(ctx, "POST", "https://"+s.QUIC+"/upload", &stallReader{ctx: ctx})
						req.ContentLength = 1000000
						resp, err := tr.RoundTrip(req)
						if err != nil {
							got.add(shortErr(err))
							return
						}
						resp.Body.Close()
						got.add(strconv.Itoa(resp.StatusCode))
					})
				}
				rw.Wait()
			})
		}
		wg.Wait()
		return got.check(t, "stalled h3 uploads", "408") + fmt.Sprintf(" in %v", time.Since(start).Round(100*time.Millisecond))
	}})
}
