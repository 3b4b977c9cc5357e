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
