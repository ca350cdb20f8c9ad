package config

import (
	"reflect"
	"strconv"

	"github.com/pelletier/go-toml/v2/unstable"
)

// A pos is a place in the file, 1-based.
type pos struct{ line, col int }

// positions maps each key path of a document ("site[1].tls.cert") to
// where its key and its value are, so that errors found after decoding
// can name a line and column. Paths of array-of-tables elements and array
// elements carry their index.
type positions struct {
	key    map[string]pos    // path -> its key (for a table, its header)
	value  map[string]pos    // path -> its value (for a table, its header)
	byPos  map[pos]string    // key or value position -> path
	arrays map[string]int    // [[array]] path -> elements so far
	kinds  map[string]string // path -> TOML kind of its value, for messages
	parser unstable.Parser
}

// index parses data and records every path. It stops at a syntax error,
// which the decoder reports.
func index(data []byte) *positions {
	p := &positions{
		key: map[string]pos{}, value: map[string]pos{}, byPos: map[pos]string{},
		arrays: map[string]int{}, kinds: map[string]string{},
	}
	p.parser.Reset(data)
	prefix := ""
	for p.parser.NextExpression() {
		e := p.parser.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			p.keyValue(prefix, e)
		case unstable.Table:
			prefix = p.table(e, false)
		case unstable.ArrayTable:
			prefix = p.table(e, true)
		}
	}
	return p
}

// at returns the position of r.
func (p *positions) at(r unstable.Range) pos {
	sh := p.parser.Shape(r)
	return pos{sh.Start.Line, sh.Start.Column}
}

// table records a [table] or [[array]] header and returns its path.
func (p *positions) table(e *unstable.Node, array bool) string {
	path := ""
	var first pos
	var names []string
	for it := e.Key(); it.Next(); {
		k := it.Node()
		if path == "" {
			first = p.at(k.Raw)
		}
		path = join(path, string(k.Data))
		names = append(names, string(k.Data))
		switch n := p.arrays[path]; {
		case it.IsLast() && array:
			p.arrays[path] = n + 1
			path += "[" + strconv.Itoa(n) + "]"
		case n > 0:
			path += "[" + strconv.Itoa(n-1) + "]"
		case it.IsLast() && isTableArray(names):
			p.arrays[path] = 1 // [site] for [[site]]: go-toml decodes it as the one element
			path += "[0]"
		}
	}
	p.record(path, first, first, "table")
	return path
}

// isTableArray reports whether the key names an array of tables in Config.
func isTableArray(names []string) bool {
	t := typeAt(names)
	return t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct
}

// keyValue records key = value under prefix, and what the value holds.
func (p *positions) keyValue(prefix string, e *unstable.Node) {
	path := prefix
	var first pos
	for it := e.Key(); it.Next(); {
		if path == prefix {
			first = p.at(it.Node().Raw)
		}
		path = join(path, string(it.Node().Data))
	}
	p.val(path, first, e.Value())
}

// val records the value v of path, whose key is at k.
func (p *positions) val(path string, k pos, v *unstable.Node) {
	at := k // arrays and inline tables have no range of their own
	if v.Raw.Length > 0 {
		at = p.at(v.Raw)
	}
	p.record(path, k, at, kindName(v.Kind))
	switch v.Kind {
	case unstable.InlineTable:
		for it := v.Children(); it.Next(); {
			if c := it.Node(); c.Kind == unstable.KeyValue {
				p.keyValue(path, c)
			}
		}
	case unstable.Array:
		i := 0
		for it := v.Children(); it.Next(); i++ {
			el := it.Node()
			elPos := k
			if el.Raw.Length > 0 {
				elPos = p.at(el.Raw)
			}
			p.val(path+"["+strconv.Itoa(i)+"]", elPos, el)
		}
	}
}

func (p *positions) record(path string, k, v pos, kind string) {
	p.key[path], p.value[path], p.kinds[path] = k, v, kind
	if _, ok := p.byPos[k]; !ok {
		p.byPos[k] = path
	}
	if _, ok := p.byPos[v]; !ok {
		p.byPos[v] = path
	}
}

// join appends key to path, quoting it if it is not a bare key.
func join(path, key string) string {
	if !bare(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// bare reports whether key can be written unquoted in TOML.
func bare(key string) bool {
	if key == "" {
		return false
	}
	for _, c := range []byte(key) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// kindName names a TOML kind in messages: "a string", "an array".
func kindName(k unstable.Kind) string {
	switch k {
	case unstable.String:
		return "a string"
	case unstable.Bool:
		return "a boolean"
	case unstable.Integer:
		return "an integer"
	case unstable.Float:
		return "a float"
	case unstable.Array:
		return "an array"
	case unstable.InlineTable:
		return "a table"
	}
	return "a date or time"
}
