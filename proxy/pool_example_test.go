package proxy_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/triohttp/trio/proxy"
)

// A reload removes an upstream while a request to it is in flight: the
// upstream drains, taking nothing new, and leaves the pool once its
// request ends. Its WebSockets, if it had any, would be closed with 1012
// after the pool's DrainGrace.
func ExamplePool_Update() {
	pool, err := proxy.NewPool(proxy.PoolConfig{Name: "api", Policy: "least_conn"},
		"http://10.0.0.1:9000", "http://10.0.0.2:9000")
	if err != nil {
		panic(err)
	}
	defer pool.Close()

	u, done, _ := pool.Pick(httptest.NewRequest("GET", "/", nil), nil) // a request in flight
	var keep string
	for _, v := range pool.Upstreams() {
		if v != u {
			keep = v.String()
		}
	}
	pool.Update(keep, "h2c://10.0.0.3:9000")
	for _, v := range pool.Upstreams() {
		fmt.Println(v.State(), v.Requests(), v == u)
	}

	done(nil) // the request ends
	fmt.Println(len(pool.Upstreams()), "upstreams")
	// Output:
	// healthy 0 false
	// healthy 0 false
	// draining 1 true
	// 2 upstreams
}
