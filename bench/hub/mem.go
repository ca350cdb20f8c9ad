package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/triohttp/trio/ws"
)

// received is how many messages each member gets before the server is
// measured: its queue and the room's ring have been used.
const received = 5

// measureMemory starts the -serve child, connects o.members WebSockets of
// each kind in turn, and prints what each kind costs the child per
// WebSocket, and the hub members beyond a plain WebSocket.
func measureMemory(ctx context.Context, o *options, stdout, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	addrs, _, stop, err := startChild(ctx, stderr, "-serve", fmt.Sprint("-size=", o.size), "-profile="+o.profile, "-instances=1", "-broker=local")
	if err != nil {
		return err
	}
	defer stop()
	base := "http://" + addrs[0]
	s0, err := getStats(ctx, base)
	if err != nil {
		return err
	}
	per := map[string]stats{}
	kinds := []string{"plain", "chat", "member", "ticker"}
	for i, kind := range kinds {
		s, err := hold(ctx, o, base, kind, stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", kind, err)
		}
		n := int64(o.members)
		per[kind] = stats{Heap: (s.Heap - s0.Heap) / n, Stack: (s.Stack - s0.Stack) / n, RSS: (s.RSS - s0.RSS) / n, Goroutines: s.Goroutines - s0.Goroutines, Members: s.Members}
		// The last kind's handlers do not read: they would learn of the
		// closed WebSockets at their next write, so it is not waited for.
		if i < len(kinds)-1 {
			if err := waitIdle(ctx, base, s0); err != nil {
				return fmt.Errorf("after %s: %w", kind, err)
			}
		}
		p := per[kind]
		fmt.Fprintf(stderr, "%s: %d WebSockets: heap %d B, stacks %d B, RSS %d B each; goroutines +%d; members %d\n",
			kind, o.members, p.Heap, p.Stack, p.RSS, p.Goroutines, p.Members)
	}
	for _, k := range []struct{ kind, base string }{{"ticker", "plain"}, {"member", "plain"}, {"member", "chat"}, {"chat", "plain"}} {
		p, b := per[k.kind], per[k.base]
		fmt.Fprintf(stdout, "hub memory: %s beyond %s, per WebSocket (%d): heap %+d B, stacks %+d B, total %+d B (%s alone: heap %d B, stacks %d B)\n",
			k.kind, k.base, o.members, p.Heap-b.Heap, p.Stack-b.Stack, p.Heap+p.Stack-b.Heap-b.Stack, k.base, b.Heap, b.Stack)
	}
	return nil
}

// startChild runs this program with args (-serve), and returns the
// addresses its instances listen on, and what stops it.
func startChild(ctx context.Context, stderr io.Writer, args ...string) ([]string, int, func(), error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, 0, nil, err
	}
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, 0, nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, 0, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, 0, nil, err
	}
	stop := func() { stdin.Close(); cmd.Wait() }
	line, err := bufio.NewReader(out).ReadString('\n')
	addrs, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		stop()
		return nil, 0, nil, fmt.Errorf("server said %q: %v", line, err)
	}
	return strings.Fields(addrs), cmd.Process.Pid, stop, nil
}

// getStats asks the child for its stats, and its heap profile named
// profile if that is not "".
func getStats(ctx context.Context, base string, profile ...string) (stats, error) {
	var s stats
	u := base + "/stats"
	if len(profile) > 0 {
		u += "?profile=" + profile[0]
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

// hold connects o.members WebSockets to base's /kind, has members receive
// a few messages, reads the child's stats, and closes them all.
func hold(ctx context.Context, o *options, base, kind string, progress io.Writer) (stats, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/" + kind
	conns := make([]*ws.Conn, o.members)
	var (
		next, got atomic.Int64
		wg, rd    sync.WaitGroup
		failed    atomic.Value
	)
	start := time.Now()
	for range 64 {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(conns); i = int(next.Add(1) - 1) {
				c, _, err := ws.Dial(ctx, url, nil)
				if err != nil {
					failed.Store(err)
					return
				}
				conns[i] = c
				{
					rd.Go(func() {
						for {
							if _, _, err := c.ReadMessage(); err != nil {
								return
							}
							got.Add(1)
						}
					})
				}
			}
		})
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
		rd.Wait()
	}()
	if err, _ := failed.Load().(error); err != nil {
		return stats{}, err
	}
	fmt.Fprintf(progress, "%s: %d WebSockets open in %v\n", kind, len(conns), time.Since(start).Round(time.Millisecond))
	want := int64(received * o.members)
	if kind != "plain" {
		if err := waitMembers(ctx, base, o.members); err != nil {
			return stats{}, err
		}
		req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/publish?n=%d", base, received), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return stats{}, err
		}
		resp.Body.Close()
	}
	for got.Load() < want {
		if ctx.Err() != nil {
			return stats{}, fmt.Errorf("members got %d of %d messages", got.Load(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return getStats(ctx, base, kind)
}

// waitMembers waits until the child's room has n members: a WebSocket is
// open before its handler has joined.
func waitMembers(ctx context.Context, base string, n int) error {
	for {
		s, err := getStats(ctx, base)
		if err != nil {
			return err
		}
		if s.Members == n {
			return nil
		}
		if ctx.Err() != nil {
			return errors.New("members did not all join")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitIdle waits until the child is back to about s0's goroutines, with no
// members: the handlers of the closed WebSockets have returned.
func waitIdle(ctx context.Context, base string, s0 stats) error {
	deadline := time.Now().Add(time.Minute)
	for {
		s, err := getStats(ctx, base)
		if err != nil {
			return err
		}
		if s.Members == 0 && s.Goroutines <= s0.Goroutines+8 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server still has %d goroutines (%d at start) and %d members", s.Goroutines, s0.Goroutines, s.Members)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
