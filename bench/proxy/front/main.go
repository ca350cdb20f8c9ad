// Command front is a stand-in for `trio proxy` in bench/proxy.sh while that
// command is not built: a trio.Server (h1, h2 and h3 over TLS) whose handler
// is net/http/httputil's ReverseProxy to one upstream, with keep-alive to it.
// The script uses it only when `trio proxy` is missing and says so in its
// report: it measures trio's engines in front of Go's proxy, not package proxy.
//
//	front -listen 127.0.0.1:9443 -cert cert.pem -key key.pem -to http://127.0.0.1:9480
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9443", "TCP and UDP `address`")
	cert := flag.String("cert", "", "certificate PEM `file`")
	key := flag.String("key", "", "key PEM `file`")
	to := flag.String("to", "", "upstream `URL` (http://host:port)")
	flag.Parse()
	u, err := url.Parse(*to)
	if err != nil || u.Host == "" {
		log.Fatalf("front: bad -to %q", *to)
	}
	src, err := tlsconf.Files(*cert, *key)
	if err != nil {
		log.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
			r.SetXForwarded()
		},
		Transport: tr,
	}
	srv := &trio.Server{Addr: *listen, Handler: rp, TLS: src}
	log.Fatal(srv.ListenAndServe())
}
