package trio

import "net/http"

// withAltSvc adds the Alt-Svc header advertising HTTP/3 (RFC 7838) to every
// response h sends over TCP, once a UDP socket is being served. The port is
// the socket's real one, also when the OS chose it.
func (s *Server) withAltSvc(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := s.altSvc.Load(); v != nil {
			// One shared slice for every response: Set replaces it and Add
			// outgrows its capacity of one, so no response can change it.
			w.Header()["Alt-Svc"] = *v
		}
		h.ServeHTTP(w, r)
	})
}

// AltSvc returns the Alt-Svc value sent on HTTP/1.1 and HTTP/2 responses, or
// "" while no UDP socket is served (or HTTP/3 is off).
func (s *Server) AltSvc() string {
	if v := s.altSvc.Load(); v != nil {
		return (*v)[0]
	}
	return ""
}
