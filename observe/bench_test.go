package observe_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/triohttp/trio/observe"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmark measures the middleware, not the recorder of httptest.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(int)             {}

// BenchmarkHandler is the middleware's own cost per request, without a
// network: bare, with metrics, and with metrics and a JSON access log.
func BenchmarkHandler(b *testing.B) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		observe.SetSite(r, "a")
		io.WriteString(w, "hello")
	})
	log, err := observe.OpenAccessLog(filepath.Join(b.TempDir(), "access.log"), "json")
	if err != nil {
		b.Fatal(err)
	}
	defer log.Close()
	for _, c := range []struct {
		name string
		h    http.Handler
	}{
		{"off", next},
		{"metrics", observe.Handler(next, nil, observe.NewMetrics())},
		{"metrics+log", observe.Handler(next, log, observe.NewMetrics())},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := httptest.NewRequest("GET", "https://a.localhost/x", nil)
			w := &discardWriter{h: make(http.Header)}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeHTTP(w, r)
			}
		})
	}
}
