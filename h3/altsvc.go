package h3

import (
	"strconv"
	"time"
)

// AltSvc returns the Alt-Svc field value that advertises HTTP/3 on port of
// the same host (RFC 7838 §3), for example `h3=":8443"; ma=86400`.
func (c *Config) AltSvc(port int) string {
	secs := int64(c.altSvcMaxAge() / time.Second)
	return `h3=":` + strconv.Itoa(port) + `"; ma=` + strconv.FormatInt(secs, 10)
}
