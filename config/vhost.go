package config

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"strings"
	"sync"

	"github.com/triohttp/trio/observe"
)

// A vhost routes each request to the site claiming its host, on every
// protocol: r.Host is the Host header on HTTP/1.1 and :authority on
// HTTP/2 and HTTP/3.
type vhost struct {
	exact map[string]*siteEntry // "a.example.com"
	wild  map[string]*siteEntry // "example.com" for "*.example.com"
	def   *siteEntry            // unknown hosts; nil means 404

	// cert returns the certificate the router serves for a server name;
	// nil turns the 421 check off.
	cert   func(serverName string) (*tls.Certificate, error)
	covers coverCache
}

// A siteEntry is one site's handler and name.
type siteEntry struct {
	name    string
	handler http.Handler
}

// site returns the site for host (normalized), or nil: an exact name
// first, then a wildcard for one label.
func (v *vhost) site(host string) *siteEntry {
	if s := v.exact[host]; s != nil {
		return s
	}
	if _, parent, ok := strings.Cut(host, "."); ok {
		if s := v.wild[parent]; s != nil {
			return s
		}
	}
	return v.def
}

func (v *vhost) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := normalizeHost(r.Host)
	if r.TLS != nil && !v.covered(r.TLS.ServerName, host) {
		// RFC 9110 §15.5.20: the connection's certificate does not cover
		// the authority, so a client that reused it should open another.
		http.Error(w, "421 Misdirected Request", http.StatusMisdirectedRequest)
		return
	}
	s := v.site(host)
	if s == nil {
		http.Error(w, "404 Not Found", http.StatusNotFound)
		return
	}
	observe.SetSite(r, s.name)
	s.handler.ServeHTTP(w, r)
}

// covered reports whether the certificate served for the server name
// sni covers host. Without SNI (clients dialing an IP address) or with
// host equal to it, it does.
func (v *vhost) covered(sni, host string) bool {
	sni = normalizeHost(sni)
	if sni == "" || sni == host || v.cert == nil {
		return true
	}
	cert, err := v.cert(sni)
	if err != nil || cert == nil {
		return false
	}
	return v.covers.check(cert, host)
}

// A coverCache remembers, per certificate and host, whether the
// certificate is valid for the host. Its size is bounded, since hosts
// come from clients.
type coverCache struct {
	mu sync.Mutex
	m  map[coverKey]bool
}

type coverKey struct {
	leaf *x509.Certificate
	host string
}

// maxCovers bounds a coverCache; when full it starts again empty.
const maxCovers = 4096

func (c *coverCache) check(cert *tls.Certificate, host string) bool {
	leaf := cert.Leaf
	if leaf == nil {
		if len(cert.Certificate) == 0 {
			return false
		}
		var err error
		if leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return false
		}
		return leaf.VerifyHostname(host) == nil // no stable key to remember it by
	}
	k := coverKey{leaf, host}
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok, hit := c.m[k]; hit {
		return ok
	}
	if c.m == nil || len(c.m) >= maxCovers {
		c.m = make(map[coverKey]bool)
	}
	ok := leaf.VerifyHostname(host) == nil
	c.m[k] = ok
	return ok
}
