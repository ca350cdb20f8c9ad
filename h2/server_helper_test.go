package h2

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// mode is how a test server serves HTTP/2.
type mode struct {
	engine Engine
	tls    bool
}

func (m mode) String() string {
	s := string(m.engine)
	if !m.tls {
		s += "-h2c"
	}
	return s
}

var (
	certOnce sync.Once
	certTLS  tls.Certificate
	certPool *x509.CertPool
)

// testCert returns a self-signed certificate for 127.0.0.1 and a pool
// trusting it.
func testCert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	certOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "trio test"},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
			DNSNames:              []string{"localhost"},
			KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
			ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			IsCA:                  true,
			BasicConstraintsValid: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		leaf, _ := x509.ParseCertificate(der)
		certTLS = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
		certPool = x509.NewCertPool()
		certPool.AddCert(leaf)
	})
	return certTLS, certPool
}

// testServer is an HTTP/2 server on 127.0.0.1:0.
type testServer struct {
	addr string
	url  string
	mode mode
	srv  *Server
	pool *x509.CertPool
}

// newTestServer starts h on a loopback listener in mode m, closed by
// t.Cleanup.
func newTestServer(t testing.TB, m mode, h http.Handler, cfg *Config) *testServer {
	t.Helper()
	cert, pool := testCert(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{addr: ln.Addr().String(), mode: m, pool: pool}
	ts.url = "https://" + ts.addr
	if !m.tls {
		ts.url = "http://" + ts.addr
	}
	tlsConf := &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}}
	if m.engine == EngineStd {
		hs := &http.Server{Handler: h, HTTP2: cfg.StdConfig(), ErrorLog: nil}
		hs.Protocols = new(http.Protocols)
		if m.tls {
			hs.Protocols.SetHTTP2(true)
			hs.TLSConfig = tlsConf
			go hs.ServeTLS(ln, "", "")
		} else {
			hs.Protocols.SetUnencryptedHTTP2(true)
			go hs.Serve(ln)
		}
		t.Cleanup(func() { hs.Close() })
		return ts
	}
	ts.srv = &Server{Config: cfg}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if m.tls {
					tc := tls.Server(nc, tlsConf)
					hctx, hcancel := context.WithTimeout(ctx, 10*time.Second)
					err := tc.HandshakeContext(hctx)
					hcancel()
					if err != nil {
						nc.Close()
						return
					}
					nc = tc
				}
				ts.srv.ServeConn(ctx, nc, h, nil)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		cancel()
		ts.srv.Close()
		wg.Wait()
	})
	return ts
}

// h2Client returns an x/net HTTP/2 client for ts, closed by t.Cleanup.
func (ts *testServer) h2Client(t testing.TB) *http.Client {
	tr := &http2.Transport{TLSClientConfig: &tls.Config{RootCAs: ts.pool}}
	if !ts.mode.tls {
		tr.AllowHTTP = true
		tr.DialTLSContext = func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// stdClient returns a net/http client preferring HTTP/2 for ts.
func (ts *testServer) stdClient(t testing.TB) *http.Client {
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ts.pool}, ForceAttemptHTTP2: true}
	if !ts.mode.tls {
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetUnencryptedHTTP2(true)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

var allModes = []mode{{EngineTrio, true}, {EngineTrio, false}, {EngineStd, true}, {EngineStd, false}}

// run runs f as a subtest per mode.
func run(t *testing.T, f func(t *testing.T, m mode), modes ...mode) {
	if len(modes) == 0 {
		modes = allModes
	}
	for _, m := range modes {
		t.Run(m.String(), func(t *testing.T) { f(t, m) })
	}
}
