package config

import (
	"time"
)

// Config is a decoded and validated configuration file. The toml tags
// are the file's keys; Load fills the defaults stated on each field.
type Config struct {
	// Path is the file; relative paths in it resolve against its folder.
	Path string `toml:"-"`

	// Listen is the TCP and UDP address for HTTPS (HTTP/1.1, HTTP/2) and
	// HTTP/3. If absent, ":8443".
	Listen string `toml:"listen"`

	// HTTP is the cleartext address (HTTP/1.1 and h2c). If absent,
	// ":8080"; "" means no cleartext listener.
	HTTP string `toml:"http"`

	// Admin is the address serving /metrics and /healthz. If absent or
	// "", there is no admin listener.
	Admin string `toml:"admin"`

	// H2 and H3 turn HTTP/2 and HTTP/3 off when false. If absent, true.
	H2 bool `toml:"h2"`
	H3 bool `toml:"h3"`

	// Redirect makes the cleartext listener answer every request with a
	// 308 to https. If absent, false, unless a site uses ACME.
	Redirect bool `toml:"redirect"`

	// HSTS sends Strict-Transport-Security (one year) on https responses.
	HSTS bool `toml:"hsts"`

	// ShutdownTimeout is how long in-flight requests may finish at exit.
	// If absent, 10s.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`

	// PIDFile is written with the process id at start-up, for trio
	// reload and systemd. If absent, none.
	PIDFile string `toml:"pid_file"`

	// DefaultSite names the site (see Site.Name) that answers requests
	// for hosts no site claims. If absent, such requests get 404.
	DefaultSite string `toml:"default_site"`

	// ACME configures the ACME CA for the sites that use it.
	ACME ACME `toml:"acme"`

	// Log configures the access log.
	Log Log `toml:"log"`

	// Limits bounds what clients may hold (see Limits). If absent,
	// the defaults stated there.
	Limits Limits `toml:"limits"`

	// Cluster joins this instance to others through NATS (see Cluster).
	// If absent, the instance is on its own.
	Cluster Cluster `toml:"cluster"`

	// Sites are the [[site]] tables, in file order.
	Sites []Site `toml:"site"`
}

// DefaultShutdownTimeout is Config.ShutdownTimeout when absent.
const DefaultShutdownTimeout = 10 * time.Second

// Log is the [log] table.
type Log struct {
	// Access is "stdout", "stderr" or a file path (made absolute by
	// Load). If absent or "", there is no access log.
	Access string `toml:"access"`

	// Format is "json" or "combined". If absent, "json".
	Format string `toml:"format"`
}

// ACME is the [acme] table. Using ACME accepts the CA's terms of
// service, as trio serve --domain does.
type ACME struct {
	// Email is the account's contact address. If absent, none.
	Email string `toml:"email"`

	// CA is the ACME directory URL. If absent, Let's Encrypt.
	CA string `toml:"ca"`

	// CARoot is a PEM file of roots to trust for CA (private CAs). If
	// absent, the system's roots.
	CARoot string `toml:"ca_root"`
}

// Site is one [[site]] table.
type Site struct {
	// Name labels the site in metrics and logs, and is what default_site
	// refers to. If absent, the first of Hosts.
	Name string `toml:"name"`

	// Hosts are the names the site answers to: exact names or
	// "*.example.com" (one label under example.com), matched without
	// case or port. Required, and no host may belong to two sites.
	Hosts []string `toml:"hosts"`

	// Root is the folder served (made absolute by Load). If absent, the
	// embedded demo site.
	Root string `toml:"root"`

	// Browse lists folders without an index.html. If absent, false.
	Browse bool `toml:"browse"`

	// SPA serves /index.html for extension-less paths that name nothing.
	SPA bool `toml:"spa"`

	// CleanURLs serves /about from about.html.
	CleanURLs bool `toml:"clean_urls"`

	// Compress compresses responses on the fly. If absent, true.
	Compress bool `toml:"compress"`

	// TLS says where the site's certificates come from.
	TLS SiteTLS `toml:"tls"`

	// Headers set response headers on paths matching a pattern, in order
	// (a later rule wins).
	Headers []HeaderRule `toml:"header"`

	// Redirects answer matching paths with a redirect; the first that
	// matches wins. They run before Rewrites.
	Redirects []Redirect `toml:"redirect"`

	// Rewrites change the path served for matching paths; the first that
	// matches wins.
	Rewrites []Rewrite `toml:"rewrite"`

	// BasicAuth protects matching paths; the first that matches applies.
	BasicAuth []BasicAuth `toml:"basic_auth"`

	// ErrorPages maps a status ("404") or a class ("5xx") to a file whose
	// contents replace the body of such error responses.
	ErrorPages map[string]string `toml:"errors"`

	// Proxies send the paths under their prefix to upstream servers (see
	// Proxy), in place of Root.
	Proxies []Proxy `toml:"proxy"`
}

// SiteTLS is a site's [site.tls] table. Without cert and issuer, names
// under .localhost, localhost and IP addresses get local-CA certificates
// and other names ACME, as in Caddy.
type SiteTLS struct {
	// Cert and Key are PEM files (made absolute by Load), reloaded when
	// they change. They serve the names the certificate covers.
	Cert string `toml:"cert"`
	Key  string `toml:"key"`

	// Issuer is "local" (the local development CA) or "acme". If absent,
	// chosen per host as described above.
	Issuer string `toml:"issuer"`

	// OnDemand gets each ACME certificate at the first handshake for it,
	// rather than at start-up. Wildcard hosts need it with ACME.
	OnDemand bool `toml:"on_demand"`
}

// HeaderRule is one [[site.header]] table.
type HeaderRule struct {
	// Path is a pattern: "/exact", "/prefix/*" or "*.css" (a "*" matches
	// any run of characters, "/" included), or "~" and a regular
	// expression. If absent, every path.
	Path string `toml:"path"`

	// Set sets each header, replacing what the handler set.
	Set map[string]string `toml:"set"`

	// Delete removes headers.
	Delete []string `toml:"delete"`
}

// Redirect is one [[site.redirect]] table.
type Redirect struct {
	// From is the pattern of paths redirected.
	From string `toml:"from"`

	// To is the target, a path or URL; a trailing "*" is replaced by what
	// the "*" at the end of From matched.
	To string `toml:"to"`

	// Status is 301, 302, 303, 307 or 308. If absent, 302.
	Status int `toml:"status"`
}

// Rewrite is one [[site.rewrite]] table: like Redirect, but the new path
// is served in place of the old one.
type Rewrite struct {
	From string `toml:"from"`
	To   string `toml:"to"`
}

// BasicAuth is one [[site.basic_auth]] table.
type BasicAuth struct {
	// Path is the pattern of paths protected; if absent, every path.
	Path string `toml:"path"`

	// Realm is sent in WWW-Authenticate. If absent, the site's name.
	Realm string `toml:"realm"`

	// Users maps user names to bcrypt hashes ("$2a$...", "$2b$...").
	Users map[string]string `toml:"users"`
}

// Duration is a time.Duration written as a string, "10s" or "1m30s".
type Duration struct{ time.Duration }

// UnmarshalText parses a duration as time.ParseDuration does.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return errBadDuration
	}
	d.Duration = v
	return nil
}
