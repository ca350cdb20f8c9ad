package static

import (
	"net/http"
	"strconv"
	"sync"
	"time"
)

// A Handler serves the files under Root. The zero value serves the current
// directory with compression on, no listings, no clean URLs and no SPA
// fallback. A Handler must not be copied or have its fields changed after
// its first request.
type Handler struct {
	// Root is the directory served. If empty, "." is used.
	Root string

	// Browse lists directories that have no index.html, as HTML or as JSON
	// when the client prefers application/json. If false, they are 404.
	Browse bool

	// CleanURLs serves name.html for an extension-less path with no file.
	CleanURLs bool

	// SPA serves /index.html for extension-less paths that name nothing,
	// as single-page applications route on the client.
	SPA bool

	// ShowHidden serves and lists dotfiles. If false, any path with a
	// segment starting with "." is 404, except under /.well-known/.
	ShowHidden bool

	// FollowSymlinks follows symlinks that lead outside Root. If false they
	// are 404; symlinks that stay inside Root always work.
	FollowSymlinks bool

	// CacheControl returns the Cache-Control value for a file name relative
	// to Root ("" for none). If nil, DefaultCacheControl is used.
	CacheControl func(name string) string

	// Compress configures compression. If nil, the defaults of a zero
	// CompressConfig apply.
	Compress *CompressConfig

	// MaxMemoryFile is the largest file served from memory rather than from
	// disk. If zero, 256 KiB is used; if negative, files are always read
	// from disk.
	MaxMemoryFile int64

	// CacheBytes bounds the memory kept for small files and compressed
	// variants. If zero, 64 MiB is used.
	CacheBytes int64

	once sync.Once
	st   *state
	wrap func(fileSystem) fileSystem // test hook around all disk access
}

// CompressConfig configures compression. The zero value serves
// precompressed sidecars and compresses on the fly.
type CompressConfig struct {
	// Disable turns off on-the-fly compression; sidecars are still served.
	Disable bool

	// DisableSidecars ignores name.br, name.zst and name.gz files.
	DisableSidecars bool

	// MinSize is the smallest file compressed on the fly. If zero, 1 KiB.
	MinSize int64

	// MaxSize is the largest file compressed on the fly. If zero, 8 MiB.
	MaxSize int64
}

func (c *CompressConfig) disable() bool         { return c != nil && c.Disable }
func (c *CompressConfig) disableSidecars() bool { return c != nil && c.DisableSidecars }

func (c *CompressConfig) minSize() int64 {
	if c == nil || c.MinSize == 0 {
		return 1 << 10
	}
	return c.MinSize
}

func (c *CompressConfig) maxSize() int64 {
	if c == nil || c.MaxSize == 0 {
		return 8 << 20
	}
	return c.MaxSize
}

func (h *Handler) maxMemoryFile() int64 {
	if h.MaxMemoryFile == 0 {
		// Most of a site's assets; a 100 KiB file over h1 TLS is served
		// 19% faster from memory than opened, read and closed each time.
		return 256 << 10
	}
	return h.MaxMemoryFile
}

// New returns a Handler serving root with the default settings.
func New(root string) *Handler { return &Handler{Root: root} }

// state is what a Handler builds on its first request.
type state struct {
	root  rootDir
	meta  metaCache
	blobs blobCache
}

func (h *Handler) state() *state {
	h.once.Do(func() {
		st := &state{}
		st.root.path = h.Root
		if st.root.path == "" {
			st.root.path = "."
		}
		st.root.follow = h.FollowSymlinks
		st.root.wrap = h.wrap
		st.blobs.max = h.CacheBytes
		if st.blobs.max <= 0 {
			st.blobs.max = 64 << 20
		}
		h.st = st
	})
	return h.st
}

// Header values shared by all responses; never modified.
var (
	hdrNosniff = []string{"nosniff"}
	hdrAllow   = []string{"GET, HEAD, OPTIONS"}
	hdrBytes   = []string{"bytes"}
	hdrVaryAE  = []string{"Accept-Encoding"}
)

// ServeHTTP serves the file, directory index or listing named by r.URL.Path.
// Only GET and HEAD are served (RFC 9110 §9.3.1, §9.3.2); OPTIONS is
// answered with Allow (§9.3.7) and other methods with 405 (§15.5.6).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr["X-Content-Type-Options"] = hdrNosniff
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		hdr["Allow"] = hdrAllow
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		hdr["Allow"] = hdrAllow
		plainError(w, r, http.StatusMethodNotAllowed)
		return
	}
	name, slash, err := cleanPath(r.URL)
	if err != nil {
		plainError(w, r, http.StatusBadRequest)
		return
	}
	st := h.state()
	now := time.Now()
	fsys, err := st.root.get(now)
	if err != nil {
		plainError(w, r, http.StatusInternalServerError) // never the error: it names host paths
		return
	}
	if !h.ShowHidden && hidden(name) {
		h.notFound(w, r, st, fsys, now)
		return
	}
	kind, f := h.resolve(st, fsys, name, slash, now)
	switch kind {
	case resFile:
		h.serveFile(w, r, st, fsys, f, http.StatusOK)
	case resRedirect:
		hdr.Set("Location", redirectLocation(name, r.URL.RawQuery))
		w.WriteHeader(http.StatusPermanentRedirect)
	case resListing:
		h.serveListing(w, r, fsys, name)
	default:
		h.notFound(w, r, st, fsys, now)
	}
}

// plainError writes a short error, "404 Not Found": text/plain, or a
// styled page for browsers (see errorBody). It never includes anything
// from the host: no paths, no error strings. Fields that describe a file
// rather than this body are dropped, so that the error is neither decoded
// as the file's coding nor cached under its policy.
func plainError(w http.ResponseWriter, r *http.Request, code int) {
	hdr := w.Header()
	for _, k := range [...]string{"Content-Encoding", "Cache-Control", "Etag", "Last-Modified"} {
		delete(hdr, k)
	}
	body, ctype := errorBody(r, code)
	hdr.Add("Vary", "Accept")
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write([]byte(body))
	}
}
