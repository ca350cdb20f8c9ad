package tlsconf

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// An ACME is a [Source] of certificates from an ACME CA (Let's Encrypt by
// default), obtained and renewed by certmagic: for the names in Domains as
// soon as it is loaded, and for further names at their first handshake if
// OnDemand allows them. It answers http-01 challenges through
// HTTPChallengeHandler (on the cleartext listener) and tls-alpn-01
// challenges through TLSConfig (on the TLS listener).
//
// Obtaining runs in the background, since the challenges need the
// listeners to be serving: Load returns at once, and [ACME.Wait] reports
// each name's outcome. Failures are retried with backoff, as certmagic
// does, for up to 30 days.
//
// The zero value manages no names. An ACME must not be copied after first
// use, and its fields must not change after first use.
type ACME struct {
	// Domains are the names to obtain certificates for at start-up and to
	// keep renewed. Wildcards are not supported (they need dns-01).
	Domains []string

	// CA is the ACME directory URL. If empty, Let's Encrypt's production
	// directory is used.
	CA string

	// TestCA is a directory tried first, whose certificates are thrown
	// away, to find problems without using up the CA's rate limits. If
	// empty, Let's Encrypt's staging directory when CA is empty, else none.
	TestCA string

	// CARoot is a PEM file of root certificates to trust, besides the
	// system's, for the CA's API: needed for private ACME CAs. If empty,
	// only the system's roots are trusted.
	CARoot string

	// Email is the contact address for the ACME account. If empty, the
	// account has none.
	Email string

	// Agreed states that the CA's subscriber agreement (terms of service)
	// is accepted. It must be true for Load to succeed with names to manage.
	Agreed bool

	// HTTPPort is the port of the cleartext listener whose handler is
	// wrapped by HTTPChallengeHandler, and TLSPort that of the TLS listener
	// using TLSConfig. The CA always validates on ports 80 and 443, so
	// other ports must be forwarded from those. certmagic starts its own
	// challenge listener on the port only if nothing listens there. If
	// zero, 80 and 443.
	HTTPPort, TLSPort int

	// DisableHTTPChallenge and DisableTLSALPNChallenge turn off the
	// http-01 and tls-alpn-01 challenges. Turn off http-01 when there is
	// no cleartext listener.
	DisableHTTPChallenge, DisableTLSALPNChallenge bool

	// Storage holds certificates, keys, the ACME account and locks.
	// Instances sharing one Storage share certificates, and only one of
	// them orders each (see the package documentation). If nil, a
	// certmagic.FileStorage in DefaultDir()/certmagic is used.
	Storage certmagic.Storage

	// OnDemand, if set, obtains certificates at the first handshake for
	// names it allows. If nil, only Domains get certificates.
	OnDemand *OnDemand

	// RenewCheckInterval is how often certificates are checked for
	// renewal. If zero, certmagic's default (10 minutes) is used.
	RenewCheckInterval time.Duration

	// Logger receives certmagic's logs and one line per certificate
	// obtained or failed. If nil, slog.Default() is used.
	Logger *slog.Logger

	mu     sync.Mutex // guards state
	state  *acmeState
	closed bool
}

// ErrACMEClosed is returned by the methods of an ACME after Close.
var ErrACMEClosed = errors.New("tlsconf: acme: closed")

// logger returns Logger or its default.
func (a *ACME) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.Default()
	}
	return a.Logger
}

// Load checks the configuration, loads certificates already in Storage
// and starts obtaining the missing ones in the background. A later call
// does nothing; a failed Load is retried by the next call. Its errors name
// the field or file at fault; problems with the CA (unreachable, a name
// refused) are reported by Wait and logged, while other names keep
// serving.
func (a *ACME) Load() error {
	_, err := a.load()
	return err
}

// load returns the running state, starting it on first use.
func (a *ACME) load() (*acmeState, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state != nil {
		return a.state, nil
	}
	if a.closed {
		return nil, ErrACMEClosed
	}
	st, err := newACMEState(a)
	if err != nil {
		return nil, err
	}
	a.state = st
	return st, nil
}

// Close stops obtaining and renewing certificates and the cache's
// maintenance, releasing storage locks. Certificates already loaded are
// still served; an ACME never loaded stays unloaded. Call it once the
// server has shut down.
func (a *ACME) Close() error {
	a.mu.Lock()
	st := a.state
	done := a.closed
	a.closed = true
	a.mu.Unlock()
	if st != nil && !done {
		st.stop()
	}
	return nil
}

// Wait waits until every name in Domains has a certificate or has failed
// at least once, and returns the failures, one line each naming the name
// and the reason, joined. It loads the ACME first if needed.
func (a *ACME) Wait(ctx context.Context) error {
	st, err := a.load()
	if err != nil {
		return err
	}
	return st.names.wait(ctx, st.domainList)
}

// TLSConfig returns a server configuration whose GetCertificate is
// a.GetCertificate, with "acme-tls/1" in NextProtos for tls-alpn-01
// challenges (unless turned off). It implements [Source].
func (a *ACME) TLSConfig() *tls.Config {
	c := &tls.Config{GetCertificate: a.GetCertificate}
	if !a.DisableTLSALPNChallenge {
		c.NextProtos = []string{acmeTLSProto}
	}
	return c
}

// acmeTLSProto is the ALPN protocol of tls-alpn-01 challenges (RFC 8737).
const acmeTLSProto = "acme-tls/1"

// isChallenge reports whether hello is a tls-alpn-01 validation, which
// offers acme-tls/1 and nothing else.
func isChallenge(hello *tls.ClientHelloInfo) bool {
	return hello.ServerName != "" && len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acmeTLSProto
}

// GetCertificate returns the certificate for the server name in hello:
// a tls-alpn-01 challenge certificate, a managed certificate for one of
// Domains, or an on-demand certificate, obtained now if OnDemand allows
// the name. It fails for other names, and for Domains that have no
// certificate yet.
func (a *ACME) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	st, err := a.load()
	if err != nil {
		return nil, err
	}
	return st.getCertificate(hello)
}

// HTTPChallengeHandler returns a handler answering ACME http-01 challenges
// (those started by any instance sharing Storage) and passing every other
// request to next. trio.Server wraps its cleartext handler with it.
func (a *ACME) HTTPChallengeHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if certmagic.LooksLikeHTTPChallenge(r) {
			if st, err := a.load(); err == nil && st.issuer.HandleHTTPChallenge(w, r) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// manages reports whether a has been told about name: it is one of
// Domains or matches OnDemand.Allow. name must be normalized.
func (a *ACME) manages(name string) bool {
	for _, d := range a.Domains {
		if normalizeName(d) == name {
			return true
		}
	}
	return a.OnDemand != nil && matchesAny(name, a.OnDemand.Allow)
}

// asks reports whether a may obtain certificates for names it was not told
// about, by asking OnDemand.Ask.
func (a *ACME) asks() bool {
	return a.OnDemand != nil && a.OnDemand.Ask != ""
}

// acmeErr formats a one-line error about name.
func acmeErr(name string, format string, args ...any) error {
	return fmt.Errorf("tlsconf: acme: %q: %s", name, oneLine(fmt.Sprintf(format, args...)))
}

// cached returns a certificate in the cache for name (exact or
// wildcard), the one expiring last, without obtaining one.
func (a *ACME) cached(name string) (*tls.Certificate, error) {
	a.mu.Lock()
	st := a.state
	a.mu.Unlock()
	if st == nil {
		return nil, acmeErr(name, "not loaded")
	}
	var best *tls.Certificate
	for _, c := range st.cache.AllMatchingCertificates(name) {
		if best == nil || c.Leaf != nil && best.Leaf != nil && c.Leaf.NotAfter.After(best.Leaf.NotAfter) {
			best = &c.Certificate
		}
	}
	if best == nil {
		return nil, acmeErr(name, "no certificate in the cache")
	}
	return best, nil
}
