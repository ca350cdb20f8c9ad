// Package triotest runs an [http.Handler] on a real [trio.Server] on
// loopback, once per protocol, each with a real client: what
// net/http/httptest is to net/http, for HTTP/1.1, HTTP/2, h2c and HTTP/3.
//
// Tests of handlers (static, proxy, ws, observe, config, cmd/trio) and of
// the engines themselves import it; a program never does.
//
// # One test, every protocol
//
// [Run] runs a test function as a subtest per [Mode]: h1, h2, h2c and h3 on
// their default engines, then again on the other engine of each protocol
// (see h1.Config.Engine, h2.Config.Engine and h3.Config.Engine), so every
// handler test covers both:
//
//	func TestEcho(t *testing.T) { triotest.Run(t, testEcho) }
//
//	func testEcho(t *testing.T, m triotest.Mode) {
//		ts := triotest.New(t, m, echoHandler) // 127.0.0.1, closed by t.Cleanup
//		if got := ts.Get(t, "/echo?x=1"); got != "x=1" {
//			t.Errorf("body = %q; want %q", got, "x=1")
//		}
//	}
//
// [New] starts the server on ports the OS picks (TLS, QUIC and cleartext),
// with a throwaway local CA from [testcert], and returns a [TS] whose Client
// speaks only the mode's protocol. t.Cleanup shuts both down and fails the
// test if Shutdown does not finish or Serve returns anything but
// [http.ErrServerClosed].
//
// # Subpackages
//
// [github.com/triohttp/trio/triotest/testcert] is the local CA alone. It
// imports only tlsconf, so tests inside h1, h2 or h3 (which this package
// imports through trio) can use it without an import cycle.
//
// [github.com/triohttp/trio/triotest/loadtest] keeps a server busy over
// h1, h2, h3 and WebSockets while a test reloads its configuration.
package triotest
