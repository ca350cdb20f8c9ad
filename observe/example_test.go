package observe_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
)

// A server with an access log on stdout, metrics, and an admin listener
// for Prometheus.
func Example() {
	access, err := observe.OpenAccessLog("stdout", "json")
	if err != nil {
		log.Fatal(err)
	}
	defer access.Close() // after Shutdown: every line is written
	m := observe.NewMetrics()
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello\n")
	})
	srv := &trio.Server{Addr: "localhost:8443", Handler: observe.Handler(site, access, m), Observer: m}
	go http.ListenAndServe("127.0.0.1:9180", observe.AdminHandler(m, nil)) // /metrics, /healthz
	log.Fatal(srv.ListenAndServe())
}

// Handler counts each request by protocol, site and status class.
func ExampleHandler() {
	m := observe.NewMetrics()
	h := observe.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		observe.SetSite(r, "docs") // a router names the site it chose
		w.WriteHeader(http.StatusNotFound)
	}), nil, m)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/missing", nil))

	scrape := httptest.NewRecorder()
	m.Handler().ServeHTTP(scrape, httptest.NewRequest("GET", "/metrics", nil))
	for line := range strings.SplitSeq(scrape.Body.String(), "\n") {
		if strings.HasPrefix(line, "trio_http_requests_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// trio_http_requests_total{code="4xx",protocol="h1",site="docs"} 1
}
