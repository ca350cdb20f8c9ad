package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math"
)

// A statusError is a request the engine answers itself, with Code, and
// then closes the connection. Foreign ones are closed unanswered.
type statusError struct {
	Code    int
	Msg     string
	Foreign bool // the first line is not HTTP/1: close without answering
}

func (e *statusError) Error() string { return "h1: " + e.Msg }

var (
	errURITooLong = &statusError{Code: 414, Msg: "URI Too Long"}
	errHeadLarge  = &statusError{Code: 431, Msg: "Request Header Fields Too Large"}
	errNotHTTP    = &statusError{Msg: "first request line is not HTTP", Foreign: true}
)

// errTruncated is a head or chunked body cut short by the end of the
// connection.
var errTruncated = errors.New("h1: connection ended inside a request")

// maxEmptyLines is how many empty lines may precede a request line (RFC
// 9112 §2.2 asks servers to ignore at least one).
const maxEmptyLines = 4

// readHead reads a request head from br, from its request line to the
// empty line that ends it, appending it to buf. The head may be at most
// maxHead bytes (else errHeadLarge) and its request-target at most maxURI
// (else errURITooLong, found as soon as the target is that long).
// Lines may end in CRLF or a bare LF; empty lines before the request line
// are skipped. An EOF before the first byte is io.EOF; inside the head,
// errTruncated.
func readHead(br *bufio.Reader, buf []byte, maxHead int, maxURI int64) ([]byte, error) {
	return readHeadFields(br, buf, maxHead, maxURI, math.MaxInt)
}

// readHeadFields is readHead stopping with errTooManyFields as soon as
// the line of field maxFields+1 (a line after the request line, as
// headerFields counts them) is complete: a head of 100,000 fields is
// refused after a hundred lines, not read to maxHead and counted.
func readHeadFields(br *bufio.Reader, buf []byte, maxHead int, maxURI int64, maxFields int) ([]byte, error) {
	start := len(buf)
	lineStart := start
	empty, fields := 0, 0
	for {
		frag, err := br.ReadSlice('\n')
		buf = append(buf, frag...)
		if len(buf)-start > maxHead {
			if lineStart == start {
				if e := checkTarget(buf[start:], maxURI); e != nil {
					return buf, e
				}
			}
			return buf, errHeadLarge
		}
		switch err {
		case nil:
		case bufio.ErrBufferFull:
			if lineStart == start {
				if e := checkTarget(buf[start:], maxURI); e != nil {
					return buf, e
				}
			}
			continue
		default:
			if len(buf) == start && empty == 0 {
				return buf, err
			}
			if err == io.EOF {
				return buf, errTruncated
			}
			return buf, err
		}
		line := buf[lineStart:]
		if lineStart == start {
			if isEmptyLine(line) { // before the request line
				if empty++; empty > maxEmptyLines {
					return buf, &statusError{Code: 400, Msg: "too many empty lines before the request line"}
				}
				buf = buf[:start]
				continue
			}
			if e := checkTarget(line, maxURI); e != nil {
				return buf, e
			}
		} else if isEmptyLine(line) {
			return buf, nil
		} else if fields++; fields > maxFields {
			return buf, errTooManyFields
		}
		lineStart = len(buf)
	}
}

func isEmptyLine(l []byte) bool {
	return len(l) == 1 || (len(l) == 2 && l[0] == '\r')
}

// checkTarget returns errURITooLong if the request line begun in line has
// a target longer than maxURI, counting what arrived so far.
func checkTarget(line []byte, maxURI int64) error {
	sp := bytes.IndexByte(line, ' ')
	if sp < 0 {
		return nil
	}
	rest := line[sp+1:]
	if end := bytes.IndexAny(rest, " \r\n"); end >= 0 {
		rest = rest[:end]
	}
	if int64(len(rest)) > maxURI {
		return errURITooLong
	}
	return nil
}
