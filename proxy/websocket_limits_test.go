package proxy

import (
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/triohttp/trio/triotest"
	"github.com/triohttp/trio/ws"
)

// TestWebSocketMemory: a 128 MiB frame each way goes through the proxy
// with the heap of the whole test (client, proxy, backend) growing by less
// than 64 MiB: the relay copies payloads, it never holds a frame.
func TestWebSocketMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 256 MiB per mode")
	}
	for _, m := range wsClientModes {
		t.Run(string(m), func(t *testing.T) { testWebSocketMemory(t, m) })
	}
}

const bigFrame = 128 << 20

func testWebSocketMemory(t *testing.T, m triotest.Mode) {
	got := make(chan int64, 1)
	backend := wsBackend(t, "h1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := ws.AcceptStream(w, r, nil)
		if err != nil {
			return
		}
		defer s.Close()
		var h frameHeader
		if err := readFrameHeader(s, &h); err != nil {
			t.Errorf("backend: %v", err)
			return
		}
		n, _ := io.CopyN(io.Discard, s, h.length)
		got <- n
		writeBig(t, s, nil)
		readExactly(t, "backend", s, rawFrame(true, false, 0x8, []byte{0x03, 0xe8}, []byte{5, 6, 7, 8}))
		s.Write(rawFrame(true, false, 0x8, []byte{0x03, 0xe8}, nil))
		io.Copy(io.Discard, s)
	}))
	ts := wsFront(t, m, poolOf(t, backend))
	s, _ := wsDialStream(t, ts, "/", nil)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	start := time.Now()
	writeBig(t, s, []byte{1, 2, 3, 4})
	if n := <-got; n != bigFrame {
		t.Fatalf("backend got %d payload bytes; want %d", n, bigFrame)
	}
	var h frameHeader
	if err := readFrameHeader(s, &h); err != nil || h.length != bigFrame {
		t.Fatalf("client: header %+v, %v; want a %d-byte frame", h, err, bigFrame)
	}
	if n, err := io.CopyN(io.Discard, s, h.length); n != bigFrame {
		t.Fatalf("client got %d payload bytes, %v", n, err)
	}
	close(stop)
	<-sampled
	s.Write(rawFrame(true, false, 0x8, []byte{0x03, 0xe8}, []byte{5, 6, 7, 8}))
	readExactly(t, "client", s, rawFrame(true, false, 0x8, []byte{0x03, 0xe8}, nil))
	grew := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("%s: 2 x %d MiB in %v; heap in use grew by %.1f MiB at most", m, bigFrame>>20, time.Since(start).Round(time.Millisecond), float64(grew)/(1<<20))
	if grew > 64<<20 {
		t.Errorf("heap in use grew by %d MiB; want under 64", grew>>20)
	}
}

// writeBig writes one binary frame of bigFrame bytes, masked with key if
// not nil, in 256 KiB writes.
func writeBig(t testing.TB, w io.Writer, key []byte) {
	hdr := []byte{0x82, 127}
	hdr = binary.BigEndian.AppendUint64(hdr, bigFrame)
	if key != nil {
		hdr[1] |= 0x80
		hdr = append(hdr, key...)
	}
	if _, err := w.Write(hdr); err != nil {
		t.Errorf("write: %v", err)
		return
	}
	chunk := make([]byte, 256<<10)
	for sent := 0; sent < bigFrame; sent += len(chunk) {
		if _, err := w.Write(chunk); err != nil {
			t.Errorf("write at %d: %v", sent, err)
			return
		}
	}
}

// TestWebSocketStalledClient: a client that stops reading is dropped when
// a write to it stalls for relayWriteTimeout; the backend, which kept
// writing, gets 1001.
func TestWebSocketStalledClient(t *testing.T) {
	old := relayWriteTimeout
	relayWriteTimeout = 300 * time.Millisecond
	t.Cleanup(func() { relayWriteTimeout = old })
	for _, m := range wsClientModes {
		t.Run(string(m), func(t *testing.T) {
			ended := make(chan *ws.CloseError, 1)
			backend := wsBackend(t, "h1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				c, err := ws.Accept(w, r, nil)
				if err != nil {
					return
				}
				defer c.CloseNow()
				go func() {
					msg := make([]byte, 64<<10)
					for c.WriteMessage(ws.MessageBinary, msg) == nil {
					}
				}()
				_, _, err = c.ReadMessage()
				var ce *ws.CloseError
				errors.As(err, &ce)
				ended <- ce
			}))
			ts := wsFront(t, m, poolOf(t, backend))
			wsDialStream(t, ts, "/", nil) // and never read
			if ce := closeErr(t, ended); ce.Code != ws.StatusGoingAway || !ce.Remote {
				t.Errorf("backend saw %v; want 1001 from the proxy", ce)
			}
		})
	}
}
