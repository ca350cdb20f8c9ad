package lab

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzSetImpairment posts any body to /lab/api/impairment (on a lab whose
// HTTP/3 goes through a relay, as without root) and checks the answer: 200
// with the relay's new, valid impairment, or 400 with an error and the
// relay's impairment unchanged; never another status.
func FuzzSetImpairment(f *testing.F) {
	for _, s := range []string{
		`{"loss":0.2,"delay_ms":4}`,
		`{"loss":0.01,"delay_ms":20,"jitter_ms":5,"rate":125000,"seed":7}`,
		`{"loss":1.5}`,
		`{"delay_ms":1,"jitter_ms":2}`,
		`{"delay_ms":1e300}`,
		`{"rate":-1}`,
		`{"loss":0.1,"extra":1}`,
		`{}`, `[]`, `null`, ``, `{"loss":"x"}`,
	} {
		f.Add([]byte(s))
	}
	initial := Impairment{Loss: 0.01}
	relay, err := NewUDPRelay(initial, "127.0.0.1:9")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { relay.Close() })
	l := &Lab{relay: relay, cfg: Config{Log: slog.New(slog.DiscardHandler)}}
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := relay.Set(initial); err != nil {
			t.Fatal(err)
		}
		r := httptest.NewRequest("POST", "/lab/api/impairment", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		l.setImpairment(w, r)
		now := relay.Impairment()
		switch w.Code {
		case http.StatusOK:
			if err := now.validate(); err != nil {
				t.Fatalf("POST %q: 200, but the relay holds an invalid impairment: %v", body, err)
			}
			var got ImpairmentJSON
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got != impairmentJSON(now) {
				t.Errorf("POST %q: 200 %s (%v); want the relay's %+v", body, w.Body, err, impairmentJSON(now))
			}
		case http.StatusBadRequest:
			if now != initial {
				t.Errorf("POST %q: 400, but the relay's impairment changed to %+v", body, now)
			}
			var e jsonError
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error == "" {
				t.Errorf("POST %q: 400 %s; want a JSON error", body, w.Body)
			}
		default:
			t.Fatalf("POST %q: %d %s; want 200 or 400", body, w.Code, w.Body)
		}
	})
}
