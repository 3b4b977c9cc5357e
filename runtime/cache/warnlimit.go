package cache

import (
	"sync"
	"time"
)

// warnPeriod is the least time between two warnings of one kind that can repeat without bound (LRU
// evictions, failed capability checks, malformed events); the ones in between go to debug and are
// counted in the next warning.
const warnPeriod = 10 * time.Second

// warnLimiter rate-limits one kind of warning. The zero value with a period is ready to use.
type warnLimiter struct {
	mu     sync.Mutex
	period time.Duration
	last   time.Time // of the last warning; zero before the first
	count  int       // occurrences since the last warning
}

// note records one occurrence at now. It returns whether a warning is due and, when it is, how
// many occurrences it stands for (this one and those since the last warning).
func (l *warnLimiter) note(now time.Time) (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	if !l.last.IsZero() && now.Sub(l.last) < l.period {
		return 0, false
	}
	n := l.count
	l.last, l.count = now, 0
	return n, true
}
