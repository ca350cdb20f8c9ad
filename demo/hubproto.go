package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// The resume protocol of the chat and the ticker. A client that saw
// events up to sequence N asks for what came after with ?after=N in the
// URL, or with {"type":"resume","after":N} as its first message. Every
// event the server sends carries "seq" (the room's sequence number; for
// a welcome or a gap, where the live stream starts) and "instance" (the
// server the client is connected to). ?after=0 means live only, and says
// that no resume message will follow.

// errAfter is what a bad ?after= answers.
var errAfter = errors.New("demo: after must be a sequence number from 0 to 18446744073709551614")

// parseAfter reads the value of ?after=: given is false when it is empty.
func parseAfter(s string) (after uint64, given bool, err error) {
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n == math.MaxUint64 || s[0] == '+' {
		return 0, false, errAfter
	}
	return n, true, nil
}

// parseResume reads a client's {"type":"resume","after":N}; ok is false
// when msg is anything else (a chat text, or a resume without a valid
// after).
func parseResume(msg []byte) (after uint64, ok bool) {
	msg = bytes.TrimSpace(msg)
	if len(msg) == 0 || msg[0] != '{' {
		return 0, false
	}
	var r struct {
		Type  string          `json:"type"`
		After json.RawMessage `json:"after"`
	}
	if json.Unmarshal(msg, &r) != nil || r.Type != "resume" {
		return 0, false
	}
	after, given, err := parseAfter(string(r.After))
	if err != nil || !given {
		return 0, false
	}
	return after, true
}

// stamp returns the JSON object data with "seq" and "instance" (a JSON
// string, already quoted) as its first members, and then the fields of
// extra (a JSON object, or nil): what one relayed room message becomes for
// one client. ok is false when data or extra is not a JSON object.
func stamp(data []byte, seq uint64, instance []byte, extra []byte) ([]byte, bool) {
	body, ok := objectBody(data)
	if !ok {
		return nil, false
	}
	more, ok := objectBody(extra)
	if extra != nil && !ok {
		return nil, false
	}
	b := make([]byte, 0, len(data)+len(instance)+len(extra)+32)
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, `,"instance":`...)
	b = append(b, instance...)
	for _, m := range [][]byte{more, body} {
		if len(m) > 0 {
			b = append(b, ',')
			b = append(b, m...)
		}
	}
	return append(b, '}'), true
}

// objectBody returns what lies between the braces of the JSON object b,
// trimmed: empty for {}. ok is false when b is not a valid JSON object.
func objectBody(b []byte) ([]byte, bool) {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || !json.Valid(b) {
		return nil, false
	}
	return bytes.TrimSpace(b[1 : len(b)-1]), true
}

// quote is s as a JSON string.
func quote(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}
