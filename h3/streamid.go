package h3

import "net/http"

// StreamID returns the QUIC stream id of the request a ResponseWriter of
// trio's engine answers, looking through wrappers with an Unwrap method as
// http.ResponseController does. It reports false for any other
// ResponseWriter, such as quic-go's engine's.
func StreamID(w http.ResponseWriter) (int64, bool) {
	tw, _ := unwrap(w)
	if tw == nil {
		return 0, false
	}
	return int64(tw.rs.str.StreamID()), true
}
