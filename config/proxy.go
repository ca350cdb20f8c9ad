package config

// Proxy is one [[site.proxy]] table: the site's requests whose path starts
// with Path go to the upstreams of To, in place of the files of root.
// Header rules and basic auth apply to them; redirects, rewrites and
// error pages, which are about files, do not.
type Proxy struct {
	// Path is the prefix of the paths proxied: "/api/" takes /api/ and
	// below; "/api" takes /api too (not /apix); "/" takes every path.
	// The longest prefix wins. Required.
	Path string `toml:"path"`

	// To are the upstream URLs: http://host:port (HTTP/1.1), h2c://
	// (HTTP/2 in cleartext), https:// (HTTP/2 or HTTP/1.1 by ALPN) or
	// h3:// (HTTP/3). A path in the URL is prepended to the request's.
	// Required. Upstreams are labelled in metrics as written here.
	To []string `toml:"to"`

	// LB is the balancing policy: "round_robin", "least_conn" (fewest
	// requests and WebSockets in flight), "random_two" (the less loaded
	// of two drawn at random) or "hash". If absent, "round_robin".
	LB string `toml:"lb"`

	// HashKey is what lb = "hash" hashes: "cookie:NAME", "header:NAME",
	// "ip" (the address the connection comes from, not X-Forwarded-For)
	// or "query:NAME". If absent, "ip".
	HashKey string `toml:"hash_key"`

	// Health is the active health check. If absent, none.
	Health ProxyHealth `toml:"health"`

	// Passive marks an upstream down after failed requests. If absent,
	// none.
	Passive ProxyPassive `toml:"passive"`

	// TrustedProxies are the addresses ("10.0.0.0/8", "192.0.2.1") whose
	// X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host and Forwarded
	// headers are passed on; other clients' are replaced. If absent, none.
	TrustedProxies []string `toml:"trusted_proxies"`

	// CAFile is a PEM file of the roots that https and h3 upstreams must
	// chain to (made absolute by Load). If absent, the system's roots.
	CAFile string `toml:"ca_file"`

	// InsecureSkipVerify accepts any certificate from https and h3
	// upstreams: no authentication of the upstream at all.
	InsecureSkipVerify bool `toml:"insecure_skip_verify"`

	// DrainGrace is how long the WebSockets of an upstream removed by a
	// reload, or gone down, stay open before they are closed with 1012
	// (Service Restart). If absent, 10s; "0s" closes them at once.
	DrainGrace Duration `toml:"drain_grace"`
}

// ProxyHealth is a proxy's health table: a GET of Path on each upstream
// every Interval; one that errs, times out or answers another status is
// down until a check passes.
type ProxyHealth struct {
	// Path is the path checked, such as "/healthz". Required in the table.
	Path string `toml:"path"`

	// Interval is the time between checks. If absent, 5s.
	Interval Duration `toml:"interval"`

	// Timeout bounds each check. If absent, 2s, or Interval if shorter.
	Timeout Duration `toml:"timeout"`

	// Status is the status expected. If absent, any 2xx.
	Status int `toml:"status"`
}

// ProxyPassive is a proxy's passive table: Failures failed requests to
// an upstream (no connection, or no response) within Window mark it down
// for Cooldown.
type ProxyPassive struct {
	// Failures is how many failures mark an upstream down. Required in
	// the table.
	Failures int `toml:"failures"`

	// Window is the time the failures must fall within. If absent, 10s.
	Window Duration `toml:"window"`

	// Cooldown is how long the upstream stays down. If absent, 30s.
	Cooldown Duration `toml:"cooldown"`
}
