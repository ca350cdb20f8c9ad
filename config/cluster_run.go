package config

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"

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

	mu    sync.Mutex
	sites []drainer // the demo sites Drain waits for
}

// A drainer is a handler whose WebSockets end when the hub closes, such
// as demo.New's *demo.Site.
type drainer interface {
	Drained(ctx context.Context) error
}

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

// Serving tells Drain which handlers serve from now on: of hs, those
// with a Drained method (demo.New's sites) are waited for, and so are the
// ones given before that still have WebSockets open.
func (s *Shared) Serving(hs ...http.Handler) {
	ended, cancel := context.WithCancel(context.Background())
	cancel() // Drained(ended) reports at once whether none is open
	s.mu.Lock()
	defer s.mu.Unlock()
	var keep []drainer
	for _, d := range s.sites {
		if d.Drained(ended) != nil {
			keep = append(keep, d)
		}
	}
	for _, h := range hs {
		if d, ok := h.(drainer); ok {
			keep = append(keep, d)
		}
	}
	s.sites = keep
}

// Drain closes the hub: every member ends, and the demo's WebSockets are
// closed with 1012 (service restart) so that their clients reconnect to
// another instance, resuming where they were. It returns once the sites
// given to Serving have no WebSocket left (a client that does not answer
// the close is dropped within ws's close timeout), or ctx ends, for the
// listeners' shutdown to follow: their 1001 (going away) then reaches no
// demo WebSocket.
func (s *Shared) Drain(ctx context.Context) {
	s.Hub.Close()
	s.mu.Lock()
	sites := s.sites
	s.mu.Unlock()
	for _, d := range sites {
		d.Drained(ctx)
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
