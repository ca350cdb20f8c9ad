package abuse

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// attackerIP returns the i-th attacker address, 127.0.0.2 onwards: the
// good client is 127.0.0.1, another client to the server's limits.
func attackerIP(i int) net.IP { return net.IPv4(127, 0, byte(i/250), byte(2+i%250)) }

// dialTLS connects from ip to s's TLS listener offering alpn and completes
// the handshake.
func dialTLS(ctx context.Context, s *server, ip net.IP, alpn string) (*tls.Conn, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	c, err := d.DialContext(ctx, "tcp", s.TLS)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, s.cert.ClientTLS(alpn))
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

// An h2Conn is an attacker speaking raw HTTP/2 frames.
type h2Conn struct {
	c      *tls.Conn
	w      *bufio.Writer // frames go out in 64 KiB writes, as a flood's would
	fr     *http2.Framer
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	done   chan struct{} // closed when the reader stops
	goAway http2.ErrCode // the GOAWAY's code, if one came
	gotGA  bool
	mu     sync.Mutex        // guards status and resets while the reader runs
	status map[uint32]string // :status of each response
	resets map[uint32]http2.ErrCode
	err    error // why the reader stopped
}

// dialH2 connects from ip, sends the preface and empty SETTINGS, and reads
// frames until the connection ends.
func dialH2(ctx context.Context, s *server, ip net.IP) (*h2Conn, error) {
	c, err := dialTLS(ctx, s, ip, "h2")
	if err != nil {
		return nil, err
	}
	if p := c.ConnectionState().NegotiatedProtocol; p != "h2" {
		c.Close()
		return nil, fmt.Errorf("ALPN %q; want h2", p)
	}
	hc := &h2Conn{c: c, done: make(chan struct{}), status: map[uint32]string{}, resets: map[uint32]http2.ErrCode{}}
	hc.w = bufio.NewWriterSize(c, 64<<10)
	hc.fr = http2.NewFramer(hc.w, c)
	hc.enc = hpack.NewEncoder(&hc.encBuf)
	if _, err := io.WriteString(c, http2.ClientPreface); err != nil {
		c.Close()
		return nil, err
	}
	hc.fr.WriteSettings()
	hc.w.Flush()
	rfr := http2.NewFramer(io.Discard, c)
	rfr.SetMaxReadFrameSize(1 << 24)
	dec := hpack.NewDecoder(4096, nil)
	go func() {
		defer close(hc.done)
		for {
			f, err := rfr.ReadFrame()
			if err != nil {
				hc.err = err
				return
			}
			switch f := f.(type) {
			case *http2.GoAwayFrame:
				hc.goAway, hc.gotGA = f.ErrCode, true
			case *http2.RSTStreamFrame:
				hc.mu.Lock()
				hc.resets[f.StreamID] = f.ErrCode
				hc.mu.Unlock()
			case *http2.HeadersFrame:
				fields, _ := dec.DecodeFull(f.HeaderBlockFragment())
				for _, hf := range fields {
					if hf.Name == ":status" {
						hc.mu.Lock()
						hc.status[f.StreamID] = hf.Value
						hc.mu.Unlock()
					}
				}
			}
		}
	}()
	return hc, nil
}

// headers sends a request's HEADERS for stream id with extra fields.
func (hc *h2Conn) headers(id uint32, method, path string, end bool, extra ...string) error {
	hc.encBuf.Reset()
	f := append([]string{":method", method, ":scheme", "https", ":authority", "localhost", ":path", path}, extra...)
	for i := 0; i+1 < len(f); i += 2 {
		hc.enc.WriteField(hpack.HeaderField{Name: f[i], Value: f[i+1]})
	}
	return hc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hc.encBuf.Bytes(), EndStream: end, EndHeaders: true})
}

// answered returns how many responses came.
func (hc *h2Conn) answered() int {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	return len(hc.status)
}

// wait waits up to d for the server to end the connection, and reports
// whether it did.
func (hc *h2Conn) wait(d time.Duration) bool {
	select {
	case <-hc.done:
		return true
	case <-time.After(d):
		return false
	}
}

func (hc *h2Conn) close() {
	hc.c.Close()
	<-hc.done
}

// answer describes how the server ended hc: "GOAWAY ENHANCE_YOUR_CALM".
func (hc *h2Conn) answer() string {
	if hc.gotGA {
		return "GOAWAY " + hc.goAway.String()
	}
	if hc.err != nil {
		return "closed: " + shortErr(hc.err)
	}
	return "none"
}

// shortErr names an error the way the table can: "EOF", "reset".
func shortErr(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "EOF"
	case strings.Contains(err.Error(), "connection reset"):
		return "reset"
	case strings.Contains(err.Error(), "timeout"):
		return "timeout"
	}
	return err.Error()
}
