package config

import (
	"net/http"

	"github.com/triohttp/trio/static"
)

// siteHandler builds the handler chain of s, outermost first: headers
// and error pages on every response; redirects; basic auth on the path
// as requested; rewrites; basic auth again on the rewritten path (so a
// rewrite cannot lead around it); the files (or the demo site). Paths
// under a proxy's prefix skip all that for basic auth, header rules and
// the proxy. A site without root serves demoSite.
func siteHandler(s *Site, proxies []proxyRoute, demoSite http.Handler) (http.Handler, error) {
	var h http.Handler
	if s.Root == "" {
		h = demoSite
	} else {
		h = &static.Handler{
			Root:      s.Root,
			Browse:    s.Browse,
			SPA:       s.SPA,
			CleanURLs: s.CleanURLs,
			Compress:  &static.CompressConfig{Disable: !s.Compress},
		}
	}
	var auth []*authRule
	for i := range s.BasicAuth {
		auth = append(auth, newAuthRule(&s.BasicAuth[i], s.Name))
	}
	var rw, rd []redirectRule
	for _, r := range s.Rewrites {
		rw = append(rw, redirectRule{pat: mustPattern(r.From), to: r.To})
	}
	for _, r := range s.Redirects {
		rd = append(rd, redirectRule{pat: mustPattern(r.From), to: r.To, status: r.Status})
	}
	var hdrs []*headerRule
	for i := range s.Headers {
		hdrs = append(hdrs, newHeaderRule(&s.Headers[i]))
	}
	pages, err := loadErrorPages(s.ErrorPages)
	if err != nil {
		return nil, err
	}
	h = basicAuth(h, auth)
	if len(rw) > 0 {
		h = basicAuth(rewrites(h, rw), auth)
	}
	h = respond(redirects(h, rd), hdrs, pages)
	for i := range proxies {
		proxies[i].h = basicAuth(respond(proxies[i].h, hdrs, nil), auth)
	}
	return withProxies(h, proxies), nil
}
