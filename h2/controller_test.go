package h2

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"
)

// TestResponseController checks the methods http.ResponseController finds
// on the writer: SetReadDeadline ends a body read waiting for a client
// that sends nothing, SetWriteDeadline resets the stream, FlushError and
// EnableFullDuplex succeed.
func TestResponseController(t *testing.T) {
	run(t, testResponseController, mode{EngineTrio, true}, mode{EngineTrio, false})
}

func testResponseController(t *testing.T, m mode) {
	result := make(chan error, 2)
	ts := newTestServer(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.EnableFullDuplex(); err != nil {
			t.Errorf("EnableFullDuplex: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		rc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		_, err := r.Body.Read(make([]byte, 10))
		result <- err
		rc.SetWriteDeadline(time.Now().Add(50 * time.Millisecond))
		time.Sleep(100 * time.Millisecond)
		_, err = w.Write([]byte("late"))
		if err == nil {
			err = rc.Flush()
		}
		result <- err
	}), nil)
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", ts.url, pr)
	res, err := ts.h2Client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := <-result; !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read after read deadline = %v; want %v", err, os.ErrDeadlineExceeded)
	}
	if err := <-result; err == nil {
		t.Error("Write after write deadline succeeded")
	}
}

// TestBaseConfigWriteTimeout: the HTTP/1 server's WriteTimeout becomes
// each stream's write deadline.
func TestBaseConfigWriteTimeout(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	werr := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(150 * time.Millisecond)
		_, err := w.Write([]byte("late"))
		if err == nil {
			err = http.NewResponseController(w).Flush()
		}
		werr <- err
	})
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		hs := &http.Server{WriteTimeout: 50 * time.Millisecond}
		new(Config).ServeConn(context.Background(), nc, h, &ServeConnOpts{BaseConfig: hs})
	}()
	ts := &testServer{addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), mode: h2cTrio}
	if res, err := ts.h2Client(t).Get(ts.url); err == nil {
		io.ReadAll(res.Body)
		res.Body.Close()
	}
	if err := <-werr; err == nil {
		t.Error("Write after WriteTimeout succeeded")
	}
}
