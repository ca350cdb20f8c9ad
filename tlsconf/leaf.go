package tlsconf

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Leaf lifetimes: browsers and Apple cap the lifetime of locally trusted
// leaves, and an in-memory leaf costs nothing to reissue.
const (
	leafTTL   = 7 * 24 * time.Hour
	leafRenew = 24 * time.Hour // reissue when less than this is left
)

// issue creates a leaf for name (a DNS name or IP literal), also valid for
// localhost, 127.0.0.1 and ::1, signed by the root.
func (ca *LocalCA) issue(name string) (*tls.Certificate, error) {
	r, err := ca.loadRoot()
	if err != nil {
		return nil, err
	}
	key, err := leafKey(ca.dir())
	if err != nil {
		return nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"trio local CA"}, CommonName: name},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(leafTTL),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	addSAN(tmpl, name)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, r.cert, key.Public(), r.key)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: issuing certificate for %q: %w", name, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("tlsconf: issuing certificate for %q: %w", name, err)
	}
	ca.logger().Debug("tlsconf: issued local certificate", "name", name, "expires", leaf.NotAfter)
	return &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// addSAN adds name to tmpl's DNS names or IP addresses unless present.
func addSAN(tmpl *x509.Certificate, name string) {
	if addr, err := netip.ParseAddr(name); err == nil {
		ip := net.IP(addr.WithZone("").Unmap().AsSlice())
		for _, have := range tmpl.IPAddresses {
			if have.Equal(ip) {
				return
			}
		}
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		return
	}
	if name != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, name)
	}
}

// localIP returns the IP address the client connected to, as the name to
// issue for when the client sent no server name, or "localhost" if that
// address is a loopback one or unknown.
func localIP(hello *tls.ClientHelloInfo) string {
	if hello.Conn == nil || hello.Conn.LocalAddr() == nil {
		return "localhost"
	}
	ap, err := netip.ParseAddrPort(hello.Conn.LocalAddr().String())
	if err != nil {
		return "localhost"
	}
	addr := ap.Addr().WithZone("").Unmap()
	if addr.IsLoopback() || addr.IsUnspecified() {
		return "localhost"
	}
	return addr.String()
}
