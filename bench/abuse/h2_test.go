package abuse

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// h2Attackers is how many attacker connections each HTTP/2 attack has
// open at once; each makes a new one every h2Every when cut off. The
// attacker shares the test machine's cores with the server, so it is
// paced: every TLS handshake it makes costs the server one too, and an
// unpaced loop of them would measure the machine, not the defence.
const (
	h2Attackers = 4
	h2Every     = 100 * time.Millisecond
)

// attackTime is how long the floods go on: long enough for the good
// client's p99 to be measured during them.
const attackTime = 3 * time.Second

// h2Flood runs frames on attacker connections, h2Attackers at a time, one
// after another for attackTime (at least rounds each), and asserts that the server ends every one with
// GOAWAY want within 10 s of the flood. It returns the table's answer.
func h2Flood(t *testing.T, s *server, rounds int, want http2.ErrCode, frames func(hc *h2Conn) error) string {
	var mu sync.Mutex
	answers := map[string]int{}
	var wg sync.WaitGroup
	end := time.Now().Add(attackTime)
	for a := range h2Attackers {
		wg.Go(func() {
			for i := 0; i < rounds || time.Now().Before(end); i++ {
				next := time.Now().Add(h2Every)
				hc, err := dialH2(context.Background(), s, attackerIP(a))
				if err != nil {
					mu.Lock()
					answers["dial: "+shortErr(err)]++
					mu.Unlock()
					continue
				}
				if frames(hc) == nil { // a write fails once the server closes: that is the point
					hc.w.Flush()
				}
				ended := hc.wait(10 * time.Second)
				ans := hc.answer()
				if !ended {
					ans = "not cut off in 10s"
				}
				hc.close()
				mu.Lock()
				answers[ans]++
				mu.Unlock()
				time.Sleep(time.Until(next))
			}
		})
	}
	wg.Wait()
	wantAns := "GOAWAY " + want.String()
	total := 0
	for ans, n := range answers {
		total += n
		if ans != wantAns {
			t.Errorf("%d attacker connections: %s; want %s", n, ans, wantAns)
		}
	}
	return fmt.Sprintf("%s (%d/%d conns)", wantAns, answers[wantAns], total)
}

func TestH2RapidReset(t *testing.T) {
	run(t, scenario{name: "h2 rapid reset", limits: []string{"h2_enhance_your_calm"}, attack: func(t *testing.T, s *server) string {
		return h2Flood(t, s, 5, http2.ErrCodeEnhanceYourCalm, func(hc *h2Conn) error {
			for id := uint32(1); id < 40000; id += 2 {
				if err := hc.headers(id, "GET", "/", true); err != nil {
					return err
				}
				if err := hc.fr.WriteRSTStream(id, http2.ErrCodeCancel); err != nil {
					return err
				}
			}
			return nil
		})
	}})
}

func TestH2ContinuationFlood(t *testing.T) {
	run(t, scenario{name: "h2 CONTINUATION flood", limits: []string{"h2_enhance_your_calm"}, attack: func(t *testing.T, s *server) string {
		return h2Flood(t, s, 5, http2.ErrCodeEnhanceYourCalm, func(hc *h2Conn) error {
			hc.encBuf.Reset()
			hc.enc.WriteField(hpack.HeaderField{Name: ":method", Value: "GET"})
			if err := hc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: hc.encBuf.Bytes()}); err != nil {
				return err
			}
			junk := make([]byte, 16<<10-9)
			for i := range junk {
				junk[i] = 'a'
			}
			for range 100000 {
				if err := hc.fr.WriteContinuation(1, false, junk[:64]); err != nil {
					return err
				}
			}
			return nil
		})
	}})
}

func TestH2SettingsFlood(t *testing.T) {
	run(t, scenario{name: "h2 SETTINGS flood", limits: []string{"h2_enhance_your_calm"}, attack: func(t *testing.T, s *server) string {
		return h2Flood(t, s, 5, http2.ErrCodeEnhanceYourCalm, func(hc *h2Conn) error {
			for range 100000 {
				if err := hc.fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 65535}); err != nil {
					return err
				}
			}
			return nil
		})
	}})
}

func TestH2PingFlood(t *testing.T) {
	run(t, scenario{name: "h2 PING flood", limits: []string{"h2_enhance_your_calm"}, attack: func(t *testing.T, s *server) string {
		return h2Flood(t, s, 5, http2.ErrCodeEnhanceYourCalm, func(hc *h2Conn) error {
			for range 100000 {
				if err := hc.fr.WritePing(false, [8]byte{1}); err != nil {
					return err
				}
			}
			return nil
		})
	}})
}

// TestH2HPACKBomb sends header blocks of one-byte references to a 4 KiB
// entry of the dynamic table: 16 KiB on the wire decode to 64 MiB. The
// server bounds the decoded list (MaxHeaderBytes, 1 MiB) and answers 431
// on each such stream, never holding the list. Each of the 4 attackers
// sends a bomb every 60 ms for 3 s.
func TestH2HPACKBomb(t *testing.T) {
	run(t, scenario{name: "h2 HPACK bomb", limits: []string{"max_header_fields|max_header_bytes"}, attack: func(t *testing.T, s *server) string {
		const streams = 50
		var mu sync.Mutex
		answers := map[string]int{}
		var wg sync.WaitGroup
		for a := range h2Attackers {
			wg.Go(func() {
				hc, err := dialH2(context.Background(), s, attackerIP(a))
				if err != nil {
					t.Errorf("attacker %d: %v", a, err)
					return
				}
				defer hc.close()
				big := make([]byte, 4000)
				for i := range big {
					big[i] = 'b'
				}
				every := attackTime / streams // paced: a sustained attack, not a 0.3 s burst
				for n := range streams {
					id := uint32(2*n + 1)
					hc.encBuf.Reset()
					for _, f := range [][2]string{{":method", "GET"}, {":scheme", "https"}, {":authority", "localhost"}, {":path", "/"}} {
						hc.enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
					}
					if n == 0 {
						hc.enc.WriteField(hpack.HeaderField{Name: "x-bomb", Value: string(big)}) // index 62 from now on
					}
					block := hc.encBuf.Bytes()
					for len(block) < 16000 {
						block = append(block, 0x80|62) // indexed field 62: x-bomb
					}
					if err := hc.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: block, EndStream: true, EndHeaders: true}); err != nil {
						break
					}
					if hc.w.Flush() != nil {
						break
					}
					time.Sleep(every)
				}
				deadline := time.Now().Add(10 * time.Second)
				for time.Now().Before(deadline) {
					select {
					case <-hc.done:
					case <-time.After(50 * time.Millisecond):
					}
					if hc.answered() == streams || isDone(hc.done) {
						break
					}
				}
				hc.c.Close()
				<-hc.done
				mu.Lock()
				defer mu.Unlock()
				for n := range streams {
					id := uint32(2*n + 1)
					switch {
					case hc.status[id] != "":
						answers[hc.status[id]]++
					case hc.gotGA:
						answers["GOAWAY "+hc.goAway.String()]++
					default:
						answers["no answer"]++
					}
				}
			})
		}
		wg.Wait()
		for ans, n := range answers {
			if ans != "431" {
				t.Errorf("%d bomb streams: %s; want 431", n, ans)
			}
		}
		return fmt.Sprintf("431 (%d/%d streams)", answers["431"], h2Attackers*streams)
	}})
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}
