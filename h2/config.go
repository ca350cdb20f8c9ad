package h2

import (
	"net/http"
	"time"
)

// Config holds the HTTP/2 settings of a server. The zero value is ready to use.
type Config struct {
	// Disable turns HTTP/2 off: TLS offers only http/1.1 in ALPN and the
	// cleartext listener refuses h2c.
	Disable bool

	// MaxConcurrentStreams limits the streams a client may have open at once
	// on one connection (SETTINGS_MAX_CONCURRENT_STREAMS). If zero, 250 is used.
	MaxConcurrentStreams uint32

	// MaxReadFrameSize is the largest frame payload the server accepts
	// (SETTINGS_MAX_FRAME_SIZE). If zero, the engine's default is used:
	// 16 KiB (the protocol default, which h2spec 4.2/3 expects) with
	// EngineTrio, 1 MiB with EngineStd.
	MaxReadFrameSize uint32

	// MaxHeaderBytes limits the decoded size of a request's header list
	// (SETTINGS_MAX_HEADER_LIST_SIZE). If zero, 1 MiB is used.
	MaxHeaderBytes int

	// IdleTimeout closes a connection with no open streams after this long.
	// If zero, 2 minutes; if negative, never.
	IdleTimeout time.Duration

	// PingTimeout closes a connection whose health-check PING is not
	// answered in time. With EngineTrio it also bounds how long a graceful
	// shutdown waits for the PING that separates its two GOAWAY frames.
	// If zero, 15 seconds is used.
	PingTimeout time.Duration

	// Engine selects the HTTP/2 implementation. If empty, EngineTrio is
	// used.
	Engine Engine

	// StallTimeout limits how long a response may stay blocked because
	// the client's flow-control window is closed or it does not read from
	// the connection (EngineTrio only): the stream is reset, or the
	// connection closed when a write to it blocks that long.
	// If zero, 30 seconds; if negative, never.
	StallTimeout time.Duration
}

func (c *Config) maxConcurrentStreams() uint32 {
	if c == nil || c.MaxConcurrentStreams == 0 {
		return 250
	}
	return c.MaxConcurrentStreams
}

func (c *Config) maxReadFrameSize() uint32 {
	if c == nil || c.MaxReadFrameSize == 0 {
		return 1 << 20
	}
	return c.MaxReadFrameSize
}

// trioMaxReadFrameSize is maxReadFrameSize for EngineTrio, which keeps the
// protocol default when MaxReadFrameSize is zero.
func (c *Config) trioMaxReadFrameSize() uint32 {
	if c == nil || c.MaxReadFrameSize == 0 {
		return minMaxFrameSize
	}
	return min(max(c.MaxReadFrameSize, minMaxFrameSize), maxMaxFrameSize)
}

func (c *Config) stallTimeout() time.Duration {
	switch {
	case c == nil || c.StallTimeout == 0:
		return 30 * time.Second
	case c.StallTimeout < 0:
		return 0
	}
	return c.StallTimeout
}

func (c *Config) maxHeaderBytes() int {
	if c == nil || c.MaxHeaderBytes == 0 {
		return 1 << 20
	}
	return c.MaxHeaderBytes
}

func (c *Config) idleTimeout() time.Duration {
	switch {
	case c == nil || c.IdleTimeout == 0:
		return 2 * time.Minute
	case c.IdleTimeout < 0:
		return 0
	}
	return c.IdleTimeout
}

func (c *Config) pingTimeout() time.Duration {
	if c == nil || c.PingTimeout == 0 {
		return 15 * time.Second
	}
	return c.PingTimeout
}

// StdConfig returns the settings for Go's built-in HTTP/2 server
// (net/http's Server.HTTP2).
func (c *Config) StdConfig() *http.HTTP2Config {
	return &http.HTTP2Config{
		MaxConcurrentStreams: int(c.maxConcurrentStreams()),
		MaxReadFrameSize:     int(c.maxReadFrameSize()),
		PingTimeout:          c.pingTimeout(),
	}
}
