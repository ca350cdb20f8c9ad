package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/triohttp/trio/hub"
)

// Config says how an instance joins its cluster. The zero value is not
// usable: set NATS, Embedded, or both.
type Config struct {
	// NATS lists external NATS servers ("nats://h1:4222"); with Embedded,
	// more servers to fall back on.
	NATS []string

	// Embedded runs a NATS node (with JetStream) inside trio, which forms
	// a NATS cluster with the nodes in Routes.
	Embedded bool

	// Listen is the embedded node's client address. If empty,
	// DefaultListen; port 0 picks a free port.
	Listen string

	// ClusterListen is the embedded node's route address, which peers
	// list in their Routes. If empty, ":6222". Without Routes the node is
	// alone and does not listen for routes.
	ClusterListen string

	// Routes are the embedded node's peers: "nats-route://peer:6222".
	// The node ignores a route to itself, but Replicas' default counts
	// it unless it is ClusterListen itself (or loopback on its port).
	Routes []string

	// Name is this instance's name: its NATS connection's, its embedded
	// node's (unique in the cluster) and its locks'. If empty,
	// hostname-pid.
	Name string

	// StoreDir is the embedded node's JetStream directory. If empty, a
	// directory named after Name in os.TempDir().
	StoreDir string

	// LocalOnly makes Start fall back to an in-process broker
	// (hub.NewLocal) when no NATS server is reachable, instead of failing.
	LocalOnly bool

	// Replicas is the number of JetStream replicas of the hub's stream and
	// buckets. If zero, min(3, number of servers): the NATS URLs, or the
	// embedded node and its routes.
	Replicas int

	// History is how many messages each room keeps. If zero,
	// hub.DefaultHistory.
	History int
}

func (c *Config) name() string {
	if c.Name != "" {
		return c.Name
	}
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d", cmp.Or(host, "trio"), os.Getpid())
}

// replicas applies Config.Replicas' default.
func (c *Config) replicas() int {
	if c.Replicas > 0 {
		return c.Replicas
	}
	n := len(c.NATS)
	if c.Embedded {
		hosts := map[string]bool{}
		for _, r := range c.Routes {
			if u, err := url.Parse(r); err == nil && !sameAddr(u.Host, c.ClusterListen) {
				hosts[u.Host] = true
			}
		}
		n = len(hosts) + 1
	}
	return max(1, min(3, n))
}

// sameAddr reports whether route host h is the listen address l itself:
// the same host:port, or a loopback host on the port of a host-less l.
func sameAddr(h, l string) bool {
	if l == "" {
		return false
	}
	if h == l {
		return true
	}
	host, port, err := net.SplitHostPort(h)
	lhost, lport, lerr := net.SplitHostPort(l)
	return err == nil && lerr == nil && lhost == "" && port == lport &&
		(host == "localhost" || net.ParseIP(host).IsLoopback())
}

// A Cluster is an instance's membership of a NATS cluster: its connection,
// JetStream, the hub broker on them, and the embedded node if it runs
// one. Make one with Start.
type Cluster struct {
	name    string
	log     *slog.Logger
	server  *server.Server // nil unless Embedded
	nc      *nats.Conn     // nil when local-only
	js      jetstream.JetStream
	broker  hub.Broker
	storage *Storage // certificates; nil when local-only
}

// Start joins the cluster cfg describes: it starts the embedded node if
// any, connects to NATS (the embedded node first, then cfg.NATS), waits
// for JetStream (until ctx ends: a cluster needs a quorum of its nodes up)
// and creates the hub's stream and the certificate bucket. When no NATS
// server answers, the error names every server tried, unless LocalOnly:
// then the Cluster runs on an in-process broker and logs why.
func Start(ctx context.Context, cfg Config, log *slog.Logger) (*Cluster, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &Cluster{name: cfg.name(), log: log}
	urls := slices.Clone(cfg.NATS)
	if cfg.Embedded {
		s, err := startServer(&cfg, c.name, log)
		if err != nil {
			return nil, err
		}
		c.server = s
		urls = append([]string{s.ClientURL()}, urls...)
	}
	if len(urls) == 0 {
		return nil, errors.New("cluster: no NATS servers given and no embedded node")
	}
	nc, err := c.connect(urls, cfg.Embedded)
	if err != nil {
		err = fmt.Errorf("cluster: no NATS server reachable (tried %s): %w", strings.Join(urls, ", "), err)
		if !cfg.LocalOnly {
			c.Close()
			return nil, err
		}
		log.Warn("cluster: running local-only: rooms and certificates are not shared", "err", err)
		c.broker = hub.NewLocal(cfg.History)
		return c, nil
	}
	c.nc = nc
	if err := c.join(ctx, &cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// connect dials one of urls that answers (the first, the embedded node,
// if embedded; any, to spread instances, if not), and keeps reconnecting to
// any server of the cluster after that.
func (c *Cluster) connect(urls []string, embedded bool) (*nats.Conn, error) {
	log := c.log
	opts := []nats.Option{
		nats.Name(c.name),
		nats.Timeout(2 * time.Second),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.NoCallbacksAfterClientClose(),
		nats.DisconnectErrHandler(func(nc *nats.Conn, err error) {
			log.Warn("cluster: NATS connection lost; reconnecting", "server", nc.ConnectedUrlRedacted(), "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("cluster: NATS connection back", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(nc *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			log.Warn("cluster: NATS", "subject", subj, "err", err)
		}),
	}
	if embedded {
		opts = append(opts, nats.DontRandomize())
	}
	return nats.Connect(strings.Join(urls, ","), opts...)
}

// join sets up JetStream, the hub broker and the certificate storage.
func (c *Cluster) join(ctx context.Context, cfg *Config) error {
	var err error
	if c.js, err = jetstream.New(c.nc); err != nil {
		return err
	}
	replicas := cfg.replicas()
	// Through a *Broker, not c.broker: a nil *Broker in the interface
	// would not be nil, and Close would call its Close.
	b, err := NewBroker(ctx, c.nc, BrokerConfig{History: cfg.History, Replicas: replicas, Logger: c.log})
	if err != nil {
		return fmt.Errorf("%w (connected to %s)", err, c.nc.ConnectedUrlRedacted())
	}
	c.broker = b
	// Each attempt is bounded: a JetStream request sent while the cluster
	// elects its meta leader may get no answer at all.
	return retry(ctx, func(ctx context.Context) error {
		c.storage, err = NewStorage(ctx, c.js, StorageConfig{Replicas: replicas, Owner: c.name})
		return err
	})
}

// Name is the instance's name in the cluster (Config.Name or hostname-pid).
func (c *Cluster) Name() string { return c.name }

// Conn is the NATS connection; nil when Start fell back to local-only.
func (c *Cluster) Conn() *nats.Conn { return c.nc }

// JetStream is the connection's JetStream; nil when local-only.
func (c *Cluster) JetStream() jetstream.JetStream { return c.js }

// Broker is the hub broker: a *Broker on NATS, or hub.NewLocal's when
// Start fell back to local-only.
func (c *Cluster) Broker() hub.Broker { return c.broker }

// LocalOnly reports whether Start fell back to the in-process broker.
func (c *Cluster) LocalOnly() bool { return c.nc == nil }

// ClientURL is the embedded node's client URL ("" without one), for peers'
// Config.NATS.
func (c *Cluster) ClientURL() string {
	if c.server == nil {
		return ""
	}
	return c.server.ClientURL()
}

// stopNATS stops the embedded node, if any.
func (c *Cluster) stopNATS() {
	if c.server != nil {
		c.server.Shutdown()
		c.server.WaitForShutdown()
	}
}

// Close closes the broker (withdrawing this instance's presences), the
// certificate storage and the connection, then stops the embedded node.
func (c *Cluster) Close() error {
	var errs []error
	if c.broker != nil {
		errs = append(errs, c.broker.Close())
	}
	if c.storage != nil {
		errs = append(errs, c.storage.Close())
	}
	if c.nc != nil {
		c.nc.Close()
	}
	c.stopNATS()
	return errors.Join(errs...)
}
