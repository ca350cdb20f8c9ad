package conformance

import (
	"context"
	"strings"
)

// h3MessageCases send malformed requests (RFC 9114 §4.1.2): each must end in
// a stream error of type H3_MESSAGE_ERROR, or a 4xx response.
func h3MessageCases() []testCase {
	with := func(extra ...hf) func(t *target) []hf {
		return func(t *target) []hf { return append(getFields(t), extra...) }
	}
	cases := []struct {
		id, section, expect string
		fields              func(t *target) []hf
		body                []byte
	}{
		{"missing-method", "RFC 9114 §4.3.1", "a request without :method",
			func(t *target) []hf { return getFields(t)[1:] }, nil},
		{"missing-path", "RFC 9114 §4.3.1", "a GET without :path",
			func(t *target) []hf { return getFields(t)[:3] }, nil},
		{"uppercase-field", "RFC 9114 §4.2", "an uppercase field name", with(hf{"X-Check", "1"}), nil},
		{"connection-field", "RFC 9114 §4.2", "a connection-specific field (connection)", with(hf{"connection", "keep-alive"}), nil},
		{"te-not-trailers", "RFC 9114 §4.2", "TE with a value other than trailers", with(hf{"te", "gzip"}), nil},
		{"pseudo-after-regular", "RFC 9114 §4.3", "a pseudo-header after a regular field",
			func(t *target) []hf {
				f := getFields(t)
				return []hf{f[0], f[1], f[2], {"x-check", "1"}, f[3]}
			}, nil},
		{"unknown-pseudo", "RFC 9114 §4.3", "an undefined pseudo-header (:foo)", with(hf{":foo", "1"}), nil},
		{"duplicate-pseudo", "RFC 9114 §4.3", "a repeated pseudo-header (:path twice)", with(hf{":path", "/"}), nil},
		{"content-length-mismatch", "RFC 9114 §4.1.2", "content-length 10 with 3 bytes of DATA",
			func(t *target) []hf {
				return []hf{{":method", "POST"}, {":scheme", "https"}, {":authority", t.authority()}, {":path", t.path}, {"content-length", "10"}}
			}, appendFrame(nil, frameData, []byte("abc"))},
	}
	var out []testCase
	for _, c := range cases {
		out = append(out, testCase{"h3/" + c.id, c.section, c.expect + ": H3_MESSAGE_ERROR or 4xx",
			h3Malformed(c.fields, c.body)})
	}
	return out
}

func h3Malformed(fields func(t *target) []hf, body []byte) func(context.Context, *target) outcome {
	return func(ctx context.Context, t *target) outcome {
		h, err := t.dialH3(ctx, defaultSettings())
		if err != nil {
			return fail("%v", err)
		}
		defer h.close()
		a := h.request(ctx, append(headersFrame(fields(t)...), body...), true)
		switch {
		case a.code() == errH3Message:
			return pass("%v", a)
		case strings.HasPrefix(a.status, "4"):
			return pass("%v", a)
		}
		return fail("%v", a)
	}
}
