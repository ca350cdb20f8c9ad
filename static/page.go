package static

import (
	"html"
	"net/http"
	"strconv"
	"strings"
)

// pageStyle is the look of the pages static makes itself, listings and
// errors: trio's demo site's, in a few lines, readable on any screen and
// in dark mode.
const pageStyle = `:root{--fg:#1d2430;--muted:#5c6675;--accent:#0a7d5a;--bg:#f7f8fa;--card:#fff;--line:#e3e6ea;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ee;--muted:#9aa3b0;--accent:#4cc99a;--bg:#14181f;--card:#1d222b;--line:#2c333e}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:60rem;margin:2rem auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem 1.5rem}
h1{font-size:1.4rem;margin:.2rem 0 1rem;overflow-wrap:anywhere}
h1 .code{color:var(--accent);font-family:ui-monospace,monospace}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600}
td:nth-child(2),th:nth-child(2){text-align:right;font-variant-numeric:tabular-nums}
td:nth-child(3){color:var(--muted);font-variant-numeric:tabular-nums;white-space:nowrap}
td:first-child{font-family:ui-monospace,monospace;overflow-wrap:anywhere}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
p{color:var(--muted)}
footer{color:var(--muted);font-size:.85rem;text-align:center;margin:1.5rem 0}`

// pageStart begins a page titled title (already HTML-escaped).
func pageStart(b *strings.Builder, title string) {
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	b.WriteString("<title>" + title + "</title>\n<style>" + pageStyle + "</style>\n<main>\n<div class=\"card\">\n")
}

// pageEnd ends a page begun by pageStart.
func pageEnd(b *strings.Builder) {
	b.WriteString("</div>\n<footer>Served by trio</footer>\n</main>\n</html>\n")
}

// errorBody is the body of an error response and its Content-Type: a
// styled page for clients that prefer HTML (browsers), "404 Not Found"
// in plain text for the rest. Neither says anything from the host.
func errorBody(r *http.Request, code int) (body, ctype string) {
	text := strconv.Itoa(code) + " " + http.StatusText(code)
	if !prefersHTML(r.Header.Values("Accept")) {
		return text + "\n", "text/plain; charset=utf-8"
	}
	var b strings.Builder
	pageStart(&b, html.EscapeString(text))
	b.WriteString("<h1><span class=\"code\">" + strconv.Itoa(code) + "</span> " + html.EscapeString(http.StatusText(code)) + "</h1>\n")
	if hint := errorHints[code]; hint != "" {
		b.WriteString("<p>" + hint + "</p>\n")
	}
	b.WriteString("<p><a href=\"/\">Home</a></p>\n")
	pageEnd(&b)
	return b.String(), "text/html; charset=utf-8"
}

// errorHints explain the errors a visitor of a static site meets.
var errorHints = map[int]string{
	http.StatusNotFound:                     "Nothing is served at this address.",
	http.StatusBadRequest:                   "The address is not one this server accepts.",
	http.StatusMethodNotAllowed:             "This site only serves files: GET and HEAD.",
	http.StatusRequestedRangeNotSatisfiable: "The requested range lies outside the file.",
	http.StatusInternalServerError:          "The server could not read its files.",
}

// prefersHTML reports whether the Accept field lines weigh text/html
// above text/plain, as browsers' do.
func prefersHTML(lines []string) bool {
	return acceptWeight(lines, "text", "html") > acceptWeight(lines, "text", "plain")
}
