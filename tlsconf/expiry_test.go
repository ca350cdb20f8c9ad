package tlsconf

import (
	"crypto/tls"
	"testing"
	"time"
)

// TestRouterExpiries reports the file's certificate for the names it
// covers (over the local CA's leaf for the same name, as the router
// picks the file), and the local CA's leaves once issued.
func TestRouterExpiries(t *testing.T) {
	dir := t.TempDir()
	notAfter := time.Now().Add(90 * time.Hour).Truncate(time.Second)
	certPEM, keyPEM := selfSigned(t, "ec", notAfter) // localhost, 127.0.0.1
	files, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	r := &Router{Files: []*FileSource{files}, Local: newTestCA(t)}
	if got := r.Expiries(); len(got) != 2 || !got["localhost"].Equal(notAfter) || !got["127.0.0.1"].Equal(notAfter) {
		t.Fatalf("Expiries() = %v; want localhost and 127.0.0.1 at %v", got, notAfter)
	}
	for _, name := range []string{"app.test", "localhost"} { // the local CA issues both
		if _, err := r.Local.GetCertificate(&tls.ClientHelloInfo{ServerName: name}); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := r.GetCertificate(&tls.ClientHelloInfo{ServerName: "app.test"})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Expiries()
	if want := cert.Leaf.NotAfter; !got["app.test"].Equal(want) {
		t.Errorf("Expiries()[app.test] = %v; want the local leaf's %v", got["app.test"], want)
	}
	if !got["localhost"].Equal(notAfter) {
		t.Errorf("Expiries()[localhost] = %v; want the file's %v, which the router serves", got["localhost"], notAfter)
	}
	if len(got) != 3 {
		t.Errorf("Expiries() = %v; want 3 names", got)
	}
	if got := (&Router{}).Expiries(); len(got) != 0 {
		t.Errorf("zero Router: Expiries() = %v; want none", got)
	}
}
