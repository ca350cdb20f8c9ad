package config

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/triohttp/trio/cluster"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/tlsconf"
)

// Shared is what an instance's sites share for the life of the process,
// across reloads: the cluster it joined and the hub of its WebSocket
// rooms, which the demo site's chat and ticker use. Make one with
// Cluster.Start; a Runner makes its own.
type Shared struct {
	// Cluster is the instance's membership of its NATS cluster, or nil
	// without one.
	Cluster *cluster.Cluster

	// Hub carries the rooms: on the cluster's broker, or in-process
	// without a cluster.
	Hub *hub.Hub

	certs bool // ACME keeps certificates in the cluster's storage
}

// drainGrace is how long Drain lets the WebSockets whose members the hub
// ended send their 1012 close frame before the listeners' shutdown sends
// 1001 (going away) to every WebSocket left.
const drainGrace = 250 * time.Millisecond

// Start joins the cluster c describes, if any, and makes the hub on it:
// on the cluster's broker, or an in-process one without [cluster]. With
// cert_storage = "nats" the ACME routers given to UseStorage keep their
// certificates, accounts and locks in the cluster's bucket, unless NATS
// was unreachable and local_only let trio start alone (logged).
func (c *Cluster) Start(ctx context.Context, logger *slog.Logger) (*Shared, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if !c.Enabled() {
		return &Shared{Hub: new(hub.Hub)}, nil
	}
	cl, err := cluster.Start(ctx, c.config(), logger)
	if err != nil {
		return nil, fmt.Errorf("config: [cluster]: %w", err)
	}
	s := &Shared{Cluster: cl, Hub: &hub.Hub{Broker: cl.Broker(), Instance: cl.Name()}}
	if c.CertStorage == "nats" {
		if cl.Storage() == nil {
			logger.Warn("config: [cluster]: NATS unreachable, running local-only: ACME certificates are kept in this machine's files")
		} else {
			s.certs = true
		}
	}
	if !cl.LocalOnly() {
		logger.Info("config: joined the cluster", "instance", cl.Name(), "nats", cl.Conn().ConnectedUrlRedacted(), "cert_storage", c.CertStorage)
	}
	return s, nil
}

// config is the cluster.Config of c. An embedded node without store_dir
// keeps its JetStream data in nats/NAME under trio's data folder, NAME
// being name or else the host name, so that it is found again after a
// restart.
func (c *Cluster) config() cluster.Config {
	cfg := cluster.Config{
		NATS:          c.NATS,
		Embedded:      c.Embedded,
		Listen:        c.Listen,
		ClusterListen: c.ClusterListen,
		Routes:        c.Routes,
		Name:          c.Name,
		StoreDir:      c.StoreDir,
		LocalOnly:     c.LocalOnly,
	}
	if c.Embedded && cfg.StoreDir == "" {
		host, _ := os.Hostname()
		cfg.StoreDir = filepath.Join(tlsconf.DefaultDir(), "nats", cmp.Or(c.Name, host, "trio"))
	}
	return cfg
}

// UseStorage points r's ACME at the cluster's certificate storage when
// cert_storage = "nats", so that the cluster orders each certificate
// once and every instance serves it. A nil s, or r without ACME, is left
// as it is.
func (s *Shared) UseStorage(r *tlsconf.Router) {
	if s == nil || !s.certs || r.ACME == nil {
		return
	}
	r.ACME.Storage = s.Cluster.Storage()
}

// hub is s's hub, or nil (each demo site its own) when s is nil.
func (s *Shared) hub() *hub.Hub {
	if s == nil {
		return nil
	}
	return s.Hub
}

// Drain closes the hub: every member ends, and the demo's WebSockets are
// closed with 1012 (service restart) so that their clients reconnect to
// another instance, resuming where they were. It returns after
// drainGrace, or when ctx ends, for the listeners' shutdown to follow.
func (s *Shared) Drain(ctx context.Context) {
	s.Hub.Close()
	t := time.NewTimer(drainGrace)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Close leaves the cluster (closing its broker, storage and connection,
// and stopping the embedded node). Call it after Drain, once nothing uses
// the cluster's storage: after ACME stops.
func (s *Shared) Close() error {
	s.Hub.Close()
	if s.Cluster == nil {
		return nil
	}
	return s.Cluster.Close()
}
