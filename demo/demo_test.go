package demo_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/triohttp/trio/demo"
	"github.com/triohttp/trio/internal/testserver"
)

func TestDemo(t *testing.T) { testserver.Run(t, testDemo) }
func testDemo(t *testing.T, m testserver.Mode) {
	ts := testserver.New(t, m, demo.Handler())
	if page := ts.Get(t, "/"); !strings.Contains(page, `<span id="page-proto"`) || !strings.Contains(page, `/app.js`) {
		t.Errorf("GET / does not look like the demo page:\n%.300s", page)
	}
	var me demo.Whoami
	if err := json.Unmarshal([]byte(ts.Get(t, "/api/whoami")), &me); err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if me.Proto != m.Proto() {
		t.Errorf("whoami proto = %q; want %q", me.Proto, m.Proto())
	}
	wantALPN := map[testserver.Mode]string{testserver.H1: "http/1.1", testserver.H2: "h2", testserver.H3: "h3"}[m.Base()]
	if me.ALPN != wantALPN {
		t.Errorf("whoami alpn = %q; want %q", me.ALPN, wantALPN)
	}
	for _, tt := range []struct {
		path, wantType string
		wantStatus     int
	}{
		{"/tile/7.svg", "image/svg+xml", 200},
		{"/tile/7.svg?delay=5", "image/svg+xml", 200},
		{"/style.css", "text/css; charset=utf-8", 200},
		{"/app.js", "text/javascript; charset=utf-8", 200},
		{"/tile/x.svg", "", 404},
		{"/tile/1000.svg", "", 404},
		{"/tile/7", "", 404},
		{"/tile/7.svg?delay=-1", "", 400},
		{"/nope", "", 404},
	} {
		resp, err := ts.Client.Get(ts.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.wantStatus {
			t.Errorf("GET %s status = %d; want %d", tt.path, resp.StatusCode, tt.wantStatus)
		}
		if tt.wantType != "" && resp.Header.Get("Content-Type") != tt.wantType {
			t.Errorf("GET %s Content-Type = %q; want %q", tt.path, resp.Header.Get("Content-Type"), tt.wantType)
		}
	}
}

func TestTileDelayIsBounded(t *testing.T) {
	ts := testserver.New(t, testserver.H2, demo.Handler())
	req, _ := http.NewRequest("GET", ts.URL+"/tile/1.svg?delay=999999999", nil)
	resp, err := ts.Client.Do(req) // would hang for days without the bound
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status = %d; want 200", resp.StatusCode)
	}
}
