package h2

import (
	"io"
	"net/http"
	"net/url"
	"testing"
)

// TestExtendedConnect opens an RFC 8441 tunnel with x/net's client and
// echoes bytes both ways over it.
func TestExtendedConnect(t *testing.T) {
	run(t, testExtendedConnect, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testExtendedConnect(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "CONNECT" || r.Proto != "websocket" || r.Header.Get(":protocol") != "websocket" || r.URL.Path != "/chat" {
			t.Errorf("Method %q, Proto %q, :protocol %q, Path %q; want CONNECT, websocket, websocket, /chat",
				r.Method, r.Proto, r.Header.Get(":protocol"), r.URL.Path)
			w.WriteHeader(400)
			return
		}
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		buf := make([]byte, 1024)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	}), nil)
	u, _ := url.Parse(ts.url + "/chat")
	pr, pw := io.Pipe()
	req := &http.Request{Method: "CONNECT", URL: u, Header: http.Header{":protocol": {"websocket"}}, Body: pr, Host: u.Host}
	res, err := ts.h2Client(t).Transport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("status %d; want 200", res.StatusCode)
	}
	buf := make([]byte, 64)
	for _, msg := range []string{"hello", "tunnel", "bye"} {
		if _, err := pw.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		n, err := io.ReadFull(res.Body, buf[:len(msg)])
		if err != nil || string(buf[:n]) != msg {
			t.Fatalf("echo = %q, %v; want %q", buf[:n], err, msg)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(res.Body); err != nil || len(rest) > 0 {
		t.Errorf("after close: %q, %v; want EOF", rest, err)
	}
}
