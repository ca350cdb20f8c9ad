package static

import (
	"path"
	"strings"
)

// Cache-Control values of DefaultCacheControl.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheRevalid   = "no-cache"
	cacheHour      = "public, max-age=3600"
)

// DefaultCacheControl is the Cache-Control policy used when
// Handler.CacheControl is nil. Fingerprinted names (app.3f2a9c1b.js,
// index-BZ3xk2aQ.css) are immutable for a year, HTML must be revalidated on
// every use, and everything else is fresh for an hour.
func DefaultCacheControl(name string) string {
	ext := path.Ext(name)
	switch strings.ToLower(ext) {
	case ".html", ".htm":
		return cacheRevalid
	}
	if fingerprinted(path.Base(name)) {
		return cacheImmutable
	}
	return cacheHour
}

// fingerprinted reports whether base has a content hash just before its
// extension: a run of at least 8 hex digits (webpack, esbuild) or 8 base64url
// characters with a digit and an upper-case letter (Vite, Rollup), separated
// by '.' or '-'.
func fingerprinted(base string) bool {
	stem := strings.TrimSuffix(base, path.Ext(base))
	i := strings.LastIndexAny(stem, ".-")
	if i <= 0 {
		return false
	}
	h := stem[i+1:]
	return isHexHash(h) || isBase64Hash(h)
}

// isHexHash reports whether s is 8 to 64 hex digits with at least one digit.
func isHexHash(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digit = true
		case 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return false
		}
	}
	return digit
}

// isBase64Hash reports whether s is 8 base64url characters holding at least
// one digit and one upper-case letter, the shape of Rollup's hashes.
func isBase64Hash(s string) bool {
	if len(s) != 8 {
		return false
	}
	digit, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			digit = true
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z', c == '_', c == '-':
		default:
			return false
		}
	}
	return digit && upper
}
