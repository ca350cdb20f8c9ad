package altsvc

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    []Service
		wantErr string
	}{
		{`h3=":443"; ma=86400`, []Service{{"h3", "", 443, 24 * time.Hour, false}}, ""},
		{`h3=":8443"`, []Service{{"h3", "", 8443, 24 * time.Hour, false}}, ""},
		{`h3="alt.example:443"; ma=60; persist=1, h2=":443"`, []Service{
			{"h3", "alt.example", 443, time.Minute, true}, {"h2", "", 443, 24 * time.Hour, false}}, ""},
		{`h3="[::1]:9"`, []Service{{"h3", "::1", 9, 24 * time.Hour, false}}, ""},
		{`clear`, nil, "clear"},
		{`h3`, nil, "lacks protocol-id=authority"},
		{`h3=":0"`, nil, "bad port"},
		{`h3=":443"; ma=soon`, nil, "not a number"},
		{`h3=":443`, nil, "unterminated"},
		{``, nil, "no alternative"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Parse(%q) error = %v; want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`h3=":443"; ma=86400`, `h3="a:1";persist=1,h2=":2"`, `clear`, `h3="\"x:1"`, `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		svcs, err := Parse(v)
		if err != nil {
			return
		}
		for _, s := range svcs {
			if s.Port < 1 || s.Port > 65535 || s.Protocol == "" || s.MaxAge < 0 {
				t.Fatalf("Parse(%q) gave invalid %+v", v, s)
			}
		}
	})
}
