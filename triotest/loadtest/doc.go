// Package loadtest keeps a server busy for a reload test: HTTP/1.1, HTTP/2
// and HTTP/3 clients that send requests back to back, and one WebSocket
// per protocol that keeps echoing, each recording what it saw so the test
// can check that nothing failed and what each request got ([Check]). It
// also holds the configuration files those tests reload between
// ([ConfigBefore], [ConfigBroken], [ConfigAfter]).
//
// Tests of config (in process) and of cmd/trio (the binary) import it.
//
// # Why here
//
// It was internal/loadtest, but it imports ws, and internal packages import
// only the standard library, third-party modules and other internal
// packages (deps_test.go). It is a test helper (it takes a [testing.TB]),
// not a load generator: `trio load` and the bench script use bench/load. So
// it sits beside the other public test helpers, in its own package rather
// than in triotest itself so that triotest imports only trio and its
// protocol packages.
package loadtest
