package proxy

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/textproto"
	"strings"
	"testing"

	"golang.org/x/net/http/httpguts"
)

// FuzzOutHeader builds the upstream request's header from a client's
// (any remote address, Host, Connection value and one more field, from a
// trusted proxy or not) and checks what reaches the upstream: no
// hop-by-hop field but TE: trailers, none the Connection field names, the
// forwarding fields of an untrusted client replaced by the proxy's own,
// and a Forwarded element that parses back to the client's address, Host
// and scheme.
func FuzzOutHeader(f *testing.F) {
	f.Add("10.0.0.9:1234", "site.example", "keep-alive, x-a", "X-A", "1", false)
	f.Add("[2001:db8::1%eth0]:443", "site.example:8443", "", "Forwarded", "for=6.6.6.6", false)
	f.Add("10.0.0.9:1234", `a"b\c`, "close", "X-Forwarded-For", "6.6.6.6", true)
	f.Add("[::ffff:10.1.2.3]:80", "[::1]:8443", "Te, Upgrade", "Te", "trailers, gzip", false)
	f.Add("pipe", "", "x-forwarded-proto", "X-Forwarded-Proto", "https", true)
	f.Fuzz(func(t *testing.T, remote, host, conn, name, value string, trusted bool) {
		if !httpguts.ValidHostHeader(host) || !httpguts.ValidHeaderFieldName(name) ||
			!httpguts.ValidHeaderFieldValue(value) || !httpguts.ValidHeaderFieldValue(conn) {
			return // a server refuses these before any handler runs
		}
		h := &Handler{}
		if trusted {
			h.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
		}
		r := httptest.NewRequest("GET", "http://site.example/", nil)
		r.RemoteAddr, r.Host = remote, host
		if conn != "" {
			r.Header["Connection"] = []string{conn}
		}
		k := textproto.CanonicalMIMEHeaderKey(name)
		r.Header[k] = append(r.Header[k], value)
		out := http.Header{}
		h.outHeader(r, out)

		ours := map[string]bool{"Via": true, "Forwarded": true, "X-Forwarded-For": true,
			"X-Forwarded-Proto": true, "X-Forwarded-Host": true, "Te": true}
		for hk := range hopByHop {
			if v, ok := out[hk]; ok && (hk != "Te" || len(v) != 1 || v[0] != "trailers") {
				t.Errorf("hop-by-hop %s = %q reached the upstream", hk, v)
			}
		}
		for tok := range strings.SplitSeq(conn, ",") {
			ck := textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(tok))
			if _, ok := out[ck]; ok && !ours[ck] {
				t.Errorf("%s, named by Connection: %q, reached the upstream", ck, conn)
			}
		}
		ip, _ := peerIP(r)
		if !trusted {
			if got := out.Get("X-Forwarded-For"); ip.IsValid() && got != ip.String() || !ip.IsValid() && got != "" {
				t.Errorf("X-Forwarded-For = %q from untrusted %q; want %v only", got, remote, ip)
			}
		}
		if trusted && k == "Forwarded" {
			return // a trusted proxy's own Forwarded may be malformed
		}
		elems, err := parseForwarded(strings.Join(out["Forwarded"], ", "))
		if err != nil {
			t.Fatalf("Forwarded %q: %v", out["Forwarded"], err)
		}
		if !trusted && len(elems) != 1 {
			t.Errorf("Forwarded from untrusted %q has %d elements: %q", remote, len(elems), out["Forwarded"])
		}
		last := elems[len(elems)-1]
		wantFor := "unknown"
		if ip.IsValid() {
			wantFor = ip.String()
			if ip.Is6() {
				wantFor = "[" + wantFor + "]"
			}
		}
		if last["for"] != wantFor || last["host"] != host || last["proto"] != "http" {
			t.Errorf("Forwarded's last element = %q; want for=%s host=%q proto=http", last, wantFor, host)
		}
	})
}

// parseForwarded splits a Forwarded field value (RFC 7239 §4) into its
// elements' parameters, values unquoted.
func parseForwarded(v string) ([]map[string]string, error) {
	var elems []map[string]string
	elem := map[string]string{}
	for i := 0; ; {
		for i < len(v) && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		eq := strings.IndexByte(v[i:], '=')
		if eq < 0 {
			return nil, fmt.Errorf("Forwarded: no '=' at %d", i)
		}
		key := strings.ToLower(v[i : i+eq])
		i += eq + 1
		var val strings.Builder
		if i < len(v) && v[i] == '"' {
			for i++; ; i++ {
				if i >= len(v) {
					return nil, errors.New("Forwarded: unterminated quoted string")
				}
				if v[i] == '\\' && i+1 < len(v) {
					i++
				} else if v[i] == '"' {
					i++
					break
				}
				val.WriteByte(v[i])
			}
		} else {
			for i < len(v) && v[i] != ';' && v[i] != ',' {
				if !httpguts.IsTokenRune(rune(v[i])) {
					return nil, fmt.Errorf("Forwarded: byte %q in a token", v[i])
				}
				val.WriteByte(v[i])
				i++
			}
		}
		elem[key] = val.String()
		if i >= len(v) {
			return append(elems, elem), nil
		}
		switch v[i] {
		case ';':
		case ',':
			elems, elem = append(elems, elem), map[string]string{}
		default:
			return nil, fmt.Errorf("Forwarded: byte %q after a value", v[i])
		}
		i++
	}
}
