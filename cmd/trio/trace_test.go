package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
	h3qlog "github.com/quic-go/quic-go/http3/qlog"
	"github.com/quic-go/quic-go/qlog"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/lab"
	"github.com/triohttp/trio/tlsconf"
)

// serving runs trio with args; stop ends it and returns its exit code.
func serving(t *testing.T, args ...string) (out *testtool.Buffer, secure string, tlsConf func(...string) *tls.Config, stop func() int) {
	t.Helper()
	data := t.TempDir()
	t.Setenv("TRIO_DATA_DIR", data)
	ctx, cancel := context.WithCancel(context.Background())
	out = new(testtool.Buffer)
	var errOut testtool.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, out, &errOut) }()
	stopped := false
	stop = func() int {
		t.Helper()
		if stopped {
			return exitOK
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(15 * time.Second):
			t.Fatal("trio did not stop within 15s")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), "Press Ctrl-C"); time.Sleep(10 * time.Millisecond) {
		select {
		case code := <-done:
			t.Fatalf("trio exited with %d before serving: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no banner after 10s; stdout %q stderr %q", out.String(), errOut.String())
		}
	}
	pool, err := (&tlsconf.LocalCA{Dir: data}).RootPool()
	if err != nil {
		t.Fatal(err)
	}
	secure, _ = urls(t, out.String())
	tlsConf = func(protos ...string) *tls.Config {
		return &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: protos}
	}
	return out, secure, tlsConf, stop
}

// waitFor waits until out holds every string of want.
func waitFor(t *testing.T, out *testtool.Buffer, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s, missing := out.String(), ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("output lacks %q:\n%s", missing, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// trio serve --trace prints the frames of a real HTTP/2 request and the
// QUIC packets and HTTP/3 frames of a real HTTP/3 one; --qlog writes a
// qlog file per HTTP/3 connection, JSON-SEQ with the header qvis needs
// and those same events.
func TestServeTrace(t *testing.T) {
	qlogDir := filepath.Join(t.TempDir(), "qlog")
	out, secure, tlsConf, stop := serving(t, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--trace", "--qlog", qlogDir)

	h2tr := &http.Transport{TLSClientConfig: tlsConf("h2"), ForceAttemptHTTP2: true}
	defer h2tr.CloseIdleConnections()
	get(t, &http.Client{Transport: h2tr}, secure+"/api/whoami", "HTTP/2.0")
	waitFor(t, out,
		" h2 127.0.0.1:", " <- SETTINGS ", " -> SETTINGS ", "MAX_CONCURRENT_STREAMS=250",
		"<- HEADERS       stream=1 END_STREAM|END_HEADERS len=", ":method=GET", ":path=/api/whoami",
		"-> HEADERS       stream=1 END_HEADERS len=", ":status=200 content-type=application/json",
		"-> DATA          stream=1 END_STREAM len=")

	h3tr := &http3.Transport{TLSClientConfig: tlsConf()}
	get(t, &http.Client{Transport: h3tr}, secure+"/api/whoami", "HTTP/3.0")
	h3tr.Close()
	waitFor(t, out,
		" h3 127.0.0.1:", "QUIC connection started",
		"<- packet initial #0 ", "CRYPTO(off=0 len=",
		"-> packet 1RTT #", "STREAM(id=0 ",
		"-> HTTP/3 stream 3 is the control stream", "-> HTTP/3 SETTINGS stream=3 len=", "ENABLE_CONNECT_PROTOCOL=1",
		"<- HTTP/3 HEADERS  stream=0 len=", ":path=/api/whoami",
		"-> HTTP/3 HEADERS  stream=0 len=", ":status=200",
		"-> HTTP/3 DATA     stream=0 len=",
		"QUIC connection closed by remote")
	if code := stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}

	files, _ := filepath.Glob(filepath.Join(qlogDir, "*_server.sqlog"))
	if len(files) != 1 {
		t.Fatalf("qlog files: %v; want one for the one HTTP/3 connection", files)
	}
	checkQlog(t, files[0])
}

// checkQlog checks a JSON-SEQ qlog file as qvis reads it: a header record
// naming the format, then events, among them packets and HTTP/3 frames.
func checkQlog(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	records := bytes.Split(b, []byte{0x1e})
	if len(records) < 3 || len(records[0]) != 0 {
		t.Fatalf("%s: %d records, not starting with the record separator", name, len(records))
	}
	var header struct {
		QlogFormat string `json:"qlog_format"`
		FileSchema string `json:"file_schema"`
		Trace      struct {
			VantagePoint struct{ Type string } `json:"vantage_point"`
		}
	}
	if err := json.Unmarshal(records[1], &header); err != nil {
		t.Fatalf("%s: header: %v\n%s", name, err, records[1])
	}
	if header.QlogFormat != "JSON-SEQ" || header.Trace.VantagePoint.Type != "server" {
		t.Errorf("%s: header %+v; want qlog_format JSON-SEQ, vantage point server", name, header)
	}
	names := map[string]int{}
	for i, r := range records[2:] {
		var e struct {
			Name string
			Data json.RawMessage
		}
		if err := json.Unmarshal(r, &e); err != nil {
			t.Fatalf("%s: event %d: %v\n%s", name, i, err, r)
		}
		names[e.Name]++
	}
	for _, want := range []string{"transport:packet_sent", "transport:packet_received", "http3:frame_parsed", "http3:frame_created", "http3:stream_type_set", "transport:connection_closed"} {
		if names[want] == 0 {
			t.Errorf("%s has no %s event; has %v", name, want, names)
		}
	}
}

func TestFrameTypeName(t *testing.T) {
	for _, tt := range []struct {
		f    any
		want string
	}{
		{&qlog.RetireConnectionIDFrame{}, "RETIRE_CONNECTION_ID"},
		{&qlog.StreamDataBlockedFrame{}, "STREAM_DATA_BLOCKED"},
		{h3qlog.PushPromiseFrame{}, "PUSH_PROMISE"},
	} {
		if got := frameTypeName(tt.f); got != tt.want {
			t.Errorf("frameTypeName(%T) = %q; want %q", tt.f, got, tt.want)
		}
	}
}

// Through a lossy UDP link, --trace shows QUIC declaring packets lost:
// what a class watches to see loss recovery happen.
func TestServeTraceLoss(t *testing.T) {
	out, secure, tlsConf, _ := serving(t, "serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--trace")
	u, err := url.Parse(secure)
	if err != nil {
		t.Fatal(err)
	}
	relay, err := lab.NewUDPRelay(lab.Impairment{Loss: 0.2, Seed: 7}, u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()
	h3tr := &http3.Transport{TLSClientConfig: tlsConf()}
	defer h3tr.Close()
	c := &http.Client{Transport: h3tr, Timeout: 30 * time.Second}
	via := "https://" + relay.Addr().String()
	for i := 0; i < 40 && !strings.Contains(out.String(), " LOST ("); i++ {
		for _, path := range []string{"/", "/app.js", "/style.css"} {
			get(t, c, via+path, "HTTP/3.0")
		}
	}
	waitFor(t, out, "-> packet 1RTT #", " LOST (", "its frames are sent again in new packets")
}

func get(t *testing.T, c *http.Client, url, proto string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Proto != proto {
		t.Fatalf("GET %s came over %s; want %s", url, resp.Proto, proto)
	}
}

// --qlog creates its directory, and refuses one it cannot write; neither
// flag goes with --config.
func TestTraceFlagErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	for _, args := range [][]string{
		{"serve", "--listen", "127.0.0.1:0", "--http", "", "--qlog", filepath.Join(file, "sub")},
		{"serve", "--config", file, "--trace"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit %d; want %d (stderr %q)", args, code, exitUsage, errOut.String())
		}
		if s := lastLine(errOut.String()); !strings.Contains(s, "--qlog") && !strings.Contains(s, "--trace") {
			t.Errorf("%q: last stderr line %q does not name the flag", args, s)
		}
	}
}
