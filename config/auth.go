package config

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// An authRule protects the paths matching pat with HTTP basic auth
// (RFC 7617).
type authRule struct {
	pat       *pattern
	challenge string            // the WWW-Authenticate value
	users     map[string][]byte // name -> bcrypt hash
	dummy     []byte            // a hash compared for unknown users, so they take as long as known ones

	mu sync.Mutex
	ok map[[sha256.Size]byte]bool // verified credentials, sha256("user\x00password"), so that bcrypt runs once for each
}

// maxAuthCache bounds the cache of verified credentials.
const maxAuthCache = 1024

// newAuthRule builds the rule of a; its hashes were checked by Load.
func newAuthRule(a *BasicAuth, site string) *authRule {
	realm := a.Realm
	if realm == "" {
		realm = site
	}
	r := &authRule{
		pat:       mustPattern(a.Path),
		challenge: `Basic realm=` + strconv.Quote(realm) + `, charset="UTF-8"`,
		users:     make(map[string][]byte, len(a.Users)),
	}
	for u, h := range a.Users {
		r.users[u] = []byte(h)
		if r.dummy == nil {
			r.dummy = []byte(h)
		}
	}
	return r
}

// allowed reports whether the request's credentials satisfy the rule.
func (a *authRule) allowed(r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	key := sha256.Sum256([]byte(user + "\x00" + pass)) // no password kept in memory
	a.mu.Lock()
	hit := a.ok[key]
	a.mu.Unlock()
	if hit {
		return true
	}
	hash, known := a.users[user]
	if !known {
		hash = a.dummy
	}
	// bcrypt's comparison is constant-time; unknown users pay for one too.
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil || !known {
		return false
	}
	a.remember(key)
	return true
}

// remember caches a verified credential, up to maxAuthCache of them.
func (a *authRule) remember(key [sha256.Size]byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ok == nil {
		a.ok = make(map[[sha256.Size]byte]bool)
	}
	if len(a.ok) < maxAuthCache {
		a.ok[key] = true
	}
}

// basicAuth returns next behind rules: the first rule whose pattern
// matches the path decides; a request without valid credentials gets 401
// with WWW-Authenticate.
func basicAuth(next http.Handler, rules []*authRule) http.Handler {
	if len(rules) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, a := range rules {
			if !a.pat.matches(r.URL.Path) {
				continue
			}
			if !a.allowed(r) {
				w.Header().Set("WWW-Authenticate", a.challenge)
				http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
				return
			}
			break
		}
		next.ServeHTTP(w, r)
	})
}
