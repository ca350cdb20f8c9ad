package trio_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/triohttp/trio"
)

// Ten lines serve a handler over HTTP/1.1, HTTP/2 and HTTP/3 on
// https://localhost:8443, with a certificate from the local CA.
func Example() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Hello over %s\n", r.Proto)
	})
	srv := &trio.Server{Addr: "localhost:8443", Handler: http.DefaultServeMux}
	log.Fatal(srv.ListenAndServe())
}
