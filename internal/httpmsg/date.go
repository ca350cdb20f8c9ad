package httpmsg

import (
	"net/http"
	"sync/atomic"
	"time"
)

// A dateValue is the Date field value of the responses of one second.
type dateValue struct {
	sec int64
	s   string
}

var date atomic.Pointer[dateValue]

// Date returns the current time in [http.TimeFormat], the value of a
// response's Date field. It is formatted once a second; otherwise Date
// costs a clock read and an atomic load.
func Date() string {
	now := time.Now()
	if d := date.Load(); d != nil && d.sec == now.Unix() {
		return d.s
	}
	d := &dateValue{now.Unix(), now.UTC().Format(http.TimeFormat)}
	date.Store(d)
	return d.s
}

// AppendDate appends [Date] to b.
func AppendDate(b []byte) []byte { return append(b, Date()...) }
