// Package testcert gives tests a throwaway local CA and a client trusting it.
//
// It imports only tlsconf, so a test inside any trio package but tlsconf's
// own internal tests (h1's, for one) can use it; [github.com/triohttp/trio/triotest]
// builds its servers on it.
//
//	c := testcert.New(t) // the CA lives in t.TempDir()
//	ln, _ := tls.Listen("tcp", "127.0.0.1:0", tlsconf.TCP(c.Source, "h2", "http/1.1"))
//	conn, _ := tls.Dial("tcp", ln.Addr().String(), c.ClientTLS("h2"))
package testcert
