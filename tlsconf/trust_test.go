package tlsconf

import (
	"bytes"
	"crypto/x509"
	"errors"
	"github.com/triohttp/trio/internal/testtool"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeStore returns a store in a temporary directory whose update command
// appends its arguments to the returned marker file.
func fakeStore(t *testing.T) (s *TrustStore, marker string) {
	t.Helper()
	dir := t.TempDir()
	marker = filepath.Join(dir, "marker")
	script := writeFile(t, dir, "update", []byte("#!/bin/sh\necho \"ran $*\" >> '"+marker+"'\n"))
	if err := os.Chmod(script, 0o755); err != nil {
		t.Fatal(err)
	}
	store := filepath.Join(dir, "store")
	if err := os.Mkdir(store, 0o755); err != nil {
		t.Fatal(err)
	}
	return &TrustStore{Dir: store, Update: []string{script}}, marker
}

// readMarker returns the lines the fake update command wrote.
func readMarker(t *testing.T, marker string) []string {
	t.Helper()
	data, err := os.ReadFile(marker)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return lines
}

func TestTrustUntrust(t *testing.T) {
	s, marker := fakeStore(t)
	ca, other := newTestCA(t), newTestCA(t)
	root, _ := ca.Root()
	otherRoot, _ := other.Root()
	for _, c := range []*LocalCA{ca, other} {
		if err := s.Trust(c.RootFile()); err != nil {
			t.Fatalf("Trust: %v", err)
		}
	}
	name := filepath.Join(s.Dir, "trio-local-ca-"+shortFingerprint(root)+".crt")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("Trust did not write %s: %v", name, err)
	}
	if c, err := parseCertPEM(data); err != nil || !c.Equal(root) {
		t.Errorf("%s does not hold the root: %v", name, err)
	}
	if got := readMarker(t, marker); len(got) != 2 || got[0] != "ran" {
		t.Errorf("update ran %q; want twice, without arguments", got)
	}

	if err := s.Untrust(ca.RootFile()); err != nil {
		t.Fatalf("Untrust: %v", err)
	}
	if _, err := os.Stat(name); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Untrust left %s: %v", name, err)
	}
	otherName := filepath.Join(s.Dir, "trio-local-ca-"+shortFingerprint(otherRoot)+".crt")
	if _, err := os.Stat(otherName); err != nil {
		t.Errorf("Untrust removed another root's file: %v", err)
	}
	if got := readMarker(t, marker); len(got) != 3 || got[2] != "ran --fresh" {
		t.Errorf("update ran %q; want a third time with --fresh", got)
	}

	// Untrusting again finds nothing and does not run the command.
	if err := s.Untrust(ca.RootFile()); err != nil {
		t.Fatalf("second Untrust: %v", err)
	}
	if got := readMarker(t, marker); len(got) != 3 {
		t.Errorf("update ran %d times; want 3", len(got))
	}
}

func TestTrustErrors(t *testing.T) {
	s, _ := fakeStore(t)
	ca := newTestCA(t)
	ca.Load()
	dir := t.TempDir()
	leafFile := filepath.Join(dir, "leaf.pem")
	certPEM, _ := selfSigned(t, "ec", time.Now().Add(24*time.Hour))
	os.WriteFile(leafFile, certPEM, 0o644)
	failing := writeFile(t, dir, "fail", []byte("#!/bin/sh\necho 'E: something broke' >&2\nexit 3\n"))
	os.Chmod(failing, 0o755)

	tests := []struct {
		name  string
		store *TrustStore
		root  string
		want  string // substring of the error
	}{
		{"missing root", s, filepath.Join(dir, "nope.pem"), "no such file"},
		{"not a CA", s, leafFile, "not a CA certificate"},
		{"no store", &TrustStore{Dir: filepath.Join(dir, "absent"), Update: s.Update}, ca.RootFile(), "only Debian/Ubuntu"},
		{"no command", &TrustStore{Dir: s.Dir, Update: []string{"trio-no-such-command"}}, ca.RootFile(), "not found"},
		{"command fails", &TrustStore{Dir: s.Dir, Update: []string{failing}}, ca.RootFile(), "exit status 3: E: something broke"},
	}
	for _, tt := range tests {
		err := tt.store.Trust(tt.root)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Trust error = %v; want it to contain %q", tt.name, err, tt.want)
		}
	}
}

func TestStoreErrorPermission(t *testing.T) {
	err := storeError("/x/trio-local-ca-1.crt", &fs.PathError{Op: "open", Path: "/x", Err: fs.ErrPermission})
	if !strings.Contains(err.Error(), "sudo") {
		t.Errorf("storeError(permission) = %v; want a hint to use sudo", err)
	}
}

// TestTrustRealCommand runs Debian's update-ca-certificates with every
// directory it touches pointed at temporary ones.
func TestTrustRealCommand(t *testing.T) {
	cmd := testtool.Path(t, "update-ca-certificates")
	testtool.Path(t, "openssl")
	dir := t.TempDir()
	local, etc := filepath.Join(dir, "local"), filepath.Join(dir, "etc")
	for _, d := range []string{local, etc, filepath.Join(dir, "share")} {
		os.Mkdir(d, 0o755)
	}
	conf := writeFile(t, dir, "ca-certificates.conf", []byte("# none\n"))
	s := &TrustStore{Dir: local, Update: []string{cmd,
		"--certsconf", conf, "--certsdir", filepath.Join(dir, "share"),
		"--localcertsdir", local, "--etccertsdir", etc,
		"--hooksdir", filepath.Join(dir, "hooks"),
	}}
	// The command keeps the old bundle if the new one would be empty, as
	// it never is on a real system; another root stands in for the rest.
	other := newTestCA(t)
	other.Load()
	if err := s.Trust(other.RootFile()); err != nil {
		t.Fatalf("Trust(other): %v", err)
	}
	ca := newTestCA(t)
	root, err := ca.Root()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Trust(ca.RootFile()); err != nil {
		t.Fatalf("Trust: %v", err)
	}
	bundle, err := os.ReadFile(filepath.Join(etc, "ca-certificates.crt"))
	if err != nil {
		t.Fatalf("no bundle: %v", err)
	}
	if !bundleHas(bundle, root) {
		t.Errorf("bundle does not hold the root")
	}
	if err := s.Untrust(ca.RootFile()); err != nil {
		t.Fatalf("Untrust: %v", err)
	}
	bundle, _ = os.ReadFile(filepath.Join(etc, "ca-certificates.crt"))
	if bundleHas(bundle, root) {
		t.Errorf("bundle still holds the root after Untrust")
	}
	if otherRoot, _ := other.Root(); !bundleHas(bundle, otherRoot) {
		t.Errorf("bundle lost the other root after Untrust")
	}
}

// bundleHas reports whether a PEM bundle holds cert.
func bundleHas(bundle []byte, cert *x509.Certificate) bool {
	ders, _ := certDERs(bundle)
	for _, der := range ders {
		if bytes.Equal(der, cert.Raw) {
			return true
		}
	}
	return false
}

func TestBrowserHelp(t *testing.T) {
	help := BrowserHelp("/home/u/it's/root.pem")
	for _, want := range []string{
		`certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n trio -i '/home/u/it'\''s/root.pem'`,
		"libnss3-tools",
		"about:preferences#privacy",
		"View Certificates",
		"Import",
		"not the\nsystem store",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("BrowserHelp lacks %q:\n%s", want, help)
		}
	}
}
