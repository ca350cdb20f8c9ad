package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
)

// certFlags choose where certificates come from.
type certFlags struct {
	cert, key     string
	domains       stringList // --domain, repeatable
	acmeCA        string
	acmeCARoot    string
	email         string
	onDemandAllow string

	// share, if set, is given the router once ACME is on it, before
	// obtaining starts: --cluster keeps ACME's storage in NATS.
	share func(*tlsconf.Router)
}

func (c *certFlags) acme() bool { return len(c.domains) > 0 || c.onDemandAllow != "" }

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// router returns the one certificate source for the server: the local CA
// for localhost and IPs, and the --cert files (checked now, so a bad file is
// a usage error) for the names they cover, reloaded when they change.
func (c *certFlags) router(ctx context.Context, logger *slog.Logger) (*tlsconf.Router, error) {
	r := &tlsconf.Router{Local: &tlsconf.LocalCA{Logger: logger}}
	if c.cert != "" {
		f, err := tlsconf.Files(c.cert, c.key)
		if err != nil {
			return nil, err
		}
		r.Files = []*tlsconf.FileSource{f}
		go f.Watch(ctx, 0)
	}
	return r, nil
}

// startACME adds ACME to r for --domain and on-demand names, answering
// challenges on trio's own listeners ls, and starts obtaining. The returned
// stop releases ACME's storage locks; call it after Shutdown.
func (c *certFlags) startACME(ctx context.Context, r *tlsconf.Router, ls *trio.Listeners, logger *slog.Logger) (stop func()) {
	if !c.acme() {
		return func() {}
	}
	a := &tlsconf.ACME{
		Domains: c.domains, CA: c.acmeCA, CARoot: c.acmeCARoot, Email: c.email,
		Agreed:               true, // --domain accepts the CA's terms, as in Caddy; --help says so
		TLSPort:              ls.TLS[0].Addr().(*net.TCPAddr).Port,
		DisableHTTPChallenge: len(ls.Cleartext) == 0,
		Logger:               logger,
	}
	if len(ls.Cleartext) > 0 {
		a.HTTPPort = ls.Cleartext[0].Addr().(*net.TCPAddr).Port
	}
	if c.onDemandAllow != "" {
		a.OnDemand = &tlsconf.OnDemand{Allow: strings.Split(c.onDemandAllow, ",")}
	}
	r.ACME = a
	if c.share != nil {
		c.share(r)
	}
	go func() {
		if err := a.Wait(ctx); err != nil {
			logger.Error(err.Error()) // the names that failed; the others are served
		}
	}()
	return func() { a.Close() }
}

// describe says in one line where certificates come from.
func (c *certFlags) describe() string {
	parts := []string{"local development CA for localhost and IP addresses"}
	if c.cert != "" {
		parts = append(parts, fmt.Sprintf("%s for the names it covers (reloaded on change)", c.cert))
	}
	if len(c.domains) > 0 {
		ca := c.acmeCA
		if ca == "" {
			ca = "Let's Encrypt"
		}
		parts = append(parts, fmt.Sprintf("ACME (%s) for %s", ca, strings.Join(c.domains, ", ")))
	}
	if c.onDemandAllow != "" {
		parts = append(parts, "on-demand ACME for "+c.onDemandAllow)
	}
	return strings.Join(parts, "; ")
}
