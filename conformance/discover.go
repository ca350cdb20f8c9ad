package conformance

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/triohttp/trio/internal/altsvc"
)

// tcpClient is an HTTP client for t over TCP (HTTP/2 or HTTP/1.1 as ALPN
// decides) that does not follow redirects.
func (t *target) tcpClient() *http.Client {
	tr := &http.Transport{TLSClientConfig: t.opts.tlsConfig(t.host), ForceAttemptHTTP2: true}
	return &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
}

// tcpGet fetches t's URL over TCP and returns the response with its body read.
func (t *target) tcpGet(ctx context.Context) (*http.Response, []byte, error) {
	c := t.tcpClient()
	defer c.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, "GET", t.url.String(), nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// advertisedH3 returns the host:port an Alt-Svc h3 alternative in h names,
// relative to t, and the raw values.
func (t *target) advertisedH3(h http.Header) (string, error) {
	vals := h.Values("Alt-Svc")
	if len(vals) == 0 {
		return "", fmt.Errorf("no Alt-Svc header")
	}
	for _, v := range vals {
		svcs, err := altsvc.Parse(v)
		if err != nil {
			return "", fmt.Errorf("Alt-Svc %q: %v", v, err)
		}
		for _, s := range svcs {
			if s.Protocol == "h3" {
				host := s.Host
				if host == "" {
					host = t.host
				}
				return net.JoinHostPort(host, strconv.Itoa(s.Port)), nil
			}
		}
	}
	return "", fmt.Errorf("Alt-Svc %q offers no h3", vals)
}

// findH3 sets t.h3addr: opts.H3Addr, the Alt-Svc h3 alternative, or the TCP
// port, whichever first completes a QUIC handshake. It returns why none did.
func (t *target) findH3(ctx context.Context) string {
	if t.h3addr != "" || t.h3reason != "" {
		return t.h3reason
	}
	if !t.tls {
		t.h3reason = "HTTP/3 needs an https target"
		return t.h3reason
	}
	var candidates []string
	if t.opts.H3Addr != "" {
		candidates = append(candidates, t.opts.H3Addr)
	} else {
		if resp, _, err := t.tcpGet(ctx); err == nil {
			if a, err := t.advertisedH3(resp.Header); err == nil {
				candidates = append(candidates, a)
			}
		}
		candidates = append(candidates, t.addr)
	}
	var errs []string
	for _, a := range candidates {
		t.h3addr = a
		hctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		c, err := t.dialH3(hctx, nil)
		cancel()
		if err == nil {
			c.close()
			return ""
		}
		errs = append(errs, err.Error())
	}
	t.h3addr = ""
	t.h3reason = "no HTTP/3: " + strings.Join(errs, "; ")
	return t.h3reason
}
