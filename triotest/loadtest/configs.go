package loadtest

// The configuration files of a reload test, shared by the in-process
// tests (package config) and the binary's (cmd/trio): before, a broken
// one (a typo in a new site's key), and after (site a moved to other
// content, site c added). Each serves the demo site, with its WebSocket
// echo at /ws/echo, on 127.0.0.1, and writes its access log to access.log.
const (
	configHead = `listen = "127.0.0.1:0"
http   = "127.0.0.1:0"
admin  = "127.0.0.1:0"

[log]
access = "access.log"

[[site]]
hosts = ["a.localhost"]
`
	ConfigBefore = configHead + `root  = "site-a"

[[site]]
hosts = ["127.0.0.1"]
`
	ConfigBroken = ConfigBefore + `
[[site]]
hosts = ["c.localhost"]
rot   = "site-c"
`
	ConfigAfter = configHead + `root  = "site-a2"

[[site]]
hosts = ["127.0.0.1"]

[[site]]
hosts = ["c.localhost"]
root  = "site-c"
`
)
