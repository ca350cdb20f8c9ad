package tlsconf

import (
	"errors"
	"os"
	"testing"
)

func TestCheckName(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name   string
		extra  []string
		ok     bool
		public bool // want a *PublicNameError
	}{
		{name: "localhost", ok: true},
		{name: "api.localhost", ok: true},
		{name: "a.b.localhost", ok: true},
		{name: "printer.local", ok: true},
		{name: "app.test", ok: true},
		{name: "svc.corp.internal", ok: true},
		{name: "nas.home.arpa", ok: true},
		{name: "devbox", ok: true},
		{name: "my_host", ok: true},
		{name: normalizeName(host), ok: host != ""},
		{name: "127.0.0.1", ok: true},
		{name: "192.168.1.20", ok: true},
		{name: "::1", ok: true},
		{name: "fe80::1", ok: true},
		{name: "example.com", public: true},
		{name: "www.google.com", public: true},
		{name: "localhost.com", public: true},
		{name: "test.com", public: true},
		{name: "evil.local.com", public: true},
		{name: "home.arpa", public: true},
		{name: "dev.example.com", extra: []string{"dev.example.com"}, ok: true},
		{name: "dev.example.com", extra: []string{"DEV.Example.com."}, ok: true},
		{name: "a.example.com", extra: []string{"*.example.com"}, ok: true},
		{name: "example.com", extra: []string{"*.example.com"}, public: true},
		{name: "a.b.example.com", extra: []string{"*.example.com"}, public: true},
		{name: "", ok: false},
		{name: "bad..name", ok: false},
		{name: "-bad.test", ok: false},
		{name: "sp ace.test", ok: false},
		{name: "*.test", ok: false},
		{name: "x\x00.test", ok: false},
	}
	for _, tt := range tests {
		err := checkName(tt.name, tt.extra)
		if ok := err == nil; ok != tt.ok {
			t.Errorf("checkName(%q, %q) = %v; want ok=%v", tt.name, tt.extra, err, tt.ok)
			continue
		}
		var pe *PublicNameError
		if public := errors.As(err, &pe); public != tt.public {
			t.Errorf("checkName(%q, %q) = %v; want public-name error %v", tt.name, tt.extra, err, tt.public)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"LocalHost", "localhost"},
		{"app.test.", "app.test"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := normalizeName(tt.in); got != tt.want {
			t.Errorf("normalizeName(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
