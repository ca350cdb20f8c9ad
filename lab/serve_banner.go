package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// originNotes say what each origin speaks, for the banner.
var originNotes = map[string]string{
	"h1": "HTTP/1.1 only (ALPN http/1.1)",
	"h2": "HTTP/2 only (ALPN h2)",
	"h3": "HTTP/3 over QUIC (its TCP side: h2 and HTTP/1.1, with Alt-Svc)",
}

// Banner returns what to tell a person who started the lab: where the
// origins are, what the link does, and the commands that open the lab
// page in Chromium and in Firefox with HTTP/3 working on the h3 origin.
func (l *Lab) Banner() string {
	var b strings.Builder
	if l.link != nil {
		fmt.Fprintf(&b, "trio lab: one page on three origins, behind an impaired link (%s).\n", l.link.Impairment())
		fmt.Fprintf(&b, "  TCP and UDP packets alike are lost and delayed in network namespace %s;\n", l.link.Namespace())
		fmt.Fprintf(&b, "  `ip netns exec %s ss -ti` shows TCP's retransmissions.\n", l.link.Namespace())
	} else if l.relay != nil {
		fmt.Fprintf(&b, "trio lab: one page on three origins, WITHOUT the impaired link (it needs root: a network\n"+
			"  namespace and TUN devices). TCP is NOT impaired: h1 and h2 run at loopback speed. Only HTTP/3's\n"+
			"  UDP goes through a relay on %s that applies the impairment (%s).\n", l.relay.Addr(), l.relay.Impairment())
	} else {
		b.WriteString("trio lab: one page on three origins, NOT impaired: the impaired link needs root (a network\n" +
			"  namespace and TUN devices), and the UDP relay for HTTP/3 listens on 127.0.0.1 only.\n")
	}
	for _, name := range originNames {
		fmt.Fprintf(&b, "  %s  %-30s %s\n", name, l.origins[name]+"/", originNotes[name])
	}
	page := l.origins["h1"] + "/"
	fmt.Fprintf(&b, "\nChromium (a fresh profile, so the flags apply; QUIC forced on the h3 origin; the certificate pinned\n"+
		"by its key, which every leaf of the local CA shares, so the pin outlasts restarts):\n  %s\n",
		strings.Join(l.ChromiumArgs("chromium", "$(mktemp -d)", page), " "))
	b.WriteString("\nFirefox: trust the local CA and let HTTP/3 use it, through an enterprise policy (this replaces\n" +
		"any policies.json you have), then restart Firefox and open the page:\n")
	if file, err := l.firefoxPolicyFile(); err == nil {
		fmt.Fprintf(&b, "  sudo install -D -m 644 %s /etc/firefox/policies/policies.json\n", file)
	} else {
		fmt.Fprintf(&b, "  (could not write the policy file: %v)\n", err)
	}
	fmt.Fprintf(&b, "  firefox %s\n", page)
	b.WriteString("  Firefox finds HTTP/3 through Alt-Svc: the page waits until the h3 origin answers over h3.\n")
	return b.String()
}

// ChromiumArgs returns the command line that opens url in Chromium (the
// binary bin) with a profile in dir: QUIC forced for the h3 origin, and
// this lab's certificate accepted by its key over TCP and QUIC without
// trusting the CA.
func (l *Lab) ChromiumArgs(bin, dir, url string) []string {
	args := []string{bin, "--user-data-dir=" + dir}
	args = append(args, l.ChromiumFlags()...)
	return append(args, url)
}

// ChromiumFlags are the flags Chromium needs for the lab: QUIC forced for
// the h3 origin (Chromium follows Alt-Svc only for certificates of public
// CAs), and the origins' certificate accepted by its key, which QUIC
// honours where it ignores --ignore-certificate-errors.
func (l *Lab) ChromiumFlags() []string {
	return []string{
		"--origin-to-force-quic-on=" + strings.TrimPrefix(l.origins["h3"], "https://"),
		"--ignore-certificate-errors-spki-list=" + l.cert.spki,
	}
}

// FirefoxPolicy returns the Firefox enterprise policy that trusts the
// local CA's root and turns off network.http.http3.disable_when_third_party_roots_found,
// without which Firefox speaks HTTP/3 only to CAs it ships.
func (l *Lab) FirefoxPolicy() []byte {
	p := map[string]any{"policies": map[string]any{
		"Certificates": map[string]any{"Install": []string{l.ca.RootFile()}},
		"Preferences": map[string]any{
			"network.http.http3.disable_when_third_party_roots_found": map[string]any{"Value": false, "Status": "default"},
		},
	}}
	b, _ := json.MarshalIndent(p, "", "  ")
	return append(b, '\n')
}

// firefoxPolicyFile writes FirefoxPolicy beside the local CA's directory
// and returns its path.
func (l *Lab) firefoxPolicyFile() (string, error) {
	dir := filepath.Join(filepath.Dir(filepath.Dir(l.ca.RootFile())), "lab")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "firefox-policies.json")
	return file, os.WriteFile(file, l.FirefoxPolicy(), 0o644)
}
