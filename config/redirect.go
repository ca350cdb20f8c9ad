package config

import (
	"net/http"
	"strings"
)

// A redirectRule answers matching paths with a redirect, or (status 0)
// rewrites them.
type redirectRule struct {
	pat    *pattern
	to     string
	status int
}

// mustPattern compiles a pattern Load has checked.
func mustPattern(p string) *pattern {
	pat, err := compilePattern(p)
	if err != nil {
		panic("config: pattern not checked by Load: " + err.Error())
	}
	return pat
}

// redirects returns next behind rules: the first rule whose pattern
// matches redirects. The query string is kept unless the target has one.
func redirects(next http.Handler, rules []redirectRule) http.Handler {
	if len(rules) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rr := range rules {
			if m, ok := rr.pat.match(r.URL.Path); ok {
				to := rr.pat.expand(rr.to, r.URL.Path, m)
				if r.URL.RawQuery != "" && !strings.Contains(to, "?") {
					to += "?" + r.URL.RawQuery
				}
				w.Header().Set("Location", to)
				w.WriteHeader(rr.status)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// rewrites returns next behind rules: the first rule whose pattern
// matches replaces the path served (r.URL.Path; RawPath is cleared).
func rewrites(next http.Handler, rules []redirectRule) http.Handler {
	if len(rules) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, rr := range rules {
			if m, ok := rr.pat.match(r.URL.Path); ok {
				to := rr.pat.expand(rr.to, r.URL.Path, m)
				r2 := new(http.Request)
				*r2 = *r
				u := *r.URL
				u.Path, u.RawPath = to, ""
				if p, q, found := strings.Cut(to, "?"); found {
					u.Path, u.RawQuery = p, q
				}
				r2.URL = &u
				r = r2
				break
			}
		}
		next.ServeHTTP(w, r)
	})
}
