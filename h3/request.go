package h3

import (
	"context"
	"net/http"

	"github.com/quic-go/qpack"

	"github.com/triohttp/trio/internal/httpmsg"
)

// qpackField is a decoded field's name and value, for httpmsg.
func qpackField(f qpack.HeaderField) (string, string) { return f.Name, f.Value }

// newRequest builds a request with context ctx from its decoded field
// section (httpmsg.NewRequest: RFC 9114 section 4.3), or reports why it
// is malformed (H3_MESSAGE_ERROR). ContentLength is the declared
// content-length, or -1.
func newRequest(ctx context.Context, fields []qpack.HeaderField) (*http.Request, error) {
	r, _, err := httpmsg.NewRequest(ctx, httpmsg.HTTP3, fields, qpackField)
	return r, err
}

// checkTrailers checks a trailer section (httpmsg.CheckTrailerField) and
// returns its fields.
func checkTrailers(fields []qpack.HeaderField) (http.Header, error) {
	t := make(http.Header, len(fields))
	for _, f := range fields {
		if err := httpmsg.CheckTrailerField(f.Name, f.Value); err != nil {
			return nil, err
		}
		k := httpmsg.CanonicalKey(f.Name)
		t[k] = append(t[k], f.Value)
	}
	return t, nil
}
