package tlsconf

import (
	"fmt"
	"strings"
)

// BrowserHelp returns instructions, several lines long, for trusting the
// root certificate in rootFile in browsers that keep their own trust store
// rather than the system's: Chrome and Chromium on Linux, and Firefox.
func BrowserHelp(rootFile string) string {
	return fmt.Sprintf(`Some browsers do not use the system trust store; trust the root in them too.

Chrome and Chromium on Linux read only their own NSS database, not the
system store. With certutil (Debian/Ubuntu package libnss3-tools), run as
your own user (not root), then restart the browser:

    certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n trio -i %[2]s

Remove it again with: certutil -d sql:$HOME/.pki/nssdb -D -n trio

Firefox: open about:preferences#privacy, click View Certificates, choose
the Authorities tab, click Import, select %[1]s and tick
"Trust this CA to identify websites".
`, rootFile, shellQuote(rootFile))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
