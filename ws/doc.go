// Package ws implements WebSockets (RFC 6455) over all three HTTP
// versions from one handler: the HTTP/1.1 Upgrade, the HTTP/2 extended
// CONNECT of RFC 8441 and the HTTP/3 extended CONNECT of RFC 9220, with
// permessage-deflate (RFC 7692). Handlers call [Accept]; clients call
// [Dial], which speaks ws:// and wss:// over any of the three.
//
//	http.HandleFunc("/ws/echo", func(w http.ResponseWriter, r *http.Request) {
//		c, err := ws.Accept(w, r, nil)
//		if err != nil {
//			return // Accept answered with an error status
//		}
//		defer c.CloseNow()
//		for {
//			typ, msg, err := c.ReadMessage()
//			if err != nil {
//				return // a *CloseError says how it ended
//			}
//			if err := c.WriteMessage(typ, msg); err != nil {
//				return
//			}
//		}
//	})
//
// Import it to serve or open WebSockets; the handshakes particular to each
// HTTP version live in the h1, h2 and h3 packages.
//
// # Protocol
//
// A [Conn] checks everything RFC 6455 asks of a receiver and fails the
// connection with the matching close code: 1002 for unmasked client
// frames (masked server frames), reserved bits or opcodes, fragmented or
// oversized control frames, continuation frames out of order and bad close
// frames; 1007 for text or close reasons that are not UTF-8 (checked as
// the text arrives, so it fails fast); 1009 for messages over the read
// limit. Control frames may arrive between fragments; pings are answered.
// Close runs the closing handshake, and returns within about 6 seconds
// even if the peer stopped reading: past 5 it aborts the connection. Read
// and write deadlines apply to the transport. Writes block until TCP,
// HTTP/2 or QUIC flow control accepts the frame, so a slow reader slows
// its writer (backpressure); a write deadline drops a peer that stopped
// reading, and so do Close and CloseNow, which fail blocked writes.
//
// # Message size
//
// A Conn accepts messages up to [DefaultReadLimit], 16 MiB after
// decompression, unless AcceptOptions.ReadLimit, DialOptions.ReadLimit or
// [Conn.SetReadLimit] says otherwise; a larger message fails the
// connection with close code 1009 (message too big) as soon as its bytes
// pass the limit, before it is read whole. Messages are read as they
// stream in, so the limit bounds what a reader that buffers whole
// messages (ReadMessage) may hold per connection, not what a
// Conn holds itself. Browsers send what the page gives them; a chat or
// ticker never comes near it, a file upload over a WebSocket may.
// Size the limit to the largest message the application expects, as
// nginx and Caddy users bound bodies with client_max_body_size and
// request_body max_size; the frames of HTTP/2 and HTTP/3 streams
// carrying WebSockets are exempt from the servers' MaxBodyBytes and
// BodyTimeout (a WebSocket is a CONNECT stream).
//
// # Idle connections
//
// A Conn waiting for the next message holds no read buffer: it reads
// through a pooled 4 KiB buffer while frames arrive and waits between
// messages with a 16-byte array, and the HTTP/1.1 handshake hands over
// only the bytes already read. Without compression, or with
// CompressionNoContextTakeover, an idle Conn costs itself (under 1 KiB),
// the transport's own state (over HTTP/1.1 with TLS, crypto/tls keeps
// about 7 KiB per connection, 4 of it input buffers the ClientHello
// sized that it never lets go) and the goroutine blocked reading: its
// 8 KiB stack is the largest single cost, as a handler blocked in
// ReadMessage sits about 2.8 KiB deep (the runtime halves a stack only
// when under a quarter of it is used). bench/wsidle measures the total
// per connection.
//
// # Browsers and HTTP versions
//
// Accept serves all three; which one a browser uses is its choice.
// Chromium opens WebSockets over HTTP/1.1 unless it already has an HTTP/2
// connection to the origin whose server sent SETTINGS_ENABLE_CONNECT_PROTOCOL,
// which trio's HTTP/2 engine does. Go's own HTTP/2 server (h2.EngineStd)
// accepts extended CONNECT only when the process starts with
// GODEBUG=http2xconnect=1 in its environment; Accept handles it then too.
// quic-go always allows extended CONNECT on HTTP/3, so any route may
// receive one: Accept answers a :protocol other than websocket with 501,
// and routes that do not call Accept answer as for any other request.
//
// # Shutdown
//
// Connections are tracked in a [Registry] so that a server's shutdown
// closes them with 1001 (going away), each within Close's bound; see
// Registry for how the registry is found.
//
// # Proxies
//
// A proxy relays frames without reading messages: [AcceptStream] answers
// the client's handshake with the header fields its backend chose, and
// [DialStream] opens the backend's side; both return a [Stream], the raw
// byte stream under the WebSocket in any HTTP version. Package proxy
// relays between two of them.
//
// # Why gobwas/ws
//
// Framing uses github.com/gobwas/ws for frame headers, header validation
// and the (assembly) masking cipher: it works over any io.Reader and
// io.Writer, and an HTTP/2 or HTTP/3 stream is not a net.Conn that can be
// hijacked, which gorilla/websocket and coder/websocket require. Its
// higher layers (wsutil, wsflate) assume one frame at a time through
// caller code, so this package does the rest itself: message assembly
// with interleaved control frames, streaming UTF-8 checks, close code
// rules, the extension negotiation, and permessage-deflate with context
// takeover on klauspost/compress/flate (whose compressor always uses a
// 32 KiB window: offers limiting server_max_window_bits below 15 are
// declined, and the client never offers client_max_window_bits).
package ws
