package tlsconf

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// parseCertPEM returns the first certificate in PEM data.
func parseCertPEM(data []byte) (*x509.Certificate, error) {
	der, err := certDERs(data)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der[0])
}

// certDERs returns the DER bytes of every CERTIFICATE block in data, in
// order, or an error saying what was found instead.
func certDERs(data []byte) ([][]byte, error) {
	var ders [][]byte
	var other []string
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type == "CERTIFICATE" {
			ders = append(ders, b.Bytes)
		} else {
			other = append(other, b.Type)
		}
	}
	switch {
	case len(ders) > 0:
		return ders, nil
	case len(other) > 0:
		return nil, fmt.Errorf("no CERTIFICATE block, only %s", strings.Join(other, ", "))
	default:
		return nil, errors.New("not PEM")
	}
}

// keyBlock returns the first PEM block whose type ends in "PRIVATE KEY".
func keyBlock(data []byte) (*pem.Block, error) {
	var other []string
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if strings.HasSuffix(b.Type, "PRIVATE KEY") {
			return b, nil
		}
		other = append(other, b.Type)
	}
	if len(other) > 0 {
		return nil, fmt.Errorf("no PRIVATE KEY block, only %s", strings.Join(other, ", "))
	}
	return nil, errors.New("not PEM")
}

// parseKeyPEM returns the first private key in PEM data, in PKCS #8,
// PKCS #1 or SEC 1 form.
func parseKeyPEM(data []byte) (crypto.Signer, error) {
	b, err := keyBlock(data)
	if err != nil {
		return nil, err
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		if k, err1 := x509.ParseECPrivateKey(b.Bytes); err1 == nil {
			key, err = k, nil
		} else if k, err1 := x509.ParsePKCS1PrivateKey(b.Bytes); err1 == nil {
			key, err = k, nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("parsing %s: %w", b.Type, err)
	}
	s, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("unsupported key type %T", key)
	}
	return s, nil
}
