package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// An Error is one problem in a configuration file.
type Error struct {
	File      string
	Line, Col int    // 1-based; 0 if the problem has no place (the file is unreadable)
	Key       string // "site[1].root"; "" for syntax errors
	Msg       string // what is wrong and what was expected
	Hint      string // how to fix it; may be ""
}

// Error formats e as "FILE:LINE:COL: key: msg (hint)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (" + e.Hint + ")")
	}
	return b.String()
}

// Errors are all the problems found in a file, in the order of the file.
type Errors []*Error

// Error formats the errors one per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the errors, for errors.As.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sort orders es by position.
func (es Errors) sort() {
	slices.SortStableFunc(es, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
}

// errBadDuration is Duration.UnmarshalText's error, which go-toml places.
var errBadDuration = errors.New(`expected a duration such as "10s" or "1m30s"`)

// nearest returns the candidate closest to key by edit distance, if it is
// close enough to be a typo of it.
func nearest(key string, candidates []string) (string, bool) {
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(key), c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	if bestD < 0 || bestD > max(2, len(key)/3) || bestD >= len(key) {
		return "", false
	}
	return best, true
}

// keyHint is the hint for an unknown key among valid ones.
func keyHint(key string, valid []string) string {
	if n, ok := nearest(key, valid); ok {
		return fmt.Sprintf("did you mean %q?", n)
	}
	if len(valid) == 0 {
		return "this table takes no keys"
	}
	return "valid keys here: " + strings.Join(valid, ", ")
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, sub)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
