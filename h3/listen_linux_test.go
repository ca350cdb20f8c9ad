package h3

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// ListenUDP either gets the buffers QUIC wants or says so in one line.
func TestListenUDPBuffers(t *testing.T) {
	var logs bytes.Buffer
	c, err := ListenUDP("udp", "127.0.0.1:0", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, _ := c.SyscallConn()
	rcv, snd := bufferSizes(rc)
	got := rcv >= socketBuffer && snd >= socketBuffer
	warned := strings.Contains(logs.String(), "UDP buffers are smaller than QUIC wants")
	if got == warned {
		t.Errorf("buffers %d/%d KiB, warned=%v; want a warning exactly when below %d KiB (log %q)",
			rcv>>10, snd>>10, warned, socketBuffer>>10, logs.String())
	}
	if os.Geteuid() == 0 && !got {
		t.Errorf("running as root, buffers are %d/%d KiB; SO_RCVBUFFORCE should reach %d KiB", rcv>>10, snd>>10, socketBuffer>>10)
	}
}
