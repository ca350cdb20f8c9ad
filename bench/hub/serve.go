package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/h1"
	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/ws"
)

// stats is what the -serve child reports of itself, after a GC.
type stats struct {
	Heap       int64 `json:"heap"`  // bytes of live Go heap objects
	Stack      int64 `json:"stack"` // bytes of goroutine stacks
	RSS        int64 `json:"rss"`
	Goroutines int   `json:"goroutines"`
	Members    int   `json:"members"`
}

func readStats() stats {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return stats{Heap: int64(ms.HeapAlloc), Stack: int64(ms.StackInuse), RSS: vmRSS(), Goroutines: runtime.NumGoroutine()}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}

// vmRSS returns this process's resident set, from /proc (0 elsewhere).
func vmRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// serve is the child of -mem and -ws: o.instances trio HTTP/1.1 servers on
// loopback, each with a Hub, on brokers of kind o.brokers[0]. It prints
// their addresses, then serves until ctx ends or stdin closes (the parent
// died).
func serve(ctx context.Context, o *options, stdout io.Writer) error {
	if o.profile != "" {
		runtime.MemProfileRate = 1 // every allocation, for exact differences
	}
	bs, stop, err := brokers(ctx, o.brokers[0], o.instances)
	if err != nil {
		return err
	}
	defer stop()
	var addrs []string
	for i, b := range bs {
		h := &hub.Hub{Broker: b, Instance: fmt.Sprint("instance-", i)}
		defer h.Close()
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &h1.Server{Handler: instanceMux(o, h)}
		go srv.Serve(l)
		defer srv.Close()
		addrs = append(addrs, l.Addr().String())
	}
	fmt.Fprintf(stdout, "listening %s\n", strings.Join(addrs, " "))
	stdin := make(chan struct{})
	go func() { io.Copy(io.Discard, bufio.NewReader(os.Stdin)); close(stdin) }()
	select {
	case <-ctx.Done():
	case <-stdin:
	}
	return nil
}

// instanceMux is one instance's handlers: WebSockets of each kind the
// benchmarks measure, /publish and /stats.
func instanceMux(o *options, h *hub.Hub) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/plain", func(w http.ResponseWriter, r *http.Request) {
		c, err := ws.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for range received { // as many as the members get
			if c.WriteMessage(ws.MessageBinary, make([]byte, o.size)) != nil {
				return
			}
		}
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return
			}
		}
	})
	chats := new(chatRoom)
	mux.HandleFunc("/chat", chats.serve)
	mux.HandleFunc("/member", func(w http.ResponseWriter, r *http.Request) { serveMember(h, w, r, true) })
	mux.HandleFunc("/ticker", func(w http.ResponseWriter, r *http.Request) { serveMember(h, w, r, false) })
	// /publish?n=N&sent=T publishes N messages, each carrying the time
	// (UnixNano) it was published at in its first 8 bytes, and T (when the
	// producer sent the request) in the next 8.
	mux.HandleFunc("/publish", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.FormValue("n"))
		sent, _ := strconv.ParseUint(r.FormValue("sent"), 10, 64)
		for range n {
			data := make([]byte, max(o.size, 16))
			binary.BigEndian.PutUint64(data, uint64(time.Now().UnixNano()))
			binary.BigEndian.PutUint64(data[8:], sent)
			if _, err := h.Publish(r.Context(), room, data); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			chats.broadcast(data)
		}
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, r *http.Request) {
		s := readStats()
		s.Members = h.Members(room) + chats.len()
		if name := r.FormValue("profile"); name != "" && o.profile != "" {
			if err := writeHeapProfile(filepath.Join(o.profile, "heap-"+filepath.Base(name)+".pprof")); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		json.NewEncoder(w).Encode(s)
	})
	return mux
}

// serveMember joins the room and writes what it takes to the WebSocket.
// With read, as the chat: the handler reads, a goroutine writes. Without,
// as the ticker: one goroutine writes, and learns of a closed connection
// when a write fails.
func serveMember(h *hub.Hub, w http.ResponseWriter, r *http.Request, read bool) {
	c, err := ws.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	m, err := h.Join(r.Context(), room, hub.Presence{Name: "bench"}, 0)
	if err != nil {
		c.Close(ws.StatusInternalError, "join")
		return
	}
	defer m.Leave()
	if !read {
		write(c, m)
		return
	}
	go write(c, m)
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}

func write(c *ws.Conn, m *hub.Member) {
	for {
		select {
		case <-m.Ready():
			msgs, ok := m.Take(nil) // no buffer kept between batches
			for _, msg := range msgs {
				c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				err := c.WriteMessage(ws.MessageBinary, msg.Data)
				c.SetWriteDeadline(time.Time{})
				if err != nil {
					c.CloseNow()
					return
				}
			}
			if !ok {
				c.Close(ws.StatusServiceRestart, "")
				return
			}
		case <-c.Done():
			return
		}
	}
}

// A chatRoom is demo.Chat's fan-out without the hub: a channel of 64
// messages per member, a writer goroutine each. /chat measures it, for
// comparison with /member.
type chatRoom struct {
	mu      sync.Mutex
	members map[chan []byte]struct{}
}

func (cr *chatRoom) len() int {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	return len(cr.members)
}

func (cr *chatRoom) broadcast(b []byte) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for out := range cr.members {
		select {
		case out <- b:
		default:
		}
	}
}

func (cr *chatRoom) serve(w http.ResponseWriter, r *http.Request) {
	c, err := ws.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	out := make(chan []byte, 64)
	cr.mu.Lock()
	if cr.members == nil {
		cr.members = make(map[chan []byte]struct{})
	}
	cr.members[out] = struct{}{}
	cr.mu.Unlock()
	defer func() {
		cr.mu.Lock()
		delete(cr.members, out)
		cr.mu.Unlock()
	}()
	go func() {
		for {
			select {
			case b := <-out:
				c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				err := c.WriteMessage(ws.MessageBinary, b)
				c.SetWriteDeadline(time.Time{})
				if err != nil {
					c.CloseNow()
					return
				}
			case <-c.Done():
				return
			}
		}
	}()
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}
