package cluster

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// kvKeyValid is nats.go jetstream's rule for KV keys (keyValid in kv.go).
func kvKeyValid(k string) bool {
	if k == "" || k[0] == '.' || k[len(k)-1] == '.' || strings.Contains(k, "..") {
		return false
	}
	return regexp.MustCompile(`^[-/_=\.a-zA-Z0-9]+$`).MatchString(k)
}

func TestStorageKeys(t *testing.T) {
	tests := []struct{ key, kv string }{
		{"top", "k.top"},
		{"certificates/acme-v02.api.letsencrypt.org-directory/example.com/example.com.crt",
			"k.certificates.acme-v02=2Eapi=2Eletsencrypt=2Eorg-directory.example=2Ecom.example=2Ecom=2Ecrt"},
		{"acme/ca/users/ops@example.com/ops.json", "k.acme.ca.users.ops=40example=2Ecom.ops=2Ejson"},
		{"", "k.="},
		{"a//b/", "k.a.=.b.="},
		{"=41/.", "k.=3D41.=2E"},
		{"ü *", "k.=C3=BC=20=2A"},
	}
	for _, tt := range tests {
		got := fileKey(tt.key)
		if got != tt.kv {
			t.Errorf("fileKey(%q) = %q; want %q", tt.key, got, tt.kv)
		}
		if !kvKeyValid(got) {
			t.Errorf("fileKey(%q) = %q: not a valid KV key", tt.key, got)
		}
		if back, err := decodeFileKey(got); err != nil || back != tt.key {
			t.Errorf("decodeFileKey(%q) = %q, %v; want %q", got, back, err, tt.key)
		}
	}
	if got := lockKey("issue_cert_a/b.example"); got != "l.issue_cert_a=2Fb=2Eexample" {
		t.Errorf("lockKey = %q", got)
	}
	for _, bad := range []string{"", "k", "l.x", "k.", "k..a", "k.a.", "k.=41", "k.=2e", "k.=2", "k.a=", "k.==", "k.=ZZ", "k.a/b", "k.a b"} {
		if got, err := decodeFileKey(bad); err == nil {
			t.Errorf("decodeFileKey(%q) = %q; want an error (not fileKey's spelling)", bad, got)
		}
	}
}

// FuzzStorageKey: every string is a certmagic key that round-trips
// through a valid KV key, and its lock key is valid too.
func FuzzStorageKey(f *testing.F) {
	for _, s := range []string{"", "a", "a/b", "/", "a//b", ".", "..", "=", "=41", "certificates/x/y.crt", "\x00\xff", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		kv := fileKey(key)
		if !kvKeyValid(kv) {
			t.Fatalf("fileKey(%q) = %q: not a valid KV key", key, kv)
		}
		if back, err := decodeFileKey(kv); err != nil || back != key {
			t.Fatalf("decodeFileKey(fileKey(%q)) = %q, %v", key, back, err)
		}
		if lk := lockKey(key); !kvKeyValid(lk) || strings.Count(lk, ".") != 1 {
			t.Fatalf("lockKey(%q) = %q: not one valid token after l.", key, lk)
		}
	})
}

// FuzzStorageKeyDecode: decoding accepts only fileKey's own spelling, so
// two KV keys never name one certmagic key.
func FuzzStorageKeyDecode(f *testing.F) {
	for _, s := range []string{"k.a", "k.=", "k.a.=2E", "k.=41", "k.", "k..", "x", "k.=C3=BC"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, kv string) {
		key, err := decodeFileKey(kv)
		if err != nil {
			return
		}
		if again := fileKey(key); again != kv {
			t.Fatalf("decodeFileKey(%q) = %q, which encodes to %q", kv, key, again)
		}
	})
}

// TestStorageTransient sorts errors into those worth another request (the
// cluster briefly unable to answer) and those that are the answer.
func TestStorageTransient(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{nats.ErrNoResponders, true},
		{fmt.Errorf("get: %w", nats.ErrTimeout), true},
		{context.DeadlineExceeded, true},
		{jetstream.ErrNoStreamResponse, true},
		{&jetstream.APIError{Code: 503, ErrorCode: 10008, Description: "JetStream system temporarily unavailable"}, true},
		{jetstream.ErrKeyNotFound, false},
		{jetstream.ErrKeyExists, false},
		{jetstream.ErrKeyRevisionMismatch, false},
		{&jetstream.APIError{Code: 400, ErrorCode: 10071, Description: "wrong last sequence"}, false},
		{context.Canceled, false},
	}
	for _, tt := range tests {
		if got := kvTransient(tt.err); got != tt.want {
			t.Errorf("kvTransient(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}
