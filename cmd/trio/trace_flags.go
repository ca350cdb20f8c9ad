package main

import (
	"errors"
	"flag"
	"io"

	"github.com/triohttp/trio"
)

// traceFlags are the protocol microscope's flags of `trio serve`.
type traceFlags struct {
	trace bool   // --trace
	qlog  string // --qlog DIR
}

func (t *traceFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.trace, "trace", false, "print every connection's frames as they happen: HTTP/2 frames (trio's engine), HTTP/3 frames and QUIC packets (sent, received, lost)")
	fs.StringVar(&t.qlog, "qlog", "", "write a qlog file per HTTP/3 connection into `DIR`, for qvis (https://qvis.quictools.info)")
}

// errTraceConfig refuses the microscope with --config, whose sites a
// Runner builds.
var errTraceConfig = errors.New("--trace and --qlog go without --config")

// apply sets srv's tracing hooks: lines on w, qlog files in the --qlog
// directory (created if missing). errLog gets what cannot be traced.
func (t *traceFlags) apply(srv *trio.Server, w, errLog io.Writer) error {
	if t.qlog != "" {
		if err := prepareQlogDir(t.qlog); err != nil {
			return err
		}
	}
	var p *tracePrinter
	if t.trace {
		p = &tracePrinter{w: w}
		srv.H2.Trace = p.h2
	}
	if p != nil || t.qlog != "" {
		srv.H3.Tracer = h3Tracer(p, t.qlog, errLog)
	}
	return nil
}

// on reports whether a microscope flag was given.
func (t *traceFlags) on() bool { return t.trace || t.qlog != "" }
