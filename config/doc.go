// Package config reads trio's configuration file, a TOML document that
// describes one server and the sites it hosts, and turns it into the
// handler and certificate router a trio.Server serves.
//
// It is imported by cmd/trio (trio serve --config, trio validate) and by
// the runner that serves and reloads a file; Go programs that build a
// trio.Server by hand do not need it.
//
// # The file
//
//	listen = "127.0.0.1:8443"   # TCP and UDP: HTTPS (h1, h2) and HTTP/3
//	http   = "127.0.0.1:8080"   # cleartext h1 and h2c; "" turns it off
//	admin  = "127.0.0.1:9180"   # /metrics and /healthz; none when absent
//
//	[log]
//	access = "stdout"           # or a file path; format = "json" or "combined"
//
//	[[site]]
//	hosts = ["a.localhost"]
//	root  = "site-a"
//
//	[[site]]
//	hosts = ["b.localhost", "*.b.localhost"]
//	root  = "site-b"
//	spa   = true
//
//	[[site.header]]
//	path = "/assets/*"
//	set  = { Cache-Control = "public, max-age=31536000, immutable" }
//
//	[[site.basic_auth]]
//	path  = "/admin/*"
//	users = { alice = "$2a$10$..." }   # bcrypt hashes: htpasswd -nbBC 10 alice PASSWORD
//
//	[[site.redirect]]
//	from   = "/old/*"
//	to     = "/new/*"
//	status = 301
//
//	[site.errors]
//	404 = "404.html"
//
//	[[site.proxy]]                 # /api/ and below go to upstreams, not root
//	path   = "/api/"
//	to     = ["http://127.0.0.1:9000", "h2c://127.0.0.1:9001"]
//	lb     = "least_conn"
//	health = { path = "/healthz", interval = "2s" }
//
// [Config], [Site] and [Proxy] list every key with its default. Relative
// paths resolve against the file's folder.
//
// # Errors
//
// [Load] decodes strictly (an unknown key is an error) and then checks
// everything it can without listening: that files and folders exist,
// certificates load, no host is claimed by two sites, addresses and
// statuses parse, bcrypt hashes are well formed and patterns compile. It
// returns every problem it finds as [Errors], each naming the file, line
// and column, the key, what was expected, and a hint: for a mistyped key,
// the nearest valid one.
//
// # Virtual hosts
//
// [Config.Build] makes the handler that picks a site by the request's
// Host (HTTP/1.1) or :authority (HTTP/2, HTTP/3), and the [tlsconf.Router]
// that picks a certificate by SNI. A request over TLS whose authority the
// connection's certificate does not cover is answered 421 Misdirected
// Request (RFC 9110 §15.5.20), so that a browser which coalesced
// connections retries on a new one. Unknown hosts go to default_site, or
// get 404.
//
// # Cluster
//
// A [Cluster] table joins the instance to others through NATS: external
// servers (nats = [...]) or a node embedded in trio (embedded = true,
// with cluster_listen and routes to the other nodes). The [Runner] joins
// it once at start, runs every demo site on one hub on the cluster's
// broker, and with cert_storage = "nats" keeps ACME certificates in the
// cluster's key-value bucket so that they are ordered once. On Shutdown
// the hub closes first, so the demo's WebSockets get 1012 and move to
// another instance. [cluster] cannot change on reload.
//
//	[cluster]
//	embedded       = true
//	name           = "web-1"
//	cluster_listen = "10.0.0.1:6222"
//	routes         = ["nats-route://10.0.0.2:6222", "nats-route://10.0.0.3:6222"]
//	cert_storage   = "nats"
//
// # Proxies
//
// A site's proxy routes (see [Proxy]) take the paths under their prefix,
// the longest first, to a [proxy.Pool] of upstreams. The [Runner] keeps
// the pools across reloads: a route whose site and path stay keeps its
// pool, whose upstreams that stay keep their connections and WebSockets,
// while removed upstreams, and the routes no longer in the file, drain
// (see [proxy.Pool.Update]). Their state is on the admin listener, as JSON
// at /upstreams and as trio_upstream_* metrics.
package config
