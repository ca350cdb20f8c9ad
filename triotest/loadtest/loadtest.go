package loadtest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/ws"
)

// Target says where the load goes.
type Target struct {
	Addr string         // host:port of the TLS listener and the QUIC socket
	Pool *x509.CertPool // roots the server's certificates chain to
	Host string         // the site's name: SNI and :authority, dialed at Addr
	Path string         // GET this path

	WSHost string // the host (as dialed: an IP address) and path of a
	WSPath string // WebSocket echo endpoint; "" for no WebSockets

	// MaxRequests bounds the requests each protocol sends.
	MaxRequests int
}

// A Result is one request as the client saw it.
type Result struct {
	Proto   string // "h1", "h2", "h3"
	Start   time.Time
	End     time.Time // the body was read, or the request failed
	Status  int
	Body    string
	Err     error
	ProtoOK bool // the response came over Proto
}

// A Load is running traffic; Stop ends it.
type Load struct {
	t      Target
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   atomic.Int64

	mu      sync.Mutex
	results []Result
	wsErrs  []error
	echoes  map[string]int // WebSocket echoes per protocol
	closers []io.Closer
}

// wsProtos are the protocols Start opens a WebSocket over.
var wsProtos = []string{"http/1.1", "h2", "h3"}

// Start opens a WebSocket per protocol (if t.WSPath is set) and starts one
// client per protocol sending requests until Stop or MaxRequests.
func Start(t Target) (*Load, error) {
	l := &Load{t: t, echoes: map[string]int{}}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	if t.WSPath != "" {
		for _, proto := range wsProtos {
			c, err := l.dialWS(proto)
			if err != nil {
				l.Stop()
				return nil, fmt.Errorf("loadtest: WebSocket over %s: %w", proto, err)
			}
			l.wg.Go(func() { l.echo(proto, c) })
		}
	}
	for _, proto := range []string{"h1", "h2", "h3"} {
		client := l.client(proto)
		l.wg.Go(func() { l.requests(proto, client) })
	}
	return l, nil
}

func (l *Load) tlsConfig(protos ...string) *tls.Config {
	return &tls.Config{RootCAs: l.t.Pool, ServerName: l.t.Host, NextProtos: protos}
}

// client returns a client for proto that dials Addr whatever the URL's host.
func (l *Load) client(proto string) *http.Client {
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, l.t.Addr)
	}
	var rt http.RoundTripper
	switch proto {
	case "h1", "h2":
		tr := &http.Transport{DialContext: dial, TLSClientConfig: l.tlsConfig(map[string]string{"h1": "http/1.1", "h2": "h2"}[proto])}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(proto == "h1")
		tr.Protocols.SetHTTP2(proto == "h2")
		rt = tr
		l.closers = append(l.closers, closerFunc(tr.CloseIdleConnections))
	case "h3":
		tr := &http3.Transport{
			TLSClientConfig: l.tlsConfig(),
			Dial: func(ctx context.Context, _ string, tc *tls.Config, qc *quic.Config) (*quic.Conn, error) {
				return quic.DialAddrEarly(ctx, l.t.Addr, tc, qc)
			},
		}
		rt = tr
		l.closers = append(l.closers, tr)
	}
	return &http.Client{Transport: rt, Timeout: 10 * time.Second}
}

type closerFunc func()

func (f closerFunc) Close() error { f(); return nil }

var wantProto = map[string]int{"h1": 1, "h2": 2, "h3": 3}

func (l *Load) requests(proto string, c *http.Client) {
	_, port, _ := net.SplitHostPort(l.t.Addr)
	url := "https://" + net.JoinHostPort(l.t.Host, port) + l.t.Path
	for range l.t.MaxRequests {
		if l.ctx.Err() != nil {
			return
		}
		r := Result{Proto: proto, Start: time.Now()}
		resp, err := c.Get(url)
		if err == nil {
			var b []byte
			b, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			r.Status, r.Body, r.ProtoOK = resp.StatusCode, string(b), resp.ProtoMajor == wantProto[proto]
		}
		r.Err, r.End = err, time.Now()
		l.sent.Add(1)
		l.mu.Lock()
		l.results = append(l.results, r)
		l.mu.Unlock()
	}
}

func (l *Load) dialWS(proto string) (*ws.Conn, error) {
	ctx, cancel := context.WithTimeout(l.ctx, 10*time.Second)
	defer cancel()
	_, port, _ := net.SplitHostPort(l.t.Addr)
	origin := "https://" + net.JoinHostPort(l.t.WSHost, port)
	c, _, err := ws.Dial(ctx, "wss://"+net.JoinHostPort(l.t.WSHost, port)+l.t.WSPath, &ws.DialOptions{
		HTTP:            proto,
		TLSClientConfig: &tls.Config{RootCAs: l.t.Pool},
		Header:          http.Header{"Origin": {origin}},
	})
	return c, err
}

// echo sends numbered messages and checks each comes back, until Stop.
func (l *Load) echo(proto string, c *ws.Conn) {
	defer c.CloseNow()
	for i := 0; l.ctx.Err() == nil; i++ {
		msg := proto + " " + strconv.Itoa(i)
		err := c.WriteMessage(ws.MessageText, []byte(msg))
		var got []byte
		if err == nil {
			_, got, err = c.ReadMessage()
		}
		if err == nil && string(got) != msg {
			err = fmt.Errorf("echo %q; want %q", got, msg)
		}
		if err != nil {
			l.mu.Lock()
			l.wsErrs = append(l.wsErrs, fmt.Errorf("WebSocket over %s, message %d: %w", proto, i, err))
			l.mu.Unlock()
			return
		}
		l.mu.Lock()
		l.echoes[proto]++
		l.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	c.Close(ws.StatusNormalClosure, "")
}

// Sent is how many requests have completed so far.
func (l *Load) Sent() int { return int(l.sent.Load()) }

// Stop ends the load, closes the WebSockets normally, and returns every
// request's result, the WebSockets' errors, and the echoes per protocol.
func (l *Load) Stop() (results []Result, wsErrs []error, echoes map[string]int) {
	l.cancel()
	l.wg.Wait()
	for _, c := range l.closers {
		c.Close()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.results, l.wsErrs, l.echoes
}

// Get sends t.MaxRequests requests per protocol, one after the other, and
// returns their results.
func Get(t Target) []Result {
	l := &Load{t: t}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	defer l.cancel()
	for _, proto := range []string{"h1", "h2", "h3"} {
		l.requests(proto, l.client(proto))
	}
	for _, c := range l.closers {
		c.Close()
	}
	return l.results
}

// Echoes returns how many WebSocket echoes each protocol has had so far.
func (l *Load) Echoes() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.echoes)
}

// WaitEchoes waits until every WebSocket has echoed n more messages, at
// most timeout, and reports whether they did. Each protocol's WebSocket
// counts, including one that has not echoed yet; without WebSockets it
// reports false.
func (l *Load) WaitEchoes(n int, timeout time.Duration) bool {
	if l.t.WSPath == "" {
		return false
	}
	start := l.Echoes()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		now, done := l.Echoes(), true
		for _, p := range wsProtos {
			k := start[p]
			if now[p] < k+n {
				done = false
			}
		}
		if done {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}
