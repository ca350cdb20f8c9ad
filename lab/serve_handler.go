package lab

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
)

//go:embed site
var site embed.FS

// handler is what every origin serves: the lab page, its API, and the
// resources a run loads.
func (l *Lab) handler() http.Handler {
	root, _ := fs.Sub(site, "site")
	files := http.FileServerFS(root)
	mux := http.NewServeMux()
	mux.Handle("GET /", noStore(files))
	mux.HandleFunc("GET /lab/api/lab", l.serveInfo)
	mux.HandleFunc("GET /lab/api/hello", serveHello)
	mux.HandleFunc("GET /lab/api/run/{id}", l.serveRun)
	mux.HandleFunc("GET /lab/api/impairment", l.serveImpairment)
	mux.HandleFunc("POST /lab/api/impairment", l.setImpairment)
	mux.HandleFunc("GET /lab/api/resources", serveResources)
	mux.Handle("GET /lab/r/", ResourceHandler())
	return mux
}

// originHandler refuses requests that reached origin over a protocol it
// does not speak (a TLS client that offers no ALPN gets HTTP/1.1 from the
// h2 origin), and lets pages on the other origins read the API and the
// resources, with their full timing.
//
// altSvc, when not "", replaces the Alt-Svc field of the h3 origin's TCP
// responses (the port of the relay in front of HTTP/3).
func originHandler(origin, altSvc string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if altSvc != "" && origin == "h3" && r.ProtoMajor < 3 {
			w.Header().Set("Alt-Svc", altSvc)
		}
		if origin != "h3" && protoName(r.ProtoMajor) != origin {
			w.Header().Set("Connection", "close")
			http.Error(w, "lab: the "+origin+" origin speaks "+origin+" only; this request came over "+r.Proto, http.StatusMisdirectedRequest)
			return
		}
		if strings.HasPrefix(r.URL.Path, "/lab/") {
			allowOrigin(w.Header(), r.Header.Get("Origin"))
			w.Header().Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// allowOrigin lets a page on another origin read a response and its
// Resource Timing. The page fetches with credentials, as images are loaded,
// because browsers keep separate connections for requests with and without
// them: so all of a run shares the connections it warmed up. A request
// with credentials must be allowed by its exact origin, not "*". Nothing
// the lab serves depends on cookies.
func allowOrigin(h http.Header, origin string) {
	h.Set("Timing-Allow-Origin", "*")
	if origin == "" {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Add("Vary", "Origin")
}

// noStore keeps browsers from caching the page, so a reload always shows
// the page this server embeds.
func noStore(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

// jsonError is the body of the API's error responses.
type jsonError struct {
	Error string `json:"error"`
}

// Info is what /lab/api/lab tells the page about the lab.
type Info struct {
	Origins    map[string]string `json:"origins"`
	Link       string            `json:"link"` // "link" (TCP and UDP impaired alike), "udp-relay" (HTTP/3 only) or "none"
	Impairment ImpairmentJSON    `json:"impairment"`
	Stats      *StatsJSON        `json:"stats,omitempty"` // what the link (or relay) passed and dropped so far
	Kinds      []string          `json:"kinds"`
}

// StatsJSON is LinkStats as the page reads it: packets passed and
// dropped, up (client to server) and down.
type StatsJSON struct {
	Up   DirJSON `json:"up"`
	Down DirJSON `json:"down"`
}

// DirJSON is one direction of StatsJSON.
type DirJSON struct {
	Packets uint64 `json:"packets"`
	Dropped uint64 `json:"dropped"` // lost on purpose, plus those the rate queue had no room for
}

func statsJSON(st LinkStats) *StatsJSON {
	dir := func(d DirStats) DirJSON { return DirJSON{Packets: d.Packets, Dropped: d.Dropped + d.Overflow} }
	return &StatsJSON{Up: dir(st.Up), Down: dir(st.Down)}
}

func (l *Lab) info() Info {
	in := Info{Origins: l.Origins(), Link: "none", Kinds: []string{KindTiles, KindPage}}
	switch {
	case l.link != nil:
		in.Link = "link"
	case l.relay != nil:
		in.Link = "udp-relay"
	}
	if imp := l.impairer(); imp != nil {
		in.Impairment = impairmentJSON(imp.Impairment())
		in.Stats = statsJSON(imp.Stats())
	}
	return in
}

func (l *Lab) serveInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, l.info())
}

// Hello is what /lab/api/hello answers: the protocol the request came
// over. The page asks the h3 origin until the answer is h3, which is how
// Firefox, finding HTTP/3 through Alt-Svc, is given time to switch.
type Hello struct {
	Proto string `json:"proto"`
}

func serveHello(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, Hello{Proto: protoName(r.ProtoMajor)})
}

func (l *Lab) serveRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !runID.MatchString(id) {
		writeJSON(w, http.StatusBadRequest, jsonError{"lab: a run id is 1 to 64 letters, digits, - or _"})
		return
	}
	rec, ok := l.rec.run(id)
	if !ok {
		writeJSON(w, http.StatusNotFound, jsonError{"lab: no request of run " + id + " reached the server"})
		return
	}
	writeJSON(w, http.StatusOK, rec)
}

// Listed is a Resource as /lab/api/resources lists it, with its index.
type Listed struct {
	I int `json:"i"`
	Resource
}

// serveResources lists the resources of ?kind= (default tiles) and ?n=
// (0 or none: the kind's default) for the page to load.
func serveResources(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("kind")
	if kind == "" {
		kind = KindTiles
	}
	n, err := strconv.Atoi(r.URL.Query().Get("n"))
	if err != nil && r.URL.Query().Has("n") {
		writeJSON(w, http.StatusBadRequest, jsonError{"lab: n must be a whole number"})
		return
	}
	rs := Resources(kind, n)
	if rs == nil {
		writeJSON(w, http.StatusBadRequest, jsonError{"lab: unknown kind " + strconv.Quote(kind) + "; want tiles or page"})
		return
	}
	list := make([]Listed, len(rs))
	for i, res := range rs {
		list[i] = Listed{I: i, Resource: res}
	}
	writeJSON(w, http.StatusOK, list)
}
