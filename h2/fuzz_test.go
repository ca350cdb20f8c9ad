package h2

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// fuzzSeeds are valid client frame sequences, preface first.
func fuzzSeeds() [][]byte {
	var seeds [][]byte
	enc := func(fields ...string) []byte {
		var b bytes.Buffer
		e := hpack.NewEncoder(&b)
		for i := 0; i+1 < len(fields); i += 2 {
			e.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
		return b.Bytes()
	}
	get := enc(":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/")
	post := enc(":method", "POST", ":scheme", "https", ":authority", "a", ":path", "/p", "content-length", "5")
	connect := enc(":method", "CONNECT", ":protocol", "websocket", ":scheme", "https", ":authority", "a", ":path", "/ws")
	for _, script := range []func(fr *http2.Framer){
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: get, EndStream: true, EndHeaders: true})
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: post, EndHeaders: true})
			fr.WriteData(1, false, []byte("hel"))
			fr.WriteWindowUpdate(0, 1000)
			fr.WriteData(1, true, []byte("lo"))
			fr.WritePing(false, [8]byte{1})
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: get[:2], EndHeaders: false})
			fr.WriteContinuation(1, true, get[2:])
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 3, BlockFragment: get, EndHeaders: true})
			fr.WriteRSTStream(3, http2.ErrCodeCancel)
			fr.WritePriority(5, http2.PriorityParam{StreamDep: 1, Weight: 10})
			fr.WriteGoAway(0, http2.ErrCodeNo, nil)
		},
		func(fr *http2.Framer) {
			fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: connect, EndHeaders: true})
			fr.WriteData(1, false, []byte("ping"))
			fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 1})
			fr.WriteData(1, true, nil)
		},
	} {
		var b bytes.Buffer
		b.WriteString(clientPreface)
		fr := http2.NewFramer(&b, nil)
		fr.WriteSettings(http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 14})
		script(fr)
		seeds = append(seeds, b.Bytes())
	}
	return seeds
}

// FuzzServeConn feeds arbitrary bytes to a connection: the engine must not
// panic or hang, must leave no goroutine behind and must not pin memory.
func FuzzServeConn(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, io.LimitReader(r.Body, 1<<16))
		w.Write([]byte("ok"))
	})
	cfg := &Config{IdleTimeout: time.Second, StallTimeout: time.Second, PingTimeout: 100 * time.Millisecond}
	base := runtime.NumGoroutine()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		cnet, snet := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			cfg.ServeConn(context.Background(), snet, h, nil)
		}()
		go io.Copy(io.Discard, cnet)
		cnet.SetWriteDeadline(time.Now().Add(3 * time.Second))
		cnet.Write(data)
		cnet.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("ServeConn did not return after the client closed")
		}
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		if metrics.Read(sample); sample[0].Value.Uint64() > 512<<20 {
			t.Fatalf("heap holds %d bytes after one connection", sample[0].Value.Uint64())
		}
		for i := 0; runtime.NumGoroutine() > base+4; i++ {
			if i == 100 {
				t.Fatalf("%d goroutines left; started with %d", runtime.NumGoroutine(), base)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}
