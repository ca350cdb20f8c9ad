package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/tlsconf"
)

// soak runs one soak as options say, writes its report to stdout (and
// to -save's files) and returns it; progress lines go to stderr.
func soak(ctx context.Context, o *options, stdout, stderr io.Writer) (*report, error) {
	stderr = &syncWriter{w: stderr} // the server's stderr is copied in too
	dir, err := os.MkdirTemp("", "trio-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	ca := &tlsconf.LocalCA{Dir: dir, Logger: slog.New(slog.DiscardHandler)}
	pool, err := ca.RootPool()
	if err != nil {
		return nil, fmt.Errorf("local CA: %w", err)
	}
	srv, err := startServer(dir, stderr)
	if err != nil {
		return nil, err
	}
	defer srv.stop()

	started := time.Now().UTC()
	ld := newLoad(srv.tcp, srv.udp, pool, o)
	defer ld.close()
	fmt.Fprintf(stderr, "soak: server pid %d on %s (TCP) and %s (UDP); %d req/s over h1/h2/h3, %d idle WebSockets, %v\n",
		srv.cmd.Process.Pid, srv.tcp, srv.udp, o.Rate, o.WS, o.Duration)
	if err := ld.openWebSockets(ctx, stderr); err != nil {
		return nil, err
	}
	smp := &sampler{pid: srv.cmd.Process.Pid, stats: ld.statsURL(), client: ld.statsClient()}
	series, err := drive(ctx, o, ld, smp, stderr)
	if err != nil {
		return nil, err
	}
	rep := &report{
		Started: started, Options: o, Series: series, Load: ld.totals(),
		Machine: machine(), Pid: srv.cmd.Process.Pid,
	}
	rep.Lat, rep.Errs = ld.latencies()
	ld.close()
	if rep.After, err = cooldown(ctx, o, series[len(series)-1].T, ld, smp, stderr); err != nil {
		return nil, err
	}
	var text strings.Builder
	rep.write(&text)
	fmt.Fprint(stdout, text.String())
	if o.Save != "" {
		base := filepath.Join(o.Save, started.Format("2006-01-02-1504")+"-soak")
		if err := os.WriteFile(base+".txt", []byte(text.String()), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(base+".svg", chart(rep), 0o644); err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "soak: wrote %s.txt and %s.svg\n", base, base)
	}
	return rep, nil
}

// drive runs the load for o.Duration, sampling every o.Every and printing
// each sample, and returns the samples.
func drive(ctx context.Context, o *options, ld *load, smp *sampler, stderr io.Writer) ([]sample, error) {
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	go ld.run(ctx)
	start := time.Now()
	tick := time.NewTicker(o.Every)
	defer tick.Stop()
	var series []sample
	fmt.Fprintln(stderr, header)
	for {
		s, err := smp.take(time.Since(start), ld.totals())
		if err != nil {
			return nil, err
		}
		if n := len(series); n > 0 {
			s.rate(series[n-1])
		}
		series = append(series, s)
		fmt.Fprintln(stderr, s.line())
		select {
		case <-ctx.Done():
			if ctx.Err() == context.DeadlineExceeded {
				return series, nil
			}
			return series, ctx.Err()
		case <-tick.C:
		}
	}
}

// cooldown samples the server every o.Every for o.After once the load
// and the WebSockets are gone, from time from on.
func cooldown(ctx context.Context, o *options, from time.Duration, ld *load, smp *sampler, stderr io.Writer) ([]sample, error) {
	if o.After <= 0 {
		return nil, nil
	}
	fmt.Fprintf(stderr, "soak: load stopped, WebSockets closed; sampling for %v more\n", o.After)
	start := time.Now()
	var after []sample
	for time.Since(start) <= o.After {
		select {
		case <-ctx.Done():
			return after, ctx.Err()
		case <-time.After(o.Every):
		}
		s, err := smp.take(from+time.Since(start), ld.totals())
		if err != nil {
			return nil, err
		}
		after = append(after, s)
		fmt.Fprintln(stderr, s.line())
	}
	return after, nil
}

// machine describes where the soak ran: cores and load average.
func machine() string {
	la, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(la))
	if len(f) >= 3 {
		return fmt.Sprintf("%d cores, load average %s %s %s", runtime.NumCPU(), f[0], f[1], f[2])
	}
	return fmt.Sprintf("%d cores", runtime.NumCPU())
}

// A server is the soak's server process.
type server struct {
	cmd      *exec.Cmd
	stdin    io.Closer
	tcp, udp string
	done     chan error
}

func startServer(dir string, stderr io.Writer) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), serveEnv+"="+dir)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	s := &server{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err == nil {
		_, err = fmt.Sscanf(line, "addrs %s %s", &s.tcp, &s.udp)
	}
	go func() {
		io.Copy(io.Discard, stdout)
		s.done <- cmd.Wait()
	}()
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("server said %q: %v", line, err)
	}
	return s, nil
}

// stop closes the server's stdin and waits for it, killing it after 10 s.
func (s *server) stop() error {
	s.stdin.Close()
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		return <-s.done
	}
}

// A syncWriter serializes writes to w.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
