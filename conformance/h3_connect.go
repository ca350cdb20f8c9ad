package conformance

import (
	"context"
	"strings"
)

// h3ConnectCases check RFC 9220 extended CONNECT, when the server offers it.
func h3ConnectCases() []testCase {
	connect := func(t *target, path bool) []hf {
		f := []hf{{":method", "CONNECT"}, {":protocol", "websocket"}, {":scheme", "https"}, {":authority", t.authority()}}
		if path {
			f = append(f, hf{":path", t.path}, hf{"sec-websocket-version", "13"})
		}
		return f
	}
	return []testCase{
		{"h3/connect-protocol-setting", "RFC 9220 §3", "SETTINGS_ENABLE_CONNECT_PROTOCOL is 1 (extended CONNECT offered)",
			func(ctx context.Context, t *target) outcome {
				return t.withSettings(ctx, func(_ *h3Conn, s map[uint64]uint64) outcome {
					switch v, ok := s[settingConnect]; {
					case !ok || v == 0:
						return skip("server does not offer extended CONNECT")
					case v != 1:
						return fail("SETTINGS_ENABLE_CONNECT_PROTOCOL = %d; only 0 and 1 are valid", v)
					}
					return pass("SETTINGS_ENABLE_CONNECT_PROTOCOL = 1")
				})
			}},
		{"h3/extended-connect", "RFC 9220 §3", "CONNECT with :protocol websocket gets a response, not a stream error",
			h3Connect(func(t *target) []hf { return connect(t, true) }, true)},
		{"h3/extended-connect-no-path", "RFC 9220 §3", "extended CONNECT without :path is malformed: H3_MESSAGE_ERROR or 4xx",
			h3Connect(func(t *target) []hf { return connect(t, false) }, false)},
	}
}

// h3Connect sends fields on a request stream left open. wantResponse
// expects any response; otherwise H3_MESSAGE_ERROR or a 4xx.
func h3Connect(fields func(t *target) []hf, wantResponse bool) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		return t.withSettings(ctx, func(h *h3Conn, s map[uint64]uint64) outcome {
			if s[settingConnect] != 1 {
				return skip("server does not offer extended CONNECT")
			}
			st, err := h.qc.OpenStreamSync(ctx)
			if err != nil {
				return fail("opening a stream: %v", err)
			}
			if dl, ok := ctx.Deadline(); ok {
				st.SetDeadline(dl)
			}
			st.Write(headersFrame(fields(t)...))
			a := readHead(st)
			switch {
			case wantResponse && a.status != "":
				return pass("%v", a)
			case wantResponse:
				return fail("%v", a)
			case a.code() == errH3Message, strings.HasPrefix(a.status, "4"):
				return pass("%v", a)
			}
			return fail("%v", a)
		})
	}
}
