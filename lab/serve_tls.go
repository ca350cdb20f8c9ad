package lab

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net/netip"

	"github.com/triohttp/trio/tlsconf"
)

// An originCert is the one certificate every origin serves, issued by the
// local CA for the origins' IP address (and, as every leaf of it, for
// localhost). One fixed leaf, whatever name a client sends, means one key
// to pin in Chromium's --ignore-certificate-errors-spki-list.
type originCert struct {
	cert tls.Certificate
	spki string // base64 SHA-256 of the leaf's SubjectPublicKeyInfo
}

func issueCert(ca *tlsconf.LocalCA, host netip.Addr) (originCert, error) {
	c, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: host.String()})
	if err != nil {
		return originCert{}, fmt.Errorf("lab: certificate for %s from the local CA: %w", host, err)
	}
	sum := sha256.Sum256(c.Leaf.RawSubjectPublicKeyInfo)
	return originCert{cert: *c, spki: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// source returns the certificate source of an origin. The h2 origin's
// pins ALPN to "h2" for every handshake: trio.Server offers "h2" and
// "http/1.1" over TLS, and this origin must speak HTTP/2 only. The h1
// origin gets "http/1.1" alone from trio.Server (its HTTP/2 is off); h3's
// QUIC side offers "h3", and its TCP side both TCP protocols.
func (c originCert) source(origin string) tlsconf.Source {
	return originSource{cert: c.cert, h2only: origin == "h2"}
}

type originSource struct {
	cert   tls.Certificate
	h2only bool
}

func (s originSource) TLSConfig() *tls.Config {
	base := &tls.Config{Certificates: []tls.Certificate{s.cert}}
	if s.h2only {
		h2 := &tls.Config{
			Certificates: base.Certificates,
			MinVersion:   tls.VersionTLS12,
			NextProtos:   []string{"h2"},
		}
		base.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) { return h2, nil }
	}
	return base
}
