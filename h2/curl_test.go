package h2

import (
	"encoding/base64"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
)

// TestCurl checks curl's HTTP/2 client against the engine, over TLS
// (--http2) and h2c (--http2-prior-knowledge).
func TestCurl(t *testing.T) {
	testtool.Path(t, "curl")
	run(t, testCurl, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testCurl(t *testing.T, m mode) {
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		w.Write([]byte("hello curl"))
	}), nil)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	writeCertPEM(t, ca)
	args := []string{"-sS", "-i", "--max-time", "10", "--cacert", ca}
	if m.tls {
		args = append(args, "--http2")
	} else {
		args = append(args, "--http2-prior-knowledge")
	}
	out, err := exec.Command("curl", append(args, ts.url+"/")...).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	s := string(out)
	if !strings.HasPrefix(s, "HTTP/2 200") || !strings.Contains(s, "x-proto: HTTP/2.0") || !strings.HasSuffix(s, "hello curl") {
		t.Errorf("curl output:\n%s", s)
	}
}

func writeCertPEM(t *testing.T, path string) {
	cert, _ := testCert(t)
	var b strings.Builder
	b.WriteString("-----BEGIN CERTIFICATE-----\n")
	enc := base64.StdEncoding.EncodeToString(cert.Certificate[0])
	for len(enc) > 64 {
		b.WriteString(enc[:64] + "\n")
		enc = enc[64:]
	}
	b.WriteString(enc + "\n-----END CERTIFICATE-----\n")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
