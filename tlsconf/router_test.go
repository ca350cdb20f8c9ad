package tlsconf

import (
	"bytes"
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

func TestRouterRoute(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ec", time.Now().Add(time.Hour)) // for localhost
	files, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	local := &LocalCA{Dir: dir}
	acme := &ACME{Domains: []string{"www.example.com", "app.test"}, OnDemand: &OnDemand{Allow: []string{"*.example.org"}}}
	asking := &ACME{OnDemand: &OnDemand{Ask: "http://127.0.0.1:9/ask"}}
	challenge := []string{acmeTLSProto}

	tests := []struct {
		name   string
		r      *Router
		sni    string
		protos []string
		want   Source
	}{
		{"domain", &Router{Files: []*FileSource{files}, ACME: acme, Local: local}, "WWW.Example.com.", nil, acme},
		{"on-demand allowed", &Router{ACME: acme, Local: local}, "a.example.org", nil, acme},
		{"local name in Domains", &Router{ACME: acme, Local: local}, "app.test", nil, acme},
		{"local name", &Router{ACME: acme, Local: local}, "other.test", nil, local},
		{"file covers", &Router{Files: []*FileSource{files}, ACME: acme, Local: local}, "localhost", nil, files},
		{"challenge beats file", &Router{Files: []*FileSource{files}, ACME: acme}, "localhost", challenge, acme},
		{"no SNI local", &Router{Files: []*FileSource{files}, Local: local}, "", nil, local},
		{"no SNI file", &Router{Files: []*FileSource{files}}, "", nil, files},
		{"public name", &Router{ACME: acme, Local: local}, "evil.example.net", nil, nil},
		{"ask", &Router{ACME: asking, Local: local}, "evil.example.net", nil, asking},
		{"zero", &Router{}, "localhost", nil, nil},
	}
	for _, tt := range tests {
		got := tt.r.route(&tls.ClientHelloInfo{ServerName: tt.sni, SupportedProtos: tt.protos})
		if got != tt.want {
			t.Errorf("%s: route(%q) = %T %p; want %T %p", tt.name, tt.sni, got, got, tt.want, tt.want)
		}
	}
	_, err = (&Router{Local: local}).GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.example.net"})
	want := `tlsconf: no certificate for "evil.example.net": not an ACME domain, not in a certificate file, not a local name`
	if err == nil || err.Error() != want {
		t.Errorf("GetCertificate(public name) = %v\nwant %s", err, want)
	}
}

func TestRouterTLSConfig(t *testing.T) {
	if got := (&Router{}).TLSConfig().NextProtos; len(got) != 0 {
		t.Errorf("NextProtos without ACME = %q; want none", got)
	}
	if got := (&Router{ACME: &ACME{}}).TLSConfig().NextProtos; strings.Join(got, ",") != acmeTLSProto {
		t.Errorf("NextProtos with ACME = %q; want [acme-tls/1]", got)
	}
	if got := (&Router{ACME: &ACME{DisableTLSALPNChallenge: true}}).TLSConfig().NextProtos; len(got) != 0 {
		t.Errorf("NextProtos with tls-alpn-01 off = %q; want none", got)
	}
}

// A client dialing an IP address sends no server name; it gets the file
// certificate that covers that address, not the local CA's.
func TestRouterNoSNIPrefersFileCoveringIP(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ec", time.Now().Add(time.Hour)) // localhost and 127.0.0.1
	files, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	r := &Router{Files: []*FileSource{files}, Local: &LocalCA{Dir: dir}}
	l, err := tls.Listen("tcp", "127.0.0.1:0", TCP(r, "http/1.1"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	c, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{InsecureSkipVerify: true}) // no SNI for an IP
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := c.ConnectionState().PeerCertificates[0]
	if !bytes.Equal(got.Raw, files.Certificate().Leaf.Raw) {
		t.Errorf("no-SNI handshake on 127.0.0.1 got %q from %q; want the file certificate covering 127.0.0.1", got.Subject, got.Issuer)
	}
}

// TestRouterCertificate returns, without a handshake, the certificate a
// handshake for a name would get.
func TestRouterCertificate(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t, "ec", time.Now().Add(time.Hour)) // for localhost
	files, err := Files(writeFile(t, dir, "cert.pem", certPEM), writeFile(t, dir, "key.pem", keyPEM))
	if err != nil {
		t.Fatal(err)
	}
	r := &Router{Files: []*FileSource{files}, Local: newTestCA(t), ACME: &ACME{Domains: []string{"www.example.com"}}}
	if c, err := r.Certificate("LOCALHOST"); err != nil || c != files.Certificate() {
		t.Errorf("Certificate(localhost) = %v, %v; want the file's", c, err)
	}
	c, err := r.Certificate("app.test")
	if err != nil || c.Leaf.VerifyHostname("app.test") != nil {
		t.Errorf("Certificate(app.test) = %v, %v; want a local leaf for it", c, err)
	}
	if c2, _ := r.Certificate("app.test"); c2 != c {
		t.Error("Certificate(app.test) issued a second leaf; want the cached one")
	}
	if _, err := r.Certificate("www.example.com"); err == nil { // ACME not loaded: nothing obtained
		t.Error("Certificate(www.example.com) of an ACME never loaded succeeded")
	}
	if _, err := r.Certificate("public.example.net"); err == nil {
		t.Error("Certificate(public.example.net) succeeded; want no source")
	}
}
