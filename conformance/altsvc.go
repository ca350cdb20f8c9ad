package conformance

import (
	"context"
	"io"
	"net/http"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/internal/altsvc"
)

func altsvcSuite() *suite {
	return &suite{
		name: "altsvc",
		setup: func(ctx context.Context, t *target) string {
			if !t.tls {
				return "Alt-Svc to HTTP/3 needs an https target"
			}
			return ""
		},
		cases: []testCase{
			{"altsvc/advertised", "RFC 7838 §3", "a TCP response carries a well-formed Alt-Svc with an h3 alternative",
				func(ctx context.Context, t *target) outcome {
					resp, _, err := t.tcpGet(ctx)
					if err != nil {
						return fail("GET over TCP: %v", err)
					}
					if len(resp.Header.Values("Alt-Svc")) == 0 {
						return skip("no Alt-Svc on %s: the server does not advertise HTTP/3", resp.Proto)
					}
					a, err := t.advertisedH3(resp.Header)
					if err != nil {
						return fail("%v", err)
					}
					return pass("%s: Alt-Svc %q -> %s", resp.Proto, resp.Header.Get("Alt-Svc"), a)
				}},
			{"altsvc/on-every-protocol", "RFC 9114 §3.1.1", "Alt-Svc is sent over both HTTP/1.1 and HTTP/2",
				checkAltSvcBoth},
			{"altsvc/honoured", "RFC 7838 §2", "a client following Alt-Svc gets the same resource over HTTP/3",
				checkAltSvcHonoured},
		},
	}
}

func checkAltSvcBoth(ctx context.Context, t *target) outcome {
	var seen []string
	for _, proto := range []string{"http/1.1", "h2"} {
		tr := &http.Transport{TLSClientConfig: t.opts.tlsConfig(t.host, proto)}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(proto == "http/1.1")
		tr.Protocols.SetHTTP2(proto == "h2")
		resp, err := fetch(ctx, &http.Client{Transport: tr}, t.url.String())
		tr.CloseIdleConnections()
		if err != nil {
			if proto == "h2" {
				seen = append(seen, "no HTTP/2")
				continue
			}
			return fail("GET over %s: %v", proto, err)
		}
		if _, err := t.advertisedH3(resp.Header); err != nil {
			if len(resp.Header.Values("Alt-Svc")) == 0 && len(seen) == 0 {
				return skip("no Alt-Svc on %s: the server does not advertise HTTP/3", resp.Proto)
			}
			return fail("%s: %v", resp.Proto, err)
		}
		seen = append(seen, resp.Proto+" advertises h3")
	}
	return pass("%v", seen)
}

// checkAltSvcHonoured uses the Alt-Svc following transport browsers model:
// the first request goes over TCP, the second over HTTP/3.
func checkAltSvcHonoured(ctx context.Context, t *target) outcome {
	h3 := &http3.Transport{TLSClientConfig: t.opts.tlsConfig(t.host)}
	defer h3.Close()
	tcp := &http.Transport{TLSClientConfig: t.opts.tlsConfig(t.host), ForceAttemptHTTP2: true}
	defer tcp.CloseIdleConnections()
	c := &http.Client{Transport: &altsvc.Transport{TCP: tcp, H3: h3}}
	first, err := fetch(ctx, c, t.url.String())
	if err != nil {
		return fail("first GET: %v", err)
	}
	if _, err := t.advertisedH3(first.Header); err != nil {
		if len(first.Header.Values("Alt-Svc")) == 0 {
			return skip("no Alt-Svc: the server does not advertise HTTP/3")
		}
		return fail("%v", err)
	}
	second, err := fetch(ctx, c, t.url.String())
	switch {
	case err != nil:
		return fail("second GET: %v", err)
	case second.ProtoMajor != 3:
		return fail("second GET went over %s: the advertised h3 endpoint did not answer", second.Proto)
	case second.StatusCode != first.StatusCode:
		return fail("%s %s, then %s %s", first.Proto, first.Status, second.Proto, second.Status)
	case second.ContentLength != first.ContentLength:
		return fail("Content-Length %d over %s, %d over %s", first.ContentLength, first.Proto, second.ContentLength, second.Proto)
	}
	return pass("%s %s, then %s %s", first.Proto, first.Status, second.Proto, second.Status)
}

// fetch GETs url with c and reads the body.
func fetch(ctx context.Context, c *http.Client, url string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp, err
}
