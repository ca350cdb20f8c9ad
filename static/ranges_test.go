package static

import (
	"slices"
	"strings"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		size int64
		want []byteRange
		res  rangeResult
	}{
		{"bytes=0-4", 10, []byteRange{{0, 5}}, rangeOK},
		{"bytes=0-0", 10, []byteRange{{0, 1}}, rangeOK},
		{"bytes=9-", 10, []byteRange{{9, 1}}, rangeOK},
		{"bytes=-3", 10, []byteRange{{7, 3}}, rangeOK},
		{"bytes=-30", 10, []byteRange{{0, 10}}, rangeOK},
		{"bytes=5-100", 10, []byteRange{{5, 5}}, rangeOK},
		{"BYTES = 1-2", 10, []byteRange{{1, 2}}, rangeOK},
		{"bytes=1-2, 5-6", 10, []byteRange{{1, 2}, {5, 2}}, rangeOK},
		{"bytes=5-6,1-2", 10, []byteRange{{1, 2}, {5, 2}}, rangeOK},
		{"bytes=0-4,3-8", 10, []byteRange{{0, 9}}, rangeOK},
		{"bytes=0-4,5-8", 10, []byteRange{{0, 9}}, rangeOK},
		{"bytes=0-,0-,0-", 10, []byteRange{{0, 10}}, rangeOK},
		{"bytes=1-2,,3-3", 10, []byteRange{{1, 3}}, rangeOK},
		{"bytes=20-30,1-1", 10, []byteRange{{1, 1}}, rangeOK},
		{"bytes=0-99999999999999999999999", 10, []byteRange{{0, 10}}, rangeOK},
		{"bytes=10-", 10, nil, rangeUnsatisfiable},
		{"bytes=99999999999999999999999-", 10, nil, rangeUnsatisfiable},
		{"bytes=-0", 10, nil, rangeUnsatisfiable},
		{"bytes=0-", 0, nil, rangeUnsatisfiable},
		{"bytes=-5", 0, nil, rangeUnsatisfiable},
		{"bytes=5-2", 10, nil, rangeIgnore},
		{"bytes=a-b", 10, nil, rangeIgnore},
		{"bytes=-", 10, nil, rangeIgnore},
		{"bytes=1", 10, nil, rangeIgnore},
		{"bytes=+1-2", 10, nil, rangeIgnore},
		{"bytes=-+1", 10, nil, rangeIgnore},
		{"bytes=", 10, nil, rangeIgnore},
		{"bytes", 10, nil, rangeIgnore},
		{"items=0-1", 10, nil, rangeIgnore},
		{"bytes=0-1,x", 10, nil, rangeIgnore},
		{"bytes=" + strings.Repeat("1-1,", maxRanges) + "1-1", 10, nil, rangeIgnore},
		{"bytes=" + strings.Repeat("1-1,", maxRanges-1) + "1-1", 10, []byteRange{{1, 1}}, rangeOK},
	}
	for _, tt := range tests {
		got, res := parseRange(tt.in, tt.size)
		if res != tt.res || !slices.Equal(got, tt.want) {
			t.Errorf("parseRange(%.40q, %d) = %v, %d; want %v, %d", tt.in, tt.size, got, res, tt.want, tt.res)
		}
	}
}

func FuzzRange(f *testing.F) {
	for _, s := range []string{"bytes=0-4", "bytes=-5", "bytes=5-", "bytes=0-1,3-4,-1", "bytes=0-,0-",
		"bytes=99999999999999999999-", "bytes=-99999999999999999999", "bytes= 1 - 2 ", "items=1-2", "bytes=,,"} {
		f.Add(s, int64(10))
		f.Add(s, int64(0))
	}
	f.Fuzz(func(t *testing.T, s string, size int64) {
		if size < 0 {
			size = -size
		}
		if size < 0 {
			return
		}
		rs, res := parseRange(s, size)
		if res != rangeOK {
			if len(rs) != 0 {
				t.Fatalf("parseRange(%q, %d) = %v with result %d", s, size, rs, res)
			}
			return
		}
		if len(rs) == 0 || len(rs) > maxRanges {
			t.Fatalf("parseRange(%q, %d) = %d ranges", s, size, len(rs))
		}
		end := int64(-1)
		for _, r := range rs {
			if r.start < 0 || r.length <= 0 || r.start > size-r.length {
				t.Fatalf("parseRange(%q, %d): range %v outside [0,%d)", s, size, r, size)
			}
			if r.start <= end {
				t.Fatalf("parseRange(%q, %d) = %v: not sorted and disjoint", s, size, rs)
			}
			end = r.start + r.length
		}
	})
}
