package lab_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/lab"
	"github.com/triohttp/trio/tlsconf"
)

// A testLab is a lab served for one test, with clients that trust its CA.
type testLab struct {
	*lab.Lab
	ca   *tlsconf.LocalCA
	pool *x509.CertPool
}

// serveLab serves a lab with a CA of its own, closed by t.Cleanup. Behind
// the link (cfg.NoLink false) it skips without root, except under CI=true,
// where CI runs as root and it fails.
func serveLab(t *testing.T, cfg lab.Config) *testLab {
	t.Helper()
	ca := &tlsconf.LocalCA{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	cfg.CA = ca
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	l, err := lab.Serve(context.Background(), cfg)
	if err != nil {
		if !cfg.NoLink && os.Getenv("CI") != "true" && os.Geteuid() != 0 {
			t.Skipf("Serve behind the link: %v", err)
		}
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	pool, err := ca.RootPool()
	if err != nil {
		t.Fatal(err)
	}
	return &testLab{Lab: l, ca: ca, pool: pool}
}

// client returns a client speaking only proto ("h1", "h2" or "h3"), which
// verifies the origins' certificate against the lab's CA.
func (tl *testLab) client(t *testing.T, proto string) *http.Client {
	t.Helper()
	tc := &tls.Config{RootCAs: tl.pool}
	var rt http.RoundTripper
	switch proto {
	case "h1", "h2":
		if proto == "h1" {
			tc.NextProtos = []string{"http/1.1"} // as browsers do; Go's client alone offers no ALPN
		}
		tr := &http.Transport{TLSClientConfig: tc, Protocols: new(http.Protocols)}
		tr.Protocols.SetHTTP1(proto == "h1")
		tr.Protocols.SetHTTP2(proto == "h2")
		t.Cleanup(tr.CloseIdleConnections)
		rt = tr
	case "h3":
		tr := &http3.Transport{TLSClientConfig: tc}
		t.Cleanup(func() { tr.Close() })
		rt = tr
	default:
		t.Fatalf("no client for %q", proto)
	}
	return &http.Client{Transport: rt, Timeout: 20 * time.Second}
}

// get fetches url and returns the response's protocol and body.
func get(t *testing.T, c *http.Client, url string) (int, string, []byte) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, resp.Proto, body
}

// Each origin speaks its protocol, and no other: a client that offers only
// another protocol in ALPN fails the handshake, and the h2 origin refuses
// HTTP/1.1 (421) from a client that offers no ALPN or only http/1.1.
func TestOriginsSpeakOneProtocol(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true})
	origins := tl.Origins()
	for _, name := range []string{"h1", "h2", "h3"} {
		if !strings.HasPrefix(origins[name], "https://127.0.0.1:") {
			t.Errorf("Origins()[%q] = %q; want https://127.0.0.1:port", name, origins[name])
		}
	}
	tests := []struct {
		origin, client string
		wantProto      string // "" means the request must fail
	}{
		{"h1", "h1", "HTTP/1.1"},
		{"h1", "h2", ""},
		{"h2", "h2", "HTTP/2.0"},
		{"h2", "h1", ""},
		{"h3", "h3", "HTTP/3.0"},
		{"h1", "h3", ""}, // no QUIC on the TCP-only origins
		{"h2", "h3", ""},
	}
	for _, tt := range tests {
		t.Run(tt.origin+"/"+tt.client, func(t *testing.T) {
			c := tl.client(t, tt.client)
			if tt.client == "h3" && tt.wantProto == "" {
				c.Timeout = time.Second // nothing answers QUIC there
			}
			resp, err := c.Get(origins[tt.origin] + "/lab/api/hello")
			if tt.wantProto == "" {
				// Go's TLS server lets a client that offers only http/1.1
				// through without ALPN; the origin then answers 421.
				if err == nil {
					resp.Body.Close()
					if resp.StatusCode != http.StatusMisdirectedRequest {
						t.Fatalf("a %s client got %s %d from the %s origin; want a failed handshake or 421", tt.client, resp.Proto, resp.StatusCode, tt.origin)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("GET: %v", err)
			}
			defer resp.Body.Close()
			var hello lab.Hello
			if err := json.NewDecoder(resp.Body).Decode(&hello); err != nil {
				t.Fatal(err)
			}
			if resp.Proto != tt.wantProto || hello.Proto != tt.origin {
				t.Errorf("Proto = %s, server saw %q; want %s and %q", resp.Proto, hello.Proto, tt.wantProto, tt.origin)
			}
		})
	}
	t.Run("h2/no-alpn", func(t *testing.T) {
		addr := strings.TrimPrefix(origins["h2"], "https://")
		conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: tl.pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "GET /lab/api/hello HTTP/1.1\r\nHost: %s\r\n\r\n", addr)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, _ := io.ReadAll(io.LimitReader(conn, 64))
		if !bytes.HasPrefix(line, []byte("HTTP/1.1 421 ")) {
			t.Errorf("HTTP/1.1 without ALPN on the h2 origin got %q; want 421 Misdirected Request", line)
		}
	})
}

// The h3 origin's TCP side advertises HTTP/3 (so Firefox finds it); the
// others advertise nothing.
func TestAltSvc(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true})
	h3port := tl.Origins()["h3"][strings.LastIndexByte(tl.Origins()["h3"], ':')+1:]
	for _, tt := range []struct{ origin, client, want string }{
		{"h1", "h1", ""},
		{"h2", "h2", ""},
		{"h3", "h2", `h3=":` + h3port + `"`},
	} {
		resp, err := tl.client(t, tt.client).Get(tl.Origins()[tt.origin] + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Alt-Svc"); !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("%s origin: Alt-Svc = %q; want %q", tt.origin, got, tt.want)
		}
	}
}

// The page and its script are served on every origin.
func TestPage(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true})
	c := tl.client(t, "h2")
	for path, want := range map[string]string{
		"/":        `id="waterfall"`,
		"/lab.js":  "drawWaterfall",
		"/lab.css": "--h3",
	} {
		code, _, body := get(t, c, tl.Origins()["h2"]+path)
		if code != http.StatusOK || !bytes.Contains(body, []byte(want)) {
			t.Errorf("GET %s = %d, %d bytes; want 200 with %q", path, code, len(body), want)
		}
	}
	code, _, body := get(t, c, tl.Origins()["h2"]+"/lab/api/lab")
	var info lab.Info
	if err := json.Unmarshal(body, &info); err != nil || code != http.StatusOK {
		t.Fatalf("/lab/api/lab = %d %s: %v", code, body, err)
	}
	if info.Link != "udp-relay" || len(info.Origins) != 3 || info.Origins["h3"] != tl.Origins()["h3"] {
		t.Errorf("/lab/api/lab = %+v; want link udp-relay and the three origins", info)
	}
	code, _, body = get(t, c, tl.Origins()["h2"]+"/lab/api/resources?kind=page&n=20")
	var list []lab.Listed
	if err := json.Unmarshal(body, &list); err != nil || code != http.StatusOK || len(list) != 20 {
		t.Fatalf("/lab/api/resources = %d, %d resources (%v); want 200 and 20", code, len(list), err)
	}
	if list[3].I != 3 || list[3].Path != lab.Resources("page", 20)[3].Path {
		t.Errorf("resource 3 = %+v; want i 3 and the path of Resources(page, 20)[3]", list[3])
	}
	if code, _, _ := get(t, c, tl.Origins()["h2"]+"/lab/api/resources?kind=movies"); code != http.StatusBadRequest {
		t.Errorf("unknown kind: status %d; want 400", code)
	}
}

// The server records every request of a run: over HTTP/1.1 several
// connections and no streams, over HTTP/2 and HTTP/3 one connection and a
// stream each, with times in order and every byte counted.
func TestRecord(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true})
	const n = 12
	res := lab.Resources("tiles", n)
	for _, proto := range []string{"h1", "h2", "h3"} {
		t.Run(proto, func(t *testing.T) {
			run := "test-" + proto
			fetch := func(c *http.Client, r lab.Resource) {
				code, _, body := get(t, c, tl.Origins()[proto]+r.Path+"&run="+run)
				if code != http.StatusOK || len(body) != r.Size {
					t.Errorf("GET %s = %d, %d bytes; want 200, %d", r.Path, code, len(body), r.Size)
				}
			}
			var wg sync.WaitGroup
			if proto == "h1" {
				// Three clients, each asking in turn on its one
				// keep-alive connection: three connections.
				for k := range h1Conns {
					c := tl.client(t, proto)
					wg.Go(func() {
						for i := k; i < len(res); i += h1Conns {
							fetch(c, res[i])
						}
					})
				}
			} else {
				c := tl.client(t, proto) // all at once: streams of one connection
				for _, r := range res {
					wg.Go(func() { fetch(c, r) })
				}
			}
			wg.Wait()
			// The API answers on any origin: the three share one recorder.
			code, _, body := get(t, tl.client(t, "h1"), tl.Origins()["h1"]+"/lab/api/run/"+run)
			var rec lab.Record
			if err := json.Unmarshal(body, &rec); err != nil || code != http.StatusOK {
				t.Fatalf("/lab/api/run/%s = %d %s: %v", run, code, body, err)
			}
			checkRecord(t, rec, proto, res)
		})
	}
	c := tl.client(t, "h2")
	if code, _, _ := get(t, c, tl.Origins()["h2"]+"/lab/api/run/never-made"); code != http.StatusNotFound {
		t.Errorf("unknown run: status %d; want 404", code)
	}
	if code, _, _ := get(t, c, tl.Origins()["h2"]+"/lab/api/run/bad%20id"); code != http.StatusBadRequest {
		t.Errorf("invalid run id: status %d; want 400", code)
	}
	if _, ok := tl.Run("test-h2"); !ok {
		t.Error("Lab.Run(test-h2) found nothing")
	}
}

// h1Conns is how many HTTP/1.1 connections TestRecord makes.
const h1Conns = 3

func checkRecord(t *testing.T, rec lab.Record, proto string, res []lab.Resource) {
	t.Helper()
	if len(rec.Requests) != len(res) {
		t.Fatalf("%d requests recorded; want %d", len(rec.Requests), len(res))
	}
	conns := map[int]bool{}
	streams := map[int64]bool{}
	seen := map[int]bool{}
	for _, s := range rec.Requests {
		conns[s.Conn] = true
		switch {
		case !s.Done || s.Status != http.StatusOK:
			t.Errorf("request %d: done %v, status %d; want done, 200", s.Index, s.Done, s.Status)
		case s.Proto != proto || s.Origin != proto:
			t.Errorf("request %d: proto %q on origin %q; want %q", s.Index, s.Proto, s.Origin, proto)
		case s.Index < 0 || s.Index >= len(res) || seen[s.Index]:
			t.Errorf("request index %d: out of range or twice", s.Index)
		case s.Bytes != int64(res[s.Index].Size):
			t.Errorf("request %d: %d bytes recorded; want %d", s.Index, s.Bytes, res[s.Index].Size)
		case s.ReceivedMS < 0 || s.FirstByteMS < s.ReceivedMS || s.LastByteMS < s.FirstByteMS:
			t.Errorf("request %d: received %v, first byte %v, last byte %v; want them in order", s.Index, s.ReceivedMS, s.FirstByteMS, s.LastByteMS)
		case s.Conn <= 0 || s.Remote == "":
			t.Errorf("request %d: connection %d from %q", s.Index, s.Conn, s.Remote)
		}
		seen[s.Index] = true
		if proto == "h1" {
			if s.Stream != -1 {
				t.Errorf("request %d over HTTP/1.1: stream %d; want -1", s.Index, s.Stream)
			}
			continue
		}
		if s.Stream < 0 || streams[s.Stream] {
			t.Errorf("request %d: stream %d: negative or used twice", s.Index, s.Stream)
		}
		streams[s.Stream] = true
		if proto == "h2" && s.Stream%2 != 1 || proto == "h3" && s.Stream%4 != 0 {
			t.Errorf("request %d: stream %d is not a client-initiated bidirectional %s stream", s.Index, s.Stream, proto)
		}
	}
	want := 1
	if proto == "h1" {
		want = h1Conns
	}
	if len(conns) != want || rec.Conns != want {
		t.Errorf("%d connections (Conns %d); want %d", len(conns), rec.Conns, want)
	}
}

// With NoLink on loopback, HTTP/3 goes through a UDP relay whose
// impairment the API reads and changes; TCP is not impaired, and the
// banner says so.
func TestNoLinkRelay(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true, Impairment: lab.Impairment{Loss: 0.01, Seed: 2}})
	c := tl.client(t, "h2")
	code, _, body := get(t, c, tl.Origins()["h2"]+"/lab/api/impairment")
	if code != http.StatusOK || !strings.Contains(string(body), `"loss":0.01`) {
		t.Errorf("GET impairment with the relay = %d %s; want 200 and loss 0.01", code, body)
	}
	resp, err := c.Post(tl.Origins()["h2"]+"/lab/api/impairment", "application/json", strings.NewReader(`{"loss":0.2,"delay_ms":4}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code, _, body = get(t, c, tl.Origins()["h2"]+"/lab/api/impairment")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"loss":0.2`) {
		t.Errorf("POST impairment = %d, then GET = %d %s; want loss 0.2", resp.StatusCode, code, body)
	}
	// HTTP/3 works through the relay, which is also where Alt-Svc points.
	code, proto, _ := get(t, tl.client(t, "h3"), tl.Origins()["h3"]+"/lab/api/hello")
	if code != http.StatusOK || proto != "HTTP/3.0" {
		t.Errorf("h3 through the relay: %d %s", code, proto)
	}
	resp, err = c.Get(tl.Origins()["h3"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	port := tl.Origins()["h3"][strings.LastIndexByte(tl.Origins()["h3"], ':')+1:]
	if got := resp.Header.Get("Alt-Svc"); !strings.HasPrefix(got, `h3=":`+port+`"`) {
		t.Errorf("Alt-Svc = %q; want the relay's port %s", got, port)
	}
	if b := tl.Banner(); !strings.Contains(b, "TCP is NOT impaired") || !strings.Contains(b, "relay") {
		t.Errorf("the banner does not say that only HTTP/3 is impaired:\n%s", b)
	}
}

// Without the link and off 127.0.0.1 nothing is impaired: the API has
// nothing to read or change, and the banner says so.
func TestNoLinkNoRelay(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback to serve off 127.0.0.1 on: %v", err)
	} else {
		ln.Close()
	}
	tl := serveLab(t, lab.Config{NoLink: true, Addr: "[::1]:0"})
	c := tl.client(t, "h2")
	if code, _, _ := get(t, c, tl.Origins()["h2"]+"/lab/api/impairment"); code != http.StatusConflict {
		t.Errorf("GET impairment with nothing impaired: %d; want 409", code)
	}
	if code, proto, _ := get(t, tl.client(t, "h3"), tl.Origins()["h3"]+"/lab/api/hello"); code != http.StatusOK || proto != "HTTP/3.0" {
		t.Errorf("h3 on ::1: %d %s", code, proto)
	}
	if !strings.Contains(tl.Banner(), "NOT impaired") {
		t.Errorf("the banner does not say the lab is not impaired:\n%s", tl.Banner())
	}
}

// POST /lab/api/impairment changes the link's impairment; invalid ones
// are refused and leave it as it was.
func TestImpairmentAPI(t *testing.T) {
	start := lab.Impairment{Loss: 0.01, Delay: 5 * time.Millisecond, Seed: 3}
	tl := serveLab(t, lab.Config{Impairment: start})
	if got := tl.Link().Impairment(); got != start {
		t.Fatalf("the link starts with %+v; want %+v", got, start)
	}
	c := tl.client(t, "h2")
	url := tl.Origins()["h2"] + "/lab/api/impairment"
	post := func(ctype, body string) (int, string) {
		resp, err := c.Post(url, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := post("application/json", `{"loss":0.05,"delay_ms":30,"jitter_ms":2,"rate":0,"seed":9}`)
	want := lab.Impairment{Loss: 0.05, Delay: 30 * time.Millisecond, Jitter: 2 * time.Millisecond, Seed: 9}
	if code != http.StatusOK || tl.Link().Impairment() != want {
		t.Fatalf("POST = %d %s, link %+v; want 200 and %+v", code, body, tl.Link().Impairment(), want)
	}
	var got lab.ImpairmentJSON
	if err := json.Unmarshal([]byte(body), &got); err != nil || got.Loss != 0.05 || got.DelayMS != 30 {
		t.Errorf("POST answered %s (%v); want the new impairment", body, err)
	}
	for _, tt := range []struct {
		ctype, body string
		code        int
	}{
		{"application/json", `{"loss":1.5}`, http.StatusBadRequest},
		{"application/json", `{"delay_ms":-1}`, http.StatusBadRequest},
		{"application/json", `{"los":0.1}`, http.StatusBadRequest},
		{"text/plain", `{"loss":0.1}`, http.StatusUnsupportedMediaType},
	} {
		if code, body := post(tt.ctype, tt.body); code != tt.code {
			t.Errorf("POST %s %s = %d %s; want %d", tt.ctype, tt.body, code, body, tt.code)
		}
	}
	if tl.Link().Impairment() != want {
		t.Errorf("after refused POSTs the link is %+v; want %+v", tl.Link().Impairment(), want)
	}
	code, body = post("application/json", `{"loss":0,"delay_ms":0}`)
	if code != http.StatusOK || tl.Link().Impairment() != (lab.Impairment{}) {
		t.Errorf("POST of no impairment = %d %s, link %+v", code, body, tl.Link().Impairment())
	}
}

// Behind the link, the origins are on its ServerIP, their certificate is
// valid for it, and the banner pins that certificate's key for Chromium and
// writes Firefox's policy.
func TestServeBehindLink(t *testing.T) {
	tl := serveLab(t, lab.Config{Impairment: lab.Impairment{Delay: 2 * time.Millisecond}})
	ip := tl.Link().ServerIP().String()
	for _, proto := range []string{"h1", "h2", "h3"} {
		u := tl.Origins()[proto]
		if !strings.HasPrefix(u, "https://"+ip+":") {
			t.Errorf("origin %s = %s; want it on the link's %s", proto, u, ip)
		}
		code, _, body := get(t, tl.client(t, proto), u+"/lab/api/hello")
		if code != http.StatusOK || !strings.Contains(string(body), `"proto":"`+proto+`"`) {
			t.Errorf("%s origin through the link: %d %s", proto, code, body)
		}
	}
	conn, err := tls.Dial("tcp", strings.TrimPrefix(tl.Origins()["h1"], "https://"), &tls.Config{RootCAs: tl.pool})
	if err != nil {
		t.Fatal(err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	banner := tl.Banner()
	for _, want := range []string{
		spki(leaf),
		"--origin-to-force-quic-on=" + strings.TrimPrefix(tl.Origins()["h3"], "https://"),
		tl.Link().Namespace(),
		"policies.json",
		tl.Origins()["h1"] + "/",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, banner)
		}
	}
	var policy struct {
		Policies struct {
			Certificates struct{ Install []string }
			Preferences  map[string]struct{ Value any }
		}
	}
	if err := json.Unmarshal(tl.FirefoxPolicy(), &policy); err != nil {
		t.Fatal(err)
	}
	p := policy.Policies
	if len(p.Certificates.Install) != 1 || p.Certificates.Install[0] != tl.ca.RootFile() ||
		p.Preferences["network.http.http3.disable_when_third_party_roots_found"].Value != false {
		t.Errorf("Firefox policy = %s; want the CA root installed and the HTTP/3 pref false", tl.FirefoxPolicy())
	}
}

// spki is the key pin Chromium's --ignore-certificate-errors-spki-list takes.
func spki(c *x509.Certificate) string {
	sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// Close stops every origin, the relay and the recorder's work: no
// goroutine of the lab, trio's engines or quic-go is left.
func TestCloseLeavesNothing(t *testing.T) {
	ca := &tlsconf.LocalCA{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithCancel(context.Background())
	l, err := lab.Serve(ctx, lab.Config{NoLink: true, CA: ca, Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tl := &testLab{Lab: l, ca: ca}
	if tl.pool, err = ca.RootPool(); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []string{"h1", "h2", "h3"} {
		c := tl.client(t, proto)
		get(t, c, tl.Origins()[proto]+"/lab/api/hello")
		switch tr := c.Transport.(type) {
		case *http.Transport:
			tr.CloseIdleConnections()
		case *http3.Transport:
			tr.Close()
		}
	}
	cancel() // as Close: the lab stops with its context
	leaked := testtool.Leaked(5*time.Second, func(stack string) bool {
		return strings.Contains(stack, "github.com/triohttp/trio") || strings.Contains(stack, "quic-go")
	})
	if len(leaked) > 0 {
		t.Errorf("%d goroutines left after the lab's context ended:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
	}
	if err := l.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
}

// The key pinned for Chromium is the local CA's one leaf key: a lab
// started again (here on another address) prints the same pin, so a
// teacher's saved command keeps working.
func TestChromiumPinStable(t *testing.T) {
	ca := &tlsconf.LocalCA{Dir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)}
	var pins []string
	for _, addr := range []string{"127.0.0.1:0", "127.0.0.2:0"} {
		l, err := lab.Serve(context.Background(), lab.Config{NoLink: true, Addr: addr, CA: ca, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		pins = append(pins, l.ChromiumFlags()[1])
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if pins[0] != pins[1] || !strings.HasPrefix(pins[0], "--ignore-certificate-errors-spki-list=") {
		t.Errorf("pins %q; want one --ignore-certificate-errors-spki-list across restarts", pins)
	}
}
