package proxy

import (
	"net/http"
	"net/netip"
	"net/textproto"
	"slices"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// hopByHop are the fields that describe one connection, not the message
// (RFC 9110 §7.6.1), and are never forwarded as they came. Te is kept as
// "trailers" when the client sent that; Trailer is announced again from
// the trailers that are actually forwarded.
var hopByHop = map[string]bool{
	"Connection":          true,
	"Keep-Alive":          true,
	"Proxy-Connection":    true,
	"Proxy-Authenticate":  true,
	"Proxy-Authorization": true,
	"Te":                  true,
	"Trailer":             true,
	"Transfer-Encoding":   true,
	"Upgrade":             true,
	"Http2-Settings":      true,
}

// forwarding are the fields a proxy appends to; they are kept from the
// client only when it is a trusted proxy.
var forwarding = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"}

// copyEndToEnd copies the end-to-end fields of src into dst: all but the
// hop-by-hop ones and those the Connection field names. The values are
// shared, not copied.
func copyEndToEnd(dst, src http.Header) {
	conn := src["Connection"]
	for k, vv := range src {
		if hopByHop[k] || (len(conn) > 0 && namedIn(conn, k)) {
			continue
		}
		dst[k] = vv
	}
}

// namedIn reports whether the Connection field values conn name the
// canonical field k.
func namedIn(conn []string, k string) bool {
	for _, v := range conn {
		for tok := range strings.SplitSeq(v, ",") {
			if textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(tok)) == k {
				return true
			}
		}
	}
	return false
}

// outHeader fills out, the header of the request to the upstream, from
// r's: end-to-end fields, TE: trailers if the client accepts trailers,
// Via, Forwarded and X-Forwarded-For, -Proto and -Host. Incoming
// forwarding fields are kept (and appended to) only when the client is
// in TrustedProxies; otherwise they are replaced. The values it adds share
// one backing array, and the Forwarded element is built in one string.
func (h *Handler) outHeader(r *http.Request, out http.Header) {
	h.outHeaderVals(r, out, make([]string, 0, 6))
}

// outHeaderVals is outHeader taking the slices of the values it adds from
// vals, while it has room.
func (h *Handler) outHeaderVals(r *http.Request, out http.Header, vals []string) {
	copyEndToEnd(out, r.Header)
	a := fieldAdder{h: out, vals: vals}
	if te := r.Header["Te"]; len(te) > 0 && httpguts.HeaderValuesContainsToken(te, "trailers") {
		a.set("Te", "trailers")
	}
	a.append("Via", via(r.ProtoMajor, r.ProtoMinor))

	ip, _ := peerIP(r)
	if !h.trusted(ip) {
		for _, k := range forwarding {
			delete(out, k)
		}
	}
	proto := "http"
	if r.TLS != nil || r.ProtoMajor == 3 {
		proto = "https"
	}
	addr := ipString(r.RemoteAddr, ip)
	a.append("Forwarded", forwardedElement(ip, addr, r.Host, proto))
	if ip.IsValid() {
		a.append("X-Forwarded-For", addr)
	}
	if len(out["X-Forwarded-Proto"]) == 0 {
		a.set("X-Forwarded-Proto", proto)
	}
	if len(out["X-Forwarded-Host"]) == 0 && r.Host != "" {
		a.set("X-Forwarded-Host", r.Host)
	}
}

// A fieldAdder sets and appends to fields of h, taking their value slices
// from vals while it has room.
type fieldAdder struct {
	h    http.Header
	vals []string
}

// set makes v the one value of the field k.
func (a *fieldAdder) set(k, v string) {
	if len(a.vals) == cap(a.vals) {
		a.h[k] = []string{v}
		return
	}
	a.vals = append(a.vals, v)
	n := len(a.vals)
	a.h[k] = a.vals[n-1 : n : n] // an append to it copies, never reaching the next value
}

// append appends v to the field k, as one comma-separated value, without
// writing into a slice it may share with another header.
func (a *fieldAdder) append(k, v string) {
	if old := a.h[k]; len(old) > 0 {
		v = strings.Join(old, ", ") + ", " + v
	}
	a.set(k, v)
}

// ipString is ip as text: the host part of remoteAddr when that is a
// dotted IPv4 address (then already ip's text), else ip.String().
func ipString(remoteAddr string, ip netip.Addr) string {
	if !ip.IsValid() {
		return ""
	}
	if ip.Is4() {
		if i := strings.LastIndexByte(remoteAddr, ':'); i > 0 && !strings.Contains(remoteAddr[:i], ":") {
			if host := remoteAddr[:i]; host != "" && host[0] != '[' {
				return host // netip parsed it as IPv4, which it only does in canonical form
			}
		}
	}
	return ip.String()
}

// forwardedElement is this proxy's Forwarded element (RFC 7239 §4):
// for=node;host=host;proto=proto, where addr is ip as text, built in one
// string.
func forwardedElement(ip netip.Addr, addr, host, proto string) string {
	var stack [128]byte
	b := append(stack[:0], "for="...)
	switch {
	case !ip.IsValid():
		b = append(b, "unknown"...)
	case ip.Is6():
		b = append(b, `"[`...)
		b = append(b, addr...)
		b = append(b, `]"`...)
	default:
		b = append(b, addr...)
	}
	b = append(b, ";host="...)
	b = appendQuoteIfNeeded(b, host)
	b = append(b, ";proto="...)
	b = append(b, proto...)
	return string(b)
}

// responseHeader copies the end-to-end fields of the upstream's response
// res into dst and appends to its Via. The upstream's Alt-Svc is dropped:
// it names the upstream's endpoints, not the proxy's, and the server's
// own (set before the handler runs) stays.
func responseHeader(dst http.Header, res *http.Response) {
	responseHeaderVals(dst, res, nil)
}

// responseHeaderVals is responseHeader taking the slice of Via's value from
// vals, if it has room.
func responseHeaderVals(dst http.Header, res *http.Response, vals []string) {
	own, hasOwn := dst["Alt-Svc"]
	copyEndToEnd(dst, res.Header)
	delete(dst, "Alt-Svc")
	if hasOwn {
		dst["Alt-Svc"] = own
	}
	a := fieldAdder{h: dst, vals: vals}
	a.append("Via", via(res.ProtoMajor, res.ProtoMinor))
}

// via is this proxy's Via entry (RFC 9110 §7.6.3) for a message received
// in HTTP major.minor: "1.1 trio", "1.0 trio", "2 trio" or "3 trio".
func via(major, minor int) string {
	switch {
	case major == 1 && minor == 0:
		return "1.0 trio"
	case major == 2:
		return "2 trio"
	case major == 3:
		return "3 trio"
	}
	return "1.1 trio"
}

// peerIP is the address of the client connection, without zone and with
// an IPv4-mapped address unmapped.
func peerIP(r *http.Request) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		a, err := netip.ParseAddr(r.RemoteAddr)
		return a.Unmap().WithZone(""), err == nil
	}
	return ap.Addr().Unmap().WithZone(""), true
}

func (h *Handler) trusted(ip netip.Addr) bool {
	return ip.IsValid() && slices.ContainsFunc(h.TrustedProxies, func(p netip.Prefix) bool { return p.Contains(ip) })
}

// appendQuoteIfNeeded appends v to b as an RFC 7230 token if it is one,
// else as a quoted string (a host with a port has a colon, which is no
// token character).
func appendQuoteIfNeeded(b []byte, v string) []byte {
	token := v != ""
	for i := 0; i < len(v) && token; i++ {
		token = httpguts.IsTokenRune(rune(v[i]))
	}
	if token {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' || v[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}
