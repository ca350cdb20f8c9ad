package load

import (
	"io"
	"net/http"
	"net/url"

	"github.com/quic-go/quic-go/http3"
)

// newTransport returns a RoundTripper that opens exactly one connection to
// u, speaking p. Compression is off: a load test measures what the server
// sends by default, as wrk and h2load do.
func newTransport(p Proto, u *url.URL, o *Options) (http.RoundTripper, error) {
	switch p {
	case H3:
		tc, err := o.tlsConfig(http3.NextProtoH3)
		if err != nil {
			return nil, err
		}
		return &http3.Transport{TLSClientConfig: tc, DisableCompression: true}, nil
	case H2:
		tc, err := o.tlsConfig("h2")
		if err != nil {
			return nil, err
		}
		tr := &http.Transport{TLSClientConfig: tc, DisableCompression: true, ForceAttemptHTTP2: true}
		tr.Protocols = new(http.Protocols)
		if u.Scheme == "http" {
			tr.Protocols.SetUnencryptedHTTP2(true)
		} else {
			tr.Protocols.SetHTTP2(true)
		}
		// Strict: queue on the one connection rather than open a second.
		tr.HTTP2 = &http.HTTP2Config{StrictMaxConcurrentRequests: true}
		return tr, nil
	default:
		tc, err := o.tlsConfig("http/1.1")
		if err != nil {
			return nil, err
		}
		tr := &http.Transport{
			TLSClientConfig:     tc,
			DisableCompression:  true,
			MaxConnsPerHost:     1,
			MaxIdleConnsPerHost: 1,
		}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(true) // never h2, whatever the server offers
		return tr, nil
	}
}

// closeTransport releases rt's connections.
func closeTransport(rt http.RoundTripper) {
	if c, ok := rt.(io.Closer); ok {
		c.Close()
	}
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
