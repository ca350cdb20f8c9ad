package h2

import (
	"io"
	"net/http"
	"testing"
)

func TestGet(t *testing.T) { run(t, testGet) }
func testGet(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor != 2 {
			t.Errorf("ProtoMajor = %d; want 2", r.ProtoMajor)
		}
		w.Write([]byte("hello " + r.URL.RawQuery))
	}), nil)
	for _, c := range []*http.Client{ts.h2Client(t), ts.stdClient(t)} {
		res, err := c.Get(ts.url + "/x?q=1")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(b) != "hello q=1" || res.Proto != "HTTP/2.0" {
			t.Errorf("body = %q, proto %q; want %q", b, res.Proto, "hello q=1")
		}
		if res.ContentLength != 9 {
			t.Errorf("ContentLength = %d; want 9", res.ContentLength)
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
	}
}
