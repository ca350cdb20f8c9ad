package proxy

import (
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/triohttp/trio/triotest"
)

// TestPoolStickyThroughProxy: through the Handler, with real clients on
// every protocol, a client (a session cookie) stays on one of three
// loopback backends across 1,000 requests, three others across 100 each,
// and the four do not all share one.
func TestPoolStickyThroughProxy(t *testing.T) {
	var urls []string
	for i := range 3 {
		u, _ := upstreamH1(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, i)
		}))
		urls = append(urls, u)
	}
	pool, err := NewPool(quiet(PoolConfig{Name: "sticky", Policy: "hash", HashKey: "cookie:session"}), urls...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
		t.Run(string(m), func(t *testing.T) {
			ts := front(t, m, &Handler{Pool: pool})
			backends := map[string]bool{}
			// Twelve clients: all on one of three backends by chance has a
			// probability of 3^-11 (four clients had 1 in 27: the ring
			// depends on the backends' random ports).
			for client := range 12 {
				seen := map[string]int{}
				n := 50
				if client == 0 {
					n = 1000
				}
				for range n {
					req, _ := http.NewRequest("GET", ts.URL+"/", nil)
					req.AddCookie(&http.Cookie{Name: "session", Value: fmt.Sprint("client-", client)})
					res, err := ts.Client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					seen[string(body)]++
				}
				if len(seen) != 1 {
					t.Errorf("client %d's %d requests reached backends %v; want one", client, n, seen)
				}
				for b := range seen {
					backends[b] = true
				}
			}
			if len(backends) < 2 {
				t.Errorf("twelve clients all on backend %v; want them spread", backends)
			}
		})
	}
}
