package tlsconf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
)

// A Router is a [Source] that serves each handshake from the source
// responsible for its server name, so that one server can mix sources:
//
//  1. tls-alpn-01 challenges go to ACME;
//  2. names covered by a certificate in Files (the first that covers it);
//  3. names ACME was told about: its Domains and OnDemand.Allow;
//  4. local names (see [LocalCA]) go to Local;
//  5. other names go to ACME if its OnDemand has an Ask URL.
//
// Handshakes without a server name (clients dialing an IP address) go to
// the first of Files whose certificate covers the IP address the client
// connected to, else to Local, else to the first of Files. Any other name
// fails its handshake.
//
// The zero value serves no names. Its fields must not change after first
// use.
type Router struct {
	// Files serve the names their certificates cover, checked at each
	// handshake so that a reloaded certificate's names count. If empty,
	// none.
	Files []*FileSource

	// ACME serves its Domains and on-demand names, and answers ACME
	// challenges. If nil, no names are served by ACME.
	ACME *ACME

	// Local serves local names and IP addresses. If nil, none.
	Local *LocalCA
}

// Load loads Local and ACME, so that a broken configuration is reported at
// start-up. It joins their errors.
func (r *Router) Load() error {
	var errs []error
	if r.Local != nil {
		errs = append(errs, r.Local.Load())
	}
	if r.ACME != nil {
		errs = append(errs, r.ACME.Load())
	}
	return errors.Join(errs...)
}

// TLSConfig returns a server configuration whose GetCertificate is
// r.GetCertificate, with ACME's NextProtos. It implements [Source].
func (r *Router) TLSConfig() *tls.Config {
	c := &tls.Config{GetCertificate: r.GetCertificate}
	if r.ACME != nil {
		c.NextProtos = r.ACME.TLSConfig().NextProtos
	}
	return c
}

// HTTPChallengeHandler returns ACME's challenge handler in front of next,
// or next if there is no ACME.
func (r *Router) HTTPChallengeHandler(next http.Handler) http.Handler {
	if r.ACME == nil {
		return next
	}
	return r.ACME.HTTPChallengeHandler(next)
}

// GetCertificate returns the certificate for hello from the source
// responsible for its server name (see [Router]).
func (r *Router) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	switch src := r.route(hello).(type) {
	case *ACME:
		return src.GetCertificate(hello)
	case *FileSource:
		return src.getCertificate(hello)
	case *LocalCA:
		return src.GetCertificate(hello)
	}
	name := normalizeName(hello.ServerName)
	if name == "" {
		return nil, errors.New("tlsconf: no certificate for a client without a server name")
	}
	return nil, fmt.Errorf("tlsconf: no certificate for %q: not an ACME domain, not in a certificate file, not a local name", name)
}

// route returns the source responsible for hello, or nil.
func (r *Router) route(hello *tls.ClientHelloInfo) Source {
	if r.ACME != nil && isChallenge(hello) {
		return r.ACME
	}
	name := normalizeName(hello.ServerName)
	if name == "" {
		if ip := connIP(hello); ip != "" {
			for _, f := range r.Files {
				if f.covers(ip) {
					return f
				}
			}
		}
		switch {
		case r.Local != nil:
			return r.Local
		case len(r.Files) > 0:
			return r.Files[0]
		}
		return nil
	}
	for _, f := range r.Files {
		if f.covers(name) {
			return f
		}
	}
	if r.ACME != nil && r.ACME.manages(name) {
		return r.ACME
	}
	if r.Local != nil && checkName(name, r.Local.Names) == nil {
		return r.Local
	}
	if r.ACME != nil && r.ACME.asks() {
		return r.ACME
	}
	return nil
}

// connIP is the IP address the client of hello connected to, or "".
func connIP(hello *tls.ClientHelloInfo) string {
	if hello.Conn == nil || hello.Conn.LocalAddr() == nil {
		return ""
	}
	ap, err := netip.ParseAddrPort(hello.Conn.LocalAddr().String())
	if err != nil {
		return ""
	}
	return ap.Addr().WithZone("").Unmap().String()
}

// Certificate returns the certificate a handshake for serverName would
// get now, without obtaining or issuing one that is not there yet (the
// local CA's leaves excepted, which it issues in memory). It is for
// checks made after the handshake, such as whether the connection's
// certificate covers a request's authority; GetCertificate needs a real
// handshake's ClientHelloInfo.
func (r *Router) Certificate(serverName string) (*tls.Certificate, error) {
	hello := &tls.ClientHelloInfo{ServerName: serverName}
	switch src := r.route(hello).(type) {
	case *ACME:
		return src.cached(normalizeName(serverName))
	case *FileSource:
		return src.Certificate(), nil
	case *LocalCA:
		return src.GetCertificate(hello)
	}
	return nil, fmt.Errorf("tlsconf: no certificate for %q", serverName)
}
