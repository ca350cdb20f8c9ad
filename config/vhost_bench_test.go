package config

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkVhost measures what the virtual-host router adds to a request
// in process: the site lookup, and the 421 check when the authority
// differs from the SNI (a coalesced connection), against the bare site.
func BenchmarkVhost(b *testing.B) {
	site := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	leaf := &tls.Certificate{Leaf: mustLeaf(b, "a.localhost", "b.localhost")}
	v := &vhost{
		exact: map[string]*siteEntry{"a.localhost": {name: "a", handler: site}, "b.localhost": {name: "b", handler: site}},
		wild:  map[string]*siteEntry{},
		cert:  func(string) (*tls.Certificate, error) { return leaf, nil },
	}
	run := func(b *testing.B, h http.Handler, host, sni string) {
		r := httptest.NewRequest("GET", "https://"+host+"/", nil)
		r.TLS = &tls.ConnectionState{ServerName: sni}
		w := httptest.NewRecorder()
		b.ReportAllocs()
		for b.Loop() {
			w.Body.Reset()
			h.ServeHTTP(w, r)
		}
	}
	b.Run("bare", func(b *testing.B) { run(b, site, "a.localhost", "a.localhost") })
	b.Run("vhost", func(b *testing.B) { run(b, v, "a.localhost", "a.localhost") })
	b.Run("vhost-port", func(b *testing.B) { run(b, v, "a.localhost:8443", "a.localhost") })
	b.Run("vhost-coalesced", func(b *testing.B) { run(b, v, "b.localhost", "a.localhost") })
	b.Run("vhost-headers", func(b *testing.B) {
		rules := []*headerRule{newHeaderRule(&HeaderRule{Path: "/assets/*", Set: map[string]string{"Cache-Control": "immutable"}})}
		v.exact["a.localhost"] = &siteEntry{name: "a", handler: respond(site, rules, nil)}
		run(b, v, "a.localhost", "a.localhost")
	})
}
