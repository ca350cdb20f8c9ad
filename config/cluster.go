package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/triohttp/trio/cluster"
)

// Cluster is the [cluster] table: trio instances sharing a NATS cluster
// share their WebSocket rooms (the demo's chat and ticker, see hub) and,
// with cert_storage = "nats", their certificates. Without the table each
// instance is on its own. Either nats names external servers, or
// embedded runs a NATS node inside trio that forms a cluster with the
// nodes of its routes. It cannot change while serving.
type Cluster struct {
	// NATS are the URLs of external NATS servers, such as
	// "nats://10.0.0.1:4222" (tls:// for TLS). trio serve --cluster sets
	// them. If absent, none.
	NATS []string `toml:"nats"`

	// Embedded runs a NATS node, with JetStream, inside trio.
	Embedded bool `toml:"embedded"`

	// Listen is the embedded node's client address, for NATS tools and
	// other clients. If absent, "127.0.0.1:4222".
	Listen string `toml:"listen"`

	// ClusterListen is the embedded node's route address, where the other
	// nodes connect. If absent, the node forms no cluster (one node).
	ClusterListen string `toml:"cluster_listen"`

	// Routes are the other nodes' route URLs, such as
	// "nats-route://10.0.0.2:6222"; listing this node too is harmless.
	Routes []string `toml:"routes"`

	// Name names this instance to the others (the NATS server name, the
	// instance shown to WebSocket clients). If absent, hostname-pid.
	Name string `toml:"name"`

	// StoreDir is the embedded node's JetStream folder (made absolute by
	// Load; created if missing). If absent, a folder under trio's data
	// folder named after Name.
	StoreDir string `toml:"store_dir"`

	// LocalOnly keeps trio serving on its own when NATS is unreachable at
	// start, rather than failing. If absent, false.
	LocalOnly bool `toml:"local_only"`

	// CertStorage is where ACME certificates, accounts and locks are kept:
	// "file" (this machine's folder) or "nats" (the cluster's key-value
	// bucket trio_certs, so the cluster orders each certificate once). If
	// absent, "file".
	CertStorage string `toml:"cert_storage"`
}

// Enabled reports whether the table asks for a cluster.
func (c *Cluster) Enabled() bool { return len(c.NATS) > 0 || c.Embedded }

// equal reports whether c and o describe the same cluster.
func (c *Cluster) equal(o *Cluster) bool {
	return slices.Equal(c.NATS, o.NATS) && c.Embedded == o.Embedded && c.Listen == o.Listen &&
		c.ClusterListen == o.ClusterListen && slices.Equal(c.Routes, o.Routes) && c.Name == o.Name &&
		c.StoreDir == o.StoreDir && c.LocalOnly == o.LocalOnly && c.CertStorage == o.CertStorage
}

// natsName matches what a NATS server accepts as its name.
var natsName = regexp.MustCompile(`^[-_.a-zA-Z0-9]+$`)

// cluster checks the [cluster] table and fills its defaults. addrs are the
// file's listener addresses by key, which the embedded node's must not
// share.
func (v *checker) cluster(c *Cluster, addrs map[string]string) {
	switch c.CertStorage {
	case "":
		c.CertStorage = "file"
	case "file", "nats":
	default:
		v.errorf("cluster.cert_storage", v.oneOf(c.CertStorage, []string{"file", "nats"}), `expected "file" or "nats", got %q`, c.CertStorage)
	}
	if !c.Enabled() {
		if v.has("cluster") && (len(c.Routes) > 0 || c.Listen != "" || c.ClusterListen != "" || c.StoreDir != "" || c.CertStorage == "nats" || c.LocalOnly || c.Name != "") {
			v.errorf("cluster", `add nats = ["nats://host:4222"] for external servers, or embedded = true`, "[cluster] names no NATS server")
		}
		return
	}
	for i, u := range c.NATS {
		v.natsURL(fmt.Sprintf("cluster.nats[%d]", i), u, []string{"nats", "tls", "ws", "wss"}, `such as "nats://10.0.0.1:4222"`)
	}
	if c.Name != "" && !natsName.MatchString(c.Name) {
		v.errorf("cluster.name", "use letters, digits, '-', '_' and '.'", "%q is not a valid instance name", c.Name)
	}
	if !c.Embedded {
		for _, key := range []string{"listen", "cluster_listen", "routes", "store_dir"} {
			if v.has("cluster." + key) {
				v.errorf("cluster."+key, "set embedded = true to run a NATS node inside trio", "%s is for the embedded node", key)
			}
		}
		return
	}
	if len(c.NATS) > 0 {
		v.errorf("cluster.nats", "an embedded node joins the others through routes: remove nats, or embedded", "choose nats (external servers) or embedded = true, not both")
	}
	if c.Listen == "" {
		c.Listen = cluster.DefaultListen
	}
	v.addr("cluster.listen", c.Listen)
	if c.ClusterListen != "" {
		v.addr("cluster.cluster_listen", c.ClusterListen)
	}
	for i, u := range c.Routes {
		v.natsURL(fmt.Sprintf("cluster.routes[%d]", i), u, []string{"nats-route", "nats"}, `such as "nats-route://10.0.0.2:6222"`)
	}
	if len(c.Routes) > 0 && c.ClusterListen == "" {
		v.errorf("cluster.routes", `add cluster_listen, such as "0.0.0.0:6222"`, "routes need cluster_listen: the other nodes connect to it")
	}
	if c.StoreDir != "" {
		c.StoreDir = v.newFile("cluster.store_dir", c.StoreDir)
	}
	v.clusterPorts(c, addrs)
}

// natsURL checks a NATS server or route URL with one of schemes.
func (v *checker) natsURL(path, s string, schemes []string, hint string) {
	u, err := url.Parse(s)
	if err != nil || !slices.Contains(schemes, u.Scheme) || u.Hostname() == "" || u.Port() == "" || strings.Trim(u.Path, "/") != "" {
		v.errorf(path, hint, "expected a %s:// URL with host and port, got %q", schemes[0], s)
	}
}

// clusterPorts checks that the embedded node's addresses are distinct
// from each other and from the listeners.
func (v *checker) clusterPorts(c *Cluster, addrs map[string]string) {
	seen := map[string]string{}
	for _, key := range []string{"listen", "http", "admin"} {
		if a := addrs[key]; a != "" {
			seen[a] = key
		}
	}
	for _, key := range []string{"cluster.listen", "cluster.cluster_listen"} {
		a := c.Listen
		if key == "cluster.cluster_listen" {
			a = c.ClusterListen
		}
		if _, port, err := net.SplitHostPort(a); err != nil || port == "0" {
			continue
		}
		if first, ok := seen[a]; ok {
			v.errorf(key, "give each listener its own port", "%q is also %s's address", a, first)
		}
		seen[a] = key
	}
}
