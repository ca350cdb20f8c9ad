package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest"
)

// TestLoad runs trio load against a real server over each protocol, trusting
// its CA through --cacert, and reads the --json result.
func TestLoad(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		w.Write([]byte("hello"))
	})
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
		t.Run(string(m), func(t *testing.T) {
			ts := triotest.New(t, m, h)
			ca := ts.Cert.Source.(*tlsconf.LocalCA).RootFile()
			var out, errOut bytes.Buffer
			args := []string{"load", "--proto", string(m), "-c", "2", "-m", "3", "-n", "60", "-d", "20s", "--cacert", ca, "--json", ts.URL + "/"}
			if code := run(context.Background(), args, &out, &errOut); code != exitOK {
				t.Fatalf("exit = %d; want 0 (stderr %q)", code, errOut.String())
			}
			var res struct {
				Requests int64            `json:"requests"`
				Errors   int64            `json:"errors"`
				Protos   map[string]int64 `json:"protocols"`
				Bytes    int64            `json:"body_bytes"`
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatalf("output %q: %v", out.String(), err)
			}
			if res.Requests != 60 || res.Errors != 0 || res.Protos[m.Proto()] != 60 || res.Bytes != 60*5 {
				t.Errorf("result %+v; want 60 requests of 5 bytes over %s, no errors", res, m.Proto())
			}
		})
	}
}

func TestLoadUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"load"},
		{"load", "--proto", "h9", "https://127.0.0.1:1/"},
		{"load", "-d", "0", "https://127.0.0.1:1/"},
		{"load", "-H", "novalue", "https://127.0.0.1:1/"},
		{"load", "--proto", "h3", "http://127.0.0.1:1/"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != exitUsage {
			t.Errorf("%q: exit = %d; want %d (stderr %q)", args, code, exitUsage, errOut.String())
		} else if !strings.HasPrefix(errOut.String(), "trio: ") && !strings.Contains(errOut.String(), "Usage") {
			t.Errorf("%q: stderr = %q; want a trio: line", args, errOut.String())
		}
	}
}
