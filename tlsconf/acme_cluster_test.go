package tlsconf_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"

	"github.com/triohttp/trio/internal/pebble"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/tlsconf"
)

// TestACMESharedStorage runs two trio servers, in two processes, sharing
// one storage directory, as a cluster would. Pebble validates on this
// process's port only, so when the other process orders, this one answers
// the challenge from the shared storage.
func TestACMESharedStorage(t *testing.T) {
	tests := []struct {
		name       string
		bothManage bool // else only the peer has the domain; this server only answers
	}{
		{"both-manage", true},
		{"peer-orders", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			name := tt.name + ".cluster.trio-test.example"
			dir := t.TempDir()
			s := listen(t, true)
			pb := pebble.Start(t, pebble.Options{HTTPPort: s.httpPort()})
			peerAddr, peerReady := startPeer(t, pb, dir, name)
			a := newACME(t, pb, s, dir)
			var log *testtool.Buffer
			a.Logger, log = testLogger(t)
			a.DisableTLSALPNChallenge = true
			if tt.bothManage {
				a.Domains = []string{name}
			}
			s.serve(t, a)
			waitACME(t, a)
			if err := <-peerReady; err != nil {
				t.Fatalf("peer: %v", err)
			}
			if n := pb.Issued(); n != 1 {
				t.Errorf("Pebble issued %d certificates; want 1", n)
			}
			if !tt.bothManage && !strings.Contains(log.String(), "distributed=true") {
				t.Errorf("this server did not answer the peer's challenge from storage")
			}
			roots := pb.Root(t)
			var serials []string
			urls := []string{"https://" + peerAddr + "/"}
			if tt.bothManage {
				urls = append(urls, "https://"+s.ls.TLS[0].Addr().String()+"/")
			}
			for _, url := range urls {
				c, _ := newClient(t, s, "h2", name, roots)
				leaf, err := get(c, url, "h2")
				if err != nil {
					t.Fatal(err)
				}
				serials = append(serials, leaf.SerialNumber.String())
			}
			if tt.bothManage && serials[0] != serials[1] {
				t.Errorf("serials = %v; want one certificate served by both", serials)
			}
		})
	}
}

// startPeer runs TestACMEPeerProcess in a copy of the test binary: a trio
// server managing name with storage in dir. It returns the peer's TLS
// address and a channel receiving the outcome of its Wait.
func startPeer(t *testing.T, pb *pebble.Server, dir, name string) (string, <-chan error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestACMEPeerProcess$")
	cmd.Env = append(os.Environ(), "TRIO_PEER_CA="+pb.DirectoryURL, "TRIO_PEER_CA_ROOT="+pb.APIRootFile,
		"TRIO_PEER_DIR="+dir, "TRIO_PEER_NAME="+name)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close() // the peer exits
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := bufio.NewScanner(stdout)
	var addr string
	for lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "addr "); ok {
			addr = a
			break
		}
	}
	if addr == "" {
		t.Fatal("peer printed no address")
	}
	ready := make(chan error, 1)
	go func() {
		defer io.Copy(io.Discard, stdout)
		for lines.Scan() {
			switch line := lines.Text(); {
			case line == "ready":
				ready <- nil
				return
			case strings.HasPrefix(line, "error "):
				ready <- fmt.Errorf("%s", line)
				return
			}
		}
		ready <- fmt.Errorf("exited before it was ready")
	}()
	return addr, ready
}

// TestACMEPeerProcess is the peer of TestACMESharedStorage: it serves
// until its standard input closes.
func TestACMEPeerProcess(t *testing.T) {
	ca := os.Getenv("TRIO_PEER_CA")
	if ca == "" {
		t.Skip("helper process only")
	}
	s := listen(t, true)
	a := &tlsconf.ACME{
		Domains:                 []string{os.Getenv("TRIO_PEER_NAME")},
		CA:                      ca,
		CARoot:                  os.Getenv("TRIO_PEER_CA_ROOT"),
		Agreed:                  true,
		HTTPPort:                s.httpPort(),
		DisableTLSALPNChallenge: true,
		Storage:                 &certmagic.FileStorage{Path: os.Getenv("TRIO_PEER_DIR")},
	}
	a.Logger, _ = testLogger(t)
	t.Cleanup(func() { a.Close() })
	s.serve(t, a)
	fmt.Printf("addr %s\n", s.ls.TLS[0].Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.Wait(ctx); err != nil {
		fmt.Printf("error %v\n", err)
	} else {
		fmt.Println("ready")
	}
	io.Copy(io.Discard, os.Stdin)
}
