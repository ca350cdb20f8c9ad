package h2

import (
	"bytes"
	"net"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

const testIdle = time.Minute

// idleTester is a connection served with IdleTimeout testIdle inside a
// synctest bubble: get sends a request (path /slow waits for release),
// state reports whether GOAWAY came and how many responses ended.
type idleTester struct {
	get     func(id uint32, path string)
	state   func() (*http2.GoAwayFrame, int)
	release chan struct{}
}

func newIdleTester(t *testing.T) *idleTester {
	it := &idleTester{release: make(chan struct{})}
	cfg := &Config{IdleTimeout: testIdle}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-it.release
		}
	})
	cn, sn := net.Pipe()
	t.Cleanup(func() { cn.Close() })
	go cfg.ServeConn(t.Context(), sn, h, nil)
	var mu sync.Mutex
	var goAway *http2.GoAwayFrame
	responses := 0
	go func() {
		fr := http2.NewFramer(nil, cn)
		fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			mu.Lock()
			switch f := f.(type) {
			case *http2.GoAwayFrame:
				goAway = f
			case *http2.MetaHeadersFrame:
				if f.StreamEnded() {
					responses++
				}
			case *http2.DataFrame:
				if f.StreamEnded() {
					responses++
				}
			}
			mu.Unlock()
		}
	}()
	fw := http2.NewFramer(cn, nil)
	cn.Write([]byte(clientPreface))
	fw.WriteSettings()
	it.get = func(id uint32, path string) {
		var buf bytes.Buffer
		enc := hpack.NewEncoder(&buf)
		for _, kv := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "a.test"}, {":path", path}} {
			enc.WriteField(hpack.HeaderField{Name: kv[0], Value: kv[1]})
		}
		fw.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: buf.Bytes(), EndStream: true, EndHeaders: true})
	}
	it.state = func() (*http2.GoAwayFrame, int) {
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		return goAway, responses
	}
	return it
}

// checkIdleGoAway checks the idle GOAWAY naming stream last.
func checkIdleGoAway(t *testing.T, f *http2.GoAwayFrame, last uint32) {
	t.Helper()
	if f == nil {
		t.Fatal("no GOAWAY")
	}
	if f.ErrCode != http2.ErrCodeNo || f.LastStreamID != last || string(f.DebugData()) != "idle" {
		t.Errorf("GOAWAY %v last stream %d %q; want NO_ERROR, %d, idle", f.ErrCode, f.LastStreamID, f.DebugData(), last)
	}
}

// TestIdleTimeout: the GOAWAY for IdleTimeout comes IdleTimeout after the
// last stream closed, never while a handler runs however long, in fake
// time.
func TestIdleTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		it := newIdleTester(t)
		it.get(1, "/")
		time.Sleep(testIdle / 2)
		it.get(3, "/slow") // idle for half the timeout, then busy
		time.Sleep(3 * testIdle)
		if ga, n := it.state(); ga != nil || n != 1 {
			t.Fatalf("after 3 x IdleTimeout with a handler running: GOAWAY %v, %d responses; want none, 1", ga, n)
		}
		close(it.release)
		time.Sleep(testIdle - time.Second)
		if ga, n := it.state(); ga != nil || n != 2 {
			t.Fatalf("IdleTimeout - 1s after the last response: GOAWAY %v, %d responses; want none, 2", ga, n)
		}
		time.Sleep(2 * time.Second)
		ga, _ := it.state()
		checkIdleGoAway(t, ga, 3)
	})
}

// TestIdleTimeoutRestarts: a stream that opens and closes while the idle
// timer is armed moves the GOAWAY to IdleTimeout after it.
func TestIdleTimeoutRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		it := newIdleTester(t)
		it.get(1, "/")
		time.Sleep(testIdle / 2)
		it.get(3, "/")
		time.Sleep(testIdle - time.Second)
		if ga, n := it.state(); ga != nil || n != 2 {
			t.Fatalf("IdleTimeout - 1s after the second response: GOAWAY %v, %d responses; want none, 2", ga, n)
		}
		time.Sleep(2 * time.Second)
		ga, _ := it.state()
		checkIdleGoAway(t, ga, 3)
	})
}
