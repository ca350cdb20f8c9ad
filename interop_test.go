package trio_test

import (
	"fmt"
	"github.com/triohttp/trio/internal/testtool"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/quic-go/quic-go/http3"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/internal/altsvc"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
)

func TestCurl(t *testing.T) {
	for _, e := range []h2.Engine{h2.EngineStd, h2.EngineTrio} {
		t.Run(string(e), func(t *testing.T) { testCurl(t, e) })
	}
}

func testCurl(t *testing.T, engine h2.Engine) {
	curl := testtool.Path(t, "curl")
	ts := triotest.New(t, triotest.H1, protoHandler, func(s *trio.Server) { s.H2.Engine = engine })
	root := ts.Cert.Source.(*tlsconf.LocalCA).RootFile()
	tlsPort := ts.TLSAddr().(*net.TCPAddr).Port
	text := ts.Addrs.Cleartext[0].Addr().String()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"h1", []string{"--http1.1", fmt.Sprintf("https://localhost:%d/c", tlsPort)}, "HTTP/1.1 tls=true"},
		{"h2", []string{"--http2", fmt.Sprintf("https://localhost:%d/c", tlsPort)}, "HTTP/2.0 tls=true"},
		{"h2c-upgrade", []string{"--http2", "http://" + text + "/c"}, "HTTP/2.0 tls=false"},
		{"h2c-upgrade-post", []string{"--http2", "-d", "abc", "http://" + text + "/c"}, "HTTP/2.0 tls=false POST /c body=\"abc\""},
		{"h2c-prior", []string{"--http2-prior-knowledge", "http://" + text + "/c"}, "HTTP/2.0 tls=false"},
		{"h1-cleartext", []string{"--http1.1", "http://" + text + "/c"}, "HTTP/1.1 tls=false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"-sS", "--max-time", "10", "--cacert", root,
				"--resolve", fmt.Sprintf("localhost:%d:127.0.0.1", tlsPort)}, tt.args...)
			out, err := exec.Command(curl, args...).CombinedOutput()
			if err != nil {
				t.Fatalf("curl %v: %v\n%s", tt.args, err, out)
			}
			if !strings.HasPrefix(string(out), tt.want) {
				t.Errorf("curl %v = %q; want prefix %q", tt.args, out, tt.want)
			}
		})
	}
}

// A client that starts on HTTP/2 and honours Alt-Svc ends up on HTTP/3.
func TestAltSvcSwitchesToH3(t *testing.T) {
	ts := triotest.New(t, triotest.H2, protoHandler)
	h3 := &http3.Transport{TLSClientConfig: ts.ClientTLS()}
	defer h3.Close()
	tr := &altsvc.Transport{TCP: ts.Client.Transport, H3: h3}
	client := &http.Client{Transport: tr}
	var protos []string
	for range 3 {
		resp, err := client.Get(ts.URL + "/alt")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		protos = append(protos, resp.Proto)
	}
	if want := []string{"HTTP/2.0", "HTTP/3.0", "HTTP/3.0"}; strings.Join(protos, ",") != strings.Join(want, ",") {
		t.Errorf("protocols = %v; want %v", protos, want)
	}
}
