package config

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/net/http/httpguts"

	"github.com/triohttp/trio/tlsconf"
)

// site checks the site at path and fills its defaults.
func (v *checker) site(path string, s *Site) {
	if len(s.Hosts) == 0 {
		v.errorf(path+".hosts", `such as hosts = ["example.com", "*.example.com"]`, "a site needs at least one host")
	}
	for i, h := range s.Hosts {
		v.host(fmt.Sprintf("%s.hosts[%d]", path, i), h)
	}
	if s.Name == "" && len(s.Hosts) > 0 {
		s.Name = normalizeHost(s.Hosts[0])
	}
	first, taken := v.names[s.Name]
	switch {
	case !taken:
		v.names[s.Name] = path
	case v.has(path + ".name"):
		v.errorf(path+".name", "set name to tell the sites apart", "name %q is already the name of %s", s.Name, first)
	case strings.HasPrefix(v.hosts[s.Name], path+"."): // else the host is another site's, reported above
		v.errorf(path, "set name to tell the sites apart", "name %q is already the name of %s", s.Name, first)
	}
	if s.Root != "" {
		s.Root = v.dirPath(path+".root", s.Root)
	}
	s.Compress = s.Compress || !v.has(path+".compress")
	v.siteTLS(path+".tls", s)
	for i := range s.Headers {
		v.header(fmt.Sprintf("%s.header[%d]", path, i), &s.Headers[i])
	}
	for i := range s.Redirects {
		v.redirect(fmt.Sprintf("%s.redirect[%d]", path, i), &s.Redirects[i])
	}
	for i, rw := range s.Rewrites {
		at := fmt.Sprintf("%s.rewrite[%d]", path, i)
		v.pattern(at+".from", rw.From, true)
		if !strings.HasPrefix(rw.To, "/") {
			v.errorf(at+".to", `such as to = "/index.html"`, "expected a path starting with /, got %q", rw.To)
		}
	}
	for i := range s.BasicAuth {
		v.basicAuth(fmt.Sprintf("%s.basic_auth[%d]", path, i), &s.BasicAuth[i])
	}
	for code, file := range s.ErrorPages {
		at := join(path+".errors", code)
		if _, ok := statusClass(code); !ok {
			v.errorf(at, `such as 404 = "404.html" or 5xx = "error.html"`, "expected an error status from 400 to 599, or 4xx or 5xx, got %q", code)
		}
		s.ErrorPages[code] = v.file(at, file)
	}
	v.proxies(path, s.Proxies)
}

// host checks one entry of hosts and claims it for the site.
func (v *checker) host(path, h string) {
	n := normalizeHost(h)
	if n != strings.ToLower(strings.TrimSuffix(h, ".")) {
		v.errorf(path, "the port is listen's; hosts are names only", "expected a host name without a port, got %q", h)
		return
	}
	if !validSiteHost(n) {
		v.errorf(path, `such as "example.com", "*.example.com" or "127.0.0.1"`, "%q is not a host name, a wildcard or an IP address", h)
		return
	}
	if first, ok := v.hosts[n]; ok {
		v.errorf(path, "a host may belong to one site only", "host %q is already claimed by %s (line %d)", n, first, v.pos.value[first].line)
		return
	}
	v.hosts[n] = path
}

// siteTLS checks [site.tls].
func (v *checker) siteTLS(path string, s *Site) {
	t := &s.TLS
	if (t.Cert == "") != (t.Key == "") {
		at, missing := path+".key", "key"
		if t.Cert == "" {
			at, missing = path+".cert", "cert"
		}
		v.errorf(at, "set both cert and key, or neither", "%s is missing", missing)
	}
	switch t.Issuer {
	case "", "local", "acme":
	default:
		v.errorf(path+".issuer", v.oneOf(t.Issuer, []string{"local", "acme"}), `expected "local" or "acme", got %q`, t.Issuer)
	}
	if t.Cert != "" && t.Key != "" {
		if t.Issuer != "" {
			v.errorf(path+".issuer", "remove issuer, or cert and key", "a site with cert and key has no issuer")
		}
		t.Cert, t.Key = v.file(path+".cert", t.Cert), v.file(path+".key", t.Key)
		v.certCovers(path, t.Cert, t.Key, s.Hosts)
	}
	for _, h := range s.Hosts {
		h = normalizeHost(h)
		if strings.HasPrefix(h, "*.") && usesACME(t, h) && !t.OnDemand {
			v.errorf(path+".on_demand", "set on_demand = true, or issuer = \"local\"", "wildcard host %q needs on-demand ACME certificates (trio does not do dns-01)", h)
		}
	}
	if t.OnDemand && t.Cert == "" && t.Issuer == "local" {
		v.errorf(path+".on_demand", "remove on_demand, or set issuer = \"acme\"", "on_demand is for ACME certificates")
	}
}

// usesACME reports whether host h of a site with t gets ACME certificates.
func usesACME(t *SiteTLS, h string) bool {
	switch {
	case t.Cert != "":
		return false
	case t.Issuer != "":
		return t.Issuer == "acme"
	}
	return !tlsconf.IsLocalName(h)
}

// certCovers loads the key pair and checks it covers every host.
func (v *checker) certCovers(path, certFile, keyFile string, hosts []string) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		if v.lastAt(path + ".cert") {
			return // the file is missing, already reported
		}
		v.errorf(path+".cert", "the files must be PEM: the chain, leaf first, and its private key", "certificate: %v", err)
		return
	}
	for _, h := range hosts {
		probe := normalizeHost(h)
		if rest, ok := strings.CutPrefix(probe, "*."); ok {
			probe = "wildcard-probe." + rest
		}
		if cert.Leaf.VerifyHostname(probe) != nil {
			v.errorf(path+".cert", "use a certificate for every host, or give the site an issuer instead", "certificate does not cover host %q (it covers %s)", normalizeHost(h), strings.Join(cert.Leaf.DNSNames, ", "))
		}
	}
}

// lastAt reports whether the latest error is about path or a key beside it.
func (v *checker) lastAt(path string) bool {
	if len(v.errs) == 0 {
		return false
	}
	return parent(v.errs[len(v.errs)-1].Key) == parent(path)
}

// header checks a [[site.header]].
func (v *checker) header(path string, h *HeaderRule) {
	v.pattern(path+".path", h.Path, false)
	if len(h.Set) == 0 && len(h.Delete) == 0 {
		v.errorf(path, `such as set = { Cache-Control = "no-cache" }`, "the rule sets and deletes nothing")
	}
	for name, val := range h.Set {
		at := join(path+".set", name)
		if !httpguts.ValidHeaderFieldName(name) {
			v.errorf(at, "header names are tokens: letters, digits and !#$%&'*+-.^_`|~", "%q is not a header name", name)
		} else if !httpguts.ValidHeaderFieldValue(val) {
			v.errorf(at, "remove control characters and line breaks", "%q is not a header value", val)
		}
	}
	for i, name := range h.Delete {
		if !httpguts.ValidHeaderFieldName(name) {
			v.errorf(fmt.Sprintf("%s.delete[%d]", path, i), "header names are tokens: letters, digits and !#$%&'*+-.^_`|~", "%q is not a header name", name)
		}
	}
}

// redirect checks a [[site.redirect]] and fills its default status.
func (v *checker) redirect(path string, r *Redirect) {
	v.pattern(path+".from", r.From, true)
	if r.To == "" {
		v.errorf(path+".to", `such as to = "/new/*" or "https://example.com/*"`, "a redirect needs a target")
	}
	switch r.Status {
	case 0:
		r.Status = http.StatusFound
	case 301, 302, 303, 307, 308:
	default:
		v.errorf(path+".status", "use 301, 302, 303, 307 or 308", "%d is not a redirect status", r.Status)
	}
}

// basicAuth checks a [[site.basic_auth]].
func (v *checker) basicAuth(path string, a *BasicAuth) {
	v.pattern(path+".path", a.Path, false)
	if len(a.Users) == 0 {
		v.errorf(path+".users", `such as users = { alice = "$2a$10$..." }`, "no users")
	}
	for user, hash := range a.Users {
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			v.errorf(join(path+".users", user), "make one with: htpasswd -nbBC 10 USER PASSWORD", "not a bcrypt hash: %v", strings.TrimPrefix(err.Error(), "crypto/bcrypt: "))
		}
	}
}

// pattern checks a path pattern; required says whether "" is an error.
func (v *checker) pattern(path, p string, required bool) {
	if p == "" {
		if required {
			v.errorf(path, `such as "/old/*"`, "a path pattern is required")
		}
		return
	}
	if _, err := compilePattern(p); err != nil {
		v.errorf(path, `a pattern is "/exact", "/prefix/*", "*.ext" or "~regexp"`, "%v", err)
	}
}

// statusClass parses an error-page key: "404" -> 404, "5xx" -> 5.
func statusClass(key string) (int, bool) {
	if len(key) == 3 && key[1:] == "xx" && (key[0] == '4' || key[0] == '5') {
		return int(key[0] - '0'), true
	}
	n, err := strconv.Atoi(key)
	return n, err == nil && n >= 400 && n <= 599 && len(key) == 3
}
