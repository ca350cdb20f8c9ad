package abuse

import (
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
)

// A deafConn is an attacker's UDP socket that hears nothing: it drops
// every packet the server sends (so no handshake ever completes, as with
// a spoofed source address) and counts the Retry packets among them.
type deafConn struct {
	net.PacketConn
	packets, retries *atomic.Int64
}

func (c *deafConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, addr, err
		}
		c.packets.Add(1)
		// A long header (bit 7), fixed bit (6), type 3 (bits 5-4): Retry
		// in QUIC v1 (RFC 9000 section 17.2.5).
		if n > 0 && p[0]&0xf0 == 0xf0 {
			c.retries.Add(1)
		}
	}
}

// TestQUICHandshakeFlood is the reproduction: abandoned QUIC
// handshakes from one address cost the server about 76 KB each and raised
// a good client's p99 from 0.6 to 108 ms. Now past 16 handshakes in
// progress from one address (128 in all) the server answers Retry, which
// costs it nothing; the attacker, who never answers, holds no state.
func TestQUICHandshakeFlood(t *testing.T) {
	t.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true") // the attacker's sockets are wrapped on purpose
	run(t, scenario{name: "QUIC handshake flood, 1 address", limits: []string{"quic_retry_handshakes_per_ip|quic_retry_handshakes"}, attack: func(t *testing.T, s *server) string {
		const (
			sockets   = 20
			perSocket = 100 // Initials from each socket, 5 ms apart
		)
		var packets, retries, dials atomic.Int64
		raddr, err := net.ResolveUDPAddr("udp", s.QUIC)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range sockets {
			pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: attackerIP(0)})
			if err != nil {
				t.Fatal(err)
			}
			tr := &quic.Transport{Conn: &deafConn{PacketConn: pc, packets: &packets, retries: &retries}}
			wg.Go(func() {
				defer tr.Close()
				var dw sync.WaitGroup
				for range perSocket {
					dw.Go(func() {
						ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
						defer cancel()
						dials.Add(1)
						tr.Dial(ctx, raddr, s.cert.ClientTLS("h3"), &quic.Config{HandshakeIdleTimeout: 500 * time.Millisecond})
					})
					time.Sleep(5 * time.Millisecond)
				}
				dw.Wait()
			})
		}
		newH3 := make(chan error, 1)
		go func() {
			time.Sleep(time.Second) // in the thick of it
			c, url := newClient(s, "h3")
			defer closeClient(c)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			newH3 <- get(ctx, c, url, "h3")
		}()
		wg.Wait()
		if err := <-newH3; err != nil {
			t.Errorf("a new h3 client during the flood: %v; want served", err)
		}
		if retries.Load() == 0 {
			t.Errorf("no Retry among %d packets for %d abandoned handshakes; want Retry (address validation)", packets.Load(), dials.Load())
		}
		return fmt.Sprintf("Retry: %d of %d packets to %d handshakes", retries.Load(), packets.Load(), dials.Load())
	}})
}
