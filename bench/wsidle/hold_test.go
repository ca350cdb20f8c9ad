package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// idle accepts a WebSocket and waits for the client to go.
var idle = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.ReadMessage()
})

func TestHold(t *testing.T) {
	for _, m := range []triotest.Mode{triotest.H1, triotest.H2, triotest.H3} {
		t.Run(string(m), func(t *testing.T) {
			ts := triotest.New(t, m, idle)
			addr := ts.TLSAddr().String()
			if m == triotest.H3 {
				addr = ts.Addrs.QUIC[0].LocalAddr().String()
			}
			o := &options{
				URL: "wss://" + addr + "/", HTTP: string(m), N: 25, Conns: 4, Parallel: 8,
				Hold: 10 * time.Millisecond, Timeout: 20 * time.Second, DialTimeout: 5 * time.Second,
				PID: os.Getpid(), TLS: ts.ClientTLS(),
			}
			var progress bytes.Buffer
			res, err := hold(context.Background(), o, &progress)
			if err != nil {
				t.Fatalf("hold: %v", err)
			}
			if res.Opened != 25 || res.Failed != 0 {
				t.Errorf("opened %d, failed %d (first error %v); want 25, 0", res.Opened, res.Failed, res.FirstErr)
			}
			wantConns := map[triotest.Mode]int{triotest.H1: 25, triotest.H2: 4, triotest.H3: 4}[m]
			if res.Conns != wantConns {
				t.Errorf("conns = %d; want %d", res.Conns, wantConns)
			}
			if line := res.String(); !strings.Contains(line, "bytes_per_conn=") {
				t.Errorf("result line %q has no bytes_per_conn", line)
			}
		})
	}
}

func TestHoldRefused(t *testing.T) {
	ts := triotest.New(t, triotest.H1, http.NotFoundHandler())
	o := &options{URL: "wss://" + ts.TLSAddr().String() + "/", HTTP: "h1", N: 3, Parallel: 1,
		Timeout: 5 * time.Second, DialTimeout: time.Second, TLS: ts.ClientTLS()}
	if _, err := hold(context.Background(), o, new(bytes.Buffer)); err == nil || !strings.Contains(err.Error(), "warm-up") {
		t.Errorf("hold against a 404: err = %v; want a warm-up error", err)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-http", "h4", "wss://127.0.0.1:1/"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "want h1, h2 or h3") {
		t.Errorf("run -http h4 = %d, stderr %q; want 2 and the versions", code, errb.String())
	}
	if code := run(context.Background(), nil, &out, &errb); code != 2 {
		t.Errorf("run with no URL = %d; want 2", code)
	}
}
