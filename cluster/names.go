package cluster

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/triohttp/trio/hub"
)

// DefaultPrefix is BrokerConfig.Prefix when empty.
const DefaultPrefix = "trio.hub"

// prevHeader holds the sequence number of the room's message before this
// one (0 for none): the link of the chain that makes gap detection exact.
const prevHeader = "Trio-Prev"

// names are the NATS resources of one broker prefix.
type names struct {
	stream  string // JetStream stream holding every room's history: "TRIO_HUB"
	room    string // stored subjects, one per room: "trio.hub.room." + room
	live    string // the stream's republished copies: "trio.hub.live." + room
	members string // presence key-value bucket of members: "trio_hub_presence"
	beats   string // presence key-value bucket of live brokers: "trio_hub_instances"
}

// newNames derives the resource names of prefix, which must be one or more
// dot-separated tokens of ASCII letters, digits, '-' and '_'.
func newNames(prefix string) (names, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	for tok := range strings.SplitSeq(prefix, ".") {
		if tok == "" {
			return names{}, fmt.Errorf("cluster: prefix %q has an empty token", prefix)
		}
		for i := 0; i < len(tok); i++ {
			if !plainByte(tok[i]) {
				return names{}, fmt.Errorf("cluster: prefix %q: byte %q is not a letter, digit, '-' or '_'", prefix, tok[i])
			}
		}
	}
	flat := strings.ReplaceAll(prefix, ".", "_")
	return names{
		stream:  strings.ToUpper(flat),
		room:    prefix + ".room.",
		live:    prefix + ".live.",
		members: flat + "_presence",
		beats:   flat + "_instances",
	}, nil
}

func plainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// presenceKey is the key of member id in room: hub.CheckRoom makes room a
// valid key token, and ids (any bytes) are written in unpadded base64url
// after an "m", so that "" is a token too.
func presenceKey(room, id string) string {
	return room + ".m" + base64.RawURLEncoding.EncodeToString([]byte(id))
}

// errChain is what decodeStored and decodeLive return for a message the
// broker did not write (a missing or malformed header).
var errChain = errors.New("cluster: message without a valid " + prevHeader + " header")

// decodeStored turns a message read from the stream into the room's
// message and the sequence number of the one before it.
func decodeStored(room string, raw *jetstream.RawStreamMsg) (hub.Message, uint64, error) {
	prev, err := parsePrev(raw.Header)
	if err != nil {
		return hub.Message{}, 0, err
	}
	if prev >= raw.Sequence {
		return hub.Message{}, 0, fmt.Errorf("%w: %s %d not below sequence %d", errChain, prevHeader, prev, raw.Sequence)
	}
	return hub.Message{Room: room, Seq: raw.Sequence, Time: raw.Time, Data: raw.Data}, prev, nil
}

// decodeLive turns a message the stream republished into the room's
// message and the sequence number of the one before it. The stream adds
// the Nats-Sequence and Nats-Time-Stamp headers to the publisher's; without
// the time stamp (servers before 2.10), Time is when it arrived.
func decodeLive(room string, h nats.Header, data []byte) (hub.Message, uint64, error) {
	seq, err := strconv.ParseUint(h.Get(jetstream.SequenceHeader), 10, 64)
	if err != nil || seq == 0 {
		return hub.Message{}, 0, fmt.Errorf("cluster: republished message with %s %q", jetstream.SequenceHeader, h.Get(jetstream.SequenceHeader))
	}
	ts := time.Now() // servers before 2.10 do not stamp republished messages
	if v := h.Get(jetstream.TimeStampHeaer); v != "" {
		if ts, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return hub.Message{}, 0, fmt.Errorf("cluster: republished message with %s %q", jetstream.TimeStampHeaer, v)
		}
	}
	prev, err := parsePrev(h)
	if err != nil {
		return hub.Message{}, 0, err
	}
	if prev >= seq {
		return hub.Message{}, 0, fmt.Errorf("%w: %s %d not below sequence %d", errChain, prevHeader, prev, seq)
	}
	return hub.Message{Room: room, Seq: seq, Time: ts, Data: data}, prev, nil
}

func parsePrev(h nats.Header) (uint64, error) {
	v := h.Values(prevHeader)
	if len(v) != 1 {
		return 0, fmt.Errorf("%w: %d values", errChain, len(v))
	}
	prev, err := strconv.ParseUint(v[0], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q", errChain, v[0])
	}
	return prev, nil
}
