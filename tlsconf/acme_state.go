package tlsconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// An acmeState is a loaded ACME: certmagic configurations sharing one
// cache and one storage.
type acmeState struct {
	managed  *certmagic.Config // Domains, obtained at start-up
	onDemand *certmagic.Config // names obtained at handshakes; nil without OnDemand
	issuer   *certmagic.ACMEIssuer
	limited  *limitedIssuer // the on-demand issuer; nil without OnDemand
	cache    *certmagic.Cache
	cancel   context.CancelFunc

	domains    map[string]bool
	domainList []string
	names      nameStates
}

// newACMEState checks a's configuration and starts managing its Domains.
func newACMEState(a *ACME) (*acmeState, error) {
	st := &acmeState{domains: make(map[string]bool)}
	for _, d := range a.Domains {
		name := normalizeName(d)
		if strings.HasPrefix(name, "*.") {
			return nil, fmt.Errorf("tlsconf: acme: domain %q: wildcards need the dns-01 challenge, which trio does not support", d)
		}
		if !validHostname(name) {
			return nil, fmt.Errorf("tlsconf: acme: domain %q is not a valid host name", d)
		}
		if !st.domains[name] {
			st.domains[name] = true
			st.domainList = append(st.domainList, name)
		}
	}
	if a.OnDemand != nil {
		if err := a.OnDemand.check(); err != nil {
			return nil, err
		}
	}
	if (len(st.domainList) > 0 || a.OnDemand != nil) && !a.Agreed {
		return nil, fmt.Errorf("tlsconf: acme: Agreed is false: the CA's terms of service must be accepted")
	}
	if a.DisableHTTPChallenge && a.DisableTLSALPNChallenge {
		return nil, fmt.Errorf("tlsconf: acme: both the http-01 and tls-alpn-01 challenges are turned off")
	}
	if a.CA != "" {
		if u, err := url.Parse(a.CA); err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("tlsconf: acme: CA %q is not an https URL", a.CA)
		}
	}
	roots, err := loadRoots(a.CARoot)
	if err != nil {
		return nil, err
	}
	storage := a.Storage
	if storage == nil {
		storage = &certmagic.FileStorage{Path: filepath.Join(DefaultDir(), "certmagic")}
	}

	zl := zap.New(slogCore{a.logger().Handler()})
	st.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   st.configFor,
		RenewCheckInterval: a.RenewCheckInterval,
		Logger:             zl,
	})
	template := certmagic.ACMEIssuer{
		CA:                      a.CA,
		TestCA:                  a.TestCA,
		Email:                   a.Email,
		Agreed:                  a.Agreed,
		TrustedRoots:            roots,
		AltHTTPPort:             a.HTTPPort,
		AltTLSALPNPort:          a.TLSPort,
		DisableHTTPChallenge:    a.DisableHTTPChallenge,
		DisableTLSALPNChallenge: a.DisableTLSALPNChallenge,
		Logger:                  zl,
	}
	base := certmagic.Config{Storage: storage, Logger: zl, OnEvent: st.onEvent(a.logger())}
	st.managed = certmagic.New(st.cache, base)
	st.issuer = certmagic.NewACMEIssuer(st.managed, template)
	st.managed.Issuers = []certmagic.Issuer{st.issuer}
	if a.OnDemand != nil {
		od := base
		od.OnDemand = &certmagic.OnDemandConfig{DecisionFunc: a.OnDemand.decide}
		st.onDemand = certmagic.New(st.cache, od)
		st.limited = a.OnDemand.limit(certmagic.NewACMEIssuer(st.onDemand, template))
		st.onDemand.Issuers = []certmagic.Issuer{st.limited}
	}

	ctx, cancel := context.WithCancel(context.Background())
	st.cancel = cancel
	if err := st.managed.ManageAsync(ctx, st.domainList); err != nil {
		st.stop()
		return nil, fmt.Errorf("tlsconf: acme: %v", oneLine(err.Error()))
	}
	return st, nil
}

// configFor returns the configuration maintaining cert: the managed one
// for Domains, else the on-demand one.
func (st *acmeState) configFor(cert certmagic.Certificate) (*certmagic.Config, error) {
	if st.onDemand == nil {
		return st.managed, nil
	}
	for _, n := range cert.Names {
		if !st.domains[n] {
			return st.onDemand, nil
		}
	}
	return st.managed, nil
}

// stop ends management, the cache's maintenance and the rate limiter.
func (st *acmeState) stop() {
	st.cancel()
	st.cache.Stop()
	if st.limited != nil {
		st.limited.limiter.Stop()
	}
}

// getCertificate serves a handshake: see ACME.GetCertificate.
func (st *acmeState) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if isChallenge(hello) {
		return st.managed.GetCertificate(hello)
	}
	name := normalizeName(hello.ServerName)
	if name == "" {
		return nil, fmt.Errorf("tlsconf: acme: no certificate for a client without a server name")
	}
	if st.domains[name] {
		cert, err := st.managed.GetCertificate(hello)
		if err != nil {
			if last := st.names.err(name); last != nil {
				return nil, fmt.Errorf("tlsconf: acme: %q: no certificate yet; last attempt: %w", name, last)
			}
			return nil, acmeErr(name, "no certificate yet")
		}
		return cert, nil
	}
	if st.onDemand == nil {
		return nil, acmeErr(name, "not one of the ACME domains")
	}
	cert, err := st.onDemand.GetCertificate(hello)
	if err != nil {
		return nil, acmeErr(name, "on-demand: %v", err)
	}
	return cert, nil
}

// loadRoots returns the system roots plus those in file, or nil (the
// system roots) if file is empty.
func loadRoots(file string) (*x509.CertPool, error) {
	if file == "" {
		return nil, nil
	}
	data, err := readPEMFile("CA root", file)
	if err != nil {
		return nil, err
	}
	ders, err := certDERs(data)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: CA root file %q: %v", file, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	for _, der := range ders {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("tlsconf: CA root file %q: %v", file, err)
		}
		pool.AddCert(cert)
	}
	return pool, nil
}

// oneLine joins the lines of a message.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
