package config

import (
	"log/slog"
	"strings"

	"github.com/triohttp/trio/tlsconf"
)

// router builds the certificate router of c: each site's files for the
// names they cover; ACME for the sites' public hosts (on-demand ones at
// first handshake); the local CA for local names, IP addresses and the
// hosts of sites with issuer = "local". Nothing is started.
func (c *Config) router(logger *slog.Logger) (*tlsconf.Router, error) {
	r := &tlsconf.Router{Local: &tlsconf.LocalCA{Logger: logger}}
	var domains, onDemand []string
	for i := range c.Sites {
		s := &c.Sites[i]
		t := &s.TLS
		if t.Cert != "" {
			f, err := tlsconf.Files(t.Cert, t.Key)
			if err != nil {
				return nil, err
			}
			r.Files = append(r.Files, f)
			continue
		}
		for _, h := range s.Hosts {
			h = normalizeHost(h)
			switch {
			case !usesACME(t, h):
				if !tlsconf.IsLocalName(h) {
					r.Local.Names = append(r.Local.Names, h)
				}
			case t.OnDemand:
				onDemand = append(onDemand, h)
			default:
				domains = append(domains, h)
			}
		}
	}
	if len(domains) > 0 || len(onDemand) > 0 {
		r.ACME = &tlsconf.ACME{
			Domains: domains,
			CA:      c.ACME.CA,
			CARoot:  c.ACME.CARoot,
			Email:   c.ACME.Email,
			Agreed:  true, // a site using ACME accepts the CA's terms, as --domain does
			Logger:  logger,
		}
		if len(onDemand) > 0 {
			r.ACME.OnDemand = &tlsconf.OnDemand{Allow: onDemand}
		}
	}
	return r, nil
}

// usesACMEAnywhere reports whether some site gets certificates from ACME,
// which makes the cleartext listener redirect to https.
func (c *Config) usesACMEAnywhere() bool {
	for i := range c.Sites {
		for _, h := range c.Sites[i].Hosts {
			if usesACME(&c.Sites[i].TLS, strings.ToLower(h)) {
				return true
			}
		}
	}
	return false
}
