package autoauth

import (
	"math/rand/v2"
	"time"
)

// backoff is the wait between failed logins: it starts at min, doubles after each failure up to max,
// and each wait is shortened by up to 25% at random (jitter), as Vault's sdk/helper/backoff does.
type backoff struct {
	min, max, cur time.Duration
}

func newBackoff(min, max time.Duration) *backoff {
	if min <= 0 {
		min = time.Second
	}
	if max < min {
		max = min
	}
	return &backoff{min: min, max: max, cur: min}
}

// next returns the wait before the next attempt and doubles the base for the one after.
func (b *backoff) next() time.Duration {
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	jitter := time.Duration(rand.Int64N(int64(d)/4 + 1))
	return d - jitter
}

func (b *backoff) reset() { b.cur = b.min }
