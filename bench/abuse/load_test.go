package abuse

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/triohttp/trio/tlsconf"
	"github.com/triohttp/trio/triotest/testcert"

	"github.com/quic-go/quic-go/http3"
)

// protos are the good client's protocols, in the order figures list them.
var protos = []string{"h1", "h2", "h3"}

// newClient returns a client of s that speaks only proto, from 127.0.0.1.
func newClient(s *server, proto string) (*http.Client, string) {
	switch proto {
	case "h3":
		tr := &http3.Transport{TLSClientConfig: s.cert.ClientTLS()}
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + s.QUIC + "/"
	default:
		tr := &http.Transport{TLSClientConfig: s.cert.ClientTLS(map[string]string{"h1": "http/1.1", "h2": "h2"}[proto])}
		tr.Protocols = new(http.Protocols)
		tr.Protocols.SetHTTP1(proto == "h1")
		tr.Protocols.SetHTTP2(proto == "h2")
		return &http.Client{Transport: tr, Timeout: 10 * time.Second}, "https://" + s.TLS + "/"
	}
}

// closeClient closes c's connections.
func closeClient(c *http.Client) {
	c.CloseIdleConnections()
	if cl, ok := c.Transport.(io.Closer); ok {
		cl.Close()
	}
}

// get makes one request and reports its error, or a status other than 200.
func get(ctx context.Context, c *http.Client, url string, proto string) error {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if want := map[string]int{"h1": 1, "h2": 2, "h3": 3}[proto]; resp.ProtoMajor != want {
		return fmt.Errorf("served over %s", resp.Proto)
	}
	return nil
}

// Phases of a case: the good client's samples are kept per phase.
const (
	phaseWarmup = iota
	phaseBaseline
	phaseAttack
	phaseAfter
	nPhases
)

// A load is the good client: one connection per protocol, each asking
// for / every 5 ms, its latencies recorded by phase. It runs in a process
// of its own (this test binary again, see goodMain), so that the
// attacker's goroutines in the test's process do not delay it.
type load struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *json.Decoder
	rep   report
}

// A report is what the good client's process answers "report" with: by
// server (the one attacked, then its idle twin), phase and protocol.
type report struct {
	P99  [2][nPhases][3]float64 // ms
	N    [2][nPhases][3]int
	Errs [2][nPhases][]string
}

const envGood = "TRIO_ABUSE_GOOD" // the servers as JSON ([]goodTarget); set means "be the good client"

// A goodTarget is a server the good client asks.
type goodTarget struct {
	Addrs addrs
	CADir string
}

// startLoad starts the good client, asking s and its idle twin: the twin
// is not attacked, so its latencies during the attack are the machine's
// noise (the attacker and whatever else runs), not s's.
func startLoad(t *testing.T, s, twin *server) *load {
	t.Helper()
	a, _ := json.Marshal([]goodTarget{{s.addrs, s.caDir}, {twin.addrs, twin.caDir}})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envGood+"="+string(a))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l := &load{cmd: cmd, stdin: stdin, out: json.NewDecoder(stdout)}
	t.Cleanup(l.stop)
	return l
}

func (l *load) setPhase(p int) { fmt.Fprintf(l.stdin, "phase %d\n", p) }

// fetch asks the good client for its figures so far.
func (l *load) fetch(t *testing.T) {
	t.Helper()
	io.WriteString(l.stdin, "report\n")
	if err := l.out.Decode(&l.rep); err != nil {
		t.Fatalf("good client: %v", err)
	}
}

func (l *load) stop() {
	l.stdin.Close()
	l.cmd.Wait()
}

// p99 returns the p99 latency of each protocol in phase, in ms, and the
// number of requests, as of the last fetch; of the idle twin if twin.
func (l *load) p99(phase int, twin bool) ([3]float64, [3]int) {
	i := 0
	if twin {
		i = 1
	}
	return l.rep.P99[i][phase], l.rep.N[i][phase]
}

// errors returns the failed requests of phase, as of the last fetch; of
// the idle twin if twin.
func (l *load) errors(phase int, twin bool) []string {
	if twin {
		return l.rep.Errs[1][phase]
	}
	return l.rep.Errs[0][phase]
}

// goodMain is the good client's process: it requests until stdin closes,
// switching phase on "phase N" and printing a report on "report".
func goodMain() int {
	var targets []goodTarget
	if err := json.Unmarshal([]byte(os.Getenv(envGood)), &targets); err != nil || len(targets) != 2 {
		fmt.Fprintln(os.Stderr, "good client: bad", envGood, err)
		return 1
	}
	var (
		mu    sync.Mutex
		phase int
		lat   [2][nPhases][3][]time.Duration
		rep   report
	)
	var servers []*server
	for _, tg := range targets {
		ca := &tlsconf.LocalCA{Dir: tg.CADir, Logger: slog.New(slog.DiscardHandler)}
		pool, err := ca.RootPool()
		if err != nil {
			fmt.Fprintln(os.Stderr, "good client:", err)
			return 1
		}
		servers = append(servers, &server{addrs: tg.Addrs, cert: &testcert.Cert{Source: ca, Pool: pool}})
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for k, s := range servers {
		for i, p := range protos {
			c, url := newClient(s, p)
			wg.Go(func() {
				defer closeClient(c)
				for ctx.Err() == nil {
					start := time.Now()
					err := get(ctx, c, url, p)
					d := time.Since(start)
					if ctx.Err() != nil {
						return
					}
					mu.Lock()
					if err != nil {
						rep.Errs[k][phase] = append(rep.Errs[k][phase], p+": "+err.Error())
					} else {
						lat[k][phase][i] = append(lat[k][phase][i], d)
					}
					mu.Unlock()
					time.Sleep(5 * time.Millisecond)
				}
			})
		}
	}
	sc := bufio.NewScanner(os.Stdin)
	enc := json.NewEncoder(os.Stdout)
	for sc.Scan() {
		cmd, arg, _ := strings.Cut(sc.Text(), " ")
		mu.Lock()
		switch cmd {
		case "phase":
			phase, _ = strconv.Atoi(arg)
		case "report":
			for k := range targets {
				for ph := range nPhases {
					for i := range protos {
						d := slices.Clone(lat[k][ph][i])
						rep.N[k][ph][i] = len(d)
						if len(d) > 0 {
							slices.Sort(d)
							rep.P99[k][ph][i] = float64(d[(len(d)*99+99)/100-1]) / 1e6
						}
					}
				}
			}
			enc.Encode(&rep)
		}
		mu.Unlock()
	}
	cancel()
	wg.Wait()
	return 0
}
