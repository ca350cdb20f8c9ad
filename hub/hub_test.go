package hub_test

import (
	"testing"

	"github.com/triohttp/trio/hub"
	"github.com/triohttp/trio/hub/hubtest"
)

// TestLocal runs the conformance suite on the in-process broker.
func TestLocal(t *testing.T) {
	hubtest.Run(t, func(t *testing.T, n int) []hub.Broker {
		bs := hub.NewLocalCluster(hubtest.History, n)
		t.Cleanup(func() {
			for _, b := range bs {
				b.Close()
			}
		})
		return bs
	})
}
