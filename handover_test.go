package trio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/triotest/testcert"
	"github.com/triohttp/trio/ws"
)

// connHandler answers with the connection a request came on, so a test can
// tell whether a client kept its connection; /ws echoes WebSocket messages.
var connHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ws" {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(typ, msg) != nil {
				return
			}
		}
	}
	fmt.Fprintf(w, "%s from %s", r.Proto, r.RemoteAddr)
})

// A handoverClient is one protocol's client with the connection it opened
// before the hand-over.
type handoverClient struct {
	proto  string
	client *http.Client
	url    string // the old address
	first  string // body of the first request: names the connection
	ws     *ws.Conn
}

func (c *handoverClient) get(t *testing.T, url string) (string, http.Header) {
	t.Helper()
	resp, err := c.client.Get(url + "/")
	if err != nil {
		t.Fatalf("%s GET %s: %v", c.proto, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%s GET %s: %d %q %v", c.proto, url, resp.StatusCode, b, err)
	}
	return string(b), resp.Header
}

func (c *handoverClient) echo(t *testing.T, msg string) {
	t.Helper()
	if err := c.ws.WriteMessage(ws.MessageText, []byte(msg)); err != nil {
		t.Fatalf("%s WebSocket write: %v", c.proto, err)
	}
	if _, got, err := c.ws.ReadMessage(); err != nil || string(got) != msg {
		t.Fatalf("%s WebSocket echo = %q, %v; want %q", c.proto, got, err, msg)
	}
}

func newHandoverClients(t *testing.T, cert *testcert.Cert, ls *trio.Listeners) []*handoverClient {
	tcpURL := "https://" + ls.TLS[0].Addr().String()
	h1 := &http.Transport{TLSClientConfig: cert.ClientTLS("http/1.1")}
	h2 := &http.Transport{TLSClientConfig: cert.ClientTLS("h2"), ForceAttemptHTTP2: true}
	h3 := &http3.Transport{TLSClientConfig: cert.ClientTLS()}
	t.Cleanup(func() { h1.CloseIdleConnections(); h2.CloseIdleConnections(); h3.Close() })
	cs := []*handoverClient{
		{proto: "HTTP/1.1", client: &http.Client{Transport: h1, Timeout: 5 * time.Second}, url: tcpURL},
		{proto: "HTTP/2.0", client: &http.Client{Transport: h2, Timeout: 5 * time.Second}, url: tcpURL},
		{proto: "HTTP/3.0", client: &http.Client{Transport: h3, Timeout: 5 * time.Second}, url: "https://" + ls.QUIC[0].LocalAddr().String()},
	}
	for _, c := range cs {
		c.first, _ = c.get(t, c.url)
		if !strings.HasPrefix(c.first, c.proto) {
			t.Fatalf("first request = %q; want %s", c.first, c.proto)
		}
		httpv := map[string]string{"HTTP/1.1": "http/1.1", "HTTP/2.0": "h2", "HTTP/3.0": "h3"}[c.proto]
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, _, err := ws.Dial(ctx, "wss"+strings.TrimPrefix(c.url, "https")+"/ws", &ws.DialOptions{HTTP: httpv, TLSClientConfig: cert.ClientTLS()})
		cancel()
		if err != nil {
			t.Fatalf("WebSocket over %s: %v", httpv, err)
		}
		t.Cleanup(func() { conn.CloseNow() })
		c.ws = conn
		c.echo(t, "before")
	}
	return cs
}

// A Server that Retires its listeners after serving new ones keeps every
// open connection: HTTP/1.1 keep-alive, HTTP/2 and HTTP/3 connections and
// a WebSocket on each go on; the new address serves; the old one refuses.
func TestRetireKeepsConnections(t *testing.T) {
	cert := testcert.New(t)
	srv := &trio.Server{
		Addr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Handler: connHandler, TLS: cert.Source,
		Logger: slog.New(slog.DiscardHandler),
	}
	old, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	servedOld := make(chan error, 1)
	go func() { servedOld <- srv.ServeListeners(old) }()
	clients := newHandoverClients(t, cert, old)

	ls, err := srv.ListenAt("127.0.0.1:0", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	servedNew := make(chan error, 1)
	go func() { servedNew <- srv.ServeListeners(ls) }()
	if err := srv.Retire(old); err != nil {
		t.Fatalf("Retire = %v", err)
	}

	for _, c := range clients {
		if got, _ := c.get(t, c.url); got != c.first {
			t.Errorf("%s after Retire = %q; want %q, over the connection opened before", c.proto, got, c.first)
		}
		c.echo(t, "after")
	}

	// The new addresses serve every protocol; Alt-Svc names the new port.
	fresh := newHandoverClients(t, cert, ls)
	_, hdr := fresh[0].get(t, fresh[0].url)
	want := fmt.Sprintf(`h3=":%d"`, ls.QUIC[0].LocalAddr().(*net.UDPAddr).Port)
	if got := hdr.Get("Alt-Svc"); !strings.HasPrefix(got, want) {
		t.Errorf("Alt-Svc after Retire = %q; want %s", got, want)
	}
	text, err := http.Get("http://" + ls.Cleartext[0].Addr().String() + "/")
	if err != nil {
		t.Fatalf("cleartext GET on the new address: %v", err)
	}
	text.Body.Close()

	// The old addresses take no new connection.
	for _, a := range []net.Addr{old.TLS[0].Addr(), old.Cleartext[0].Addr()} {
		if c, err := net.DialTimeout("tcp", a.String(), time.Second); err == nil {
			c.Close()
			t.Errorf("TCP dial to retired %v succeeded; want refused", a)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if qc, err := quic.DialAddr(ctx, old.QUIC[0].LocalAddr().String(), cert.ClientTLS("h3"), nil); err == nil {
		qc.CloseWithError(0, "")
		t.Error("QUIC handshake with the retired UDP socket succeeded; want none")
	}

	select {
	case err := <-servedOld:
		t.Fatalf("old ServeListeners returned %v while an HTTP/3 connection is open on its socket", err)
	default:
	}
	// Once the last HTTP/3 connection on the old socket ends, it is closed.
	clients[2].ws.CloseNow()
	clients[2].client.Transport.(*http3.Transport).Close()
	select {
	case err := <-servedOld:
		if !errors.Is(err, trio.ErrListenerRetired) {
			t.Errorf("old ServeListeners = %v; want ErrListenerRetired", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("old ServeListeners still running 10s after its last HTTP/3 connection closed")
	}
	if c, err := net.ListenPacket("udp", old.QUIC[0].LocalAddr().String()); err != nil {
		t.Errorf("retired UDP address still bound: %v", err)
	} else {
		c.Close()
	}

	for _, c := range append(clients, fresh...) {
		c.ws.CloseNow()
	}
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if err := <-servedNew; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("new ServeListeners = %v; want http.ErrServerClosed", err)
	}
}

// Retire on the std HTTP/3 engine, which cannot stop one socket, fails and
// leaves the listeners serving.
func TestRetireStdH3Refused(t *testing.T) {
	cert := testcert.New(t)
	srv := &trio.Server{Addr: "127.0.0.1:0", Handler: connHandler, TLS: cert.Source, Logger: slog.New(slog.DiscardHandler)}
	srv.H3.Engine = "std"
	ls, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	if err := srv.Retire(ls); err == nil || !strings.Contains(err.Error(), "std engine") {
		t.Errorf("Retire with the std HTTP/3 engine = %v; want an error naming the std engine", err)
	}
	tr := &http.Transport{TLSClientConfig: cert.ClientTLS("http/1.1")}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Get("https://" + ls.TLS[0].Addr().String() + "/")
	if err != nil {
		t.Fatalf("GET after a refused Retire: %v", err)
	}
	resp.Body.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ServeListeners = %v; want http.ErrServerClosed", err)
	}
}

// Retire right after ServeListeners, before it may have started listening,
// still stops every listener: ServeListeners returns ErrListenerRetired and
// the addresses are free.
func TestRetireBeforeServing(t *testing.T) {
	cert := testcert.New(t)
	for range 20 {
		srv := &trio.Server{Addr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Handler: connHandler, TLS: cert.Source, Logger: slog.New(slog.DiscardHandler)}
		ls, err := srv.Listen()
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- srv.ServeListeners(ls) }()
		if err := srv.Retire(ls); err != nil {
			t.Fatalf("Retire = %v", err)
		}
		select {
		case err := <-served:
			if !errors.Is(err, trio.ErrListenerRetired) {
				t.Fatalf("ServeListeners = %v; want ErrListenerRetired", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("ServeListeners still running 10s after Retire")
		}
		c, err := net.ListenPacket("udp", ls.QUIC[0].LocalAddr().String())
		if err != nil {
			t.Fatalf("retired UDP address still bound: %v", err)
		}
		c.Close()
		srv.Close()
	}
}
