package altsvc

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Transport sends requests over TCP until a response advertises h3 in
// Alt-Svc, then sends later requests for that origin over H3, as browsers
// do. A failed HTTP/3 attempt falls back to TCP and forgets the alternative.
type Transport struct {
	TCP http.RoundTripper // HTTP/1.1 and HTTP/2
	H3  http.RoundTripper // HTTP/3, e.g. *http3.Transport

	mu   sync.Mutex
	alts map[string]alt // origin host:port -> alternative
}

type alt struct {
	hostport string
	expires  time.Time
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	origin := req.URL.Host
	if a, ok := t.lookup(origin); ok && req.URL.Scheme == "https" {
		r2 := req.Clone(req.Context())
		r2.URL.Host = a
		r2.Host = req.Host
		if resp, err := t.H3.RoundTrip(r2); err == nil {
			return resp, nil
		}
		t.forget(origin)
	}
	resp, err := t.TCP.RoundTrip(req)
	if err == nil && req.URL.Scheme == "https" {
		t.learn(origin, resp.Header.Values("Alt-Svc"))
	}
	return resp, err
}

func (t *Transport) lookup(origin string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	a, ok := t.alts[origin]
	if !ok || time.Now().After(a.expires) {
		return "", false
	}
	return a.hostport, true
}

func (t *Transport) forget(origin string) {
	t.mu.Lock()
	delete(t.alts, origin)
	t.mu.Unlock()
}

func (t *Transport) learn(origin string, values []string) {
	for _, v := range values {
		svcs, err := Parse(v)
		if err == ErrClear {
			t.forget(origin)
			return
		}
		for _, s := range svcs {
			if s.Protocol != "h3" {
				continue
			}
			host := s.Host
			if host == "" {
				host, _, _ = net.SplitHostPort(origin)
			}
			t.mu.Lock()
			if t.alts == nil {
				t.alts = make(map[string]alt)
			}
			t.alts[origin] = alt{net.JoinHostPort(host, strconv.Itoa(s.Port)), time.Now().Add(s.MaxAge)}
			t.mu.Unlock()
			return
		}
	}
}
