package observe

import (
	"io"
	"net/http"
)

// AdminHandler serves an admin listener: /metrics from m, and /healthz,
// which answers 200 "ok" while healthy reports true and 503 "shutting
// down" once it reports false. A nil healthy is always healthy. Other
// paths get 404.
func AdminHandler(m *Metrics, healthy func() bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if healthy != nil && !healthy() {
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "shutting down\n")
			return
		}
		io.WriteString(w, "ok\n")
	})
	return mux
}
