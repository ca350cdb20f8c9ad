package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/ws"
)

// serveEnv, set to a local CA's directory, makes the process the server
// of a soak instead of its driver.
const serveEnv = "TRIO_SOAK_SERVE"

// serverStats are what the server says of itself at /stats.
type serverStats struct {
	HeapLive   uint64 `json:"heap_live"`   // live heap at the last GC
	HeapInUse  uint64 `json:"heap_in_use"` // heap objects, garbage not yet swept included
	Goroutines uint64 `json:"goroutines"`
	GCs        uint64 `json:"gcs"`
	WebSockets int64  `json:"websockets"` // open on the server
	Returned   uint64 `json:"returned"`   // bytes handed back to the OS by trio after bursts
}

var statNames = []string{
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/sched/goroutines:goroutines",
	"/gc/cycles/total:gc-cycles",
}

// serve runs the soak's server until stdin closes: HTTPS and HTTP/3 on
// 127.0.0.1 with the local CA in dir. Its first line on stdout is
// "addrs TCP UDP".
func serve(dir string, stdin io.Reader, stdout, stderr io.Writer) int {
	raiseNoFile()
	var st struct{ ws, returned atomic.Int64 }
	small := bytes.Repeat([]byte("s"), 1<<10)
	big := bytes.Repeat([]byte("b"), 64<<10)
	mux := http.NewServeMux()
	mux.HandleFunc("/small", func(w http.ResponseWriter, r *http.Request) { w.Write(small) })
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { w.Write(big) })
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) { io.Copy(w, r.Body) })
	mux.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		st.ws.Add(1)
		defer st.ws.Add(-1)
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		ss := make([]metrics.Sample, len(statNames))
		for i, n := range statNames {
			ss[i].Name = n
		}
		metrics.Read(ss)
		json.NewEncoder(w).Encode(serverStats{
			HeapLive: ss[0].Value.Uint64(), HeapInUse: ss[1].Value.Uint64(),
			Goroutines: ss[2].Value.Uint64(), GCs: ss[3].Value.Uint64(),
			WebSockets: st.ws.Load(), Returned: uint64(st.returned.Load()),
		})
	})
	srv := &trio.Server{
		Addr:    "127.0.0.1:0",
		Handler: mux,
		TLS:     &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)},
		Logger:  slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
		// The driver's connections all come from 127.0.0.1.
		Limits: trio.Limits{MaxConnsPerIP: -1},
	}
	srv.Observer = returnCounter{&st.returned}
	ls, err := srv.Listen()
	if err != nil {
		fmt.Fprintf(stderr, "soak server: %v\n", err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- srv.ServeListeners(ls) }()
	fmt.Fprintf(stdout, "addrs %s %s\n", ls.TLS[0].Addr(), ls.QUIC[0].LocalAddr())
	io.Copy(io.Discard, stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err := <-served; err != nil && !strings.Contains(err.Error(), "closed") {
		fmt.Fprintf(stderr, "soak server: %v\n", err)
		return 1
	}
	return 0
}

// returnCounter is a trio.Observer that only counts the memory trio hands
// back to the OS.
type returnCounter struct{ n *atomic.Int64 }

func (returnCounter) ConnOpened(trio.Protocol)      {}
func (returnCounter) ConnClosed(trio.Protocol)      {}
func (returnCounter) StreamOpened(trio.Protocol)    {}
func (returnCounter) StreamClosed(trio.Protocol)    {}
func (returnCounter) TLSHandshake(string, error)    {}
func (c returnCounter) MemoryReturned(bytes uint64) { c.n.Add(int64(bytes)) }

// raiseNoFile raises the open-file limit to its hard limit, ignoring
// failure: the soak needs a few hundred descriptors.
func raiseNoFile() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
