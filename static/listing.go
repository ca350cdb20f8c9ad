package static

import (
	"encoding/json"
	"html"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// entry is one line of a directory listing; it is also the JSON form.
type entry struct {
	Name    string    `json:"name"`
	Size    int64     `json:"size"`
	ModTime time.Time `json:"modTime"`
	IsDir   bool      `json:"isDir"`
	URL     string    `json:"url"`
}

// readListing lists directory name: dotfiles only with ShowHidden,
// symlinks by their target (those that cannot be followed are left out),
// directories first, then by name.
func (h *Handler) readListing(fsys fileSystem, name string) ([]entry, error) {
	d, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	des, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	list := make([]entry, 0, len(des))
	for _, de := range des {
		n := de.Name()
		if n[0] == '.' && !h.ShowHidden {
			continue
		}
		rel := path.Join(name, n)
		var fi fs.FileInfo
		if de.Type()&fs.ModeSymlink != 0 {
			fi, err = fsys.Stat(rel)
		} else {
			fi, err = de.Info()
		}
		if err != nil {
			continue
		}
		e := entry{Name: n, Size: fi.Size(), ModTime: fi.ModTime().UTC().Truncate(time.Second), IsDir: fi.IsDir()}
		e.URL = (&url.URL{Path: "/" + rel}).EscapedPath()
		if e.IsDir {
			e.URL += "/"
			e.Size = 0
		}
		list = append(list, e)
	}
	slices.SortFunc(list, func(a, b entry) int {
		if a.IsDir != b.IsDir {
			if a.IsDir {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return list, nil
}

// serveListing writes the listing of directory name as HTML, or as JSON
// when the client prefers application/json.
func (h *Handler) serveListing(w http.ResponseWriter, r *http.Request, fsys fileSystem, name string) {
	list, err := h.readListing(fsys, name)
	if err != nil {
		plainError(w, r, http.StatusNotFound)
		return
	}
	var body []byte
	ctype := "text/html; charset=utf-8"
	if prefersJSON(r.Header.Values("Accept")) {
		ctype = "application/json"
		body, _ = json.Marshal(list)
		body = append(body, '\n')
	} else {
		body = listingHTML(name, list)
	}
	hdr := w.Header()
	hdr.Set("Content-Type", ctype)
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	hdr.Set("Cache-Control", "no-cache")
	hdr.Add("Vary", "Accept")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// listingHTML renders a listing page; every name is escaped.
func listingHTML(name string, list []entry) []byte {
	dir := "/"
	if name != "." {
		dir = "/" + name + "/"
	}
	var b strings.Builder
	title := html.EscapeString(dir)
	pageStart(&b, "Index of "+title)
	b.WriteString("<h1>Index of " + title + "</h1>\n<table>\n")
	b.WriteString("<tr><th>Name</th><th>Size</th><th>Modified</th></tr>\n")
	if name != "." {
		b.WriteString("<tr><td><a href=\"../\">../</a></td><td></td><td></td></tr>\n")
	}
	for _, e := range list {
		n, size := e.Name, strconv.FormatInt(e.Size, 10)
		if e.IsDir {
			n, size = n+"/", "-"
		}
		b.WriteString("<tr><td><a href=\"" + html.EscapeString(e.URL) + "\">" + html.EscapeString(n) +
			"</a></td><td>" + size + "</td><td>" + e.ModTime.Format(time.RFC3339) + "</td></tr>\n")
	}
	b.WriteString("</table>\n")
	pageEnd(&b)
	return []byte(b.String())
}

// prefersJSON reports whether the Accept field lines (RFC 9110 §12.5.1)
// weigh application/json above text/html.
func prefersJSON(lines []string) bool {
	return acceptWeight(lines, "application", "json") > acceptWeight(lines, "text", "html")
}

// acceptWeight is the weight, in thousandths, Accept gives to typ/sub: that
// of the most specific matching media range, 0 if none matches.
func acceptWeight(lines []string, typ, sub string) int {
	best, spec := 0, -1
	for _, line := range lines {
		for line != "" {
			var member string
			member, line, _ = strings.Cut(line, ",")
			mr, params, _ := strings.Cut(member, ";")
			t, s, ok := strings.Cut(strings.TrimSpace(mr), "/")
			if !ok {
				continue
			}
			q, ok := parseQ(params)
			if !ok {
				continue
			}
			n := -1
			switch {
			case strings.EqualFold(t, typ) && strings.EqualFold(s, sub):
				n = 2
			case strings.EqualFold(t, typ) && s == "*":
				n = 1
			case t == "*" && s == "*":
				n = 0
			}
			if n > spec {
				best, spec = q, n
			}
		}
	}
	return best
}
