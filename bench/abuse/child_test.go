package abuse

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/observe"
	"github.com/triohttp/trio/tlsconf"
)

// Environment of the child process: the server under attack.
const (
	envChild  = "TRIO_ABUSE_CHILD"  // set means "be the server"
	envCA     = "TRIO_ABUSE_CA"     // the local CA's directory
	envNofile = "TRIO_ABUSE_NOFILE" // RLIMIT_NOFILE of the child, if set
	envSet    = "TRIO_ABUSE_SET"    // field=value;... set on trio.Server by reflection
)

// addrs is what the child prints on its first line of stdout.
type addrs struct {
	TLS   string // TCP, HTTP/1.1 and HTTP/2
	QUIC  string // UDP, HTTP/3
	Stats string // cleartext, GET /stats
}

// stats is what the child's GET /stats answers.
type stats struct {
	HeapLive   uint64            // bytes live after a GC
	Goroutines int               // runtime.NumGoroutine
	FDs        int               // entries of /proc/self/fd
	RSS        uint64            // bytes, VmRSS of /proc/self/status
	LimitHits  map[string]uint64 // trio_limit_hits_total by limit
	Nofile     uint64            // soft RLIMIT_NOFILE
}

// childMain serves until stdin closes: the parent's death or its Close.
func childMain() int {
	if err := serveChild(); err != nil {
		fmt.Fprintln(os.Stderr, "abuse child:", err)
		return 1
	}
	return 0
}

func serveChild() error {
	if n := os.Getenv(envNofile); n != "" {
		v, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			return err
		}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: v, Max: v}); err != nil {
			return err
		}
	}
	metrics := observe.NewMetrics()
	srv := &trio.Server{
		Addr:     "127.0.0.1:0",
		Handler:  goodHandler(),
		TLS:      &tlsconf.LocalCA{Dir: os.Getenv(envCA), Logger: slog.New(slog.DiscardHandler)},
		Logger:   slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Observer: metrics,
	}
	if err := setFields(srv, os.Getenv(envSet)); err != nil {
		return err
	}
	ls, err := srv.Listen()
	if err != nil {
		return err
	}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(readStats(metrics))
	})
	mux.HandleFunc("/goroutines", func(w http.ResponseWriter, r *http.Request) {
		pprof.Lookup("goroutine").WriteTo(w, 1)
	})
	go http.Serve(sl, mux)
	a := addrs{TLS: ls.TLS[0].Addr().String(), QUIC: ls.QUIC[0].LocalAddr().String(), Stats: sl.Addr().String()}
	if err := json.NewEncoder(os.Stdout).Encode(a); err != nil {
		return err
	}
	go func() {
		io.Copy(io.Discard, os.Stdin)
		srv.Close()
	}()
	if err := srv.ServeListeners(ls); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// goodHandler answers the good client's GET / and reads the body of a
// POST /upload to its end; a body that fails to arrive is left to the
// engine to answer (408 before a response started). GET /block works for
// a second whether or not its client is still there.
func goodHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second) // a handler that does not watch its context
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return
		}
		fmt.Fprintf(w, "%d\n", n)
	})
	return mux
}

// setFields sets fields of srv named by a path such as "H1.ReadHeaderTimeout"
// from spec, "path=value;path=value": a limit the suite shortens so that an
// attack ends in seconds. A field that does not exist is an error naming
// it, so a limit not built yet fails its case rather than vanishing.
func setFields(srv *trio.Server, spec string) error {
	for kv := range strings.SplitSeq(spec, ";") {
		if kv == "" {
			continue
		}
		path, val, _ := strings.Cut(kv, "=")
		v := reflect.ValueOf(srv).Elem()
		for name := range strings.SplitSeq(path, ".") {
			v = v.FieldByName(name)
			if !v.IsValid() {
				return fmt.Errorf("trio.Server has no field %s (limit not built)", path)
			}
		}
		switch {
		case v.Type() == reflect.TypeOf(time.Duration(0)):
			d, err := time.ParseDuration(val)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			v.SetInt(int64(d))
		case v.CanInt():
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			v.SetInt(n)
		case v.CanUint():
			n, err := strconv.ParseUint(val, 10, 64)
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			v.SetUint(n)
		default:
			return fmt.Errorf("%s: cannot set a %s", path, v.Type())
		}
	}
	return nil
}

func readStats(m *observe.Metrics) stats {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	st := stats{HeapLive: ms.HeapAlloc, Goroutines: runtime.NumGoroutine(), LimitHits: map[string]uint64{}}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		st.FDs = len(ents)
	}
	st.RSS = procRSS("/proc/self/status")
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) == nil {
		st.Nofile = r.Cur
	}
	fams, _ := m.Registry().Gather()
	for _, f := range fams {
		if f.GetName() != "trio_limit_hits_total" {
			continue
		}
		for _, mt := range f.GetMetric() {
			for _, l := range mt.GetLabel() {
				if l.GetName() == "limit" {
					st.LimitHits[l.GetValue()] = uint64(mt.GetCounter().GetValue())
				}
			}
		}
	}
	return st
}

// procRSS reads VmRSS from a /proc/<pid>/status file, in bytes.
func procRSS(path string) uint64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
