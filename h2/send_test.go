package h2

import (
	"bytes"
	"net"
	"net/http"
	"runtime"
	"testing"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// TestLargeResponseAllocs: the write path reuses its buffers, so serving
// 10 MiB responses allocates a small fraction of their size (handler bytes
// are copied once, into a fixed-size write buffer).
func TestLargeResponseAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	const size, reqs = 10 << 20, 4
	body := bytes.Repeat([]byte("a"), size)
	ts := newTestServer(t, h2cTrio, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(body)
	}), nil)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fr := http2.NewFramer(nc, nc)
	fr.SetReuseFrames()
	nc.Write([]byte(clientPreface))
	fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: maxWindow},
		http2.Setting{ID: http2.SettingMaxFrameSize, Val: 1 << 20})
	fr.WriteWindowUpdate(0, maxWindow-defaultWindow)
	var hb bytes.Buffer
	enc := hpack.NewEncoder(&hb)
	for _, kv := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}} {
		enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
	}
	get := func(id uint32) {
		t.Helper()
		fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: hb.Bytes(), EndStream: true, EndHeaders: true})
		n := 0
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				t.Fatalf("stream %d: %v after %d bytes", id, err, n)
			}
			if d, ok := f.(*http2.DataFrame); ok && d.StreamID == id {
				n += len(d.Data())
				if d.StreamEnded() {
					break
				}
			}
		}
		if n != size {
			t.Fatalf("stream %d: %d bytes; want %d", id, n, size)
		}
	}
	get(1) // warm up pools
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range reqs {
		get(uint32(3 + 2*i))
	}
	runtime.ReadMemStats(&after)
	perReq := (after.TotalAlloc - before.TotalAlloc) / reqs
	t.Logf("%d bytes allocated per 10 MiB response", perReq)
	if perReq > 256<<10 {
		t.Errorf("%d bytes allocated per 10 MiB response; want < 256 KiB", perReq)
	}
}
