package h3_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/h3"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

var engines = []h3.Engine{h3.EngineTrio, h3.EngineStd}

// forEngines runs f as a subtest on each engine.
func forEngines(t *testing.T, f func(t *testing.T, e h3.Engine)) {
	for _, e := range engines {
		t.Run(string(e), func(t *testing.T) { f(t, e) })
	}
}

// A testServer is an h3.Server on 127.0.0.1 with quic-go's HTTP/3 client.
type testServer struct {
	url    string
	addr   string
	srv    *h3.Server
	tr     *http3.Transport
	client *http.Client
	cert   *testcert.Cert
	logs   *testtool.Buffer
	served chan error
}

// newTestServer serves h with cfg on engine e; t.Cleanup shuts it down
// and fails the test if that takes more than 10 seconds.
func newTestServer(t testing.TB, e h3.Engine, h http.Handler, cfg h3.Config) *testServer {
	t.Helper()
	cert := testcert.New(t)
	cfg.Engine = e
	logs := new(testtool.Buffer)
	srv := cfg.NewServer(tlsconf.QUIC(cert.Source), h, slog.New(slog.NewTextHandler(logs, nil)))
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{
		addr: udp.LocalAddr().String(), srv: srv, cert: cert, logs: logs,
		served: make(chan error, 1),
		tr:     &http3.Transport{TLSClientConfig: cert.ClientTLS()},
	}
	ts.url = "https://" + ts.addr
	ts.client = &http.Client{Transport: ts.tr}
	go func() { ts.served <- srv.Serve(udp) }()
	t.Cleanup(func() {
		ts.tr.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-ts.served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v; want http.ErrServerClosed", err)
		}
		udp.Close()
	})
	return ts
}

// do sends req and returns the response with its body read.
func (ts *testServer) do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL.Path, err)
	}
	return resp, string(body)
}

func newRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
