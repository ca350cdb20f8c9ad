package config

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// A pattern matches request paths: "/exact", a glob whose "*" matches any
// run of characters ("/assets/*", "*.css"), or "~" and a regular
// expression matched anywhere in the path.
type pattern struct {
	re    *regexp.Regexp
	glob  bool   // re came from a glob: its groups are the stars
	all   bool   // "": every path matches
	exact string // a glob without stars: matches this path only
}

// compilePattern compiles p; "" matches every path.
func compilePattern(p string) (*pattern, error) {
	if p == "" {
		return &pattern{re: regexp.MustCompile(`^`), all: true}, nil
	}
	if expr, ok := strings.CutPrefix(p, "~"); ok {
		re, err := regexp.Compile(expr)
		if err != nil {
			var se *syntax.Error
			if errors.As(err, &se) {
				return nil, fmt.Errorf("regular expression: %s: %q", se.Code, se.Expr)
			}
			return nil, err
		}
		return &pattern{re: re}, nil
	}
	if !strings.HasPrefix(p, "/") && !strings.HasPrefix(p, "*") {
		return nil, fmt.Errorf("expected a path starting with / or *, got %q", p)
	}
	parts := strings.Split(p, "*")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	pat := &pattern{re: regexp.MustCompile("^" + strings.Join(parts, "(.*)") + "$"), glob: true}
	if len(parts) == 1 {
		pat.exact = p
	}
	return pat, nil
}

// matches reports whether path matches, without the submatches: what
// header and auth rules ask on every request, so it allocates nothing.
func (p *pattern) matches(path string) bool {
	switch {
	case p.all:
		return true
	case p.exact != "":
		return path == p.exact
	}
	return p.re.MatchString(path)
}

// match reports whether path matches, with the submatches.
func (p *pattern) match(path string) ([]int, bool) {
	m := p.re.FindStringSubmatchIndex(path)
	return m, m != nil
}

// expand builds the target of a redirect or rewrite that matched path:
// for a glob, a trailing "*" in to is what the last "*" matched; for a
// regular expression, $1 and ${name} are its groups.
func (p *pattern) expand(to, path string, m []int) string {
	if !p.glob {
		return string(p.re.ExpandString(nil, to, path, m))
	}
	if base, ok := strings.CutSuffix(to, "*"); ok && len(m) >= 4 {
		last := len(m) - 2
		return base + path[m[last]:m[last+1]]
	}
	return to
}
