package h2

import (
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// headerBlock collects the fields of one HEADERS + CONTINUATION sequence
// as the HPACK decoder emits them, within the list size and field count
// limits.
type headerBlock struct {
	maxList   int
	maxFields int // regular fields allowed, cookie crumbs counted once
	count     int // regular fields so far
	sawCookie bool
	tooMany   bool // truncated because of maxFields
	fields    []hpack.HeaderField
	size      int
	truncated bool // the list exceeded maxList; fields is incomplete
}

func (hb *headerBlock) reset() {
	clear(hb.fields)
	hb.fields = hb.fields[:0]
	hb.size, hb.truncated = 0, false
	hb.count, hb.sawCookie, hb.tooMany = 0, false, false
}

// emit collects a decoded field, counting regular fields and the list
// size. The fields are checked by httpmsg.NewRequest (a request) or
// checkTrailers (trailers), not here.
func (hb *headerBlock) emit(f hpack.HeaderField) {
	if hb.truncated {
		return
	}
	if !strings.HasPrefix(f.Name, ":") {
		if f.Name != "cookie" || !hb.sawCookie {
			hb.count++
		}
		hb.sawCookie = hb.sawCookie || f.Name == "cookie"
		if hb.maxFields > 0 && hb.count > hb.maxFields {
			hb.truncated, hb.tooMany = true, true
			return
		}
	}
	hb.size += int(f.Size())
	if hb.size > hb.maxList {
		hb.truncated = true
		return
	}
	hb.fields = append(hb.fields, f)
}

// validFieldName reports whether name is a lowercase token (RFC 9113 8.2.1).
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b >= 'A' && b <= 'Z' || !httpguts.IsTokenRune(rune(b)) {
			return false
		}
	}
	return true
}

// readHeaderBlock decodes the header block starting with f, reading its
// CONTINUATION frames. The fragments' total size and the number of frames
// are bounded (CONTINUATION floods, CVE-2024-27316); the HPACK dynamic
// table is capped at the 4 KiB the server announces.
func (c *conn) readHeaderBlock(f *http2.HeadersFrame) error {
	c.hb.reset()
	maxBytes := 2*c.hb.maxList + 64<<10
	maxFrames := 16 + maxBytes/(16<<10)
	frag, ended := f.HeaderBlockFragment(), f.HeadersEnded()
	total := 0
	for frames := 1; ; frames++ {
		total += len(frag)
		if total > maxBytes || frames > maxFrames {
			return connErr(http2.ErrCodeEnhanceYourCalm, "header block too large")
		}
		if _, err := c.dec.Write(frag); err != nil {
			return connErr(http2.ErrCodeCompression, "hpack: "+err.Error())
		}
		if ended {
			break
		}
		next, err := c.fr.ReadFrame()
		if err != nil {
			return err
		}
		cf, ok := next.(*http2.ContinuationFrame)
		if !ok {
			return connErr(http2.ErrCodeProtocol, "expected CONTINUATION")
		}
		frag, ended = cf.HeaderBlockFragment(), cf.HeadersEnded()
	}
	if err := c.dec.Close(); err != nil {
		return connErr(http2.ErrCodeCompression, "hpack: "+err.Error())
	}
	return nil
}
