package tlsconf

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
)

// TestLocalCAConcurrentProcesses starts several copies of the test binary
// that create the root in one directory at once; all must end up with the
// same root.
func TestLocalCAConcurrentProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	const n = 4
	outs := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			cmd := exec.Command(exe, "-test.run=^TestLocalCAHelperProcess$")
			cmd.Env = append(os.Environ(), "TRIO_TLSCONF_HELPER_DIR="+dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("helper %d: %v\n%s", i, err, out)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	root, err := (&LocalCA{Dir: dir}).Root()
	if err != nil {
		t.Fatal(err)
	}
	want := "root " + shortFingerprint(root)
	for i, out := range outs {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("helper %d printed %q; want %q", i, out, want)
		}
	}
}

// TestLocalCAHelperProcess is the child of TestLocalCAConcurrentProcesses.
func TestLocalCAHelperProcess(t *testing.T) {
	dir := os.Getenv("TRIO_TLSCONF_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	root, err := (&LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}).Root()
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("root %s\n", shortFingerprint(root))
}

// addrConn is a net.Conn with only a local address.
type addrConn struct {
	net.Conn
	local net.Addr
}

func (c addrConn) LocalAddr() net.Addr { return c.local }

func TestLocalCANoSNIUsesLocalIP(t *testing.T) {
	ca := newTestCA(t)
	tests := []struct {
		local net.Addr
		want  string // also verified
	}{
		{&net.TCPAddr{IP: net.ParseIP("192.168.1.5"), Port: 443}, "192.168.1.5"},
		{&net.UDPAddr{IP: net.ParseIP("fd00::2"), Port: 443}, "fd00::2"},
		{&net.TCPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 443}, "10.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("127.0.0.1"), Port: 443}, "127.0.0.1"},
	}
	for _, tt := range tests {
		cert, err := ca.GetCertificate(&tls.ClientHelloInfo{Conn: addrConn{local: tt.local}})
		if err != nil {
			t.Errorf("GetCertificate(local %v): %v", tt.local, err)
			continue
		}
		for _, name := range []string{tt.want, "localhost", "127.0.0.1", "::1"} {
			if err := cert.Leaf.VerifyHostname(name); err != nil {
				t.Errorf("leaf for local %v: %v", tt.local, err)
			}
		}
	}
}
