package h3_test

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/quicvarint"

	"github.com/triohttp/trio/h3"
)

// Test0RTT: with Allow0RTT, a POST sent in 0-RTT data is answered 425
// Too Early and a GET is served; without it, the server refuses 0-RTT.
// The engine cannot see which packet carried a request: one it reads
// after the handshake completed counts as not early, so a POST may get
// 200 when the handshake wins the race; a few tries must see a 425.
func Test0RTT(t *testing.T) {
	saw425 := false
	for i, allow := range []bool{false, true, true, true, true, true} {
		if saw425 {
			break
		}
		ts := newTestServer(t, h3.EngineTrio, echoHandler, h3.Config{Allow0RTT: allow})
		tlsConf := ts.cert.ClientTLS("h3")
		tlsConf.ClientSessionCache = tls.NewLRUClientSessionCache(1)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		qc, err := quic.DialAddr(ctx, ts.addr, tlsConf, nil)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // the session ticket comes after the handshake
		qc.CloseWithError(0x100, "")

		qc, err = quic.DialAddrEarly(ctx, ts.addr, tlsConf, nil)
		if err != nil {
			t.Fatal(err)
		}
		c := &rawConn{qc: qc}
		postCode, postAnswer := c.streamCode(t, post(ts))
		getCode, getAnswer := c.streamCode(t, headers(":method", "GET", ":scheme", "https", ":authority", ts.addr, ":path", "/"))
		used := qc.ConnectionState().Used0RTT
		qc.CloseWithError(0x100, "")
		if used != allow {
			t.Errorf("Allow0RTT %v: Used0RTT = %v", allow, used)
		}
		if !allow {
			continue
		}
		switch got := statusOf(postAnswer); {
		case postCode == 0 && got == "425":
			saw425 = true
		case postCode != 0 || got != "200":
			t.Errorf("POST in 0-RTT (try %d): reset 0x%x, status %q; want 425 (or 200 if not early)", i, postCode, got)
		}
		if got := statusOf(getAnswer); getCode != 0 || got != "200" {
			t.Errorf("GET in 0-RTT: reset 0x%x, answer %q; want 200", getCode, getAnswer)
		}
	}
	if !saw425 {
		t.Error("no POST in 0-RTT was answered 425 in 5 tries")
	}
}

// statusOf decodes the :status of the HEADERS frame an answer starts with.
func statusOf(answer string) string {
	b := []byte(answer)
	typ, n, err := quicvarint.Parse(b)
	if err != nil || typ != 0x01 {
		return ""
	}
	l, m, err := quicvarint.Parse(b[n:])
	if err != nil || uint64(len(b)) < uint64(n+m)+l {
		return ""
	}
	next := qpack.NewDecoder().Decode(b[n+m : uint64(n+m)+l])
	for {
		f, err := next()
		if err != nil {
			return ""
		}
		if f.Name == ":status" {
			return f.Value
		}
	}
}
