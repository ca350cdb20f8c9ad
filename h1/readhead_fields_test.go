package h1

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// endless is a request head that never ends: a field line, again and
// again, counting the bytes read.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	const line = "a: b\r\n"
	for i := range p {
		p[i] = line[(e.n+i)%len(line)]
	}
	e.n += len(p)
	return len(p), nil
}

// TestReadHeadStopsAtMaxFields: readHeadFields refuses the line of field
// maxFields+1 as it completes, without reading the rest of the head.
func TestReadHeadStopsAtMaxFields(t *testing.T) {
	src := &endless{}
	br := bufio.NewReaderSize(io.MultiReader(strings.NewReader("GET / HTTP/1.1\r\nHost: a\r\n"), src), 64)
	_, err := readHeadFields(br, nil, 1<<20, 8<<10, 100)
	if err != errTooManyFields {
		t.Fatalf("err = %v; want errTooManyFields", err)
	}
	if max := 100*len("a: b\r\n") + 64; src.n > max {
		t.Errorf("read %d bytes of fields; want at most %d (field 101 and a buffer)", src.n, max)
	}

	// At the limit the head is read whole; headerFields agrees.
	head := "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("a: b\r\n", 99) + "\r\n"
	raw, err := readHeadFields(bufio.NewReader(strings.NewReader(head)), nil, 1<<20, 8<<10, 100)
	if err != nil || string(raw) != head || headerFields(raw) != 100 {
		t.Errorf("100 fields: err %v, %d fields; want the head", err, headerFields(raw))
	}
	// Past maxHead before maxFields: 431 as before, errHeadLarge.
	_, err = readHeadFields(bufio.NewReader(strings.NewReader(head)), nil, 200, 8<<10, 100)
	if !errors.Is(err, errHeadLarge) {
		t.Errorf("large head: err = %v; want errHeadLarge", err)
	}
}
