package static

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"time"
)

// variant is the representation chosen for one response: identity, a
// sidecar, or bytes compressed on the fly.
type variant struct {
	coding  coding
	etag    string
	hETag   []string
	hLast   []string
	modTime time.Time
	size    int64
	hLen    []string // Content-Length of the whole body, if known
	data    []byte   // the body when in memory
	fd      *os.File // the body when on disk (GET only)
}

// serveFile sends f. With status 200 it applies conditionals and ranges;
// any other status (a 404.html) sends the whole body without validators.
func (h *Handler) serveFile(w http.ResponseWriter, r *http.Request, st *state, fsys fileSystem, f *file, status int) {
	hdr := w.Header()
	v, ok := h.pickVariant(r, st, fsys, f)
	if f.negotiable {
		addVary(hdr)
	}
	if !ok {
		plainError(w, r, http.StatusNotAcceptable) // §12.5.3: identity;q=0 and nothing else
		return
	}
	if v.fd != nil {
		defer v.fd.Close()
	} else if v.data == nil && v.size > 0 && r.Method == http.MethodGet {
		plainError(w, r, http.StatusNotFound) // removed since it was resolved
		return
	}
	if status == http.StatusOK {
		switch checkPreconditions(r.Header, v.etag, v.modTime) {
		case http.StatusNotModified:
			// §15.4.5: the fields a 200 would carry that guide caches, no
			// representation metadata and no Content-Length.
			hdr["Etag"] = v.hETag
			if f.hCache != nil {
				hdr["Cache-Control"] = f.hCache
			}
			w.WriteHeader(http.StatusNotModified)
			return
		case http.StatusPreconditionFailed:
			plainError(w, r, http.StatusPreconditionFailed)
			return
		}
		hdr["Etag"] = v.hETag
		hdr["Last-Modified"] = v.hLast
		hdr["Accept-Ranges"] = hdrBytes
	}
	if f.hCache != nil {
		hdr["Cache-Control"] = f.hCache
	}
	hdr["Content-Type"] = f.hType
	if v.coding != identity {
		hdr["Content-Encoding"] = codingHdr[v.coding]
	}
	if status == http.StatusOK && r.Method == http.MethodGet {
		if rh, ok := hdr0(r.Header, "Range"); ok && ifRange(r.Header.Get("If-Range"), v.etag, v.modTime, time.Now()) {
			if h.serveRanges(w, r, f, &v, rh) {
				return
			}
		}
	}
	if v.hLen == nil {
		v.hLen = []string{strconv.FormatInt(v.size, 10)}
	}
	hdr["Content-Length"] = v.hLen
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return
	}
	if v.data != nil {
		w.Write(v.data)
		return
	}
	if v.fd != nil {
		sendRange(w, r, v.fd, 0, v.size)
	}
}

// hdr0 returns the first value of a header field.
func hdr0(h http.Header, key string) (string, bool) {
	v := h[key]
	if len(v) == 0 {
		return "", false
	}
	return v[0], true
}

// serveRanges answers a Range request (RFC 9110 §14.2). It reports false
// when the field is ignored and the whole representation should be sent.
func (h *Handler) serveRanges(w http.ResponseWriter, r *http.Request, f *file, v *variant, rh string) bool {
	rs, res := parseRange(rh, v.size)
	switch res {
	case rangeIgnore:
		return false
	case rangeUnsatisfiable:
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(v.size, 10)) // §15.5.17
		plainError(w, r, http.StatusRequestedRangeNotSatisfiable)
		return true
	}
	if len(rs) > 1 && v.coding != identity {
		// A Content-Encoding field would apply to the multipart body as a
		// whole; ignoring the Range field (§14.2 allows it) is unambiguous.
		return false
	}
	hdr := w.Header()
	if len(rs) == 1 {
		rg := rs[0]
		hdr["Content-Range"] = []string{rg.contentRange(v.size)}
		hdr["Content-Length"] = []string{strconv.FormatInt(rg.length, 10)}
		w.WriteHeader(http.StatusPartialContent)
		v.send(w, r, rg)
		return true
	}
	// §14.6: multipart/byteranges, each part with Content-Type and
	// Content-Range; the length is computed first so HEAD and GET agree.
	boundary := fmt.Sprintf("%016x%016x", rand.Uint64(), rand.Uint64())
	heads := make([]string, len(rs))
	total := int64(0)
	for i, rg := range rs {
		heads[i] = "--" + boundary + "\r\nContent-Type: " + f.hType[0] +
			"\r\nContent-Range: " + rg.contentRange(v.size) + "\r\n\r\n"
		if i > 0 {
			heads[i] = "\r\n" + heads[i]
		}
		total += int64(len(heads[i])) + rg.length
	}
	tail := "\r\n--" + boundary + "--\r\n"
	total += int64(len(tail))
	hdr["Content-Type"] = []string{"multipart/byteranges; boundary=" + boundary}
	hdr["Content-Length"] = []string{strconv.FormatInt(total, 10)}
	w.WriteHeader(http.StatusPartialContent)
	for i, rg := range rs {
		io.WriteString(w, heads[i])
		v.send(w, r, rg)
	}
	io.WriteString(w, tail)
	return true
}

// send writes one range of the variant's body.
func (v *variant) send(w http.ResponseWriter, r *http.Request, rg byteRange) {
	if v.data != nil {
		w.Write(v.data[rg.start : rg.start+rg.length])
		return
	}
	if v.fd != nil {
		sendRange(w, r, v.fd, rg.start, rg.length)
	}
}

// pickVariant negotiates the content coding (RFC 9110 §12.5.3) and gets the
// chosen body: from memory, from the compressed cache, or an open file. A
// sidecar that vanished or a compression that does not shrink the file is
// dropped and the choice made again. It returns false when nothing
// acceptable is available.
func (h *Handler) pickVariant(r *http.Request, st *state, fsys fileSystem, f *file) (variant, bool) {
	var avail [numCodings]bool
	avail[identity] = true
	onTheFly := false
	if f.negotiable {
		onTheFly = f.compressible && !h.Compress.disable() &&
			f.size >= h.Compress.minSize() && f.size <= h.Compress.maxSize()
		for c := codingBr; c < numCodings; c++ {
			avail[c] = f.sidecars[c] != nil || onTheFly
		}
	}
	q := parseAcceptEncoding(r.Header["Accept-Encoding"])
	for {
		c, ok := q.choose(avail)
		if !ok {
			if f.negotiable {
				return variant{}, false
			}
			c = identity // not subject to negotiation (§12.1): disregard the field
		}
		if c == identity {
			return h.diskVariant(r, st, fsys, f.object, identity, "")
		}
		if sc := f.sidecars[c]; sc != nil {
			if v, ok := h.diskVariant(r, st, fsys, sc, c, "-"+codingToken[c]); ok {
				return v, true
			}
			if !onTheFly {
				avail[c] = false
				continue
			}
		}
		if v, ok := h.compressedVariant(st, fsys, f, c); ok {
			return v, true
		}
		avail[c] = false
	}
}

// diskVariant gets o's body: from the memory cache when small, else an open
// file for GET. If the file changed since o was made, the variant describes
// what was opened. It fails only for a sidecar that cannot be opened; a
// missing identity file yields an empty body that aborts on send.
func (h *Handler) diskVariant(r *http.Request, st *state, fsys fileSystem, o *object, c coding, suffix string) (variant, bool) {
	v := variant{coding: c, etag: o.etag, hETag: o.hETag, hLast: o.hLast, modTime: o.modTime, size: o.size, hLen: o.hLen}
	if o.size <= h.maxMemoryFile() {
		data, err := st.blobs.get(keyOf(o, identity), func() ([]byte, error) { return readAll(fsys, o) })
		if err == nil {
			v.data = data
			if data == nil {
				v.data = []byte{}
			}
			return v, true
		}
	}
	if r.Method != http.MethodGet && c == identity {
		return v, true
	}
	fd, err := fsys.Open(o.name)
	if err != nil {
		return v, c == identity
	}
	fi, err := fd.Stat()
	if err != nil {
		fd.Close()
		return v, c == identity
	}
	if !o.same(fi) {
		o = newObject(o.name, fi, suffix)
		v.etag, v.hETag, v.hLast, v.modTime, v.size, v.hLen = o.etag, o.hETag, o.hLast, o.modTime, o.size, o.hLen
	}
	if r.Method == http.MethodGet {
		v.fd = fd
	} else {
		fd.Close()
	}
	return v, true
}

// compressedVariant compresses f with c once per file version, keeping the
// result in the memory cache. It fails if compression does not shrink f.
func (h *Handler) compressedVariant(st *state, fsys fileSystem, f *file, c coding) (variant, bool) {
	data, err := st.blobs.get(keyOf(f.object, c), func() ([]byte, error) {
		src, err := readAll(fsys, f.object)
		if err != nil {
			return nil, err
		}
		return compress(c, src)
	})
	if err != nil || data == nil {
		return variant{}, false
	}
	return variant{coding: c, etag: f.encTag[c], hETag: f.hEncTag[c], hLast: f.hLast,
		modTime: f.modTime, size: int64(len(data)), data: data}, true
}
