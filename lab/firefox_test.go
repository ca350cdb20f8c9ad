package lab_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/lab"
)

// firefoxWithPolicy returns a Firefox ESR binary that reads policy as its
// enterprise policy, without touching the machine's /etc/firefox: a private
// copy of Debian's firefox-esr launcher beside links to the rest of its
// installation, with a distribution/policies.json of its own (Firefox reads
// the policy file from the distribution folder next to the binary it runs
// as). It skips when firefox-esr is missing, except under CI=true.
func firefoxWithPolicy(t *testing.T, policy []byte) string {
	t.Helper()
	bin, err := filepath.EvalSymlinks(testtool.Path(t, "firefox-esr"))
	if err != nil {
		t.Fatal(err)
	}
	gre := filepath.Dir(bin)
	dir := t.TempDir()
	entries, err := os.ReadDir(gre)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		switch e.Name() {
		case "distribution", filepath.Base(bin):
			continue
		}
		if err := os.Symlink(filepath.Join(gre, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	own := filepath.Join(dir, filepath.Base(bin))
	if err := copyFile(bin, own); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "distribution"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "distribution", "policies.json"), policy, 0o644); err != nil {
		t.Fatal(err)
	}
	return own
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		dst.Close()
		return err
	}
	return dst.Close()
}

// Firefox ESR, driven by puppeteer-core over WebDriver BiDi, loads the lab
// page over each origin through the lossy link, trusting the local CA
// through the enterprise policy the banner tells users to install. On the
// h3 origin it starts over TCP and switches to HTTP/3 through Alt-Svc
// (which it does for this CA only because the policy turns
// network.http.http3.disable_when_third_party_roots_found off); the page
// waits for the switch, and every resource must then come over HTTP/3.
func TestFirefox(t *testing.T) {
	puppeteer(t)
	tl := serveLab(t, lab.Config{Impairment: lossyLink})
	bin := firefoxWithPolicy(t, tl.FirefoxPolicy())
	// Other labs' links coming and going change the host's network; Firefox
	// should not drop its connections for that.
	prefs := map[string]any{"network.notify.changed": false}
	pages := drive{Browser: "firefox", ExecutablePath: bin, Prefs: prefs, Runs: 1, Pages: visits(t, tl, "firefox")}.run(t)
	for i, origin := range origins {
		t.Run(origin, func(t *testing.T) {
			st := pages[i]
			want := origin
			if origin == "h3" {
				want = "h2" // the page itself came before Alt-Svc was known
			}
			if st.PageProto != want {
				t.Errorf("the page came over %q; want %q", st.PageProto, want)
			}
			checkPage(t, st, origin)
		})
	}
	checkLossy(t, tl, pages)
}
