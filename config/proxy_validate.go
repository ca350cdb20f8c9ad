package config

import (
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/triohttp/trio/proxy"
)

// DefaultDrainGrace is Proxy.DrainGrace when absent.
const DefaultDrainGrace = 10 * time.Second

// proxies checks the [[site.proxy]] tables of a site and fills their
// defaults.
func (v *checker) proxies(path string, ps []Proxy) {
	seen := map[string]string{} // prefix -> path of its table
	for i := range ps {
		at := fmt.Sprintf("%s.proxy[%d]", path, i)
		p := &ps[i]
		v.proxyPath(at+".path", p.Path)
		if first, ok := seen[p.Path]; ok && p.Path != "" {
			v.errorf(at+".path", "merge the two tables, listing every upstream in to", "path %q is already proxied by %s", p.Path, first)
		}
		seen[p.Path] = at
		v.proxyTo(at, p)
		v.proxyLB(at, p)
		v.proxyHealth(at+".health", &p.Health)
		v.proxyPassive(at+".passive", &p.Passive)
		for j, tp := range p.TrustedProxies {
			if _, err := parsePrefix(tp); err != nil {
				v.errorf(fmt.Sprintf("%s.trusted_proxies[%d]", at, j), `such as "10.0.0.0/8" or "192.0.2.1"`, "%q is not an IP address or CIDR prefix", tp)
			}
		}
		if p.CAFile != "" {
			p.CAFile = v.file(at+".ca_file", p.CAFile)
			v.caFile(at+".ca_file", p.CAFile)
			if p.InsecureSkipVerify {
				v.errorf(at+".insecure_skip_verify", "remove one: insecure_skip_verify checks nothing, ca_file checks against its roots", "insecure_skip_verify and ca_file contradict each other")
			}
		}
		switch {
		case !v.has(at + ".drain_grace"):
			p.DrainGrace.Duration = DefaultDrainGrace
		case p.DrainGrace.Duration < 0:
			v.errorf(at+".drain_grace", `such as "10s", or "0s" to close them at once`, "expected a duration of 0 or more")
		}
	}
}

// proxyPath checks a proxy's path prefix.
func (v *checker) proxyPath(at, p string) {
	switch {
	case p == "":
		v.errorf(at, `such as path = "/api/", or "/" for every path`, "a proxy needs a path prefix")
	case p[0] != '/':
		v.errorf(at, `such as "/api/"`, "expected a path starting with /, got %q", p)
	case strings.ContainsAny(p, "*?#~"):
		v.errorf(at, `path is a prefix: "/api/" takes /api/ and everything under it`, "expected a path prefix, got the pattern %q", p)
	}
}

// proxyTo checks a proxy's upstreams.
func (v *checker) proxyTo(at string, p *Proxy) {
	if len(p.To) == 0 {
		v.errorf(at+".to", `such as to = ["http://127.0.0.1:9000"]`, "a proxy needs at least one upstream")
	}
	tls := false
	seen := map[string]int{}
	for j, raw := range p.To {
		el := fmt.Sprintf("%s.to[%d]", at, j)
		u, err := proxy.ParseUpstream(raw)
		if err != nil {
			msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("proxy: upstream %q: ", raw))
			v.errorf(el, "write scheme://host:port with a scheme of http, h2c, https or h3", "%s", msg)
			continue
		}
		tls = tls || u.Scheme == "https" || u.Scheme == "h3"
		if first, ok := seen[raw]; ok {
			v.errorf(el, "list each upstream once", "%q is already to[%d]", raw, first)
		}
		seen[raw] = j
	}
	if !tls && len(seen) > 0 {
		if p.CAFile != "" {
			v.errorf(at+".ca_file", "only https and h3 upstreams use TLS", "no upstream uses TLS")
		}
		if p.InsecureSkipVerify {
			v.errorf(at+".insecure_skip_verify", "only https and h3 upstreams use TLS", "no upstream uses TLS")
		}
	}
}

var lbPolicies = []string{"round_robin", "least_conn", "random_two", "hash"}

// proxyLB checks lb and hash_key.
func (v *checker) proxyLB(at string, p *Proxy) {
	switch p.LB {
	case "":
		p.LB = "round_robin"
	case "round_robin", "least_conn", "random_two", "hash":
	default:
		v.errorf(at+".lb", v.oneOf(p.LB, lbPolicies), "%q is not a balancing policy", p.LB)
		return
	}
	if p.HashKey == "" {
		if p.LB == "hash" {
			p.HashKey = "ip"
		}
		return
	}
	if p.LB != "hash" {
		v.errorf(at+".hash_key", `set lb = "hash", or remove hash_key`, "hash_key is for lb = \"hash\", not %q", p.LB)
		return
	}
	kind, name, ok := strings.Cut(p.HashKey, ":")
	if p.HashKey == "ip" || ok && name != "" && (kind == "cookie" || kind == "header" || kind == "query") {
		return
	}
	v.errorf(at+".hash_key", `write "cookie:NAME", "header:NAME", "ip" or "query:NAME"`, "%q is not a hash key", p.HashKey)
}

// proxyHealth checks a proxy's [health] table, if the file has one.
func (v *checker) proxyHealth(at string, h *ProxyHealth) {
	if !v.has(at) {
		return
	}
	switch {
	case h.Path == "":
		v.errorf(at+".path", `such as path = "/healthz"`, "a health check needs a path")
	case h.Path[0] != '/':
		v.errorf(at+".path", `such as "/healthz"`, "expected a path starting with /, got %q", h.Path)
	}
	if v.has(at+".interval") && h.Interval.Duration <= 0 {
		v.errorf(at+".interval", `such as "2s"`, "expected a duration above 0")
	}
	if v.has(at+".timeout") && h.Timeout.Duration <= 0 {
		v.errorf(at+".timeout", `such as "1s"`, "expected a duration above 0")
	}
	if v.has(at+".status") && (h.Status < 100 || h.Status > 599) {
		v.errorf(at+".status", "such as 200; without status, any 2xx passes", "%d is not an HTTP status", h.Status)
	}
}

// proxyPassive checks a proxy's [passive] table, if the file has one.
func (v *checker) proxyPassive(at string, p *ProxyPassive) {
	if !v.has(at) {
		return
	}
	if p.Failures < 1 {
		v.errorf(at+".failures", "such as failures = 3", "expected a number of failures of 1 or more")
	}
	if v.has(at+".window") && p.Window.Duration <= 0 {
		v.errorf(at+".window", `such as "10s"`, "expected a duration above 0")
	}
	if v.has(at+".cooldown") && p.Cooldown.Duration <= 0 {
		v.errorf(at+".cooldown", `such as "30s"`, "expected a duration above 0")
	}
}

// parsePrefix parses a trusted proxy: a CIDR prefix or one address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// caFile checks that file holds PEM certificates.
func (v *checker) caFile(at, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		return // missing: file reported it
	}
	if !x509.NewCertPool().AppendCertsFromPEM(data) {
		v.errorf(at, "give a PEM file of CA certificates: -----BEGIN CERTIFICATE----- blocks", "no certificate in %q", file)
	}
}
