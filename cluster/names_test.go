package cluster

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestNewNames(t *testing.T) {
	for _, tt := range []struct {
		prefix string
		want   names
		err    string
	}{
		{"", names{"TRIO_HUB", "trio.hub.room.", "trio.hub.live.", "trio_hub_presence", "trio_hub_instances"}, ""},
		{"app.chat-1", names{"APP_CHAT-1", "app.chat-1.room.", "app.chat-1.live.", "app_chat-1_presence", "app_chat-1_instances"}, ""},
		{"a..b", names{}, "empty token"},
		{"a.*", names{}, "not a letter"},
		{"a b", names{}, "not a letter"},
	} {
		got, err := newNames(tt.prefix)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("newNames(%q) err = %v; want %q", tt.prefix, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("newNames(%q) = %+v, %v; want %+v", tt.prefix, got, err, tt.want)
		}
	}
}

func TestPresenceKey(t *testing.T) {
	for _, tt := range []struct{ room, id, want string }{
		{"r", "", "r.m"},
		{"r", "a.b c", "r.mYS5iIGM"},
		{"room-1", "\xff>", "room-1.m_z4"},
	} {
		if got := presenceKey(tt.room, tt.id); got != tt.want {
			t.Errorf("presenceKey(%q, %q) = %q; want %q", tt.room, tt.id, got, tt.want)
		}
	}
}

func liveHeader(seq, ts, prev string) nats.Header {
	h := nats.Header{}
	h.Set(jetstream.SequenceHeader, seq)
	h.Set(jetstream.TimeStampHeaer, ts)
	h.Set(prevHeader, prev)
	return h
}

func TestDecodeLive(t *testing.T) {
	ts := "2026-12-07T17:00:00.123456789Z"
	for _, tt := range []struct {
		h        nats.Header
		seq      uint64
		prev     uint64
		errChain bool
		err      bool
		noTime   bool // Time is when decodeLive ran
	}{
		{h: liveHeader("7", ts, "3"), seq: 7, prev: 3},
		{h: liveHeader("1", ts, "0"), seq: 1, prev: 0},
		{h: liveHeader("7", ts, "7"), errChain: true},
		{h: liveHeader("7", ts, "x"), errChain: true},
		{h: liveHeader("7", ts, "-1"), errChain: true},
		{h: nats.Header{jetstream.SequenceHeader: {"7"}, jetstream.TimeStampHeaer: {ts}}, errChain: true},
		{h: nats.Header{jetstream.SequenceHeader: {"7"}, jetstream.TimeStampHeaer: {ts}, prevHeader: {"1", "2"}}, errChain: true},
		{h: liveHeader("0", ts, "0"), err: true},
		{h: liveHeader("", ts, "0"), err: true},
		{h: liveHeader("7", "yesterday", "0"), err: true},
		{h: liveHeader("7", "", "3"), seq: 7, prev: 3, noTime: true},
	} {
		before := time.Now()
		m, prev, err := decodeLive("r", tt.h, []byte("d"))
		switch {
		case tt.noTime:
			if err != nil || m.Seq != tt.seq || prev != tt.prev || m.Time.Before(before) || time.Since(m.Time) < 0 {
				t.Errorf("decodeLive(%v) = %+v, %d, %v; want seq %d prev %d, Time now", tt.h, m, prev, err, tt.seq, tt.prev)
			}
		case tt.errChain:
			if !errors.Is(err, errChain) {
				t.Errorf("decodeLive(%v) err = %v; want errChain", tt.h, err)
			}
		case tt.err:
			if err == nil {
				t.Errorf("decodeLive(%v) succeeded; want an error", tt.h)
			}
		case err != nil || m.Seq != tt.seq || prev != tt.prev || m.Room != "r" || string(m.Data) != "d" ||
			!m.Time.Equal(time.Date(2026, 12, 7, 17, 0, 0, 123456789, time.UTC)):
			t.Errorf("decodeLive(%v) = %+v, %d, %v; want seq %d prev %d", tt.h, m, prev, err, tt.seq, tt.prev)
		}
	}
}

func TestDecodeStored(t *testing.T) {
	h := nats.Header{prevHeader: {"4"}}
	m, prev, err := decodeStored("r", &jetstream.RawStreamMsg{Sequence: 9, Header: h, Data: []byte("d")})
	if err != nil || m.Seq != 9 || prev != 4 || string(m.Data) != "d" {
		t.Errorf("decodeStored = %+v, %d, %v; want seq 9, prev 4", m, prev, err)
	}
	if _, _, err := decodeStored("r", &jetstream.RawStreamMsg{Sequence: 9}); !errors.Is(err, errChain) {
		t.Errorf("decodeStored without %s: err = %v; want errChain", prevHeader, err)
	}
	if _, _, err := decodeStored("r", &jetstream.RawStreamMsg{Sequence: 4, Header: h}); !errors.Is(err, errChain) {
		t.Errorf("decodeStored with Trio-Prev = Seq: err = %v; want errChain", err)
	}
}

// FuzzDecodeLive: whatever the headers, decodeLive either fails or returns
// a message whose predecessor comes before it, and what it accepts
// survives re-encoding.
func FuzzDecodeLive(f *testing.F) {
	f.Add("7", "2026-12-07T17:00:00.123456789Z", "3")
	f.Add("1", "2026-12-07T17:00:00Z", "0")
	f.Add("18446744073709551615", "2026-12-07T17:00:00+01:00", "18446744073709551614")
	f.Add("", "", "")
	f.Fuzz(func(t *testing.T, seq, ts, prev string) {
		m, p, err := decodeLive("r", liveHeader(seq, ts, prev), nil)
		if err != nil {
			return
		}
		if m.Seq == 0 || p >= m.Seq {
			t.Fatalf("decodeLive(%q, %q, %q) = seq %d, prev %d", seq, ts, prev, m.Seq, p)
		}
		again := liveHeader(strconv.FormatUint(m.Seq, 10), m.Time.Format(time.RFC3339Nano), strconv.FormatUint(p, 10))
		m2, p2, err := decodeLive("r", again, nil)
		if err != nil || m2.Seq != m.Seq || p2 != p || ts != "" && !m2.Time.Equal(m.Time) {
			t.Fatalf("re-encoded %v: %+v, %d, %v; want %+v, %d", again, m2, p2, err, m, p)
		}
	})
}
