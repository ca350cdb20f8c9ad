package tlsconf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// nameStates records, per name, whether its certificate is in the cache
// (nil) or its last attempt failed. The zero value is ready to use.
type nameStates struct {
	mu      sync.Mutex
	state   map[string]error
	changed chan struct{} // closed and replaced at every change
}

// set records name's outcome.
func (n *nameStates) set(name string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.state == nil {
		n.state = make(map[string]error)
	}
	n.state[name] = err
	if n.changed != nil {
		close(n.changed)
		n.changed = nil
	}
}

// err returns name's last failure, or nil.
func (n *nameStates) err(name string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.state[name]
}

// wait waits until every name has an outcome and returns the failures.
func (n *nameStates) wait(ctx context.Context, names []string) error {
	for {
		n.mu.Lock()
		var errs []error
		missing := 0
		for _, name := range names {
			err, ok := n.state[name]
			if !ok {
				missing++
			} else if err != nil {
				errs = append(errs, err)
			}
		}
		if missing == 0 {
			n.mu.Unlock()
			return errors.Join(errs...)
		}
		if n.changed == nil {
			n.changed = make(chan struct{})
		}
		changed := n.changed
		n.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("tlsconf: acme: waiting for %d of %d certificates: %w", missing, len(names), ctx.Err())
		}
	}
}

// onEvent returns certmagic's event callback: it records each name's
// outcome and logs one line per certificate obtained or failed.
func (st *acmeState) onEvent(log *slog.Logger) func(context.Context, string, map[string]any) error {
	return func(_ context.Context, event string, data map[string]any) error {
		switch event {
		case "cached_managed_cert":
			sans, _ := data["sans"].([]string)
			for _, name := range sans {
				st.names.set(name, nil)
			}
		case "cert_obtained":
			name, _ := data["identifier"].(string)
			renewal, _ := data["renewal"].(bool)
			log.Info("tlsconf: acme: obtained certificate", "name", name, "renewal", renewal)
		case "cert_failed":
			name, _ := data["identifier"].(string)
			cause, _ := data["error"].(error)
			err := acmeErr(name, "obtaining certificate: %v", cause)
			st.names.set(name, err)
			log.Error(err.Error())
		}
		return nil
	}
}

// ok returns the names whose certificate is in the cache.
func (n *nameStates) ok() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var names []string
	for name, err := range n.state {
		if err == nil {
			names = append(names, name)
		}
	}
	return names
}
