package static_test

import (
	"strings"
	"testing"

	"github.com/triohttp/trio/static"
)

func TestConfig(t *testing.T) {
	root, _ := newFixture(t)
	tests := []struct {
		name     string
		h        *static.Handler
		path, ae string
		encoding string // want Content-Encoding
		sidecar  bool   // want the sidecar's bytes
		cache    string // want Cache-Control, if set
	}{
		{"defaults", &static.Handler{Root: root}, "/style.css", "br", "br", true, ""},
		{"no on the fly", &static.Handler{Root: root, Compress: &static.CompressConfig{Disable: true}}, "/big.txt", "gzip", "", false, ""},
		{"no on the fly keeps sidecars", &static.Handler{Root: root, Compress: &static.CompressConfig{Disable: true}}, "/style.css", "br", "br", true, ""},
		{"no sidecars", &static.Handler{Root: root, Compress: &static.CompressConfig{DisableSidecars: true}}, "/style.css", "br", "br", false, ""},
		{"min size", &static.Handler{Root: root, Compress: &static.CompressConfig{MinSize: 64 << 10}}, "/big.txt", "gzip", "", false, ""},
		{"max size", &static.Handler{Root: root, Compress: &static.CompressConfig{MaxSize: 1 << 10}}, "/big.txt", "gzip", "", false, ""},
		{"cache policy", &static.Handler{Root: root, CacheControl: func(name string) string { return "max-age=" + name }}, "/hello.txt", "", "", false, "max-age=hello.txt"},
		{"no cache policy", &static.Handler{Root: root, CacheControl: func(string) string { return "" }}, "/hello.txt", "", "", false, "-"},
		{"disk only", &static.Handler{Root: root, MaxMemoryFile: -1, CacheBytes: 1}, "/big.txt", "zstd", "zstd", false, ""},
	}
	for _, tt := range tests {
		w := get(tt.h, "GET", tt.path, "Accept-Encoding", tt.ae)
		if got := w.Header().Get("Content-Encoding"); got != tt.encoding {
			t.Errorf("%s: Content-Encoding = %q; want %q", tt.name, got, tt.encoding)
		}
		// An on-the-fly variant's ETag is the file's plus a suffix; a
		// sidecar's is derived from the sidecar file.
		id := get(tt.h, "GET", tt.path).Header().Get("Etag")
		fly := strings.TrimSuffix(id, `"`) + "-" + tt.encoding + `"`
		if got := tt.encoding != "" && w.Header().Get("Etag") != fly; got != tt.sidecar {
			t.Errorf("%s: sent the sidecar = %v; want %v", tt.name, got, tt.sidecar)
		}
		if want := strings.TrimPrefix(tt.cache, "-"); tt.cache != "" && w.Header().Get("Cache-Control") != want {
			t.Errorf("%s: Cache-Control = %q; want %q", tt.name, w.Header().Get("Cache-Control"), want)
		}
		if tt.encoding != "" {
			want := map[string]string{"/style.css": cssText, "/big.txt": bigTXT}[tt.path]
			if got := decode(t, tt.encoding, w.Body.Bytes()); got != want {
				t.Errorf("%s: decoded body is %d bytes; want %d", tt.name, len(got), len(want))
			}
		}
	}
}
