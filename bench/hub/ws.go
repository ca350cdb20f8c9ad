package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/triohttp/trio/ws"
)

// startWS starts the -serve child with o.instances instances on brokers of
// kind, connects o.members WebSockets to their /member (the chat's shape:
// the handler reads, a goroutine writes what it takes) round robin, and
// records what each receives. Publishing is a POST to an instance's
// /publish, which stamps the message as it publishes it.
func (f *fanout) startWS(ctx context.Context, kind string, progress io.Writer) (func(), error) {
	addrs, pid, stopChild, err := startChild(ctx, progress, "-serve", fmt.Sprint("-size=", f.o.size),
		fmt.Sprint("-instances=", f.o.instances), "-broker="+kind)
	if err != nil {
		return nil, err
	}
	f.server = pid
	fmt.Fprintf(progress, "%s: instances at %s (pid %d; /debug/pprof/ on each)\n", kind, strings.Join(addrs, " "), pid)
	dial := f.dialLean
	if f.o.client == "ws" {
		dial = f.dialWS
	}
	stopClients, err := dial(ctx, addrs)
	if err != nil {
		stopChild()
		return nil, err
	}
	stop := func() { stopClients(); stopChild() }
	if err := f.waitJoined(ctx, addrs); err != nil {
		stop()
		return nil, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	f.publish = func(ctx context.Context, i int, data []byte) error {
		sent := binary.BigEndian.Uint64(data[8:])
		req, _ := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("http://%s/publish?n=1&sent=%d", addrs[i%len(addrs)], sent), nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("publish: %s: %s", resp.Status, strings.TrimSpace(string(body)))
		}
		return nil
	}
	return stop, nil
}

// dialWS connects o.members ws.Conns to the instances round robin, each
// read by a goroutine with ReadMessage, and returns what closes them.
func (f *fanout) dialWS(ctx context.Context, addrs []string) (func(), error) {
	conns := make([]*ws.Conn, f.o.members)
	var rd sync.WaitGroup
	stop := func() {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
		rd.Wait()
	}
	err := parallel(f.o.members, func(i int) error {
		c, _, err := ws.Dial(ctx, fmt.Sprintf("ws://%s/member", addrs[i%len(addrs)]), nil)
		if err != nil {
			return err
		}
		conns[i] = c
		rd.Go(func() { f.read(c) })
		return nil
	})
	if err != nil {
		stop()
		return nil, err
	}
	return stop, nil
}

// dialLean connects o.members lean clients to the instances round robin
// and starts reading them (-client epoll or lean); what it returns closes
// them, and records in f.clientErr a frame the bench never sends.
func (f *fanout) dialLean(ctx context.Context, addrs []string) (func(), error) {
	conns := make([]*net.TCPConn, f.o.members)
	rest := make([][]byte, f.o.members)
	closeConns := func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}
	err := parallel(f.o.members, func(i int) error {
		c, b, err := dialLean(ctx, addrs[i%len(addrs)], "/member")
		conns[i], rest[i] = c, b
		return err
	})
	if err != nil {
		closeConns()
		return nil, err
	}
	start := f.startEpoll
	if f.o.client == "lean" {
		start = f.startLeanGoroutines
	}
	stopReaders, err := start(conns, rest)
	if err != nil {
		closeConns()
		return nil, err
	}
	return func() {
		if err := stopReaders(); err != nil {
			f.clientErr.CompareAndSwap(nil, err)
		}
	}, nil
}

// read records what one member's WebSocket receives, until it closes.
func (f *fanout) read(c *ws.Conn) {
	for {
		_, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		f.received(time.Now().UnixNano(), data)
	}
}

// waitJoined waits until the instances hold o.members members between
// them: a WebSocket is open before its handler has joined.
func (f *fanout) waitJoined(ctx context.Context, addrs []string) error {
	deadline := time.Now().Add(time.Minute)
	for {
		n := 0
		for _, a := range addrs {
			s, err := getStats(ctx, "http://"+a)
			if err != nil {
				return err
			}
			n += s.Members
		}
		if n == f.o.members {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d members joined", n, f.o.members)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
