package static

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// coding is a content coding (RFC 9110 §8.4.1).
type coding uint8

const (
	identity coding = iota
	codingBr
	codingZstd
	codingGzip
	numCodings
)

// Tokens and sidecar extensions by coding; the order is the preference on
// equal q-values: br, zstd, gzip, then identity.
var (
	codingToken = [numCodings]string{"identity", "br", "zstd", "gzip"}
	codingExt   = [numCodings]string{"", ".br", ".zst", ".gz"}
	codingHdr   = [numCodings][]string{nil, {"br"}, {"zstd"}, {"gzip"}}
)

// qvalues holds a weight per coding in thousandths (RFC 9110 §12.4.2);
// 0 means not acceptable.
type qvalues [numCodings]int

// parseAcceptEncoding reads the Accept-Encoding field lines (RFC 9110
// §12.5.3). Without the field only identity is acceptable: the RFC would
// allow any coding, but clients that send nothing usually cannot decode.
// Identity is acceptable unless "identity;q=0", or "*;q=0" without an
// identity entry, excludes it. Unknown codings and malformed members are
// ignored; "x-gzip" is gzip.
func parseAcceptEncoding(lines []string) qvalues {
	var q qvalues
	if len(lines) == 0 {
		q[identity] = 1000
		return q
	}
	var set [numCodings]bool
	star := -1
	for _, line := range lines {
		for line != "" {
			var member string
			member, line, _ = strings.Cut(line, ",")
			tok, params, _ := strings.Cut(member, ";")
			tok = strings.TrimSpace(tok)
			if tok == "" {
				continue
			}
			w, ok := parseQ(params)
			if !ok {
				continue
			}
			if tok == "*" {
				star = w
				continue
			}
			for c := range numCodings {
				if strings.EqualFold(tok, codingToken[c]) || c == codingGzip && strings.EqualFold(tok, "x-gzip") {
					q[c], set[c] = w, true
				}
			}
		}
	}
	for c := range numCodings {
		if set[c] {
			continue
		}
		switch {
		case star >= 0:
			q[c] = star
		case c == identity:
			q[c] = 1
		}
	}
	return q
}

// parseQ reads the parameters of an Accept-Encoding member and returns its
// weight in thousandths. It fails on a malformed qvalue.
func parseQ(params string) (int, bool) {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(p, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		return qvalue(strings.TrimSpace(v))
	}
	return 1000, true
}

// qvalue parses "0", "0.5", "1.000" (RFC 9110 §12.4.2).
func qvalue(v string) (int, bool) {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	n := int(v[0]-'0') * 1000
	if len(v) > 1 {
		if v[1] != '.' {
			return 0, false
		}
		scale := 100
		for i := 2; i < len(v); i++ {
			if v[i] < '0' || v[i] > '9' {
				return 0, false
			}
			n += int(v[i]-'0') * scale
			scale /= 10
		}
	}
	if n > 1000 {
		return 0, false
	}
	return n, true
}

// choose picks the acceptable coding with the highest weight among those
// available, preferring br, zstd, gzip, identity on ties. It returns false
// when nothing is acceptable.
func (q *qvalues) choose(available [numCodings]bool) (coding, bool) {
	best, bestQ := identity, 0
	for _, c := range [...]coding{codingBr, codingZstd, codingGzip, identity} {
		if available[c] && q[c] > bestQ {
			best, bestQ = c, q[c]
		}
	}
	return best, bestQ > 0
}

// errFillPanicked marks a cache fill that did not return.
var errFillPanicked = errors.New("static: cache fill panicked")

// errChanged means a file changed while it was being read.
var errChanged = errors.New("static: file changed while reading")

// readAll reads the whole of o, failing if it is not the version o describes.
func readAll(fsys fileSystem, o *object) ([]byte, error) {
	fd, err := fsys.Open(o.name)
	if err != nil {
		return nil, err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return nil, err
	}
	if !o.same(fi) {
		return nil, errChanged
	}
	buf := make([]byte, o.size+1)
	n, err := io.ReadFull(fd, buf)
	if err != io.ErrUnexpectedEOF || int64(n) != o.size {
		return nil, errChanged // shorter or longer than stat said
	}
	return buf[:n:n], nil
}

// compress encodes src with c. It returns nil when the result would not be
// smaller, so that identity is served instead.
func compress(c coding, src []byte) ([]byte, error) {
	var out []byte
	switch c {
	case codingZstd:
		out = zstdEncoder().EncodeAll(src, make([]byte, 0, len(src)/3))
	case codingBr, codingGzip:
		var b bytes.Buffer
		b.Grow(len(src) / 3)
		var w io.WriteCloser
		if c == codingBr {
			w = brotli.NewWriterLevel(&b, 6)
		} else {
			w, _ = gzip.NewWriterLevel(&b, gzip.DefaultCompression)
		}
		if _, err := w.Write(src); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		out = b.Bytes()
	default:
		return src, nil
	}
	if len(out) >= len(src) {
		return nil, nil
	}
	return bytes.Clone(out), nil // drop spare capacity
}

// zstdEncoder is shared: EncodeAll is safe for concurrent use. The window is
// capped at 8 MiB, the most browsers accept (RFC 8878 §3.1.1.1.2).
var zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil, zstd.WithWindowSize(8<<20), zstd.WithEncoderConcurrency(2))
	if err != nil {
		panic(err)
	}
	return e
})

// addVary adds Accept-Encoding to Vary (RFC 9110 §12.5.5).
func addVary(h http.Header) {
	if v, ok := h["Vary"]; ok {
		h["Vary"] = append(v, "Accept-Encoding")
		return
	}
	h["Vary"] = hdrVaryAE
}
