package main

import (
	"io"
	"strings"
	"testing"

	"github.com/triohttp/trio"
)

func TestLimitFlags(t *testing.T) {
	f, err := parseServe([]string{"--max-conns", "5000", "--max-conns-per-ip", "-1", "--max-handshakes", "64", "--fd-reserve", "256"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var srv trio.Server
	f.limitFlags.apply(&srv)
	want := trio.Limits{MaxConns: 5000, MaxConnsPerIP: -1, MaxHandshakes: 64, FDReserve: 256}
	if srv.Limits != want {
		t.Errorf("Limits = %+v; want %+v", srv.Limits, want)
	}
	if _, err := parseServe([]string{"--max-conns-per-ip", "-2"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--max-conns-per-ip -2") {
		t.Errorf("--max-conns-per-ip -2: err = %v; want it refused", err)
	}
	_, err = parseServe([]string{"--config", "trio.toml", "--max-conns", "10"}, io.Discard)
	if want := "--max-conns: set max_conns in [limits] in trio.toml instead"; err == nil || err.Error() != want {
		t.Errorf("--max-conns with --config: err = %v; want %q", err, want)
	}
}
