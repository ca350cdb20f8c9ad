package main

import (
	"slices"
	"strings"
)

// xconnect is the GODEBUG setting with which Go's built-in HTTP/2 server
// accepts extended CONNECT (RFC 8441), and so WebSockets over HTTP/2. trio's
// own engine needs nothing.
const xconnect = "http2xconnect=1"

// needsXConnect reports whether args choose Go's HTTP/2 engine while the
// process lacks the GODEBUG setting that engine needs for WebSockets.
func needsXConnect(args []string, godebug string) bool {
	if slices.Contains(strings.Split(godebug, ","), xconnect) {
		return false
	}
	for i, a := range args {
		a = strings.TrimLeft(a, "-")
		if a == "h2-engine=std" || (a == "h2-engine" && i+1 < len(args) && args[i+1] == "std") {
			return true
		}
	}
	return false
}
