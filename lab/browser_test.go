package lab_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/internal/browser"
	"github.com/triohttp/trio/internal/testtool"
	"github.com/triohttp/trio/lab"
)

// The link the browser tests load the page through: loss on, so TCP
// retransmits and QUIC recovers while the browser watches.
var lossyLink = lab.Impairment{Loss: 0.02, Delay: 10 * time.Millisecond, Seed: 14}

// browserN is how many resources each browser run loads.
const browserN = 24

// puppeteer returns node and the folder holding run.mjs with
// puppeteer-core installed. It skips when either is missing, except under
// CI=true, where it fails: .ci/run installs both.
func puppeteer(t *testing.T) (node, dir string) {
	t.Helper()
	node = testtool.Path(t, "node")
	dir, err := filepath.Abs(filepath.Join("testdata", "puppeteer"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "puppeteer-core", "package.json")); err != nil {
		testtool.Missing(t, "puppeteer-core", "cd lab/testdata/puppeteer && npm ci")
	}
	return node, dir
}

// drive is what run.mjs is told: see its comment.
type drive struct {
	Browser        string         `json:"browser"` // "chrome" or "firefox"
	ExecutablePath string         `json:"executablePath"`
	Args           []string       `json:"args,omitempty"`
	Prefs          map[string]any `json:"prefs,omitempty"`
	Pages          []pageVisit    `json:"pages"`
	Runs           int            `json:"runs"`
	TimeoutMS      int            `json:"timeoutMs"`
}

// pageVisit is one page the browser opens, and where its screenshot goes.
type pageVisit struct {
	URL        string     `json:"url"`
	Screenshot string     `json:"screenshot"`
	Link       *linkInput `json:"link,omitempty"` // typed into the page's Link controls, then Apply
}

// linkInput is what a person types into the page's Link controls.
type linkInput struct {
	Loss  float64 `json:"loss"`  // percent
	Delay float64 `json:"delay"` // milliseconds
}

// driven is what run.mjs printed.
type driven struct {
	UserAgent string      `json:"userAgent"`
	Pages     []pageState `json:"pages"`
}

// pageState is what run.mjs read from one page.
type pageState struct {
	State       string       `json:"state"`
	Status      string       `json:"status"`
	PageProto   string       `json:"pageProto"`
	SVG         string       `json:"svg"`
	SummaryRows int          `json:"summaryRows"`
	Matrix      [][]string   `json:"matrix"` // the side-by-side table: link, what, h1, h2, h3
	Runs        []pageResult `json:"runs"`
	Logs        []string     `json:"logs"`
	Attempts    int          `json:"attempts"` // visits made: more than 1 when the host's network changed during one
}

// pageResult is one run as the page keeps it (window.lab.runs).
type pageResult struct {
	ID         string         `json:"id"`
	Origin     string         `json:"origin"`
	Proto      string         `json:"proto"`
	Protos     map[string]int `json:"protos"`
	N          int            `json:"n"`
	Failed     int            `json:"failed"`
	Conns      int            `json:"conns"`
	CompleteMS float64        `json:"complete_ms"`
	Dropped    *struct {
		Up, Down int64
	} `json:"dropped"` // packets the link dropped during the run, as the page read its counters
	Rows []pageRow `json:"rows"`
}

// pageRow is one waterfall row: the browser's moments (ms since the run
// began) and the server's record of the same request.
type pageRow struct {
	I         int         `json:"i"`
	Proto     string      `json:"proto"`
	Queued    *float64    `json:"queued"`
	Connect   *float64    `json:"connect"`
	Connected *float64    `json:"connected"`
	Sent      *float64    `json:"sent"`
	First     *float64    `json:"first"`
	Last      *float64    `json:"last"`
	Server    *lab.Served `json:"server"`
}

// run starts the browser once, drives it through each page in turn and
// returns what it read from each.
func (d drive) run(t *testing.T) []pageState {
	t.Helper()
	node, dir := puppeteer(t)
	if d.TimeoutMS == 0 {
		d.TimeoutMS = 120_000
	}
	arg, _ := json.Marshal(d)
	budget := time.Duration(d.TimeoutMS)*time.Millisecond*time.Duration(len(d.Pages)+1) + time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "run.mjs", string(arg))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node run.mjs (%s): %v\n%s%s", d.Browser, err, stdout.Bytes(), stderr.Bytes())
	}
	var out driven
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out.Pages) != len(d.Pages) {
		t.Fatalf("run.mjs printed %q (%v); want %d pages\n%s", stdout.Bytes(), err, len(d.Pages), stderr.Bytes())
	}
	for i, st := range out.Pages {
		t.Logf("%s: %s: %s (page over %s, %d visits); screenshot %s", out.UserAgent, d.Pages[i].URL, st.Status, st.PageProto, st.Attempts, d.Pages[i].Screenshot)
	}
	return out.Pages
}

// checkPage checks what the page read and drew for one run from origin:
// every resource came over origin's protocol, each row's moments are in
// order, and the server's view is beside it with the right connections
// and streams.
func checkPage(t *testing.T, st pageState, origin string) {
	t.Helper()
	if st.State != "done" || len(st.Runs) != 1 {
		t.Fatalf("page state %q with %d runs (status %q); want done with 1\nlogs: %q", st.State, len(st.Runs), st.Status, st.Logs)
	}
	r := st.Runs[0]
	if r.Origin != origin || r.Proto != origin || r.Protos[origin] != browserN || r.N != browserN || r.Failed != 0 {
		t.Errorf("run from %s over %v (%d of %d failed); want all %d over %s", r.Origin, r.Protos, r.Failed, r.N, browserN, origin)
	}
	if len(r.Rows) != browserN {
		t.Fatalf("%d waterfall rows; want %d", len(r.Rows), browserN)
	}
	streams := map[int64]bool{}
	for _, row := range r.Rows {
		if slices.Contains([]*float64{row.Queued, row.Sent, row.First, row.Last}, nil) {
			t.Errorf("row %d: queued %v sent %v first %v last %v; want all four (Timing-Allow-Origin)", row.I, row.Queued, row.Sent, row.First, row.Last)
			continue
		}
		const slack = 1 // ms: browsers round and clamp their clocks
		if *row.Sent < *row.Queued-slack || *row.First < *row.Sent-slack || *row.Last < *row.First-slack {
			t.Errorf("row %d: queued %v, sent %v, first byte %v, last byte %v: out of order", row.I, *row.Queued, *row.Sent, *row.First, *row.Last)
		}
		s := row.Server
		if s == nil || !s.Done || s.Proto != origin || s.Index != row.I {
			t.Errorf("row %d: server's view %+v; want the request recorded, done, over %s", row.I, s, origin)
			continue
		}
		if origin == "h1" {
			if s.Stream != -1 {
				t.Errorf("row %d over HTTP/1.1 has stream %d", row.I, s.Stream)
			}
		} else if s.Stream < 0 || streams[s.Stream] {
			t.Errorf("row %d: stream %d, negative or seen twice", row.I, s.Stream)
		}
		streams[s.Stream] = true
	}
	// A browser opens up to six HTTP/1.1 connections to an origin, and
	// one for HTTP/2 or HTTP/3.
	if origin == "h1" && (r.Conns < 2 || r.Conns > 6) || origin != "h1" && r.Conns != 1 {
		t.Errorf("the server saw the run on %d connections; want %s", r.Conns, map[bool]string{true: "2 to 6", false: "1"}[origin == "h1"])
	}
	if st.SummaryRows != 1 {
		t.Errorf("%d rows in the summary of runs; want 1", st.SummaryRows)
	}
	checkSVG(t, st.SVG, browserN)
}

// checkSVG checks the waterfall as Export SVG saves it: a standalone SVG
// file with a bar for each moment of each of n rows, and its colours in
// attributes rather than the page's style sheet.
func checkSVG(t *testing.T, text string, n int) {
	t.Helper()
	var svg struct {
		XMLName xml.Name
		ViewBox string `xml:"viewBox,attr"`
		G       []struct {
			Rects []struct {
				Fill string `xml:"fill,attr"`
			} `xml:"rect"`
			Texts []string `xml:"text"`
		} `xml:"g"`
	}
	if err := xml.Unmarshal([]byte(text), &svg); err != nil {
		t.Fatalf("the exported SVG does not parse: %v\n%.300s", err, text)
	}
	if svg.XMLName.Space != "http://www.w3.org/2000/svg" || svg.XMLName.Local != "svg" || svg.ViewBox == "" || len(svg.G) == 0 {
		t.Fatalf("the exported SVG is <%s %s viewBox=%q>; want an svg with a viewBox and a drawing", svg.XMLName.Space, svg.XMLName.Local, svg.ViewBox)
	}
	rects, labels := 0, 0
	for _, r := range svg.G[0].Rects {
		if r.Fill == "" {
			t.Fatal("a bar of the exported SVG has no fill attribute")
		}
		rects++
	}
	for _, s := range svg.G[0].Texts {
		if strings.HasPrefix(s, "#") {
			labels++
		}
	}
	// Each row has at least queued, waiting and receiving bars in the
	// browser's view and two in the server's.
	if rects < 5*n || labels != n {
		t.Errorf("the exported SVG has %d bars and %d row labels; want at least %d and %d", rects, labels, 5*n, n)
	}
}

// pageURL is the lab page on origin, told to load browserN tiles from the
// same origin once.
func pageURL(tl *testLab, origin string) string {
	return fmt.Sprintf("%s/?origin=%s&n=%d&kind=tiles&runs=1", tl.Origins()[origin], origin, browserN)
}

// checkLossy checks that the link dropped packets during the test, and
// that the pages told: the browsers saw real loss.
func checkLossy(t *testing.T, tl *testLab, pages []pageState) {
	t.Helper()
	st := tl.Link().Stats()
	if st.Up.Dropped+st.Down.Dropped == 0 {
		t.Errorf("the link dropped no packet (%+v); the runs were not under loss", st)
	}
	t.Logf("link: %+v", st)
	var seen int64
	for _, p := range pages {
		for _, r := range p.Runs {
			if r.Dropped == nil || r.Dropped.Up < 0 || r.Dropped.Down < 0 {
				t.Errorf("run %s: the page read no drop counts (%v)", r.ID, r.Dropped)
				continue
			}
			seen += r.Dropped.Up + r.Dropped.Down
		}
	}
	if seen == 0 || seen > int64(st.Up.Dropped+st.Down.Dropped) {
		t.Errorf("the pages counted %d dropped packets; want some, and no more than the link's %d", seen, st.Up.Dropped+st.Down.Dropped)
	}
}

// origins are the lab's origins in the order the browser tests visit them.
var origins = []string{"h1", "h2", "h3"}

// visits are the pages a browser test opens, one per origin, each loading
// from its own origin, with screenshots in t.ArtifactDir (kept with go
// test -artifacts).
func visits(t *testing.T, tl *testLab, browser string) []pageVisit {
	var vs []pageVisit
	for _, origin := range origins {
		vs = append(vs, pageVisit{
			URL:        pageURL(tl, origin),
			Screenshot: filepath.Join(t.ArtifactDir(), browser+"-"+origin+".png"),
		})
	}
	return vs
}

// Chromium loads the lab page over each origin, through the lossy link,
// with the flags the banner prints; the page reads the protocol and the
// waterfall's moments from Resource Timing and the server's view from
// /lab/api/run/{id}.
func TestChromium(t *testing.T) {
	bin := browser.Path(t)
	puppeteer(t)
	tl := serveLab(t, lab.Config{Impairment: lossyLink})
	args := append([]string{"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"}, tl.ChromiumFlags()...)
	pages := drive{Browser: "chrome", ExecutablePath: bin, Args: args, Runs: 1, Pages: visits(t, tl, "chromium")}.run(t)
	for i, origin := range origins {
		t.Run(origin, func(t *testing.T) {
			st := pages[i]
			if st.PageProto != origin {
				t.Errorf("the page came over %q; want %q", st.PageProto, origin)
			}
			checkPage(t, st, origin)
		})
	}
	checkLossy(t, tl, pages)
}

// One page makes a run from each origin in turn and puts them side by
// side: the picture a class sees, saved as chromium-compare.png.
func TestChromiumCompare(t *testing.T) {
	bin := browser.Path(t)
	puppeteer(t)
	tl := serveLab(t, lab.Config{Impairment: lossyLink})
	args := append([]string{"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"}, tl.ChromiumFlags()...)
	pages := drive{Browser: "chrome", ExecutablePath: bin, Args: args, Runs: len(origins), Pages: []pageVisit{{
		URL:        fmt.Sprintf("%s/?origin=h1,h2,h3&n=%d&kind=tiles&runs=1", tl.Origins()["h2"], browserN),
		Screenshot: filepath.Join(t.ArtifactDir(), "chromium-compare.png"),
	}}}.run(t)
	st := pages[0]
	if st.State != "done" || len(st.Runs) != len(origins) || st.SummaryRows != len(origins) {
		t.Fatalf("page %q with %d runs, %d summary rows (%q); want done with 3 and 3", st.State, len(st.Runs), st.SummaryRows, st.Status)
	}
	for i, r := range st.Runs {
		if r.Origin != origins[i] || r.Proto != origins[i] {
			t.Errorf("run %d: from %s over %s; want %s", i+1, r.Origin, r.Proto, origins[i])
		}
	}
	if len(st.Matrix) != 1 || len(st.Matrix[0]) != 5 {
		t.Fatalf("side-by-side table %q; want one row: link, what, h1, h2, h3", st.Matrix)
	}
	for i, cell := range st.Matrix[0][2:] {
		if !strings.HasSuffix(cell, " ms") {
			t.Errorf("side by side, %s: %q; want its page-complete time", origins[i], cell)
		}
	}
}

// The page's Link controls change the link's impairment: loss and delay
// as typed, the rest (here the seed) kept.
func TestChromiumLinkControls(t *testing.T) {
	bin := browser.Path(t)
	puppeteer(t)
	tl := serveLab(t, lab.Config{Impairment: lossyLink})
	args := append([]string{"--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"}, tl.ChromiumFlags()...)
	pages := drive{Browser: "chrome", ExecutablePath: bin, Args: args, Runs: 0, Pages: []pageVisit{{
		URL:  tl.Origins()["h2"] + "/",
		Link: &linkInput{Loss: 5, Delay: 30},
	}}}.run(t)
	want := lossyLink
	want.Loss, want.Delay = 0.05, 30*time.Millisecond
	if got := tl.Link().Impairment(); got != want {
		t.Errorf("after Apply the link is %+v; want %+v (page status %q)", got, want, pages[0].Status)
	}
	if !strings.HasPrefix(pages[0].Status, "The link now: loss 5% · delay 30 ms") {
		t.Errorf("page status %q; want it to confirm the new link", pages[0].Status)
	}
}

// The banner's command line runs Chromium as the tests do.
func TestChromiumArgs(t *testing.T) {
	tl := serveLab(t, lab.Config{NoLink: true})
	got := strings.Join(tl.ChromiumArgs("chromium", "/tmp/p", "https://x/"), " ")
	want := "chromium --user-data-dir=/tmp/p " + strings.Join(tl.ChromiumFlags(), " ") + " https://x/"
	if got != want || !strings.Contains(tl.Banner(), strings.Join(tl.ChromiumFlags(), " ")) {
		t.Errorf("ChromiumArgs = %q; want %q, as in the banner:\n%s", got, want, tl.Banner())
	}
}
