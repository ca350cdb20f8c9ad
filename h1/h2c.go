package h1

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// maxUpgradeBody is the largest request body an `Upgrade: h2c` request may
// carry. The body must be read in full before the switch (RFC 7540 §3.2);
// requests with larger bodies are served over HTTP/1.1, as the RFC allows.
const maxUpgradeBody = 64 << 10

// ServeH2Func serves HTTP/2 on c, whose client asked for it with `Upgrade:
// h2c`. upgrade is the HTTP/1.1 request, to be answered as stream 1, with its
// body already in memory; settings is the decoded HTTP2-Settings payload.
// It returns when the connection is done.
type ServeH2Func func(c net.Conn, upgrade *http.Request, settings []byte)

// UpgradeH2C returns a handler that switches cleartext HTTP/1.1 connections
// to HTTP/2 when the client asks with `Upgrade: h2c` (RFC 7540 §3.2) and
// passes every other request to next. Go's net/http serves prior-knowledge
// h2c itself but has no upgrade path; this is it.
func UpgradeH2C(next http.Handler, serve ServeH2Func) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		settings, ok := h2cUpgrade(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, maxUpgradeBody+1))
		if err != nil {
			http.Error(w, "h1: reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > maxUpgradeBody {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			next.ServeHTTP(w, r)
			return
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			next.ServeHTTP(w, r) // not hijackable (HTTP/2 already?): stay put
			return
		}
		conn.SetDeadline(time.Time{}) // net/http's header timeouts no longer apply
		const switching = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
		if _, err := io.WriteString(conn, switching); err != nil {
			conn.Close()
			return
		}
		up := r.Clone(r.Context())
		up.Body = io.NopCloser(bytes.NewReader(body))
		up.ContentLength = int64(len(body))
		up.Proto, up.ProtoMajor, up.ProtoMinor = "HTTP/2.0", 2, 0 // it is answered as stream 1
		up.Header.Del("Upgrade")
		up.Header.Del("Connection")
		up.Header.Del("Http2-Settings")
		serve(bufferedConn(conn, brw.Reader), up, settings)
	})
}

// h2cUpgrade reports whether r asks to upgrade to h2c, with the decoded
// HTTP2-Settings. The request must carry exactly one HTTP2-Settings field,
// named in Connection along with Upgrade.
func h2cUpgrade(r *http.Request) ([]byte, bool) {
	if r.TLS != nil || r.ProtoMajor != 1 || r.Method == http.MethodConnect {
		return nil, false
	}
	if !hasToken(r.Header["Upgrade"], "h2c") ||
		!hasToken(r.Header["Connection"], "upgrade") ||
		!hasToken(r.Header["Connection"], "http2-settings") {
		return nil, false
	}
	vals := r.Header["Http2-Settings"]
	if len(vals) != 1 {
		return nil, false
	}
	settings, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(vals[0], "="))
	if err != nil || len(settings)%6 != 0 {
		return nil, false
	}
	return settings, true
}

// hasToken reports whether the comma-separated field values hold token,
// compared case-insensitively (RFC 9110 §5.6.1).
func hasToken(values []string, token string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// bufferedConn returns c reading first what br already buffered: a client
// may send its HTTP/2 preface right behind the upgrade request.
func bufferedConn(c net.Conn, br *bufio.Reader) net.Conn {
	if br == nil || br.Buffered() == 0 {
		return c
	}
	head, _ := br.Peek(br.Buffered())
	return &prefixConn{Conn: c, head: bytes.Clone(head)}
}

type prefixConn struct {
	net.Conn
	head []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(p, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}
