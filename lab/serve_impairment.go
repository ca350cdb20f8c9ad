package lab

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"time"
)

// ImpairmentJSON is an Impairment as /lab/api/impairment reads and writes
// it: loss as a fraction, times in milliseconds, rate in bytes per second.
type ImpairmentJSON struct {
	Loss     float64 `json:"loss"`
	DelayMS  float64 `json:"delay_ms"`
	JitterMS float64 `json:"jitter_ms"`
	Rate     int64   `json:"rate"`
	Seed     uint64  `json:"seed"`
}

func impairmentJSON(imp Impairment) ImpairmentJSON {
	return ImpairmentJSON{
		Loss:     imp.Loss,
		DelayMS:  millis(imp.Delay),
		JitterMS: millis(imp.Jitter),
		Rate:     imp.Rate,
		Seed:     imp.Seed,
	}
}

func (j ImpairmentJSON) impairment() Impairment {
	return Impairment{
		Loss:   j.Loss,
		Delay:  time.Duration(j.DelayMS * float64(time.Millisecond)),
		Jitter: time.Duration(j.JitterMS * float64(time.Millisecond)),
		Rate:   j.Rate,
		Seed:   j.Seed,
	}
}

// maxImpairmentBody bounds the body of POST /lab/api/impairment.
const maxImpairmentBody = 4 << 10

func (l *Lab) serveImpairment(w http.ResponseWriter, r *http.Request) {
	imp := l.impairer()
	if imp == nil {
		writeJSON(w, http.StatusConflict, jsonError{errNoLink})
		return
	}
	writeJSON(w, http.StatusOK, impairmentJSON(imp.Impairment()))
}

const errNoLink = "lab: nothing is impaired here (no link, which needs root, and no relay, which needs 127.0.0.1); nothing to change"

// setImpairment changes the link's impairment to the JSON body's. It
// wants Content-Type application/json, which a page of another site can
// send only after a CORS preflight that the lab does not answer.
func (l *Lab) setImpairment(w http.ResponseWriter, r *http.Request) {
	imp := l.impairer()
	if imp == nil {
		writeJSON(w, http.StatusConflict, jsonError{errNoLink})
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		writeJSON(w, http.StatusUnsupportedMediaType, jsonError{"lab: send the impairment as application/json"})
		return
	}
	var j ImpairmentJSON
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxImpairmentBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		writeJSON(w, http.StatusBadRequest, jsonError{fmt.Sprintf("lab: impairment: %v", err)})
		return
	}
	if err := imp.Set(j.impairment()); err != nil {
		writeJSON(w, http.StatusBadRequest, jsonError{err.Error()})
		return
	}
	l.cfg.logger().Info("lab: impairment changed", "impairment", imp.Impairment().String())
	writeJSON(w, http.StatusOK, impairmentJSON(imp.Impairment()))
}
