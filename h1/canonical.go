package h1

import "github.com/triohttp/trio/internal/httpmsg"

// canonicalKey returns name in canonical form (http.CanonicalHeaderKey),
// without allocating when name is canonical already or common: the one
// table of h1, h2 and h3 (httpmsg.CanonicalKey).
func canonicalKey(name string) string { return httpmsg.CanonicalKey(name) }
