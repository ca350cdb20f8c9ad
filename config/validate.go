package config

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// A checker validates a decoded Config, fills its defaults, makes its
// paths absolute, and collects every problem with its position.
type checker struct {
	name string // the file as given, for messages
	dir  string // the file's folder, absolute
	pos  *positions
	errs Errors

	hosts map[string]string // normalized host -> path of the first claim
	names map[string]string // site name -> path of the site
}

// errorf records a problem with the key at path, placed at its value, or
// if the key is absent, at the nearest table that holds it, or else at the
// start of the file.
func (v *checker) errorf(path, hint, format string, args ...any) {
	e := &Error{File: v.name, Line: 1, Col: 1, Key: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
	for p := path; p != ""; p = parent(p) {
		if at, ok := v.pos.value[p]; ok {
			e.Line, e.Col = at.line, at.col
			break
		}
	}
	v.errs = append(v.errs, e)
}

// parent strips the last key or index from path.
func parent(path string) string {
	if strings.HasSuffix(path, "]") {
		return path[:strings.LastIndexByte(path, '[')]
	}
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return ""
	}
	return path[:i]
}

// has reports whether the file sets path.
func (v *checker) has(path string) bool {
	_, ok := v.pos.key[path]
	return ok
}

// config checks c and fills its defaults.
func (v *checker) config(c *Config) {
	if !v.has("listen") {
		c.Listen = ":8443"
	}
	v.addr("listen", c.Listen)
	if !v.has("http") {
		c.HTTP = ":8080"
	}
	if c.HTTP != "" {
		v.addr("http", c.HTTP)
	}
	if c.Admin != "" {
		v.addr("admin", c.Admin)
	}
	v.distinct(map[string]string{"listen": c.Listen, "http": c.HTTP, "admin": c.Admin})
	c.H2 = c.H2 || !v.has("h2")
	c.H3 = c.H3 || !v.has("h3")
	if !v.has("shutdown_timeout") {
		c.ShutdownTimeout.Duration = DefaultShutdownTimeout
	} else if c.ShutdownTimeout.Duration < 0 {
		v.errorf("shutdown_timeout", `such as "10s"`, "expected a duration of 0 or more")
	}
	if c.PIDFile != "" {
		c.PIDFile = v.newFile("pid_file", c.PIDFile)
	}
	v.log(&c.Log)
	v.acme(&c.ACME)
	v.limits(&c.Limits)
	v.cluster(&c.Cluster, map[string]string{"listen": c.Listen, "http": c.HTTP, "admin": c.Admin})

	v.hosts, v.names = map[string]string{}, map[string]string{}
	if len(c.Sites) == 0 {
		v.errorf("site", "add one: [[site]] with hosts = [\"example.com\"]", "no site is configured")
	}
	for i := range c.Sites {
		v.site(fmt.Sprintf("site[%d]", i), &c.Sites[i])
	}
	if !v.has("redirect") && c.usesACMEAnywhere() {
		c.Redirect = true
	}
	if c.DefaultSite != "" {
		if _, ok := v.names[c.DefaultSite]; !ok {
			v.errorf("default_site", v.oneOf(c.DefaultSite, keys(v.names)), "no site is named %q", c.DefaultSite)
		}
	}
}

// log checks the [log] table.
func (v *checker) log(l *Log) {
	switch l.Access {
	case "", "stdout", "stderr":
	default:
		l.Access = v.newFile("log.access", l.Access)
	}
	switch l.Format {
	case "":
		l.Format = "json"
	case "json", "combined":
	default:
		v.errorf("log.format", v.oneOf(l.Format, []string{"json", "combined"}), `expected "json" or "combined", got %q`, l.Format)
	}
}

// acme checks the [acme] table.
func (v *checker) acme(a *ACME) {
	if a.CA != "" {
		if u, err := url.Parse(a.CA); err != nil || u.Scheme != "https" || u.Host == "" {
			v.errorf("acme.ca", "such as https://acme-v02.api.letsencrypt.org/directory", "expected an https URL, got %q", a.CA)
		}
	}
	if a.Email != "" && !strings.Contains(a.Email, "@") {
		v.errorf("acme.email", "such as ops@example.com", "expected an e-mail address, got %q", a.Email)
	}
	if a.CARoot != "" {
		a.CARoot = v.file("acme.ca_root", a.CARoot)
	}
}

// addr checks a host:port listen address.
func (v *checker) addr(path, a string) {
	const hint = `write host:port, such as ":8443" or "127.0.0.1:8443"`
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		v.errorf(path, hint, "expected host:port, got %q", a)
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		v.errorf(path, hint, "port %q is not a number from 0 to 65535", port)
		return
	}
	if host != "" && host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil && !validHost(host) {
			v.errorf(path, hint, "host %q is not an IP address or host name", host)
		}
	}
}

// distinct checks that no two listeners share an address (port 0 asks
// the OS for a free port, so it never clashes).
func (v *checker) distinct(addrs map[string]string) {
	seen := map[string]string{}
	for _, key := range []string{"listen", "http", "admin"} {
		a := addrs[key]
		if _, port, err := net.SplitHostPort(a); err != nil || port == "0" {
			continue
		}
		if first, ok := seen[a]; ok {
			v.errorf(key, "give each listener its own port", "%q is also %s's address", a, first)
			continue
		}
		seen[a] = key
	}
}

// abs resolves p against the file's folder.
func (v *checker) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(v.dir, p)
}

// file checks that p names a readable file and returns it absolute.
func (v *checker) file(path, p string) string {
	a := v.abs(p)
	st, err := os.Stat(a)
	switch {
	case err != nil:
		v.errorf(path, v.relHint(), "file %q does not exist", a)
	case st.IsDir():
		v.errorf(path, "give a file, not a folder", "%q is a folder", a)
	}
	return a
}

// dirPath checks that p names a folder and returns it absolute.
func (v *checker) dirPath(path, p string) string {
	a := v.abs(p)
	st, err := os.Stat(a)
	switch {
	case err != nil:
		v.errorf(path, v.relHint(), "folder %q does not exist", a)
	case !st.IsDir():
		v.errorf(path, "give a folder, not a file", "%q is not a folder", a)
	}
	return a
}

// newFile checks that the folder of p, a file trio writes, exists.
func (v *checker) newFile(path, p string) string {
	a := v.abs(p)
	if st, err := os.Stat(filepath.Dir(a)); err != nil || !st.IsDir() {
		v.errorf(path, v.relHint(), "folder %q does not exist", filepath.Dir(a))
	}
	return a
}

// relHint reminds where relative paths start.
func (v *checker) relHint() string {
	return "relative paths start at the file's folder, " + v.dir
}

// oneOf is the hint for a value that should be one of valid.
func (v *checker) oneOf(got string, valid []string) string {
	if n, ok := nearest(got, valid); ok {
		return fmt.Sprintf("did you mean %q?", n)
	}
	if len(valid) == 0 {
		return ""
	}
	return "one of " + strings.Join(quoteAll(valid), ", ")
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return q
}

// keys returns m's keys, sorted.
func keys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
