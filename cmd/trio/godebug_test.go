package main

import "testing"

func TestNeedsXConnect(t *testing.T) {
	tests := []struct {
		args    []string
		godebug string
		want    bool
	}{
		{[]string{"serve", "--h2-engine", "std"}, "", true},
		{[]string{"serve", "-h2-engine=std", "dir"}, "madvdontneed=1", true},
		{[]string{"serve", "--h2-engine", "std"}, "http2xconnect=1", false},
		{[]string{"serve", "--h2-engine", "std"}, "x=1,http2xconnect=1", false},
		{[]string{"serve", "--h2-engine", "trio"}, "", false},
		{[]string{"serve"}, "", false},
		{[]string{"serve", "--h2-engine"}, "", false},
	}
	for _, tt := range tests {
		if got := needsXConnect(tt.args, tt.godebug); got != tt.want {
			t.Errorf("needsXConnect(%q, %q) = %v; want %v", tt.args, tt.godebug, got, tt.want)
		}
	}
}
