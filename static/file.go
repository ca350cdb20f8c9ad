package static

import (
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// object is one version of one regular file on disk: the file a path names,
// or one of its precompressed sidecars. Header values are built once.
type object struct {
	name    string // relative slash path
	size    int64
	modTime time.Time
	ino     uint64
	etag    string   // strong entity tag, quoted (RFC 9110 §8.8.3)
	hETag   []string // {etag}
	hLast   []string // Last-Modified (RFC 9110 §8.8.2)
	hLen    []string // Content-Length of the whole object
}

// newObject describes fi. suffix tells encoded variants apart ("-br").
func newObject(name string, fi fs.FileInfo, suffix string) *object {
	_, ino := fileID(fi)
	o := &object{name: name, size: fi.Size(), modTime: fi.ModTime(), ino: ino}
	// The tag changes whenever size, mtime (to the nanosecond) or inode do:
	// an atomic rename over the file yields a new tag even with equal mtimes.
	o.etag = `"` + strconv.FormatUint(ino, 36) + "-" + strconv.FormatInt(o.modTime.UnixNano(), 36) +
		"-" + strconv.FormatInt(o.size, 36) + suffix + `"`
	o.hETag = []string{o.etag}
	o.hLast = []string{o.modTime.UTC().Format(http.TimeFormat)}
	o.hLen = []string{strconv.FormatInt(o.size, 10)}
	return o
}

// same reports whether fi still describes this version.
func (o *object) same(fi fs.FileInfo) bool {
	_, ino := fileID(fi)
	return fi.Mode().IsRegular() && fi.Size() == o.size && fi.ModTime().Equal(o.modTime) && ino == o.ino
}

// file is what the metadata cache knows about a resolved path: the identity
// object, its media type and policy, and its sidecars.
type file struct {
	*object
	hType        []string // Content-Type
	hCache       []string // Cache-Control; nil for none
	compressible bool
	sidecars     [numCodings]*object // by coding; identity slot unused
	encTag       [numCodings]string  // ETags of on-the-fly encodings
	hEncTag      [numCodings][]string
	negotiable   bool  // varies by Accept-Encoding
	resolvedAt   int64 // unix nanoseconds
}

// newFile builds the metadata of a resolved regular file.
func (h *Handler) newFile(fsys fileSystem, name string, fi fs.FileInfo, now time.Time) *file {
	f := &file{object: newObject(name, fi, ""), resolvedAt: now.UnixNano()}
	ctype := typeByExtension(name)
	if ctype == "" {
		ctype = sniff(fsys, name)
	}
	f.hType = []string{ctype}
	if cc := h.cacheControl(name); cc != "" {
		f.hCache = []string{cc}
	}
	f.compressible = compressible(ctype)
	if !h.Compress.disableSidecars() && !isEncodedName(name) {
		for c := codingBr; c < numCodings; c++ {
			sc := name + codingExt[c]
			if fi, err := fsys.Stat(sc); err == nil && fi.Mode().IsRegular() {
				f.sidecars[c] = newObject(sc, fi, "-"+codingToken[c])
				f.negotiable = true
			}
		}
	}
	if f.compressible && !h.Compress.disable() {
		f.negotiable = true
		for c := codingBr; c < numCodings; c++ {
			f.encTag[c] = f.etag[:len(f.etag)-1] + "-" + codingToken[c] + `"`
			f.hEncTag[c] = []string{f.encTag[c]}
		}
	}
	return f
}

// isEncodedName reports whether name is itself a sidecar.
func isEncodedName(name string) bool {
	for c := codingBr; c < numCodings; c++ {
		if strings.HasSuffix(name, codingExt[c]) {
			return true
		}
	}
	return false
}

// sniff detects the media type of a file without a known extension from its
// first 512 bytes (the WHATWG algorithm of http.DetectContentType).
func sniff(fsys fileSystem, name string) string {
	fd, err := fsys.Open(name)
	if err != nil {
		return "application/octet-stream"
	}
	defer fd.Close()
	var buf [512]byte
	n, _ := io.ReadFull(fd, buf[:])
	return http.DetectContentType(buf[:n])
}

// cacheControl applies the Cache-Control policy.
func (h *Handler) cacheControl(name string) string {
	if h.CacheControl != nil {
		return h.CacheControl(name)
	}
	return DefaultCacheControl(name)
}
