package h1

import (
	"net/http"
	"testing"
)

func TestH2CUpgradeDetection(t *testing.T) {
	tests := []struct {
		name string
		hdr  http.Header
		want bool
	}{
		{"curl", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}, "Http2-Settings": {"AAMAAABkAAQCAAAAAAIAAAAA"}}, true},
		{"no settings", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}}, false},
		{"two settings", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}, "Http2-Settings": {"", ""}}, false},
		{"settings not in Connection", http.Header{"Connection": {"Upgrade"}, "Upgrade": {"h2c"}, "Http2-Settings": {""}}, false},
		{"websocket", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"websocket"}, "Http2-Settings": {""}}, false},
		{"bad base64", http.Header{"Connection": {"Upgrade, HTTP2-Settings"}, "Upgrade": {"h2c"}, "Http2-Settings": {"!!"}}, false},
		{"settings not whole", http.Header{"Connection": {"upgrade,http2-settings"}, "Upgrade": {"H2C"}, "Http2-Settings": {"AAMA"}}, false},
		{"empty settings", http.Header{"Connection": {"upgrade,http2-settings"}, "Upgrade": {"H2C"}, "Http2-Settings": {""}}, true},
	}
	for _, tt := range tests {
		r := &http.Request{Method: "GET", ProtoMajor: 1, ProtoMinor: 1, Header: tt.hdr}
		if _, got := h2cUpgrade(r); got != tt.want {
			t.Errorf("%s: h2cUpgrade = %v; want %v", tt.name, got, tt.want)
		}
	}
}
