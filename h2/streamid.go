package h2

import "net/http"

// StreamID returns the id of the stream a ResponseWriter of trio's engine
// answers, looking through wrappers with an Unwrap method as
// http.ResponseController does. It reports false for any other
// ResponseWriter, such as Go's engine's.
func StreamID(w http.ResponseWriter) (uint32, bool) {
	for {
		if rw, ok := w.(*responseWriter); ok {
			return rw.st.id, true
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return 0, false
		}
		w = u.Unwrap()
	}
}
