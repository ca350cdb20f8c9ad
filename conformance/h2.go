package conformance

import (
	"context"
	"fmt"

	"golang.org/x/net/http2"
)

func h2Suite() *suite {
	return &suite{
		name:    "h2",
		setup:   h2Setup,
		results: h2specResults,
		cases: []testCase{
			{"h2/connect-protocol-setting", "RFC 8441 §3", "SETTINGS_ENABLE_CONNECT_PROTOCOL is 1 (extended CONNECT offered)",
				checkConnectSetting},
			{"h2/extended-connect", "RFC 8441 §4", "CONNECT with :protocol websocket gets a response, not a stream error",
				extendedConnect(true, func(t *target) []hf {
					return append(connectFields(t, true), hf{"sec-websocket-version", "13"})
				})},
			{"h2/extended-connect-no-path", "RFC 8441 §4", "extended CONNECT without :path is malformed: PROTOCOL_ERROR",
				extendedConnect(false, func(t *target) []hf {
					return []hf{{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", t.url.Scheme}, {":authority", t.authority()}}
				})},
			{"h2/connect-with-path", "RFC 9113 §8.5", "CONNECT without :protocol but with :scheme and :path is malformed: PROTOCOL_ERROR",
				extendedConnect(false, func(t *target) []hf { return connectFields(t, false) })},
		},
	}
}

// h2Setup skips the suite for a server that does not speak HTTP/2.
func h2Setup(ctx context.Context, t *target) string {
	c, err := t.dialH2(ctx)
	if err != nil {
		return fmt.Sprintf("no HTTP/2: %v", err)
	}
	c.Close()
	return ""
}

// connectFields is a CONNECT request for t, with :protocol websocket when
// withProtocol is set.
func connectFields(t *target, withProtocol bool) []hf {
	f := []hf{{":method", "CONNECT"}}
	if withProtocol {
		f = append(f, hf{":protocol", "websocket"})
	}
	return append(f, hf{":scheme", t.url.Scheme}, hf{":path", t.path}, hf{":authority", t.authority()})
}

func checkConnectSetting(ctx context.Context, t *target) outcome {
	c, err := t.dialH2(ctx)
	if err != nil {
		return fail("%v", err)
	}
	defer c.Close()
	v, ok := c.settings[http2.SettingEnableConnectProtocol]
	switch {
	case !ok || v == 0:
		return skip("server does not offer extended CONNECT")
	case v != 1:
		return fail("SETTINGS_ENABLE_CONNECT_PROTOCOL = %d; only 0 and 1 are valid", v)
	}
	return pass("SETTINGS_ENABLE_CONNECT_PROTOCOL = 1")
}

// extendedConnect sends fields as one HEADERS frame (stream left open, as a
// tunnel is). wantResponse expects any response; otherwise PROTOCOL_ERROR.
// Servers that do not offer extended CONNECT are skipped.
func extendedConnect(wantResponse bool, fields func(t *target) []hf) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		c, err := t.dialH2(ctx)
		if err != nil {
			return fail("%v", err)
		}
		defer c.Close()
		if c.settings[http2.SettingEnableConnectProtocol] != 1 {
			return skip("server does not offer extended CONNECT")
		}
		if err := c.sendHeaders(1, false, fields(t)...); err != nil {
			return fail("sending HEADERS: %v", err)
		}
		a := c.await(1)
		switch {
		case wantResponse && a.status != "":
			return pass("%v", a)
		case wantResponse:
			return fail("%v", a)
		case a.isProtocolError():
			return pass("%v", a)
		}
		return fail("%v", a)
	}
}
