package abuse

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quic-go/qpack"
	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/quicvarint"
)

// h3Headers is a HEADERS frame of a GET for path.
func h3Headers(authority, path string) []byte {
	var b []byte
	enc := qpack.NewEncoder(appender{&b})
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", authority}, {":path", path}} {
		enc.WriteField(qpack.HeaderField{Name: f[0], Value: f[1]})
	}
	return append(quicvarint.Append(quicvarint.Append(nil, 0x01), uint64(len(b))), b...)
}

type appender struct{ b *[]byte }

func (a appender) Write(p []byte) (int, error) {
	*a.b = append(*a.b, p...)
	return len(p), nil
}

// TestH3RapidReset is HTTP/2's rapid reset over QUIC: a client opens
// request streams for a handler that does not watch its context and
// resets each at once (RESET_STREAM and STOP_SENDING), so that quic-go hands its stream
// credit back while the handler still runs. Past MaxIncomingStreams
// handlers its new streams are refused, and then the connection is
// closed with H3_EXCESSIVE_LOAD. Four attackers reconnect every 100 ms
// for 3 s.
func TestH3RapidReset(t *testing.T) {
	t.Setenv("QUIC_GO_DISABLE_RECEIVE_BUFFER_WARNING", "true")
	run(t, scenario{name: "h3 rapid reset", limits: []string{"max_streams"}, attack: func(t *testing.T, s *server) string {
		raddr, err := net.ResolveUDPAddr("udp", s.QUIC)
		if err != nil {
			t.Fatal(err)
		}
		req := h3Headers(s.QUIC, "/block")
		var got tally
		var streams atomic.Int64
		var wg sync.WaitGroup
		end := time.Now().Add(attackTime)
		for range h2Attackers {
			pc, err := net.ListenUDP("udp", &net.UDPAddr{IP: attackerIP(0)})
			if err != nil {
				t.Fatal(err)
			}
			tr := &quic.Transport{Conn: pc}
			wg.Go(func() {
				defer tr.Close()
				for first := true; first || time.Now().Before(end); first = false {
					next := time.Now().Add(h2Every)
					got.add(h3Reset(tr, raddr, s, req, end, &streams))
					time.Sleep(time.Until(next))
				}
			})
		}
		wg.Wait()
		return got.check(t, "h3 attacker connections", "H3_EXCESSIVE_LOAD") + fmt.Sprintf(" (%d streams)", streams.Load())
	}})
}

// h3Reset makes one attacker connection and returns how the server ended
// it, or "not cut off" if the connection lived on 1 s after the attack's
// end while resetting streams as fast as it could.
func h3Reset(tr *quic.Transport, raddr net.Addr, s *server, req []byte, end time.Time, streams *atomic.Int64) string {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	qc, err := tr.Dial(ctx, raddr, s.cert.ClientTLS("h3"), &quic.Config{})
	if err != nil {
		return "dial: " + shortErr(err)
	}
	defer qc.CloseWithError(0x100, "")
	if ctrl, err := qc.OpenUniStream(); err == nil {
		ctrl.Write([]byte{0x00, 0x04, 0x00}) // control stream, empty SETTINGS
	}
	for qc.Context().Err() == nil && time.Now().Before(end) {
		str, err := qc.OpenStreamSync(ctx)
		if err != nil {
			break
		}
		streams.Add(1)
		str.Write(req)
		str.CancelWrite(0x10c) // H3_REQUEST_CANCELLED, both ways
		str.CancelRead(0x10c)
	}
	select {
	case <-qc.Context().Done():
	case <-time.After(time.Until(end.Add(time.Second))):
		return "not cut off"
	}
	var ae *quic.ApplicationError
	if errors.As(context.Cause(qc.Context()), &ae) && ae.Remote {
		if ae.ErrorCode == 0x107 {
			return "H3_EXCESSIVE_LOAD"
		}
		return fmt.Sprintf("closed with 0x%x", uint64(ae.ErrorCode))
	}
	return "closed: " + shortErr(context.Cause(qc.Context()))
}
