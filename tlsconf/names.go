package tlsconf

import (
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// localSuffixes are the domains reserved for local or private use, under
// which the local CA issues without being told: RFC 6761 (.localhost,
// .test), RFC 6762 (.local), RFC 8375 (.home.arpa) and ICANN's .internal.
var localSuffixes = []string{".localhost", ".local", ".test", ".internal", ".home.arpa"}

// A PublicNameError reports a name the local CA refuses to issue for
// because it looks public: browsers would not trust such a certificate
// anywhere else, and a real one should come from ACME.
type PublicNameError struct {
	Name string
}

func (e *PublicNameError) Error() string {
	return fmt.Sprintf("tlsconf: local CA will not issue for public name %q; use --domain for ACME", e.Name)
}

// normalizeName lowercases name and drops a trailing dot, as SNI may carry
// either.
func normalizeName(name string) string {
	return strings.TrimSuffix(strings.ToLower(name), ".")
}

// checkName reports whether the local CA may issue for name: an IP literal,
// a local name (see localSuffixes), a single label, the machine's hostname,
// or a name matched by extra ("*.example.com" matches one label). name
// must be normalized.
func checkName(name string, extra []string) error {
	if _, err := netip.ParseAddr(name); err == nil {
		return nil
	}
	if !validHostname(name) {
		return fmt.Errorf("tlsconf: local CA: invalid server name %q", name)
	}
	if isLocalName(name) || matchesAny(name, extra) {
		return nil
	}
	if host, err := os.Hostname(); err == nil && normalizeName(host) == name {
		return nil
	}
	return &PublicNameError{Name: name}
}

// isLocalName reports whether name is localhost, a single label, or under a
// local suffix.
func isLocalName(name string) bool {
	if name == "localhost" || !strings.Contains(name, ".") {
		return true
	}
	for _, s := range localSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// matchesAny reports whether name equals a pattern or, for a pattern
// "*.suffix", is one label under suffix.
func matchesAny(name string, patterns []string) bool {
	for _, p := range patterns {
		p = normalizeName(p)
		if p == name {
			return true
		}
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			label, parent, found := strings.Cut(name, ".")
			if found && label != "" && parent == rest {
				return true
			}
		}
	}
	return false
}

// validHostname reports whether name is a plausible DNS name: labels of
// letters, digits, hyphens and underscores, each 1 to 63 bytes, 253 bytes
// in all.
func validHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// IsLocalName reports whether the local CA issues for name without being
// told: an IP address, localhost, a single label, or a name under .localhost,
// .local, .test, .internal or .home.arpa. Other names are public, and
// should get their certificates from ACME.
func IsLocalName(name string) bool {
	name = normalizeName(strings.TrimPrefix(name, "*."))
	if _, err := netip.ParseAddr(name); err == nil {
		return true
	}
	return isLocalName(name)
}
