package cluster

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ClusterName is the NATS cluster name of embedded nodes: nodes route to
// each other only within one name.
const ClusterName = "trio"

// DefaultListen is Config.Listen when empty.
const DefaultListen = "127.0.0.1:4222"

// readyTimeout bounds the wait for an embedded node to accept clients.
const readyTimeout = 10 * time.Second

// startServer starts the embedded NATS node of cfg, with JetStream, and
// waits until it accepts clients.
func startServer(cfg *Config, name string, log *slog.Logger) (*server.Server, error) {
	opts := &server.Options{
		ServerName: name,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
	}
	if opts.StoreDir == "" {
		opts.StoreDir = filepath.Join(os.TempDir(), "trio-nats-"+name)
	}
	var err error
	if opts.Host, opts.Port, err = hostPort(cmp.Or(cfg.Listen, DefaultListen)); err != nil {
		return nil, fmt.Errorf("cluster: listen: %w", err)
	}
	if len(cfg.Routes) > 0 { // JetStream refuses a cluster without routes
		opts.Cluster.Name = ClusterName
		if opts.Cluster.Host, opts.Cluster.Port, err = hostPort(cmp.Or(cfg.ClusterListen, ":6222")); err != nil {
			return nil, fmt.Errorf("cluster: cluster_listen: %w", err)
		}
		for _, r := range cfg.Routes {
			u, err := url.Parse(r)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("cluster: route %q is not a URL like nats-route://host:6222", r)
			}
			opts.Routes = append(opts.Routes, u)
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("cluster: embedded NATS node: %w", err)
	}
	s.SetLoggerV2(&serverLog{log.With("nats", name)}, false, false, false)
	s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("cluster: embedded NATS node %s not accepting clients on %s within %v", name, cmp.Or(cfg.Listen, DefaultListen), readyTimeout)
	}
	return s, nil
}

// hostPort splits a listen address; port 0 asks for any free port.
func hostPort(addr string) (string, int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "", 0, fmt.Errorf("%q: bad port", addr)
	}
	if p == 0 {
		p = server.RANDOM_PORT
	}
	if host == "" {
		host = "0.0.0.0"
	}
	return host, p, nil
}

// serverLog passes an embedded node's log to slog: notices at Debug (a
// node is chatty when it starts), warnings, errors and fatal errors (which
// do not end trio) at Warn and Error.
type serverLog struct{ log *slog.Logger }

func (l *serverLog) Noticef(format string, v ...any) { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Warnf(format string, v ...any)   { l.log.Warn(fmt.Sprintf(format, v...)) }
func (l *serverLog) Fatalf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLog) Errorf(format string, v ...any)  { l.log.Error(fmt.Sprintf(format, v...)) }
func (l *serverLog) Debugf(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
func (l *serverLog) Tracef(format string, v ...any)  { l.log.Debug(fmt.Sprintf(format, v...)) }
