package h1

import (
	"net"
	"net/http"
	"strconv"
)

// RedirectHTTPS answers every request with 308 Permanent Redirect to the
// same URL on https:// at port tlsPort (443 is left out of the URL). 308
// keeps the method and body, so a POST stays a POST.
func RedirectHTTPS(tlsPort int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		if host == "" {
			http.Error(w, "h1: request has no Host; cannot redirect to https", http.StatusBadRequest)
			return
		}
		if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
			host = "[" + host + "]"
		}
		if tlsPort != 443 {
			host += ":" + strconv.Itoa(tlsPort)
		}
		u := "https://" + host + r.URL.RequestURI()
		http.Redirect(w, r, u, http.StatusPermanentRedirect)
	})
}
