package static

import (
	"net/http"
	"testing"
	"time"
)

func TestCheckPreconditions(t *testing.T) {
	const etag = `"abc"`
	mod := time.Date(2025, 3, 1, 12, 0, 0, 500, time.UTC) // sub-second part is ignored
	const (
		before = "Fri, 28 Feb 2025 12:00:00 GMT"
		at     = "Sat, 01 Mar 2025 12:00:00 GMT"
		after  = "Sun, 02 Mar 2025 12:00:00 GMT"
	)
	tests := []struct {
		name string
		hdr  http.Header
		want int
	}{
		{"none", http.Header{}, 0},
		{"if-match", http.Header{"If-Match": {etag}}, 0},
		{"if-match list", http.Header{"If-Match": {`"x", "abc"`}}, 0},
		{"if-match lines", http.Header{"If-Match": {`"x"`, `"abc"`}}, 0},
		{"if-match star", http.Header{"If-Match": {"*"}}, 0},
		{"if-match miss", http.Header{"If-Match": {`"x"`}}, 412},
		{"if-match weak", http.Header{"If-Match": {`W/"abc"`}}, 412},
		{"if-match malformed", http.Header{"If-Match": {`abc`}}, 412},
		{"ius before", http.Header{"If-Unmodified-Since": {before}}, 412},
		{"ius at", http.Header{"If-Unmodified-Since": {at}}, 0},
		{"ius invalid", http.Header{"If-Unmodified-Since": {"nope"}}, 0},
		{"ius with if-match", http.Header{"If-Match": {etag}, "If-Unmodified-Since": {before}}, 0},
		{"inm", http.Header{"If-None-Match": {etag}}, 304},
		{"inm weak", http.Header{"If-None-Match": {`W/"abc"`}}, 304},
		{"inm star", http.Header{"If-None-Match": {"*"}}, 304},
		{"inm list", http.Header{"If-None-Match": {` "x" ,W/"y",  "abc"`}}, 304},
		{"inm miss", http.Header{"If-None-Match": {`"x"`}}, 0},
		{"inm prefix only", http.Header{"If-None-Match": {`"ab"`}}, 0},
		{"inm malformed rest", http.Header{"If-None-Match": {`"x", garbage, "abc"`}}, 0},
		{"inm unterminated", http.Header{"If-None-Match": {`"abc`}}, 0},
		{"ims at", http.Header{"If-Modified-Since": {at}}, 304},
		{"ims after", http.Header{"If-Modified-Since": {after}}, 304},
		{"ims before", http.Header{"If-Modified-Since": {before}}, 0},
		{"ims invalid", http.Header{"If-Modified-Since": {"yesterday"}}, 0},
		{"ims two lines", http.Header{"If-Modified-Since": {at, at}}, 0},
		{"inm miss beats ims", http.Header{"If-None-Match": {`"x"`}, "If-Modified-Since": {at}}, 0},
		{"inm match beats ims", http.Header{"If-None-Match": {etag}, "If-Modified-Since": {before}}, 304},
		{"if-match first", http.Header{"If-Match": {`"x"`}, "If-None-Match": {etag}}, 412},
		{"ius first", http.Header{"If-Unmodified-Since": {before}, "If-None-Match": {etag}}, 412},
	}
	for _, tt := range tests {
		if got := checkPreconditions(tt.hdr, etag, mod); got != tt.want {
			t.Errorf("%s: checkPreconditions = %d; want %d", tt.name, got, tt.want)
		}
	}
}

func TestIfRange(t *testing.T) {
	const etag = `"abc"`
	mod := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	now := mod.Add(time.Hour)
	tests := []struct {
		v    string
		now  time.Time
		want bool
	}{
		{"", now, true},
		{etag, now, true},
		{`W/"abc"`, now, false},
		{`"abd"`, now, false},
		{`"abc" `, now, false},
		{"Sat, 01 Mar 2025 12:00:00 GMT", now, true},
		{"Sat, 01 Mar 2025 12:00:01 GMT", now, false},
		{"Sat, 01 Mar 2025 12:00:00 GMT", mod.Add(time.Second / 2), false}, // weak: too recent
		{"garbage", now, false},
	}
	for _, tt := range tests {
		if got := ifRange(tt.v, etag, mod, tt.now); got != tt.want {
			t.Errorf("ifRange(%q) = %v; want %v", tt.v, got, tt.want)
		}
	}
}
