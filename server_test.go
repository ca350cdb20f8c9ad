package trio_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/triotest/testcert"
)

type mode = triotest.Mode

func run(t *testing.T, f func(t *testing.T, m mode)) { triotest.Run(t, f) }

// protoHandler answers with what the handler saw of the request.
var protoHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fmt.Fprintf(w, "%s tls=%v %s %s body=%q", r.Proto, r.TLS != nil, r.Method, r.URL.RequestURI(), body)
})

func TestProtocols(t *testing.T) { run(t, testProtocols) }
func testProtocols(t *testing.T, m mode) {
	ts := triotest.New(t, m, protoHandler)
	tls := m.TLS()
	want := fmt.Sprintf("%s tls=%v GET /p?x=1 body=\"\"", m.Proto(), tls)
	if got := ts.Get(t, "/p?x=1"); got != want {
		t.Errorf("GET body = %q; want %q", got, want)
	}
	resp, err := ts.Client.Post(ts.URL+"/post", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want = fmt.Sprintf("%s tls=%v POST /post body=\"hello\"", m.Proto(), tls)
	if string(got) != want {
		t.Errorf("POST body = %q; want %q", got, want)
	}
	if resp.Proto != m.Proto() {
		t.Errorf("response Proto = %q; want %q", resp.Proto, m.Proto())
	}
}

func TestAltSvc(t *testing.T) { run(t, testAltSvc) }
func testAltSvc(t *testing.T, m mode) {
	ts := triotest.New(t, m, protoHandler)
	resp, err := ts.Client.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := resp.Header.Get("Alt-Svc")
	port := ts.Addrs.QUIC[0].LocalAddr().(*net.UDPAddr).Port
	want := fmt.Sprintf(`h3=":%d"; ma=86400`, port)
	switch m.Base() {
	case triotest.H1, triotest.H2:
		if got != want {
			t.Errorf("Alt-Svc = %q; want %q", got, want)
		}
	default: // h3 needs no pointer to itself; cleartext origins cannot use h3
		if got != "" {
			t.Errorf("Alt-Svc = %q; want none over %s", got, m)
		}
	}
}

func TestKeepAliveReusesConnection(t *testing.T) {
	ts := triotest.New(t, triotest.H1, protoHandler)
	var conns atomic.Int32
	const n = 20
	for i := range n {
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			if !info.Reused {
				conns.Add(1)
			}
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", ts.URL+fmt.Sprintf("/%d", i), nil)
		resp, err := ts.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("%d requests opened %d connections; want 1 (keep-alive)", n, got)
	}
}

func TestContextCanceledOnDisconnect(t *testing.T) { run(t, testContextCanceledOnDisconnect) }
func testContextCanceledOnDisconnect(t *testing.T, m mode) {
	started, canceled := make(chan struct{}), make(chan struct{})
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		select {
		case <-r.Context().Done():
			close(canceled)
		case <-time.After(10 * time.Second):
		}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/slow", nil)
	errc := make(chan error, 1)
	go func() {
		resp, err := ts.Client.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	<-started
	cancel()
	select {
	case <-canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("handler's context was not canceled after the client went away")
	}
	if err := <-errc; err == nil {
		t.Error("client request succeeded; want a cancellation error")
	}
}

func TestFlushStreams(t *testing.T) { run(t, testFlushStreams) }
func testFlushStreams(t *testing.T, m mode) {
	next := make(chan struct{})
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "chunk%d\n", i)
			w.(http.Flusher).Flush()
			select {
			case <-next: // the client saw this chunk before the next is written
			case <-time.After(5 * time.Second):
				return
			}
		}
	}))
	resp, err := ts.Client.Get(ts.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		line, err := br.ReadString('\n')
		if want := fmt.Sprintf("chunk%d\n", i); line != want || err != nil {
			t.Fatalf("line %d = %q, %v; want %q", i, line, err, want)
		}
		next <- struct{}{}
	}
}

func TestTrailers(t *testing.T) { run(t, testTrailers) }
func testTrailers(t *testing.T, m mode) {
	ts := triotest.New(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
		w.Header().Set(http.TrailerPrefix+"X-Late", "late")
	}))
	resp, err := ts.Client.Get(ts.URL + "/t")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for k, want := range map[string]string{"X-Sum": "42", "X-Late": "late"} {
		if got := resp.Trailer.Get(k); got != want {
			t.Errorf("trailer %s = %q; want %q", k, got, want)
		}
	}
}

func TestPipelinedInOrder(t *testing.T) {
	ts := triotest.New(t, triotest.H1, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/0" {
			time.Sleep(100 * time.Millisecond) // the first is the slowest
		}
		io.WriteString(w, r.URL.Path)
	}))
	c, err := tls.Dial("tcp", ts.TLSAddr().String(), ts.ClientTLS("http/1.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var reqs strings.Builder
	for i := range 5 {
		fmt.Fprintf(&reqs, "GET /%d HTTP/1.1\r\nHost: localhost\r\n\r\n", i)
	}
	if _, err := io.WriteString(c, reqs.String()); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for i := range 5 {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("/%d", i); string(body) != want {
			t.Errorf("response %d body = %q; want %q", i, body, want)
		}
	}
}

func TestRedirectHTTP(t *testing.T) {
	ts := triotest.New(t, triotest.H1, protoHandler, func(s *trio.Server) { s.RedirectHTTP = true })
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post("http://"+ts.Addrs.Cleartext[0].Addr().String()+"/a/b?c=d", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	port := ts.TLSAddr().(*net.TCPAddr).Port
	if want := fmt.Sprintf("https://127.0.0.1:%d/a/b?c=d", port); resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("got %d Location %q; want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
}

func TestPortInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	srv := &trio.Server{Addr: taken.Addr().String(), TLS: testcert.New(t).Source}
	err = srv.ListenAndServe()
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("ListenAndServe on a taken port = %v; want an 'address already in use' error", err)
	}
}

type noCerts struct{}

func (noCerts) TLSConfig() *tls.Config { return &tls.Config{} }

func TestSourceWithoutCertificate(t *testing.T) {
	srv := &trio.Server{Addr: "127.0.0.1:0", TLS: noCerts{}}
	err := srv.ListenAndServe()
	if err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Errorf("ListenAndServe = %v; want a 'no certificate' error", err)
	}
	if errors.Is(err, http.ErrServerClosed) {
		t.Error("got ErrServerClosed for a configuration error")
	}
}

// "localhost" binds both loopbacks on one port, TCP and UDP, and both serve.
func TestListenLocalhost(t *testing.T) {
	cert := testcert.New(t)
	srv := &trio.Server{Addr: "localhost:0", Handler: protoHandler, TLS: cert.Source}
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.TLS) != 2 || len(ls.QUIC) != 2 {
		ls.Close()
		t.Skipf("bound %d TCP and %d UDP sockets; this machine has no IPv6 loopback", len(ls.TLS), len(ls.QUIC))
	}
	go srv.ServeListeners(ls)
	defer srv.Close()
	port := ls.TLS[0].Addr().(*net.TCPAddr).Port
	for i, want := range []string{"127.0.0.1", "::1"} {
		ta := ls.TLS[i].Addr().(*net.TCPAddr)
		ua := ls.QUIC[i].LocalAddr().(*net.UDPAddr)
		if ta.IP.String() != want || ua.IP.String() != want || ta.Port != port || ua.Port != port {
			t.Errorf("socket pair %d = %v, %v; want %s on port %d for both", i, ta, ua, want, port)
		}
	}
	h2 := &http.Transport{TLSClientConfig: cert.ClientTLS("h2"), ForceAttemptHTTP2: true}
	defer h2.CloseIdleConnections()
	h3 := &http3.Transport{TLSClientConfig: cert.ClientTLS()}
	defer h3.Close()
	for _, host := range []string{"127.0.0.1", "[::1]"} {
		for _, rt := range []http.RoundTripper{h2, h3} {
			resp, err := (&http.Client{Transport: rt}).Get(fmt.Sprintf("https://%s:%d/", host, port))
			if err != nil {
				t.Errorf("GET on %s: %v", host, err)
				continue
			}
			resp.Body.Close()
			t.Logf("%s answered over %s", host, resp.Proto)
		}
	}
}

// Stopping a server that never served does nothing, and creates no CA.
func TestStopUnused(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TRIO_DATA_DIR", dir)
	for _, stop := range []func(*trio.Server) error{
		(*trio.Server).Close,
		func(s *trio.Server) error { return s.Shutdown(context.Background()) },
	} {
		if err := stop(new(trio.Server)); err != nil {
			t.Errorf("stopping an unused Server = %v; want nil", err)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("stopping an unused Server wrote %v to the data dir", entries)
	}
}
