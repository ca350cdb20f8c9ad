package conformance

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/quic-go/quic-go"
	"golang.org/x/net/http2"

	"github.com/triohttp/trio"
	"github.com/triohttp/trio/h2"
	"github.com/triohttp/trio/triotest/testcert"
)

// rawH2Server speaks just enough cleartext HTTP/2 to be checked: it sends
// settings and resets every stream with REFUSED_STREAM.
func rawH2Server(settings ...http2.Setting) func(c net.Conn) {
	return func(c net.Conn) {
		preface := make([]byte, len(http2.ClientPreface))
		if _, err := io.ReadFull(c, preface); err != nil {
			return
		}
		fr := http2.NewFramer(c, c)
		fr.WriteSettings(settings...)
		for {
			f, err := fr.ReadFrame()
			if err != nil {
				return
			}
			switch f := f.(type) {
			case *http2.SettingsFrame:
				if !f.IsAck() {
					fr.WriteSettingsAck()
				}
			case *http2.HeadersFrame:
				fr.WriteRSTStream(f.StreamID, http2.ErrCodeRefusedStream)
			}
		}
	}
}

// TestBrokenH2 runs the extended CONNECT checks against raw servers that
// get them wrong, and h2spec against Go's built-in HTTP/2 server, which
// fails a few of its cases.
func TestBrokenH2(t *testing.T) {
	t.Parallel()
	noH2spec := &Options{H2Spec: "/nonexistent/h2spec"}
	badValue := rawServer(t, rawH2Server(http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 2}))
	refusing := rawServer(t, rawH2Server(http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1}))
	reps := []*Report{
		runSuite(t, "http://"+badValue+"/", "h2", noH2spec),
		runSuite(t, "http://"+refusing+"/", "h2", noH2spec),
	}
	if r, _ := reps[0].Lookup("h2/h2spec"); r.Status != Skip {
		t.Errorf("h2spec at a missing path: %s; want SKIP", r)
	}
	if _, err := h2specPath(&Options{}); err == nil {
		ts := startTrio(t, func(s *trio.Server) { s.H2.Engine = h2.EngineStd })
		std := runSuite(t, "http://"+ts.Addrs.Cleartext[0].Addr().String()+gateFile, "h2", nil)
		n := 0
		for _, r := range std.Results {
			if r.Status == Fail && strings.Count(r.ID, "/") > 1 { // an h2spec case
				n++
			}
		}
		if n == 0 {
			t.Errorf("h2spec found no failure in Go's built-in HTTP/2 server: %s", std.Summary())
		}
		reps = append(reps, std)
	} else if os.Getenv("CI") == "true" {
		t.Fatal(err)
	}
	requireEachFails(t, "h2", map[string]bool{}, reps...)
}

// rawH3Server accepts QUIC connections and runs serve on each.
func rawH3Server(t *testing.T, cert *testcert.Cert, serve func(c *quic.Conn)) string {
	t.Helper()
	tc := cert.Source.TLSConfig().Clone()
	tc.NextProtos = []string{"h3"}
	l, err := quic.ListenAddr("127.0.0.1:0", tc, &quic.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept(context.Background())
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().String()
}

// laxH3 sends SETTINGS with an HTTP/2 setting and an invalid
// ENABLE_CONNECT_PROTOCOL, ignores everything the client does on its own
// streams, and answers the first HEADERS on any request stream with 200.
func laxH3(c *quic.Conn) {
	ctrl, err := c.OpenUniStream()
	if err != nil {
		return
	}
	ctrl.Write(append([]byte{streamControl}, appendSettings(nil, settingH2Push, 1, settingConnect, 2)...))
	go func() {
		for {
			s, err := c.AcceptUniStream(context.Background())
			if err != nil {
				return
			}
			go io.Copy(io.Discard, s)
		}
	}()
	for {
		s, err := c.AcceptStream(context.Background())
		if err != nil {
			return
		}
		go func() {
			for {
				f, err := readFrame(s, maxRequestFrame)
				if err != nil {
					return
				}
				if f.typ == frameHeaders {
					s.Write(headersFrame(hf{":status", "200"}))
					s.Write(appendFrame(nil, frameData, []byte("ok")))
					s.Close()
					io.Copy(io.Discard, s)
					return
				}
			}
		}()
	}
}

// refusingH3 offers extended CONNECT and rejects every request stream.
func refusingH3(c *quic.Conn) {
	ctrl, err := c.OpenUniStream()
	if err != nil {
		return
	}
	ctrl.Write(append([]byte{streamControl}, appendSettings(nil, settingConnect, 1)...))
	for {
		s, err := c.AcceptStream(context.Background())
		if err != nil {
			return
		}
		s.CancelRead(0x10b) // H3_REQUEST_REJECTED
		s.CancelWrite(0x10b)
	}
}

func TestBrokenH3(t *testing.T) {
	t.Parallel()
	cert := testcert.New(t)
	lax := rawH3Server(t, cert, laxH3)
	refusing := rawH3Server(t, cert, refusingH3)
	opts := func(addr string) *Options {
		return &Options{RootCAs: cert.Pool, H3Addr: addr}
	}
	requireEachFails(t, "h3", nil,
		runSuite(t, "https://"+lax+"/", "h3", opts(lax)),
		runSuite(t, "https://"+refusing+"/", "h3", opts(refusing)))
}
