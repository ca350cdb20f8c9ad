package h1

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRedirectHTTPS(t *testing.T) {
	tests := []struct {
		port         int
		host, target string
		wantCode     int
		wantLocation string
	}{
		{443, "example.com", "/a?b=c", 308, "https://example.com/a?b=c"},
		{443, "example.com:80", "/", 308, "https://example.com/"},
		{8443, "localhost:8080", "/x/y", 308, "https://localhost:8443/x/y"},
		{8443, "[::1]:8080", "/", 308, "https://[::1]:8443/"},
		{443, "[::1]", "/", 308, "https://[::1]/"},
		{8443, "127.0.0.1", "/%2F?q", 308, "https://127.0.0.1:8443/%2F?q"},
		{443, "", "/", 400, ""},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", tt.target, nil)
		r.Host = tt.host
		w := httptest.NewRecorder()
		RedirectHTTPS(tt.port).ServeHTTP(w, r)
		if w.Code != tt.wantCode || w.Header().Get("Location") != tt.wantLocation {
			t.Errorf("Host %q %s (port %d) = %d %q; want %d %q", tt.host, tt.target, tt.port,
				w.Code, w.Header().Get("Location"), tt.wantCode, tt.wantLocation)
		}
	}
}

func FuzzH2CUpgrade(f *testing.F) {
	f.Add("Upgrade, HTTP2-Settings", "h2c", "AAMAAABkAAQCAAAAAAIAAAAA")
	f.Add("upgrade,http2-settings", "H2C", "")
	f.Add("Upgrade", "websocket", "=====")
	f.Fuzz(func(t *testing.T, conn, upgrade, settings string) {
		r := &http.Request{Method: "GET", ProtoMajor: 1, Header: http.Header{
			"Connection": {conn}, "Upgrade": {upgrade}, "Http2-Settings": {settings},
		}}
		got, ok := h2cUpgrade(r)
		if ok && len(got)%6 != 0 {
			t.Fatalf("accepted settings of %d bytes; SETTINGS entries are 6 bytes each", len(got))
		}
		if ok && !hasToken(r.Header["Upgrade"], "h2c") {
			t.Fatalf("accepted Upgrade %q without the h2c token", upgrade)
		}
	})
}
