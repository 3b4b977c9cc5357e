// Package ctxtime holds the waits that the runtime's retry loops share (request retries, auto-auth
// back-off, the static secret event stream): a sleep that a context ends early.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits for d, or until ctx ends. It reports whether the whole wait passed (false: ctx ended
// first).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
