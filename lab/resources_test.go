package lab

import (
	"bytes"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestResources(t *testing.T) {
	tests := []struct {
		kind      string
		n, want   int
		firstType string
	}{
		{KindTiles, 0, DefaultTiles, "image/png"},
		{KindTiles, 5, 5, "image/png"},
		{KindPage, 0, DefaultPage, "text/html; charset=utf-8"},
		{KindPage, 3, 3, "text/html; charset=utf-8"},
		{KindPage, 5000, MaxResources, "text/html; charset=utf-8"},
		{"nope", 3, 0, ""},
	}
	for _, tt := range tests {
		rs := Resources(tt.kind, tt.n)
		if len(rs) != tt.want {
			t.Errorf("Resources(%q, %d): %d resources; want %d", tt.kind, tt.n, len(rs), tt.want)
			continue
		}
		if len(rs) > 0 && rs[0].Type != tt.firstType {
			t.Errorf("Resources(%q, %d)[0].Type = %q; want %q", tt.kind, tt.n, rs[0].Type, tt.firstType)
		}
	}
	page := Resources(KindPage, 0)
	types := map[string]int{}
	total := 0
	for _, r := range page {
		types[strings.SplitN(r.Type, ";", 2)[0]]++
		total += r.Size
	}
	for _, typ := range []string{"text/html", "text/css", "text/javascript", "font/woff2", "image/png"} {
		if types[typ] == 0 {
			t.Errorf("the page has no %s", typ)
		}
	}
	if total < 500_000 || total > 3_000_000 {
		t.Errorf("the page weighs %d bytes; want a realistic 0.5 to 3 MB", total)
	}
}

func TestResourceHandler(t *testing.T) {
	h := ResourceHandler()
	for _, kind := range []string{KindTiles, KindPage} {
		for _, r := range Resources(kind, 20) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", r.Path+"&run=abc", nil))
			body, _ := io.ReadAll(rec.Body)
			if rec.Code != 200 || len(body) != r.Size {
				t.Errorf("GET %s: %d, %d bytes; want 200, %d", r.Path, rec.Code, len(body), r.Size)
				continue
			}
			if got := rec.Header().Get("Content-Type"); got != r.Type {
				t.Errorf("GET %s: Content-Type %q; want %q", r.Path, got, r.Type)
			}
			if got := rec.Header().Get("Content-Length"); got != strconv.Itoa(r.Size) {
				t.Errorf("GET %s: Content-Length %q; want %d", r.Path, got, r.Size)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("GET %s: Cache-Control %q; want no-store", r.Path, got)
			}
			if r.Type == "image/png" {
				if _, err := png.Decode(bytes.NewReader(body)); err != nil {
					t.Errorf("GET %s: not a valid PNG: %v", r.Path, err)
				}
			}
		}
	}
	for _, path := range []string{"/lab/r/64?kind=tiles&n=64", "/lab/r/x?kind=tiles", "/lab/r/0?kind=nope", "/lab/r/-1"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d; want 404", path, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/lab/r/0", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d; want 405", rec.Code)
	}
}
