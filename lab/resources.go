package lab

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// A Resource is one thing a lab page loads.
type Resource struct {
	// Path is the URL path and query that ResourceHandler serves it at,
	// such as "/lab/r/3?kind=tiles&n=64"; add "&run=ID" to tell runs apart.
	Path string `json:"path"`
	Name string `json:"name"` // what it stands for, such as "app.js" or "tile-3.png"
	Type string `json:"type"` // its Content-Type
	Size int    `json:"size"` // its length in bytes
}

// Kinds of resource sets.
const (
	KindTiles = "tiles" // n small images, 4 to 12 kB each
	KindPage  = "page"  // one web page of realistic sizes
)

// Default and largest counts of resources.
const (
	DefaultTiles = 64
	DefaultPage  = 40
	MaxResources = 1000
)

// pageParts are the first resources of a page: its document, style sheets,
// scripts and fonts, with sizes near the HTTP Archive's medians. Images
// (pageImages, in turn) make up the rest.
var pageParts = []struct {
	name, typ string
	size      int
}{
	{"index.html", "text/html; charset=utf-8", 30_000},
	{"main.css", "text/css; charset=utf-8", 40_000},
	{"theme.css", "text/css; charset=utf-8", 12_000},
	{"print.css", "text/css; charset=utf-8", 8_000},
	{"vendor.js", "text/javascript; charset=utf-8", 120_000},
	{"app.js", "text/javascript; charset=utf-8", 60_000},
	{"router.js", "text/javascript; charset=utf-8", 35_000},
	{"analytics.js", "text/javascript; charset=utf-8", 20_000},
	{"widgets.js", "text/javascript; charset=utf-8", 15_000},
	{"i18n.js", "text/javascript; charset=utf-8", 10_000},
	{"polyfill.js", "text/javascript; charset=utf-8", 5_000},
	{"body.woff2", "font/woff2", 25_000},
	{"heading.woff2", "font/woff2", 22_000},
}

var pageImages = []int{80_000, 45_000, 30_000, 18_000, 12_000, 8_000, 5_000, 3_000}

// Resources lists the resources of a set: kind KindTiles or KindPage, n of
// them (0 means DefaultTiles or DefaultPage; at most MaxResources). A page
// starts with its HTML document, which a browser loads before the rest. It
// returns nil for an unknown kind.
func Resources(kind string, n int) []Resource {
	n = count(kind, n)
	if n == 0 {
		return nil
	}
	rs := make([]Resource, n)
	for i := range rs {
		r := &rs[i]
		r.Path = fmt.Sprintf("/lab/r/%d?kind=%s&n=%d", i, kind, n)
		switch {
		case kind == KindTiles:
			r.Name, r.Type = fmt.Sprintf("tile-%d.png", i), "image/png"
			r.Size = 4096 + int(mix(uint64(i))%8192)
		case i < len(pageParts):
			p := pageParts[i]
			r.Name, r.Type, r.Size = p.name, p.typ, p.size
		default:
			j := i - len(pageParts)
			r.Name, r.Type = fmt.Sprintf("image-%d.png", j), "image/png"
			r.Size = pageImages[j%len(pageImages)]
		}
	}
	return rs
}

// count applies the default and the limit to n, and returns 0 for an
// unknown kind.
func count(kind string, n int) int {
	switch kind {
	case KindTiles:
		if n <= 0 {
			n = DefaultTiles
		}
	case KindPage:
		if n <= 0 {
			n = DefaultPage
		}
	default:
		return 0
	}
	return min(n, MaxResources)
}

// mix scrambles v (splitmix64's finalizer), for sizes and colours that
// look varied but are the same every time.
func mix(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ v>>30) * 0xbf58476d1ce4e5b9
	v = (v ^ v>>27) * 0x94d049bb133111eb
	return v ^ v>>31
}

// ResourceHandler serves Resources at /lab/r/{i}?kind=&n=: the i-th
// resource of the set, its bytes of the right length and type, valid PNG
// images, with caching disabled. The run parameter, and any other, is
// ignored, so that each run's URLs are new to a browser's cache. It answers
// 404 for an unknown kind or index.
func ResourceHandler() http.Handler {
	return http.HandlerFunc(serveResource)
}

func serveResource(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = KindTiles
	}
	n, _ := strconv.Atoi(q.Get("n"))
	i, err := strconv.Atoi(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:])
	rs := Resources(kind, n)
	if err != nil || i < 0 || i >= len(rs) {
		http.NotFound(w, r)
		return
	}
	res := rs[i]
	body := resourceBody(kind, res, i)
	h := w.Header()
	h.Set("Content-Type", res.Type)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

// bodies caches the bytes of each resource served, by kind, name and size.
var bodies sync.Map

// resourceBody returns res's bytes: the same every time for one resource.
func resourceBody(kind string, res Resource, i int) []byte {
	key := fmt.Sprintf("%s/%s/%d", kind, res.Name, res.Size)
	if b, ok := bodies.Load(key); ok {
		return b.([]byte)
	}
	var b []byte
	switch {
	case res.Type == "image/png":
		b = pngOfSize(res.Size, i)
	case strings.HasPrefix(res.Type, "text/html"):
		b = textOfSize(res.Size, "<!doctype html>\n<title>"+res.Name+"</title>\n<p>trio lab page</p>\n<!--", "-->\n")
	case strings.HasPrefix(res.Type, "text/"):
		b = textOfSize(res.Size, "/* trio lab: "+res.Name+" */\n/*", "*/\n")
	default:
		b = noise(res.Size, uint64(i))
	}
	bodies.Store(key, b)
	return b
}

// textOfSize returns head, filler and tail, size bytes in all.
func textOfSize(size int, head, tail string) []byte {
	b := make([]byte, 0, size)
	b = append(b, head...)
	const filler = " the quick brown fox jumps over the lazy dog 0123456789\n"
	for len(b)+len(tail) < size {
		b = append(b, filler[len(b)%len(filler)])
	}
	return append(b, tail...)[:max(size, 0)]
}

// noise returns size bytes that compress badly, the same for one seed.
func noise(size int, seed uint64) []byte {
	b := make([]byte, size)
	rng := rand.New(rand.NewPCG(seed, 0x6e6f697365))
	for i := 0; i < size; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], rng.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

// pngOfSize returns a valid 32×32 PNG of one colour (chosen by i), padded
// to size bytes with a private ancillary chunk ("trIo") that decoders skip.
func pngOfSize(size, i int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 32, 32))
	c := mix(uint64(i) + 1)
	col := color.NRGBA{R: 64 + byte(c)%160, G: 64 + byte(c>>8)%160, B: 64 + byte(c>>16)%160, A: 255}
	for p := 0; p < len(img.Pix); p += 4 {
		img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = col.R, col.G, col.B, col.A
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	small := buf.Bytes()
	iend := len(small) - 12 // the IEND chunk is last, 12 bytes
	pad := size - len(small) - 12
	if pad < 0 {
		return small
	}
	out := make([]byte, 0, size)
	out = append(out, small[:iend]...)
	out = binary.BigEndian.AppendUint32(out, uint32(pad))
	chunk := append([]byte("trIo"), noise(pad, uint64(i))...)
	out = append(out, chunk...)
	crc := crc32.ChecksumIEEE(chunk)
	out = binary.BigEndian.AppendUint32(out, crc)
	return append(out, small[iend:]...)
}
