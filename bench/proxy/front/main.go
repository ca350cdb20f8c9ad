// Command front serves package proxy's Handler, or net/http/httputil's
// ReverseProxy, on a trio.Server (h1, h2 and h3 over TLS) in front of one
// upstream. bench/proxy.sh runs it when the trio binary has no `trio proxy`
// (BENCH_TRIO=front), and says so in its report: with -impl proxy it measures
// the same Handler and engines as `trio proxy`, without the CLI's config
// layer; with -impl httputil, trio's engines before Go's proxy.
//
// With -pprof ADDR it also serves net/http/pprof on ADDR (cleartext), to
// profile the proxy under a load:
//
//	front -listen 127.0.0.1:9443 -cert cert.pem -key key.pem -to http://127.0.0.1:9480
//	go tool pprof 'http://127.0.0.1:6060/debug/pprof/profile?seconds=10'
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	_ "net/http/pprof" // on -pprof's listener only: the proxy's handler is its own
	"net/url"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/proxy"
	"github.com/triohttp/trio/tlsconf"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9443", "TCP and UDP `address`")
	cert := flag.String("cert", "", "certificate PEM `file`")
	key := flag.String("key", "", "key PEM `file`")
	to := flag.String("to", "", "upstream `URL` (http://host:port)")
	impl := flag.String("impl", "proxy", "proxy `implementation`: proxy (package proxy's Handler) or httputil")
	pprofAddr := flag.String("pprof", "", "`address` to serve net/http/pprof on, in cleartext; none if empty")
	flag.Parse()
	if *pprofAddr != "" {
		go func() { log.Fatal(http.ListenAndServe(*pprofAddr, http.DefaultServeMux)) }()
	}
	u, err := url.Parse(*to)
	if err != nil || u.Host == "" {
		log.Fatalf("front: bad -to %q", *to)
	}
	src, err := tlsconf.Files(*cert, *key)
	if err != nil {
		log.Fatal(err)
	}
	var h http.Handler
	switch *impl {
	case "proxy":
		pool, err := proxy.NewPool(proxy.PoolConfig{Name: "bench"}, *to)
		if err != nil {
			log.Fatal(err)
		}
		h = &proxy.Handler{Pool: pool}
	case "httputil":
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 256
		h = &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) {
				r.SetURL(u)
				r.SetXForwarded()
			},
			Transport: tr,
		}
	default:
		log.Fatalf("front: -impl is proxy or httputil, not %q", *impl)
	}
	srv := &trio.Server{Addr: *listen, Handler: h, TLS: src}
	log.Fatal(srv.ListenAndServe())
}
