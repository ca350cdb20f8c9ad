package tlsconf

import (
	"crypto/tls"
	"slices"
	"testing"
)

// protoSource is a Source with its own ALPN protocols, like an ACME source
// answering tls-alpn-01 challenges.
type protoSource struct{ protos []string }

func (s protoSource) TLSConfig() *tls.Config {
	return &tls.Config{NextProtos: s.protos, MinVersion: 0}
}

func TestTCP(t *testing.T) {
	tests := []struct {
		own, protos, want []string
	}{
		{nil, []string{"h2", "http/1.1"}, []string{"h2", "http/1.1"}},
		{[]string{"acme-tls/1"}, []string{"h2", "http/1.1"}, []string{"h2", "http/1.1", "acme-tls/1"}},
		{[]string{"h2"}, []string{"h2", "http/1.1"}, []string{"h2", "http/1.1"}},
		{[]string{"acme-tls/1"}, nil, []string{"acme-tls/1"}},
	}
	for _, tt := range tests {
		src := protoSource{tt.own}
		c := TCP(src, tt.protos...)
		if !slices.Equal(c.NextProtos, tt.want) {
			t.Errorf("TCP(own %q, %q).NextProtos = %q; want %q", tt.own, tt.protos, c.NextProtos, tt.want)
		}
		if c.MinVersion != tls.VersionTLS12 {
			t.Errorf("TCP MinVersion = %x; want TLS 1.2", c.MinVersion)
		}
		if len(tt.own) > 0 && src.protos[0] != tt.own[0] {
			t.Errorf("TCP modified the source's NextProtos")
		}
	}
}

func TestQUIC(t *testing.T) {
	ca := newTestCA(t)
	c := QUIC(ca)
	if c.MinVersion != tls.VersionTLS13 {
		t.Errorf("QUIC MinVersion = %x; want TLS 1.3", c.MinVersion)
	}
	if !slices.Equal(c.NextProtos, []string{"h3"}) {
		t.Errorf("QUIC NextProtos = %q; want [h3]", c.NextProtos)
	}
	if c.GetCertificate == nil {
		t.Error("QUIC GetCertificate = nil; want the source's")
	}
	c = QUIC(protoSource{[]string{"acme-tls/1"}})
	if !slices.Equal(c.NextProtos, []string{"h3"}) {
		t.Errorf("QUIC(acme source).NextProtos = %q; want [h3]", c.NextProtos)
	}
}
