package h2

import (
	"bytes"
	"net"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// rawClient speaks HTTP/2 frame by frame to a cleartext test server. It
// never acknowledges the server's SETTINGS: writes come only from the test.
type rawClient struct {
	t      testing.TB
	nc     net.Conn
	fr     *http2.Framer
	enc    *hpack.Encoder
	encBuf bytes.Buffer
	frames chan rawFrame // frames read from the server; closed at EOF
}

// rawFrame summarises a frame received by rawClient.
type rawFrame struct {
	typ    http2.FrameType
	stream uint32
	code   http2.ErrCode // RST_STREAM and GOAWAY
	status string        // HEADERS
	data   int           // DATA length
	end    bool
}

func newRawClient(t testing.TB, addr string, settings ...http2.Setting) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	rc := &rawClient{t: t, nc: nc, frames: make(chan rawFrame, 1<<16)}
	rc.fr = http2.NewFramer(nc, nc)
	rc.fr.AllowIllegalWrites = true
	rc.enc = hpack.NewEncoder(&rc.encBuf)
	nc.Write([]byte(clientPreface))
	rc.fr.WriteSettings(settings...)
	go rc.readLoop()
	return rc
}

func (rc *rawClient) readLoop() {
	defer close(rc.frames)
	fr := http2.NewFramer(nil, rc.nc)
	fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			return
		}
		rf := rawFrame{typ: f.Header().Type, stream: f.Header().StreamID}
		switch f := f.(type) {
		case *http2.RSTStreamFrame:
			rf.code = f.ErrCode
		case *http2.GoAwayFrame:
			rf.code = f.ErrCode
		case *http2.MetaHeadersFrame:
			rf.status, rf.end = f.PseudoValue("status"), f.StreamEnded()
		case *http2.DataFrame:
			rf.data, rf.end = len(f.Data()), f.StreamEnded()
		}
		select {
		case rc.frames <- rf:
		default: // a flood test not reading: drop
		}
	}
}

// headers sends a request HEADERS frame on stream id.
func (rc *rawClient) headers(id uint32, end bool, extra ...string) {
	rc.encBuf.Reset()
	pseudo := []string{":method", "GET", ":scheme", "http", ":authority", "x", ":path", "/"}
	for i := 0; i+1 < len(extra); i += 2 { // extra pseudo-fields replace defaults
		for j := 0; j < len(pseudo); j += 2 {
			if pseudo[j] == extra[i] {
				pseudo[j+1], extra[i] = extra[i+1], ""
			}
		}
	}
	fields := append(pseudo, extra...)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] != "" {
			rc.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]})
		}
	}
	rc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: rc.encBuf.Bytes(), EndStream: end, EndHeaders: true})
}

// waitFor returns the first frame matching ok, failing after 10 seconds
// or at EOF.
func (rc *rawClient) waitFor(what string, ok func(rawFrame) bool) rawFrame {
	rc.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case f, open := <-rc.frames:
			if !open {
				rc.t.Fatalf("connection closed waiting for %s", what)
			}
			if ok(f) {
				return f
			}
		case <-timeout:
			rc.t.Fatalf("timeout waiting for %s", what)
		}
	}
}

// waitGoAway waits for a GOAWAY and returns its code.
func (rc *rawClient) waitGoAway() http2.ErrCode {
	rc.t.Helper()
	return rc.waitFor("GOAWAY", func(f rawFrame) bool { return f.typ == http2.FrameGoAway }).code
}
