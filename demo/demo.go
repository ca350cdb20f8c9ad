package demo

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Handler returns the demo site with its own chat room and ticker, on a
// private in-process hub (New(nil)): the
// embedded pages, served by package static (ETag, compression, ranges),
// /api/whoami, the generated /tile/N.svg images, and the WebSockets
// /ws/chat (a Chat room), /ws/ticker (a Ticker) and /ws/echo (Echo), on
// any HTTP version.
func Handler() http.Handler { return New(nil) }

// site is the demo site with the given chat and ticker WebSocket handlers.
func site(chat, ticker http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /", pages())
	mux.HandleFunc("GET /api/whoami", whoami)
	mux.HandleFunc("GET /tile/{n}", tile)
	// WebSockets: GET on HTTP/1.1, extended CONNECT on HTTP/2 and HTTP/3.
	for path, h := range map[string]http.Handler{"/ws/chat": chat, "/ws/ticker": ticker, "/ws/echo": http.HandlerFunc(Echo)} {
		mux.Handle("GET "+path, h)
		mux.Handle("CONNECT "+path, h)
	}
	return countRequests(mux, newConnCounter())
}

// Whoami is what the server saw of a request.
type Whoami struct {
	Proto      string `json:"proto"`
	TLS        string `json:"tls,omitempty"`  // TLS version
	ALPN       string `json:"alpn,omitempty"` // negotiated protocol
	ServerName string `json:"serverName,omitempty"`
	RemoteAddr string `json:"remoteAddr"`
	Host       string `json:"host"`
	// ConnRequests is how many requests the connection that carried this
	// one has brought so far, this one included: keep-alive at work. See
	// connCounter for how a connection is recognised.
	ConnRequests int `json:"connRequests"`
}

func whoami(w http.ResponseWriter, r *http.Request) {
	me := Whoami{Proto: r.Proto, RemoteAddr: r.RemoteAddr, Host: r.Host, ConnRequests: connRequests(r)}
	if r.TLS != nil {
		me.TLS = tls.VersionName(r.TLS.Version)
		me.ALPN = r.TLS.NegotiatedProtocol
		me.ServerName = r.TLS.ServerName
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(me)
}

// maxTileDelay bounds the ?delay= of a tile, so nobody can hold a handler
// for long.
const maxTileDelay = 2 * time.Second

// tile serves /tile/N.svg: a small coloured square labelled N, optionally
// after ?delay=MS, so the page can show many requests in flight at once.
func tile(w http.ResponseWriter, r *http.Request) {
	num, ok := strings.CutSuffix(r.PathValue("n"), ".svg")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 0 || n > 999 {
		http.Error(w, "demo: tile must be /tile/N.svg with N from 0 to 999", http.StatusNotFound)
		return
	}
	if d := r.URL.Query().Get("delay"); d != "" {
		ms, err := strconv.Atoi(d)
		if err != nil || ms < 0 {
			http.Error(w, "demo: delay must be a whole number of milliseconds", http.StatusBadRequest)
			return
		}
		select {
		case <-time.After(min(time.Duration(ms)*time.Millisecond, maxTileDelay)):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48"><rect width="48" height="48" fill="hsl(%d 65%% 55%%)"/><text x="24" y="30" font-family="sans-serif" font-size="14" text-anchor="middle" fill="#fff">%d</text></svg>`, n*37%360, n)
}
