package conformance

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/triohttp/trio/ws"
)

// wsTransports are the HTTP versions a WebSocket is opened over: an
// HTTP/1.1 Upgrade (RFC 6455), HTTP/2 (RFC 8441) and HTTP/3 (RFC 9220)
// extended CONNECT.
var wsTransports = []struct{ proto, section string }{
	{"h1", "RFC 6455 §4"}, {"h2", "RFC 8441 §5"}, {"h3", "RFC 9220 §3"},
}

func wsSuite() *suite {
	s := &suite{name: "ws"}
	for _, tr := range wsTransports {
		p := tr.proto
		s.cases = append(s.cases,
			testCase{"ws/" + p + "/handshake", tr.section, "the opening handshake over " + p + " succeeds",
				wsCheck(p, ws.CompressionDisabled, func(context.Context, *ws.Conn) outcome { return pass("open") })},
			testCase{"ws/" + p + "/echo", "RFC 6455 §5.6", "a text and a 70000-byte binary message come back unchanged",
				wsCheck(p, ws.CompressionDisabled, wsEcho)},
			testCase{"ws/" + p + "/ping", "RFC 6455 §5.5.2", "a Ping is answered with a Pong",
				wsCheck(p, ws.CompressionDisabled, func(ctx context.Context, c *ws.Conn) outcome {
					go c.ReadMessage() // pongs are read by a reader
					if err := c.Ping(ctx); err != nil {
						return fail("%v", err)
					}
					return pass("Pong")
				})},
			testCase{"ws/" + p + "/close", "RFC 6455 §5.5.1", "a Close(1000) is answered with a Close frame",
				wsCheck(p, ws.CompressionDisabled, wsClose)},
			testCase{"ws/" + p + "/permessage-deflate", "RFC 7692 §7", "permessage-deflate, when accepted, round-trips a compressible message",
				wsCheck(p, ws.CompressionNoContextTakeover, func(ctx context.Context, c *ws.Conn) outcome {
					if !c.Compressed() {
						return skip("the server declined permessage-deflate")
					}
					return wsEcho(ctx, c)
				})},
		)
	}
	s.cases = append(s.cases, wsRawCases()...)
	return s
}

// wsURL is the ws:// or wss:// URL of t's WebSocket echo endpoint.
func (t *target) wsURL() string {
	u := *t.url
	u.Scheme = map[bool]string{true: "wss", false: "ws"}[t.tls]
	if t.opts.WSPath != "" {
		u.Path, u.RawPath, u.RawQuery = t.opts.WSPath, "", ""
	}
	return u.String()
}

// wsCheck dials t's endpoint over proto and runs f on the connection.
// A server without WebSockets there, or without that transport, is skipped.
func wsCheck(proto string, comp ws.CompressionMode, f func(context.Context, *ws.Conn) outcome) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		if proto == "h3" {
			if why := t.findH3(ctx); why != "" {
				return skip("%s", why)
			}
		}
		opts := &ws.DialOptions{HTTP: proto, Compression: comp}
		if proto == "h1" {
			opts.HTTP = "http/1.1"
		}
		if t.tls {
			opts.TLSClientConfig = t.opts.tlsConfig(t.host)
		}
		url := t.wsURL()
		if proto == "h3" && t.h3addr != t.addr {
			url = strings.Replace(url, t.url.Host, t.h3addr, 1)
		}
		c, resp, err := ws.Dial(ctx, url, opts)
		if err != nil {
			ok := resp != nil && (resp.StatusCode == 101 || proto != "h1" && resp.StatusCode/100 == 2)
			if resp != nil && !ok {
				return skip("no WebSocket at %s over %s: %s", t.wsURL(), proto, resp.Status)
			}
			if proto != "h1" && strings.Contains(err.Error(), "extended CONNECT") {
				return skip("%s: %v", proto, err)
			}
			return fail("handshake over %s: %v", proto, err)
		}
		defer c.CloseNow()
		return f(ctx, c)
	}
}

func wsEcho(ctx context.Context, c *ws.Conn) outcome {
	if dl, ok := ctx.Deadline(); ok {
		c.SetReadDeadline(dl)
	}
	msgs := []struct {
		typ ws.MessageType
		p   []byte
	}{
		{ws.MessageText, []byte("conformance: héllo")},
		{ws.MessageBinary, bytes.Repeat([]byte("0123456789"), 7000)},
	}
	for _, m := range msgs {
		if err := c.WriteMessage(m.typ, m.p); err != nil {
			return fail("writing a %d-byte %v message: %v", len(m.p), m.typ, err)
		}
		typ, got, err := c.ReadMessage()
		if err != nil {
			return fail("reading the echo of a %d-byte %v message: %v", len(m.p), m.typ, err)
		}
		if typ != m.typ || !bytes.Equal(got, m.p) {
			return fail("sent a %d-byte %v message; got a %d-byte %v one", len(m.p), m.typ, len(got), typ)
		}
	}
	return pass("text and %d-byte binary echoed", len(msgs[1].p))
}

func wsClose(_ context.Context, c *ws.Conn) outcome {
	c.Close(ws.StatusNormalClosure, "conformance")
	var ce *ws.CloseError
	if !errors.As(c.Err(), &ce) {
		return fail("%v", c.Err())
	}
	if !ce.Remote {
		return fail("no Close frame from the server: %v", ce)
	}
	return pass("%v", ce)
}
