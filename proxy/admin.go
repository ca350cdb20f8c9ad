package proxy

import (
	"encoding/json"
	"net/http"
)

// UpstreamStatus is one upstream as the admin view shows it.
type UpstreamStatus struct {
	Route        string `json:"route"`
	Upstream     string `json:"upstream"` // as written in the configuration
	State        string `json:"state"`    // healthy, draining or down
	Requests     int64  `json:"requests"` // HTTP requests in flight
	WebSockets   int64  `json:"websockets"`
	Drained      int64  `json:"websockets_drained"`
	ChecksOK     int64  `json:"health_checks_ok"`
	ChecksFailed int64  `json:"health_checks_failed"`
	LastError    string `json:"last_check_error,omitempty"`
}

// Status is the state of every upstream of s's pools, by route, in
// configuration order, draining ones last.
func (s *Pools) Status() []UpstreamStatus {
	out := []UpstreamStatus{}
	for _, p := range s.All() {
		for _, u := range p.Upstreams() {
			u.mu.Lock()
			last := u.checkErr
			u.mu.Unlock()
			out = append(out, UpstreamStatus{
				Route:        p.name,
				Upstream:     u.raw,
				State:        u.State().String(),
				Requests:     u.httpRequests(),
				WebSockets:   u.sockets.Load(),
				Drained:      u.drained.Load(),
				ChecksOK:     u.checks[1].Load(),
				ChecksFailed: u.checks[0].Load(),
				LastError:    last,
			})
		}
	}
	return out
}

// AdminHandler serves Status as a JSON array, for GET /upstreams on the
// admin listener.
func (s *Pools) AdminHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(s.Status())
	})
}
