package cluster

import (
	"context"
	"errors"
	"io/fs"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// storageNATS runs a NATS server with JetStream in the test process, on a
// random loopback port with its store in a temporary folder, until the
// test ends, and returns its client URL.
func storageNATS(t testing.TB) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{
		ServerName: "storage-test",
		Host:       "127.0.0.1",
		Port:       server.RANDOM_PORT,
		JetStream:  true,
		StoreDir:   t.TempDir(),
		NoLog:      true,
		NoSigs:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("embedded NATS server not ready after 10s")
	}
	return s.ClientURL()
}

// storageJS connects to url as one trio instance would, until the test
// ends.
func storageJS(t testing.TB, url string) (*nats.Conn, jetstream.JetStream) {
	t.Helper()
	nc, err := nats.Connect(url, nats.MaxReconnects(0))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return nc, js
}

// newTestStorage is a Storage on its own connection to url: what one trio
// instance has.
func newTestStorage(t testing.TB, url string, cfg StorageConfig) (*Storage, *nats.Conn) {
	t.Helper()
	nc, js := storageJS(t, url)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := NewStorage(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, nc
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestStorageFiles checks Store, Load, Exists, Stat, List and Delete
// against certmagic's documented semantics, with keys whose characters
// KV keys do not allow.
func TestStorageFiles(t *testing.T) {
	url := storageNATS(t)
	s, _ := newTestStorage(t, url, StorageConfig{})
	ctx := testCtx(t)
	files := map[string]string{
		"certificates/acme-v02.api.letsencrypt.org-directory/example.com/example.com.crt":                      "crt",
		"certificates/acme-v02.api.letsencrypt.org-directory/example.com/example.com.key":                      "key",
		"certificates/acme-v02.api.letsencrypt.org-directory/wildcard_.example.org/wildcard_.example.org.json": "{}",
		"acme/ca/users/ops@example.com/ops.json":                                                               "account",
		"ocsp/example.com-abc":                                                                                 "staple",
		"odd/ sp*ce:and%/ü.txt":                                                                                "unicode",
		"top":                                                                                                  "a file at the top",
	}
	before := time.Now().Add(-time.Second)
	for k, v := range files {
		if err := s.Store(ctx, k, []byte(v)); err != nil {
			t.Fatalf("Store(%q): %v", k, err)
		}
	}
	for k, v := range files {
		got, err := s.Load(ctx, k)
		if err != nil || string(got) != v {
			t.Errorf("Load(%q) = %q, %v; want %q", k, got, err, v)
		}
		info, err := s.Stat(ctx, k)
		if err != nil || info.Key != k || !info.IsTerminal || info.Size != int64(len(v)) || info.Modified.Before(before) {
			t.Errorf("Stat(%q) = %+v, %v; want a file of %d bytes stored just now", k, info, err, len(v))
		}
	}
	if err := s.Store(ctx, "top", []byte("overwritten")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Load(ctx, "top"); string(got) != "overwritten" {
		t.Errorf("Load(top) after a second Store = %q; want the last value", got)
	}

	for _, k := range []string{"missing", "certificates/missing", "certificates/acme-v02.api.letsencrypt.org-directory/example.com/example.com"} {
		if _, err := s.Load(ctx, k); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load(%q) = %v; want fs.ErrNotExist", k, err)
		}
		if _, err := s.Stat(ctx, k); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%q) = %v; want fs.ErrNotExist", k, err)
		}
		if _, err := s.List(ctx, k, false); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("List(%q) = %v; want fs.ErrNotExist", k, err)
		}
		if s.Exists(ctx, k) {
			t.Errorf("Exists(%q) = true; want false", k)
		}
	}
	// "a" is a prefix of "a/b" but not of "ab/c".
	if s.Exists(ctx, "certificates/acme-v02") || s.Exists(ctx, "to") {
		t.Error("Exists matched a prefix that is not a whole component")
	}
	for _, dir := range []string{"certificates", "certificates/acme-v02.api.letsencrypt.org-directory", "odd", "odd/ sp*ce:and%"} {
		if !s.Exists(ctx, dir) {
			t.Errorf("Exists(%q) = false; want true for a folder", dir)
		}
		info, err := s.Stat(ctx, dir)
		if err != nil || info.IsTerminal || info.Key != dir {
			t.Errorf("Stat(%q) = %+v, %v; want a folder", dir, info, err)
		}
	}

	const ca = "certificates/acme-v02.api.letsencrypt.org-directory"
	lists := []struct {
		prefix    string
		recursive bool
		want      []string
	}{
		{"", false, []string{"acme", "certificates", "ocsp", "odd", "top"}},
		{"certificates", false, []string{ca}},
		{ca, false, []string{ca + "/example.com", ca + "/wildcard_.example.org"}},
		{ca + "/example.com", false, []string{ca + "/example.com/example.com.crt", ca + "/example.com/example.com.key"}},
		{"certificates", true, []string{ca, ca + "/example.com", ca + "/example.com/example.com.crt", ca + "/example.com/example.com.key",
			ca + "/wildcard_.example.org", ca + "/wildcard_.example.org/wildcard_.example.org.json"}},
		{"odd", true, []string{"odd/ sp*ce:and%", "odd/ sp*ce:and%/ü.txt"}},
		{"top", false, nil}, // a file has nothing under it
	}
	for _, l := range lists {
		got, err := s.List(ctx, l.prefix, l.recursive)
		if err != nil || !slices.Equal(got, l.want) {
			t.Errorf("List(%q, %v) = %q, %v; want %q", l.prefix, l.recursive, got, err, l.want)
		}
	}

	// Delete removes a file, a folder with all under it, and a missing
	// key without error.
	if err := s.Delete(ctx, "top"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, ca+"/example.com"); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "never/stored"); err != nil {
		t.Errorf("Delete of a missing key = %v; want nil", err)
	}
	for _, k := range []string{"top", ca + "/example.com", ca + "/example.com/example.com.crt"} {
		if s.Exists(ctx, k) {
			t.Errorf("Exists(%q) after Delete = true", k)
		}
	}
	if got, err := s.List(ctx, ca, false); err != nil || !slices.Equal(got, []string{ca + "/wildcard_.example.org"}) {
		t.Errorf("List(%q) after Delete = %q, %v; want the other site only", ca, got, err)
	}
	if err := s.Delete(ctx, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx, "", true); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List(\"\") after deleting everything = %q, %v; want fs.ErrNotExist", got, err)
	}
}

// TestStorageSharedBucket: instances starting together create the bucket
// once and see each other's files.
func TestStorageSharedBucket(t *testing.T) {
	url := storageNATS(t)
	var wg sync.WaitGroup
	stores := make([]*Storage, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		_, js := storageJS(t, url)
		wg.Go(func() {
			stores[i], errs[i] = NewStorage(testCtx(t), js, StorageConfig{})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("NewStorage %d: %v", i, err)
		}
	}
	ctx := testCtx(t)
	if err := stores[0].Store(ctx, "a/b", []byte("from 0")); err != nil {
		t.Fatal(err)
	}
	for i, s := range stores {
		if got, err := s.Load(ctx, "a/b"); err != nil || string(got) != "from 0" {
			t.Errorf("instance %d: Load = %q, %v", i, got, err)
		}
		if s.String() != "nats-kv:"+DefaultCertBucket {
			t.Errorf("String() = %q", s.String())
		}
	}
}

// BenchmarkStorage measures a certificate's round trips on loopback
// NATS: Store then Load of a 4 kB value, and an uncontended Lock then
// Unlock.
func BenchmarkStorage(b *testing.B) {
	url := storageNATS(b)
	s, _ := newTestStorage(b, url, StorageConfig{})
	ctx := context.Background()
	value := make([]byte, 4096)
	b.Run("StoreLoad", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Store(ctx, "certificates/ca/bench.example/bench.example.crt", value); err != nil {
				b.Fatal(err)
			}
			if _, err := s.Load(ctx, "certificates/ca/bench.example/bench.example.crt"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LockUnlock", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := s.Lock(ctx, "issue_cert_bench.example"); err != nil {
				b.Fatal(err)
			}
			if err := s.Unlock(ctx, "issue_cert_bench.example"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
