package tlsconf

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Leaves issued by two LocalCAs on one Dir (two starts of trio), and for
// different names, certify the same persisted key: a pin of it lasts.
func TestLocalCALeafKeyPersists(t *testing.T) {
	dir := t.TempDir()
	spki := func(ca *LocalCA, name string) []byte {
		t.Helper()
		c, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: name})
		if err != nil {
			t.Fatal(err)
		}
		return c.Leaf.RawSubjectPublicKeyInfo
	}
	first := spki(&LocalCA{Dir: dir}, "localhost")
	if again := spki(&LocalCA{Dir: dir}, "localhost"); !bytes.Equal(again, first) {
		t.Error("a second LocalCA on the same Dir certifies another key")
	}
	if other := spki(&LocalCA{Dir: dir}, "app.test"); !bytes.Equal(other, first) {
		t.Error("the leaf for another name certifies another key")
	}
	if elsewhere := spki(&LocalCA{Dir: t.TempDir()}, "localhost"); bytes.Equal(elsewhere, first) {
		t.Error("two CAs share a leaf key")
	}
	st, err := os.Stat(filepath.Join(dir, caDir, leafKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v; want 0600", leafKeyFile, st.Mode().Perm())
	}
}

// Creators racing on a new Dir agree on one key.
func TestLeafKeyConcurrentCreation(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, caDir), 0o700); err != nil {
		t.Fatal(err)
	}
	const n = 16
	pubs := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := leafKey(dir)
			if err != nil {
				t.Error(err)
				return
			}
			pubs[i], _ = marshalPub(k.Public())
		})
	}
	wg.Wait()
	for i := range pubs {
		if !bytes.Equal(pubs[i], pubs[0]) {
			t.Fatalf("creator %d got another key than creator 0", i)
		}
	}
	left, _ := filepath.Glob(filepath.Join(dir, caDir, ".leaf-key-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

func marshalPub(pub any) ([]byte, error) { return x509.MarshalPKIXPublicKey(pub) }
