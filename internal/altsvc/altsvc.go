// Package altsvc parses Alt-Svc header values (RFC 7838) and provides a
// client transport that moves to HTTP/3 once a server advertises it.
package altsvc

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// A Service is one alternative from an Alt-Svc value.
type Service struct {
	Protocol string        // ALPN id, e.g. "h3"
	Host     string        // "" means the origin's host
	Port     int           // 1..65535
	MaxAge   time.Duration // 24h when ma is absent (RFC 7838 §3.1)
	Persist  bool
}

// ErrClear is returned for the value "clear", which withdraws every
// alternative (RFC 7838 §3).
var ErrClear = errors.New("altsvc: clear")

// Parse parses an Alt-Svc field value into its alternatives. It returns
// ErrClear for "clear" and an error naming the problem for malformed input.
func Parse(v string) ([]Service, error) {
	v = strings.TrimSpace(v)
	if v == "clear" {
		return nil, ErrClear
	}
	var out []Service
	for _, alt := range splitQuoted(v, ',') {
		alt = strings.TrimSpace(alt)
		if alt == "" {
			continue
		}
		s, err := parseAlt(alt)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("altsvc: no alternative in %q", v)
	}
	return out, nil
}

func parseAlt(alt string) (Service, error) {
	parts := splitQuoted(alt, ';')
	proto, authority, ok := strings.Cut(strings.TrimSpace(parts[0]), "=")
	if !ok || proto == "" {
		return Service{}, fmt.Errorf("altsvc: alternative %q lacks protocol-id=authority", alt)
	}
	authority, err := unquote(authority)
	if err != nil {
		return Service{}, err
	}
	host, port, err := net.SplitHostPort(authority)
	if err != nil {
		return Service{}, fmt.Errorf("altsvc: authority %q: %v", authority, err)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return Service{}, fmt.Errorf("altsvc: authority %q: bad port", authority)
	}
	s := Service{Protocol: proto, Host: host, Port: p, MaxAge: 24 * time.Hour}
	for _, param := range parts[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(param), "=")
		v, err := unquote(strings.TrimSpace(v))
		if err != nil {
			return Service{}, err
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "ma":
			secs, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				return Service{}, fmt.Errorf("altsvc: ma=%q is not a number of seconds", v)
			}
			s.MaxAge = time.Duration(secs) * time.Second
		case "persist":
			s.Persist = v == "1"
		}
	}
	return s, nil
}

// splitQuoted splits s at sep outside double quotes.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote returns a token or the content of a quoted-string.
func unquote(s string) (string, error) {
	if !strings.HasPrefix(s, `"`) {
		return s, nil
	}
	if len(s) < 2 || !strings.HasSuffix(s, `"`) {
		return "", fmt.Errorf("altsvc: unterminated quoted string %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s)-1; i++ {
		if s[i] == '\\' && i+1 < len(s)-1 {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}
