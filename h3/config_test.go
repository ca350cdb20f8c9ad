package h3

import (
	"testing"
	"time"
)

func TestQUICConfigDefaults(t *testing.T) {
	var zero Config
	q := zero.QUICConfig()
	if q.Allow0RTT {
		t.Error("zero Config allows 0-RTT; want it off (replayable requests)")
	}
	if q.MaxIncomingStreams != 250 {
		t.Errorf("MaxIncomingStreams = %d; want 250", q.MaxIncomingStreams)
	}
	if q.HandshakeIdleTimeout != 10*time.Second {
		t.Errorf("HandshakeIdleTimeout = %v; want 10s", q.HandshakeIdleTimeout)
	}
	on := Config{Allow0RTT: true, MaxIncomingStreams: 7}
	if q := on.QUICConfig(); !q.Allow0RTT || q.MaxIncomingStreams != 7 {
		t.Errorf("QUICConfig() = %+v; want 0-RTT on and 7 streams", q)
	}
	if srv := zero.NewServer(nil, nil, nil); srv.Engine() != EngineTrio {
		t.Errorf("zero Config: engine %q; want %q", srv.Engine(), EngineTrio)
	}
	srv := (&Config{Engine: EngineStd}).NewServer(nil, nil, nil).Std()
	if srv.QUICConfig == nil || srv.QUICConfig.Allow0RTT {
		t.Error("NewServer left QUICConfig nil or 0-RTT on; quic-go turns 0-RTT on for a nil config")
	}
	if srv.IdleTimeout != 2*time.Minute || srv.MaxHeaderBytes != 1<<20 {
		t.Errorf("IdleTimeout, MaxHeaderBytes = %v, %d; want 2m, 1 MiB", srv.IdleTimeout, srv.MaxHeaderBytes)
	}
}

func TestAltSvc(t *testing.T) {
	tests := []struct {
		c    Config
		port int
		want string
	}{
		{Config{}, 8443, `h3=":8443"; ma=86400`},
		{Config{AltSvcMaxAge: time.Hour}, 443, `h3=":443"; ma=3600`},
	}
	for _, tt := range tests {
		if got := tt.c.AltSvc(tt.port); got != tt.want {
			t.Errorf("AltSvc(%d) = %q; want %q", tt.port, got, tt.want)
		}
	}
}
