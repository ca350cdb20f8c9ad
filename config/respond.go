package config

import (
	"bufio"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

// An errorPage is the body that replaces a site's error responses.
type errorPage struct {
	body        []byte
	contentType string
}

// errorPages maps a status (404) or a class (4, 5) to its page.
type errorPages map[int]*errorPage

// loadErrorPages reads the files of m, whose keys Load has checked.
func loadErrorPages(m map[string]string) (errorPages, error) {
	pages := make(errorPages, len(m))
	for key, file := range m {
		body, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		ct := mime.TypeByExtension(filepath.Ext(file))
		if ct == "" {
			ct = "text/html; charset=utf-8"
		}
		code, _ := statusClass(key)
		pages[code] = &errorPage{body: body, contentType: ct}
	}
	return pages, nil
}

// page returns the page for status code, or nil.
func (p errorPages) page(code int) *errorPage {
	if code < 400 || len(p) == 0 {
		return nil
	}
	if pg := p[code]; pg != nil {
		return pg
	}
	return p[code/100]
}

// respond returns next with its responses changed: the headers of rules
// set or deleted on matching paths, and error bodies replaced by pages.
// Without rules or pages it returns next.
func respond(next http.Handler, rules []*headerRule, pages errorPages) http.Handler {
	if len(rules) == 0 && len(pages) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rw := &responseWriter{ResponseWriter: w, path: r.URL.Path, head: r.Method == http.MethodHead, rules: rules, pages: pages}
		next.ServeHTTP(rw, r)
		if !rw.wrote && !rw.hijacked {
			rw.WriteHeader(http.StatusOK) // an empty response gets its headers too
		}
	})
}

// A responseWriter applies header rules and error pages when the handler
// writes its header. Flush, Hijack, ReadFrom and Unwrap (for
// http.ResponseController) reach the wrapped writer, so streaming,
// WebSockets and sendfile keep working.
type responseWriter struct {
	http.ResponseWriter
	path     string // the path as requested, before rewrites
	head     bool
	rules    []*headerRule
	pages    errorPages
	wrote    bool // the final header was written
	replace  bool // the body is an error page: the handler's writes are dropped
	hijacked bool
}

func (w *responseWriter) WriteHeader(code int) {
	if w.wrote {
		w.ResponseWriter.WriteHeader(code) // let the wrapped writer log the superfluous call
		return
	}
	if code >= 100 && code < 200 {
		w.ResponseWriter.WriteHeader(code) // informational: the final header follows
		return
	}
	w.wrote = true
	hdr := w.Header()
	applyHeaders(hdr, w.path, w.rules)
	pg := w.pages.page(code)
	if pg == nil {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.replace = true
	for _, k := range [...]string{"Content-Encoding", "Content-Range", "Etag", "Last-Modified", "Content-Type", "X-Content-Type-Options"} {
		delete(hdr, k)
	}
	hdr.Set("Content-Type", pg.contentType)
	hdr.Set("Content-Length", strconv.Itoa(len(pg.body)))
	w.ResponseWriter.WriteHeader(code)
	if !w.head {
		w.ResponseWriter.Write(pg.body)
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replace {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom lets io.Copy reach the wrapped writer's sendfile.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replace {
		return io.Copy(io.Discard, src)
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(struct{ io.Writer }{w.ResponseWriter}, src)
}

func (w *responseWriter) Flush() {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if !w.replace {
		http.NewResponseController(w.ResponseWriter).Flush()
	}
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.hijacked = true
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
