package static

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func TestAcceptEncoding(t *testing.T) {
	all := [numCodings]bool{true, true, true, true}
	gzipOnly := [numCodings]bool{identity: true, codingGzip: true}
	tests := []struct {
		lines []string
		avail [numCodings]bool
		want  coding
		ok    bool
	}{
		{nil, all, identity, true},
		{[]string{""}, all, identity, true},
		{[]string{"gzip"}, all, codingGzip, true},
		{[]string{"gzip, deflate, br, zstd"}, all, codingBr, true},
		{[]string{"gzip, zstd"}, all, codingZstd, true},
		{[]string{"gzip", "br"}, all, codingBr, true},
		{[]string{"br;q=0.5, gzip;q=0.8"}, all, codingGzip, true},
		{[]string{"br;q=0.5, gzip;q=0.8"}, [numCodings]bool{identity: true, codingBr: true}, codingBr, true},
		{[]string{"br;q=0"}, all, identity, true},
		{[]string{"BR"}, all, codingBr, true},
		{[]string{"x-gzip"}, all, codingGzip, true},
		{[]string{"*"}, all, codingBr, true},
		{[]string{"*;q=0"}, all, identity, false},
		{[]string{"*;q=0, identity"}, all, identity, true},
		{[]string{"identity;q=0"}, all, identity, false},
		{[]string{"identity;q=0"}, gzipOnly, identity, false},
		{[]string{"identity;q=0, gzip;q=0.001"}, gzipOnly, codingGzip, true},
		{[]string{"identity;q=1, gzip;q=0.5"}, all, identity, true},
		{[]string{"identity, gzip"}, all, codingGzip, true},
		{[]string{"gzip;q=1.0, br;q=1.000"}, all, codingBr, true},
		{[]string{"gzip;q=1.5, br;q=0.1"}, all, codingBr, true}, // malformed member ignored
		{[]string{"gzip;q=0.1234"}, all, identity, true},
		{[]string{"gzip;level=1;q=0.5"}, gzipOnly, codingGzip, true},
		{[]string{"br"}, gzipOnly, identity, true},
		{[]string{" , ,gzip , "}, all, codingGzip, true},
	}
	for _, tt := range tests {
		q := parseAcceptEncoding(tt.lines)
		got, ok := q.choose(tt.avail)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Accept-Encoding %q: choose = %s, %v; want %s, %v", tt.lines, codingToken[got], ok, codingToken[tt.want], tt.ok)
		}
	}
}

func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{"gzip, deflate, br", "br;q=0.5, *;q=0", "identity;q=0", "x-gzip;q=1.000", ";q=", "*;q=0.", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := parseAcceptEncoding([]string{s})
		for c, w := range q {
			if w < 0 || w > 1000 {
				t.Fatalf("%q: weight of %s = %d", s, codingToken[c], w)
			}
		}
		c, ok := q.choose([numCodings]bool{true, true, true, true})
		if ok && q[c] == 0 {
			t.Fatalf("%q: chose %s with weight 0", s, codingToken[c])
		}
	})
}

func TestCompressRoundTrip(t *testing.T) {
	src := []byte(strings.Repeat("compress me, compress me again\n", 200))
	for c := codingBr; c < numCodings; c++ {
		out, err := compress(c, src)
		if err != nil || out == nil {
			t.Fatalf("compress(%s) = %d bytes, %v", codingToken[c], len(out), err)
		}
		var r io.Reader
		switch c {
		case codingBr:
			r = brotli.NewReader(bytes.NewReader(out))
		case codingZstd:
			d, _ := zstd.NewReader(bytes.NewReader(out))
			defer d.Close()
			r = d
		case codingGzip:
			r, _ = gzip.NewReader(bytes.NewReader(out))
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("%s round trip = %d bytes, %v; want %d bytes", codingToken[c], len(got), err, len(src))
		}
	}
	if out, _ := compress(codingGzip, []byte("x")); out != nil {
		t.Errorf("compress of 1 byte = %d bytes; want nil (not worth it)", len(out))
	}
}
