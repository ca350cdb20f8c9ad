package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// Load reads, decodes and validates the file at path. Its error, if any,
// is Errors: every problem found, in the order of the file. Decoding stops
// at the first syntax or type error; unknown keys and the checks made
// after decoding are all reported.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		msg := "cannot read the file"
		switch {
		case errors.Is(err, fs.ErrNotExist):
			msg = "no such file"
		case errors.Is(err, fs.ErrPermission):
			msg = "permission denied"
		}
		return nil, Errors{{File: path, Msg: msg, Hint: "give the path of a TOML file, such as trio.toml"}}
	}
	return Parse(path, data)
}

// Parse decodes and validates data as the contents of the file at path,
// which locates relative paths and names the file in errors.
func Parse(path string, data []byte) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error()}}
	}
	c := &Config{Path: abs}
	idx := index(data)
	if err := toml.NewDecoder(bytes.NewReader(data)).DisallowUnknownFields().Decode(c); err != nil {
		errs := decodeErrors(path, idx, err)
		errs.sort()
		return nil, errs
	}
	v := &checker{name: path, dir: filepath.Dir(abs), pos: idx}
	v.config(c)
	if len(v.errs) > 0 {
		v.errs.sort()
		return nil, v.errs
	}
	return c, nil
}

// decodeErrors turns go-toml's errors into Errors.
func decodeErrors(file string, idx *positions, err error) Errors {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs Errors
		for i := range strict.Errors {
			errs = append(errs, unknownKey(file, idx, &strict.Errors[i]))
		}
		return errs
	}
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return Errors{{File: file, Line: 1, Col: 1, Msg: err.Error()}}
	}
	line, col := de.Position()
	e := &Error{File: file, Line: line, Col: col, Key: idx.byPos[pos{line, col}]}
	if e.Key == "" && len(de.Key()) > 0 {
		e.Key = joinAll(de.Key())
	}
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	switch m := mismatch.FindStringSubmatch(msg); {
	case m != nil:
		typ := typeAt(de.Key())
		if strings.HasSuffix(e.Key, "]") && typ != nil && typ.Kind() == reflect.Slice {
			typ = typ.Elem() // an element of the array is at fault
		}
		e.Msg = fmt.Sprintf("expected %s, got %s", describe(typ), article(m[1]))
		e.Hint = typeHint(typ)
	case msg == errBadDuration.Error():
		e.Msg, e.Hint = msg, "units are ns, us, ms, s, m and h"
	case strings.Contains(msg, "already defined"):
		e.Msg, e.Hint = "set twice", "a key may be set once in a table"
	default:
		e.Msg, e.Hint = "TOML syntax: "+msg, "see https://toml.io/en/v1.0.0"
	}
	return Errors{e}
}

// mismatch matches go-toml's type errors.
var mismatch = regexp.MustCompile(`^cannot decode TOML (\w+(?: \w+)?) into`)

// unknownKey describes a key or table that Config does not have.
func unknownKey(file string, idx *positions, de *toml.DecodeError) *Error {
	line, col := de.Position()
	names := de.Key()
	e := &Error{File: file, Line: line, Col: col, Key: idx.byPos[pos{line, col}], Msg: "unknown key"}
	if strings.HasSuffix(de.Error(), "missing table") {
		e.Msg = "unknown table"
	}
	if e.Key == "" {
		e.Key = joinAll(names)
	}
	if len(names) > 0 {
		e.Hint = keyHint(names[len(names)-1], validKeys(names[:len(names)-1]))
	}
	return e
}

// joinAll joins key parts as join does.
func joinAll(names []string) string {
	path := ""
	for _, n := range names {
		path = join(path, n)
	}
	return path
}

// typeAt returns the Go type that the key names (without indexes) decode
// into, or nil.
func typeAt(names []string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for _, n := range names {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			f, ok := fieldByKey(t, n)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
	}
	return t
}

// fieldByKey finds the field of struct t whose toml tag is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("toml"), ","); tag == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// validKeys lists the keys of the table that names leads to, sorted.
func validKeys(names []string) []string {
	t := typeAt(names)
	for t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer) {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	slices.Sort(keys)
	return keys
}

// describe names what a value of type t is written as.
func describe(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	if t == reflect.TypeFor[Duration]() {
		return `a duration string such as "10s"`
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	case reflect.Map:
		return "a table of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	case reflect.Struct:
		return "a table"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return "an array of tables"
		}
		return "an array of " + strings.TrimPrefix(strings.TrimPrefix(describe(t.Elem()), "a "), "an ") + "s"
	}
	return t.String()
}

// typeHint says how to write a value of type t.
func typeHint(t reflect.Type) string {
	if t == nil {
		return ""
	}
	if t == reflect.TypeFor[Duration]() {
		return `write it in quotes, such as "30s"`
	}
	switch t.Kind() {
	case reflect.String:
		return "put the value in quotes"
	case reflect.Bool:
		return "write true or false, without quotes"
	case reflect.Int:
		return "write the number without quotes"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			return "write each element as a [[table]]"
		}
		return `write it in brackets, such as ["a", "b"]`
	case reflect.Map, reflect.Struct:
		return "write it as a [table] or { key = value }"
	}
	return ""
}

// article puts "a" or "an" before a go-toml type name.
func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}
