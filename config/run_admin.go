package config

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/triohttp/trio/observe"
)

// An adminServer is the admin listener: /metrics, /healthz (503 once
// Shutdown starts), POST /reload and /upstreams, the proxies' upstreams
// as JSON.
type adminServer struct {
	ln   net.Listener
	srv  *http.Server
	done chan struct{} // closed when Serve returned
}

func (r *Runner) listenAdmin(addr string) (*adminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", observe.AdminHandler(r.metrics, r.healthy.Load))
	mux.HandleFunc("POST /reload", r.serveReload)
	mux.Handle("GET /upstreams", r.px.pools.AdminHandler())
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(r.logger.Handler(), slog.LevelDebug),
	}
	return &adminServer{ln: ln, srv: srv, done: make(chan struct{})}, nil
}

func (a *adminServer) serve() {
	go func() {
		defer close(a.done)
		a.srv.Serve(a.ln)
	}()
}

// shutdown stops the admin listener gracefully and waits for Serve.
func (a *adminServer) shutdown(ctx context.Context) error {
	err := a.srv.Shutdown(ctx)
	<-a.done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// serveReload reloads the file, answering 200 and "reloaded", or 422
// with the errors, one per line.
func (r *Runner) serveReload(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := r.Reload(); err != nil {
		w.WriteHeader(http.StatusUnprocessableEntity)
		io.WriteString(w, err.Error()+"\n")
		return
	}
	io.WriteString(w, "reloaded\n")
}
