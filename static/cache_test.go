package static

import "testing"

func TestDefaultCacheControl(t *testing.T) {
	tests := []struct{ name, want string }{
		{"index.html", cacheRevalid},
		{"docs/PAGE.HTM", cacheRevalid},
		{"app.3f2a9c1b.js", cacheImmutable},
		{"assets/app-3f2a9c1b.css", cacheImmutable},
		{"chunk.0123456789abcdef0123.js", cacheImmutable},
		{"assets/index-BZ3xk2aQ.js", cacheImmutable},
		{"app.3f2a9c1b.html", cacheRevalid},
		{"app.js", cacheHour},
		{"logo.png", cacheHour},
		{"deadbeef.js", cacheHour},
		{"app.deadbeef.js", cacheHour}, // no digit: a word, not a hash
		{"my-settings.js", cacheHour},
		{"my-Settings.js", cacheHour},
		{"LICENSE", cacheHour},
	}
	for _, tt := range tests {
		if got := DefaultCacheControl(tt.name); got != tt.want {
			t.Errorf("DefaultCacheControl(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
}

func TestTypeByExtension(t *testing.T) {
	tests := []struct{ name, want string }{
		{"a.html", "text/html; charset=utf-8"},
		{"A.CSS", "text/css; charset=utf-8"},
		{"x.js", "text/javascript; charset=utf-8"},
		{"x.wasm", "application/wasm"},
		{"x.svg", "image/svg+xml"},
		{"x.unknown", ""},
		{"noext", ""},
	}
	for _, tt := range tests {
		if got := typeByExtension(tt.name); got != tt.want {
			t.Errorf("typeByExtension(%q) = %q; want %q", tt.name, got, tt.want)
		}
	}
	for _, ct := range []string{"text/css; charset=utf-8", "application/json", "image/svg+xml", "application/wasm", "application/manifest+json"} {
		if !compressible(ct) {
			t.Errorf("compressible(%q) = false; want true", ct)
		}
	}
	for _, ct := range []string{"image/png", "font/woff2", "application/zip", "video/mp4"} {
		if compressible(ct) {
			t.Errorf("compressible(%q) = true; want false", ct)
		}
	}
}
