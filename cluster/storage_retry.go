package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// storageRetryFor bounds how long a Storage call retries while the
// cluster is electing a new leader for the bucket (a node was lost) or
// the connection is moving to another node. Elections take a few hundred
// milliseconds on a LAN.
const storageRetryFor = 10 * time.Second

// storageAttemptTimeout bounds each request of a Storage call: a request
// sent as a node is lost may get no reply at all, and is then sent again.
const storageAttemptTimeout = 2 * time.Second

// kvRetry runs op until it succeeds or fails for good, retrying what a lost
// node or a moving connection causes (no responder, timeouts, JetStream
// unavailable, no reply within storageAttemptTimeout) with a growing
// pause, for storageRetryFor or until ctx ends. A write whose reply was lost may run twice: Put is idempotent,
// and Create and Update then fail as if another instance had written,
// which the lock logic survives (see Storage).
func kvRetry[T any](ctx context.Context, op func(context.Context) (T, error)) (T, error) {
	deadline := time.Now().Add(storageRetryFor)
	pause := 25 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, storageAttemptTimeout)
		v, err := op(actx)
		cancel()
		if err == nil || !kvTransient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return v, err
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, err
		case <-t.C:
		}
		pause = min(2*pause, time.Second)
	}
}

// kvRetry0 is kvRetry for operations that return only an error.
func kvRetry0(ctx context.Context, op func(context.Context) error) error {
	_, err := kvRetry(ctx, func(ctx context.Context) (struct{}, error) { return struct{}{}, op(ctx) })
	return err
}

// kvTransient reports whether err comes from the cluster being briefly
// unable to answer, rather than from the request.
func kvTransient(err error) bool {
	var api *jetstream.APIError
	switch {
	case errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrTimeout), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrConnectionReconnecting), errors.Is(err, nats.ErrDisconnected):
		return true
	case errors.As(err, &api):
		return api.Code == 503 // JetStream temporarily unavailable (no leader yet)
	}
	return false
}
