package lab

import (
	"context"
	"time"
)

// settle waits until the link has carried no packet for a quiet spell (three
// round trips, at least 100 ms, so that closing connections finish their
// goodbyes), or 3 s have passed, so that one measurement's packets do not
// draw from the next one's drop sequence.
func (l *Link) settle(ctx context.Context) {
	quiet := max(100*time.Millisecond, 6*l.Impairment().Delay)
	deadline := time.Now().Add(3 * time.Second)
	count := func() uint64 {
		st := l.Stats()
		return st.Up.Packets + st.Up.Dropped + st.Up.Overflow + st.Down.Packets + st.Down.Dropped + st.Down.Overflow
	}
	last, since := count(), time.Now()
	for time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(20 * time.Millisecond)
		if n := count(); n != last {
			last, since = n, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
	}
}
