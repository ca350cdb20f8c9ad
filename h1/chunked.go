package h1

import (
	"bufio"
	"io"
	"net/http"

	"github.com/triohttp/trio/internal/chunked"
)

// readChunked reads the chunked coding (RFC 9112 §7.1) with net/http's
// rules: chunk-size lines end in CRLF and hold 1 to 16 hex digits below
// 2^63, optionally followed by whitespace or a chunk extension; chunk data
// is followed by CRLF; trailer fields follow the last chunk.
func (b *body) readChunked(p []byte) (int, error) {
	for {
		if b.remain > 0 {
			if int64(len(p)) > b.remain {
				p = p[:b.remain]
			}
			n, err := b.br.Read(p)
			b.remain -= int64(n)
			if b.remain == 0 {
				b.needCRLF = true
			}
			if n > 0 {
				return n, nil
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
		if b.needCRLF {
			if err := expectCRLF(b.br); err != nil {
				return 0, err
			}
			b.needCRLF = false
		}
		size, err := readChunkSize(b.br)
		if err != nil {
			return 0, err
		}
		if size == 0 {
			if err := b.readTrailer(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		b.remain = size
	}
}

func expectCRLF(br *bufio.Reader) error {
	var crlf [2]byte
	if _, err := io.ReadFull(br, crlf[:]); err != nil {
		return unexpected(err)
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errBodyFraming
	}
	return nil
}

// readChunkSize reads a chunk-size line and returns the size.
func readChunkSize(br *bufio.Reader) (int64, error) {
	line, err := br.ReadSlice('\n')
	switch {
	case err == bufio.ErrBufferFull:
		return 0, errBodyFraming
	case err != nil:
		return 0, unexpected(err)
	case len(line) < 2 || line[len(line)-2] != '\r':
		return 0, errBodyFraming
	}
	size, ext, ok := chunked.Size(line[:len(line)-2])
	if !ok {
		return 0, errBodyFraming
	}
	for _, c := range ext {
		if c == '\r' || c == '\n' {
			return 0, errBodyFraming
		}
	}
	return size, nil
}

// readTrailer reads the trailer section and merges its fields into the
// request's Trailer.
func (b *body) readTrailer() error {
	total, fields := 0, 0
	for {
		line, err := b.br.ReadSlice('\n')
		switch {
		case err == bufio.ErrBufferFull:
			return errBodyFraming
		case err != nil:
			return unexpected(err)
		}
		if total += len(line); total > b.maxTrail {
			return errBodyFraming
		}
		if isEmptyLine(line) {
			return nil
		}
		if fields++; fields > b.maxTrailFields && b.maxTrailFields > 0 {
			return errBodyFraming
		}
		s := string(line[:len(line)-1])
		if s[len(s)-1] == '\r' {
			s = s[:len(s)-1]
		}
		name, value, serr := splitField(s)
		if serr != nil {
			return errBodyFraming
		}
		if b.req.Trailer == nil {
			b.req.Trailer = make(http.Header)
		}
		k := canonicalKey(name)
		b.req.Trailer[k] = append(b.req.Trailer[k], value)
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
