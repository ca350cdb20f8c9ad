package static

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
	"unicode/utf8"
)

// resolveTTL bounds how long a resolution (which file a URL path names, and
// which sidecars exist) is reused. The file itself is revalidated with a stat
// on every request, so content changes are seen at once.
const resolveTTL = time.Second

// errBadPath is returned by cleanPath for a request path that is refused.
var errBadPath = errors.New("static: malformed path")

// cleanPath turns the request path into a name for the file system: slash
// separated, relative to the root, "." for the root itself. It reports
// whether the path ended in a slash. r.URL.Path has been percent-decoded once
// by the server; anything that could still step outside the root is refused:
// backslashes, NUL bytes, invalid UTF-8 (overlong "%c0%ae" dots), ".."
// segments, and encoded slashes or backslashes
// (RFC 3986 §2.2: %2F is data, not a separator, so it can never name a file).
// A second level of encoding (%252e) stays literal and is never decoded again.
func cleanPath(u *url.URL) (name string, slash bool, err error) {
	p := u.Path
	if p == "" || p[0] != '/' || strings.ContainsAny(p, "\\\x00") || !utf8.ValidString(p) {
		return "", false, errBadPath
	}
	if u.RawPath != "" && hasEncodedSeparator(u.RawPath) {
		return "", false, errBadPath
	}
	for s := p; s != ""; {
		var seg string
		seg, s, _ = strings.Cut(s, "/")
		if seg == ".." {
			return "", false, errBadPath
		}
	}
	slash = p[len(p)-1] == '/'
	name = path.Clean(p)[1:]
	if name == "" {
		name = "."
	}
	return name, slash, nil
}

// hasEncodedSeparator reports whether raw holds %2F, %5C or %00 in any case.
func hasEncodedSeparator(raw string) bool {
	for i := 0; i+2 < len(raw); i++ {
		if raw[i] != '%' {
			continue
		}
		switch raw[i+1 : i+3] {
		case "2f", "2F", "5c", "5C", "00":
			return true
		}
	}
	return false
}

// hidden reports whether name has a segment starting with a dot, other than
// a leading ".well-known" (RFC 8615).
func hidden(name string) bool {
	if name == "." {
		return false
	}
	if rest, ok := strings.CutPrefix(name, ".well-known"); ok && (rest == "" || rest[0] == '/') {
		name = strings.TrimPrefix(rest, "/")
	}
	for s := name; s != ""; {
		var seg string
		seg, s, _ = strings.Cut(s, "/")
		if seg != "" && seg[0] == '.' {
			return true
		}
	}
	return false
}

// resKind says what a request path resolved to.
type resKind int

const (
	resNotFound resKind = iota
	resFile
	resRedirect // directory without its trailing slash
	resListing
)

// resolve maps a cleaned name to what should be served, reusing a cached
// resolution for up to resolveTTL and revalidating its file with a stat.
func (h *Handler) resolve(st *state, fsys fileSystem, name string, slash bool, now time.Time) (resKind, *file) {
	key := name
	if slash {
		key += "/"
	}
	if f := st.meta.get(key); f != nil {
		if now.UnixNano()-f.resolvedAt < int64(resolveTTL) {
			fi, err := fsys.Stat(f.name)
			if err == nil && f.same(fi) {
				return resFile, f
			}
		}
		st.meta.delete(key)
	}
	kind, name, fi := h.lookup(fsys, name, slash)
	if kind != resFile {
		return kind, nil
	}
	f := h.newFile(fsys, name, fi, now)
	st.meta.put(key, f)
	return resFile, f
}

// lookup finds the file for name on disk: the file itself, a directory's
// index.html, name.html with CleanURLs, or index.html with SPA.
func (h *Handler) lookup(fsys fileSystem, name string, slash bool) (resKind, string, fs.FileInfo) {
	fi, err := fsys.Stat(name)
	if err == nil {
		switch {
		case fi.IsDir():
			if !slash {
				return resRedirect, "", nil
			}
			idx := path.Join(name, "index.html")
			if fi, err := fsys.Stat(idx); err == nil && fi.Mode().IsRegular() {
				return resFile, idx, fi
			}
			if h.Browse {
				return resListing, "", nil
			}
			return resNotFound, "", nil
		case fi.Mode().IsRegular() && !slash:
			return resFile, name, fi
		}
		return resNotFound, "", nil // devices, sockets, "file.txt/"
	}
	if slash || name == "." {
		return resNotFound, "", nil
	}
	noExt := path.Ext(path.Base(name)) == ""
	if h.CleanURLs && noExt {
		if fi, err := fsys.Stat(name + ".html"); err == nil && fi.Mode().IsRegular() {
			return resFile, name + ".html", fi
		}
	}
	if h.SPA && noExt {
		if fi, err := fsys.Stat("index.html"); err == nil && fi.Mode().IsRegular() {
			return resFile, "index.html", fi
		}
	}
	return resNotFound, "", nil
}

// redirectLocation is the slash form of a directory path, keeping the query
// (RFC 9110 §15.4.9: 308 keeps the method). It is built from the cleaned
// name so that "//evil.example" can never become a scheme-relative URL.
func redirectLocation(name, rawQuery string) string {
	loc := (&url.URL{Path: "/" + name + "/"}).EscapedPath()
	if rawQuery != "" {
		loc += "?" + rawQuery
	}
	return loc
}

// notFound serves the root 404.html with status 404, or a short plain text.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, st *state, fsys fileSystem, now time.Time) {
	const key = "\x00404"
	f := st.meta.get(key)
	if f != nil {
		if fi, err := fsys.Stat(f.name); err != nil || !f.same(fi) || now.UnixNano()-f.resolvedAt >= int64(resolveTTL) {
			st.meta.delete(key)
			f = nil
		}
	}
	if f == nil {
		if fi, err := fsys.Stat("404.html"); err == nil && fi.Mode().IsRegular() {
			f = h.newFile(fsys, "404.html", fi, now)
			st.meta.put(key, f)
		}
	}
	if f == nil {
		plainError(w, r, http.StatusNotFound)
		return
	}
	h.serveFile(w, r, st, fsys, f, http.StatusNotFound)
}
