package h3

import (
	"context"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"
)

// TestGSOStaysOn: serving the *net.UDPConn that ListenUDP returns keeps
// quic-go's GSO on (up to 14 packets in one sendmsg), which 10 MiB
// responses need; a wrapped net.PacketConn would lose it. It is off only
// where QUIC_GO_DISABLE_GSO says so.
func TestGSOStaysOn(t *testing.T) {
	cert := testcert.New(t)
	udp, err := ListenUDP("udp", "127.0.0.1:0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	body := make([]byte, 256<<10)
	srv := &Server{
		TLSConfig: tlsconf.QUIC(cert.Source),
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(udp) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-served
	}()
	tr := &http3.Transport{TLSClientConfig: cert.ClientTLS()}
	defer tr.Close()
	res, err := (&http.Client{Transport: tr}).Get("https://" + udp.LocalAddr().String() + "/")
	if err != nil {
		t.Fatalf("GET: %v", err)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if n != int64(len(body)) || err != nil {
		t.Fatalf("read %d bytes, %v; want %d", n, err, len(body))
	}
	srv.mu.Lock()
	var gso []bool
	for c := range srv.conns {
		gso = append(gso, c.qc.ConnectionState().GSO)
	}
	srv.mu.Unlock()
	disabled, _ := strconv.ParseBool(os.Getenv("QUIC_GO_DISABLE_GSO"))
	if len(gso) != 1 || gso[0] == disabled {
		t.Errorf("GSO of the connections = %v; want [%v] (QUIC_GO_DISABLE_GSO=%q)", gso, !disabled, os.Getenv("QUIC_GO_DISABLE_GSO"))
	}
}
