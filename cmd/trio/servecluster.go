package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/triohttp/trio/config"
)

// clusterFlags is trio serve's --cluster: the NATS servers through which
// instances share the demo's rooms and their ACME certificates.
type clusterFlags struct {
	clusterURLs string // --cluster URL[,URL]
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.clusterURLs, "cluster", "", "join the instances sharing these NATS servers (`URL[,URL]`: nats://, tls://, ws:// or wss://): the demo's chat and ticker span them, and ACME certificates are kept in NATS so they are ordered once")
}

// urls are the servers of --cluster, none without it.
func (c *clusterFlags) urls() []string {
	if c.clusterURLs == "" {
		return nil
	}
	return strings.Split(c.clusterURLs, ",")
}

// natsSchemes are the URL schemes nats.go dials, as [cluster] nats takes
// them.
var natsSchemes = []string{"nats", "tls", "ws", "wss"}

// check reports a --cluster that is not a list of NATS URLs, as a usage
// error.
func (c *clusterFlags) check() error {
	for _, u := range c.urls() {
		p, err := url.Parse(u)
		if err != nil || !slices.Contains(natsSchemes, p.Scheme) || p.Hostname() == "" || p.Port() == "" {
			return fmt.Errorf("--cluster %q: want NATS URLs with host and port, comma-separated, such as \"nats://10.0.0.1:4222,nats://10.0.0.2:4222\"", u)
		}
	}
	return nil
}

// join joins the cluster of --cluster, with certificates in NATS; without
// the flag, the returned Shared has an in-process hub only.
func (c *clusterFlags) join(ctx context.Context, logger *slog.Logger) (*config.Shared, error) {
	cl := config.Cluster{NATS: c.urls(), CertStorage: "nats"}
	return cl.Start(ctx, logger)
}

// drainFirst returns a context that ends once ctx has ended and sh's hub
// has closed its members (their WebSockets get 1012, so clients move to
// another instance), for serveUntilDone to shut the listeners down after
// that. stop releases it when serving ended otherwise.
func drainFirst(ctx context.Context, sh *config.Shared, timeout time.Duration) (drained context.Context, stop func()) {
	drained, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-ctx.Done():
			dctx, dcancel := context.WithTimeout(context.Background(), timeout)
			sh.Drain(dctx)
			dcancel()
		case <-drained.Done():
		}
		cancel()
	}()
	return drained, cancel
}
