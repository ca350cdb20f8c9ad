package main

import (
	"flag"
	"fmt"

	"github.com/triohttp/trio"
)

// limitFlags are `trio serve`'s connection limits (trio.Limits; the
// [limits] table with --config). 0 means trio's default, -1 no limit.
type limitFlags struct {
	maxConns, maxConnsPerIP, maxHandshakes, fdReserve int
}

// limitConfigKeys names each limit flag's key in the config file.
var limitConfigKeys = map[string]string{
	"max-conns":        "max_conns in [limits]",
	"max-conns-per-ip": "max_conns_per_ip in [limits]",
	"max-handshakes":   "max_handshakes in [limits]",
	"fd-reserve":       "fd_reserve in [limits]",
}

func (l *limitFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&l.maxConns, "max-conns", 0, "most TCP and QUIC connections open at once; -1 for no limit (default: the open-file limit minus --fd-reserve)")
	fs.IntVar(&l.maxConnsPerIP, "max-conns-per-ip", 0, fmt.Sprintf("most connections from one client address (IPv6: its /64); -1 for no limit (default %d)", trio.DefaultMaxConnsPerIP))
	fs.IntVar(&l.maxHandshakes, "max-handshakes", 0, fmt.Sprintf("most TLS handshakes in progress at once; -1 for no limit (default %d)", trio.DefaultMaxHandshakes))
	fs.IntVar(&l.fdReserve, "fd-reserve", 0, fmt.Sprintf("file descriptors kept free of connections, for files and upstreams (default %d)", trio.DefaultFDReserve))
}

// check refuses values below -1.
func (l *limitFlags) check() error {
	for _, f := range []struct {
		name string
		v    int
	}{
		{"--max-conns", l.maxConns}, {"--max-conns-per-ip", l.maxConnsPerIP},
		{"--max-handshakes", l.maxHandshakes}, {"--fd-reserve", l.fdReserve},
	} {
		if f.v < -1 {
			return fmt.Errorf("%s %d: want -1 (no limit), 0 (the default) or more", f.name, f.v)
		}
	}
	return nil
}

// apply sets srv's limits from the flags.
func (l *limitFlags) apply(srv *trio.Server) {
	srv.Limits.MaxConns = l.maxConns
	srv.Limits.MaxConnsPerIP = l.maxConnsPerIP
	srv.Limits.MaxHandshakes = l.maxHandshakes
	srv.Limits.FDReserve = l.fdReserve
}
