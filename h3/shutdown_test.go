package h3

import (
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
)

func TestShutdownHooks(t *testing.T) {
	a, b := new(http3.Server), new(http3.Server)
	ran := make(chan string, 3)
	RegisterOnShutdown(a, func() { ran <- "a1" })
	RegisterOnShutdown(a, func() { ran <- "a2" })
	RegisterOnShutdown(b, func() { ran <- "b" })
	RunShutdownHooks(a)
	got := map[string]bool{}
	for range 2 {
		select {
		case s := <-ran:
			got[s] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("hooks of a ran: %v; want a1 and a2", got)
		}
	}
	if !got["a1"] || !got["a2"] {
		t.Errorf("hooks ran: %v; want a1 and a2", got)
	}
	RunShutdownHooks(a) // forgotten: nothing runs twice
	select {
	case s := <-ran:
		t.Errorf("hook %q ran after RunShutdownHooks(a) again, or for the wrong server", s)
	case <-time.After(50 * time.Millisecond):
	}
	RunShutdownHooks(b)
	if s := <-ran; s != "b" {
		t.Errorf("b's hook sent %q", s)
	}
}
