package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
)

// printBanner tells what is served where, over which protocols, with which
// certificate, and how to see HTTP/3 in a browser.
func printBanner(w io.Writer, f *serveFlags, ls *trio.Listeners, ca *tlsconf.LocalCA) {
	what := "the demo site"
	if f.dir != "" {
		what = f.dir
	}
	fmt.Fprintf(w, "%s\nServing %s\n", versionLine(), what)

	secure := []string{"HTTP/1.1"}
	if !f.noH2 {
		secure = append(secure, "HTTP/2")
	}
	if len(ls.QUIC) > 0 {
		secure = append(secure, "HTTP/3 (QUIC on UDP)")
	}
	for _, u := range ls.URLs() {
		switch {
		case strings.HasPrefix(u, "https://"):
			fmt.Fprintf(w, "  %-28s %s\n", u, strings.Join(secure, ", "))
		case f.redirect:
			fmt.Fprintf(w, "  %-28s redirects to https\n", u)
		case f.noH2:
			fmt.Fprintf(w, "  %-28s HTTP/1.1\n", u)
		default:
			fmt.Fprintf(w, "  %-28s HTTP/1.1, h2c (prior knowledge and Upgrade)\n", u)
		}
	}
	fmt.Fprintf(w, "Certificates: %s\n  local CA root %s; trust it with: trio trust\n", f.describe(), ca.RootFile())
	if len(ls.QUIC) > 0 && len(ls.TLS) > 0 {
		origin := forcedOrigin(ls.TLS[0].Addr())
		fmt.Fprintf(w, "HTTP/3 in Chromium (it follows Alt-Svc only for public CAs, so force QUIC for this origin;\n"+
			"  the pin stays valid across restarts, the feature adds WebSockets over HTTP/3):\n"+
			"  chromium --origin-to-force-quic-on=%s%s --enable-features=EnableWebsocketsOverHttp3 https://%s/\n", origin, spkiFlag(ca), origin)
	}
	fmt.Fprintln(w, "Press Ctrl-C to stop.")
}

// forcedOrigin is the host:port to give Chrome's --origin-to-force-quic-on.
func forcedOrigin(a net.Addr) string {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if ta.IP.IsUnspecified() || ta.IP.IsLoopback() {
		return fmt.Sprintf("localhost:%d", ta.Port)
	}
	return ta.String()
}

// spkiFlag pins the public key of the local CA's leaves in Chrome, which
// then accepts them over QUIC without the CA being trusted. The key is kept
// beside the CA's root (tlsconf's leaf-key.pem), so the flag stays the same
// across restarts and leaf renewals. It is "" for other certificate sources.
func spkiFlag(ca *tlsconf.LocalCA) string {
	if ca == nil {
		return ""
	}
	cert, err := ca.GetCertificate(&tls.ClientHelloInfo{ServerName: "localhost"})
	if err != nil || len(cert.Certificate) == 0 {
		return ""
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	return " --ignore-certificate-errors-spki-list=" + base64.StdEncoding.EncodeToString(sum[:])
}
