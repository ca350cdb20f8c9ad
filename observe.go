package trio

// An Observer is told what the server's connections do: each one opened
// and closed, each HTTP/2 and HTTP/3 stream opened and closed, and each TLS
// handshake with its result. Server.Observer takes one; observe.Metrics is
// one. Methods are called from many goroutines at once and must not block.
type Observer interface {
	ConnOpened(p Protocol)
	ConnClosed(p Protocol)
	StreamOpened(p Protocol)
	StreamClosed(p Protocol)
	// TLSHandshake reports a handshake on transport "tcp" or "quic";
	// err is nil when it succeeded.
	TLSHandshake(transport string, err error)
}

// A Protocol is the HTTP version a connection or request speaks; the
// values are short names fit for a metric label.
type Protocol string

// The protocols a Server speaks. H2 includes h2c.
const (
	H1 Protocol = "h1"
	H2 Protocol = "h2"
	H3 Protocol = "h3"
)

// ProtocolOf returns the protocol of a request: H1, H2 or H3.
func ProtocolOf(protoMajor int) Protocol {
	switch protoMajor {
	case 2:
		return H2
	case 3:
		return H3
	}
	return H1
}
