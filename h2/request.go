package h2

import (
	"context"
	"errors"
	"net/http"

	"golang.org/x/net/http2/hpack"

	"github.com/triohttp/trio/internal/httpmsg"
)

var errBadLength = errors.New("content-length with END_STREAM")

// hpackField is a decoded field's name and value, for httpmsg.
func hpackField(f hpack.HeaderField) (string, string) { return f.Name, f.Value }

// newRequest builds the request of stream st from the decoded fields
// (httpmsg.NewRequest: RFC 9113 section 8.3) and notes on st its
// declared length and whether it owes 100 Continue. The request carries
// st.ctx if it is set already (else context.Background()).
func (c *conn) newRequest(st *stream, fields []hpack.HeaderField, endStream bool) (*http.Request, error) {
	ctx := st.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	r, head, err := httpmsg.NewRequest(ctx, httpmsg.HTTP2, fields, hpackField)
	if err != nil {
		return nil, err
	}
	st.declLen = head.ContentLength
	if endStream {
		if head.ContentLength > 0 {
			return nil, errBadLength
		}
		r.ContentLength, r.Body = 0, http.NoBody
	} else {
		r.Body = &st.body
		st.continueOK = head.Continue
	}
	r.RemoteAddr, r.TLS = c.remoteAddr, c.tlsState
	return r, nil
}

// checkTrailers checks a trailer section (httpmsg.CheckTrailerField).
func checkTrailers(fields []hpack.HeaderField) error {
	for _, f := range fields {
		if err := httpmsg.CheckTrailerField(f.Name, f.Value); err != nil {
			return err
		}
	}
	return nil
}

// canonicalKey is httpmsg.CanonicalKey.
func canonicalKey(name string) string { return httpmsg.CanonicalKey(name) }

// lowerKey is httpmsg.LowerKey.
func lowerKey(key string) string { return httpmsg.LowerKey(key) }
