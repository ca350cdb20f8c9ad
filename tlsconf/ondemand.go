package tlsconf

import (
	"context"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/caddyserver/certmagic"
)

// OnDemand lets an [ACME] obtain a certificate at the first handshake for
// a name it was not configured with. A name is allowed if it matches
// Allow or, failing that, if Ask approves it; the zero value allows no
// name. A name that is not allowed fails its handshake, and no order is
// placed for it. Orders are rate limited, so that allowed names cannot
// make trio flood the CA.
type OnDemand struct {
	// Allow lists names to obtain certificates for; "*.example.com"
	// matches one label under example.com.
	Allow []string

	// Ask is an http or https URL asked about names not in Allow: a GET
	// to Ask with the query parameter domain=NAME; status 200 allows the
	// name, any other refuses it. If empty, only Allow counts.
	Ask string

	// RateLimit is how many on-demand orders may be placed per
	// RateWindow; beyond it handshakes needing a new certificate fail.
	// If zero, 10 per minute.
	RateLimit  int
	RateWindow time.Duration

	// AskTimeout bounds each Ask request. If zero, 10 seconds.
	AskTimeout time.Duration
}

// check reports a configuration error.
func (o *OnDemand) check() error {
	if o.Ask == "" {
		return nil
	}
	u, err := url.Parse(o.Ask)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("tlsconf: acme: on-demand ask URL %q is not an http or https URL", o.Ask)
	}
	return nil
}

// decide is certmagic's DecisionFunc: nil allows an order for name.
func (o *OnDemand) decide(ctx context.Context, name string) error {
	if matchesAny(name, o.Allow) {
		return nil
	}
	if o.Ask == "" {
		return fmt.Errorf("%q is not in the on-demand allow-list", name)
	}
	return o.ask(ctx, name)
}

// ask asks the Ask URL about name.
func (o *OnDemand) ask(ctx context.Context, name string) error {
	u, _ := url.Parse(o.Ask) // checked by check
	q := u.Query()
	q.Set("domain", name)
	u.RawQuery = q.Encode()
	timeout := o.AskTimeout
	if timeout == 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("asking %s: %v", o.Ask, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking %s: %v", o.Ask, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s refused %q with status %d", o.Ask, name, resp.StatusCode)
	}
	return nil
}

// limit wraps iss so that it places at most RateLimit orders per
// RateWindow.
func (o *OnDemand) limit(iss *certmagic.ACMEIssuer) *limitedIssuer {
	n, window := o.RateLimit, o.RateWindow
	if n <= 0 {
		n = 10
	}
	if window <= 0 {
		window = time.Minute
	}
	return &limitedIssuer{ACMEIssuer: iss, limiter: certmagic.NewRateLimiter(n, window)}
}

// A limitedIssuer is an ACMEIssuer with a rate limit on orders.
type limitedIssuer struct {
	*certmagic.ACMEIssuer
	limiter *certmagic.RingBufferRateLimiter
}

// Issue places an order, unless the rate limit is reached: then the
// handshake fails at once, not retried later.
func (l *limitedIssuer) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	if !l.limiter.Allow() {
		err := fmt.Errorf("on-demand rate limit reached (%d orders per %v)", l.limiter.MaxEvents(), l.limiter.Window())
		return nil, certmagic.ErrNoRetry{Err: err}
	}
	return l.ACMEIssuer.Issue(ctx, csr)
}
