package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/triohttp/trio/h1"
)

// The lean clients: what a load generator written for the job does (wrk,
// tcpkali), so that the 10,000 clients sharing the machine with the server
// cost it as little as they can. Each is a real WebSocket: a TCP
// connection to an instance, the RFC 6455 handshake (h1.DialWebSocket,
// which checks the 101 and Sec-WebSocket-Accept), then frames parsed as
// they are read (frameReader), with nothing allocated per message. The
// latency still ends when the client has read the whole frame from its
// socket. -client=ws keeps ws.Dial's Conn, a goroutine each and
// ReadMessage, for comparison.

// dialLean opens a WebSocket to addr's path over a new TCP connection and
// returns it with what the server sent past its handshake response.
func dialLean(ctx context.Context, addr, path string) (*net.TCPConn, []byte, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	tc := nc.(*net.TCPConn)
	var key [16]byte
	rand.Read(key[:])
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		tc.Close()
		return nil, nil, err
	}
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key[:]))
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	_, br, err := h1.DialWebSocket(tc, req)
	if err != nil {
		tc.Close()
		return nil, nil, err
	}
	tc.SetDeadline(time.Time{})
	rest, _ := br.Peek(br.Buffered())
	return tc, append([]byte(nil), rest...), nil
}

// A leanMember is one lean client's connection and parser.
type leanMember struct {
	fr  frameReader
	err error // why reading ended early: a frame the bench never sends
}

// feed parses what the member read at now (UnixNano) and records each
// message's latency.
func (m *leanMember) feed(f *fanout, now int64, b []byte) error {
	return m.fr.feed(b, func(p []byte) {
		if len(p) < 16 {
			if m.err == nil {
				m.err = fmt.Errorf("message of %d bytes; the bench sends at least 16", len(p))
			}
			return
		}
		f.received(now, p)
	})
}

// startLeanGoroutines reads each conn on a goroutine of its own into a
// small buffer: the lean client without epoll, for systems other than
// Linux (-client=lean).
func (f *fanout) startLeanGoroutines(conns []*net.TCPConn, rest [][]byte) (func() error, error) {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for i, c := range conns {
		wg.Go(func() {
			var m leanMember
			err := m.feed(f, time.Now().UnixNano(), rest[i])
			buf := make([]byte, 512)
			for err == nil && m.err == nil {
				var n int
				n, err = c.Read(buf)
				now := time.Now().UnixNano()
				if n > 0 {
					if ferr := m.feed(f, now, buf[:n]); ferr != nil {
						err = ferr
					}
				}
			}
			if m.err != nil {
				err = m.err
			}
			if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) && err != errClosed {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	return func() error {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
		return errors.Join(errs...)
	}, nil
}
