package cache

import "container/list"

// lru bounds the cache: every entry, most recently used first, with their total size and the
// limits beyond which the least recently used are evicted.
type lru struct {
	list       *list.List // of *entry, most recently used at the front
	bytes      int64      // sum of entry sizes
	maxEntries int
	maxBytes   int64
	warn       warnLimiter // size-limit evictions are warned about at most once per warnPeriod
}

// newLRU returns an empty lru with Options.MaxEntries and MaxBytes; 0 means the default.
func newLRU(maxEntries int, maxBytes int64) lru {
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxBytes
	}
	return lru{list: list.New(), maxEntries: maxEntries, maxBytes: maxBytes, warn: warnLimiter{period: warnPeriod}}
}

// over reports whether the cache holds more than its limits allow.
func (l *lru) over() bool { return l.list.Len() > l.maxEntries || l.bytes > l.maxBytes }

// trimLocked evicts the least recently used entries while the cache is over its limits. It warns
// at most once per warnPeriod, with the number evicted since the last warning: a cache at its
// limit evicts on every store, and one line each would drown the log.
func (c *Cache) trimLocked() {
	for c.lru.over() {
		old := c.lru.list.Back().Value.(*entry)
		if n, ok := c.lru.warn.note(c.now()); ok {
			c.log.Warn("cache: size limit reached, evicting the least recently used entries",
				"max_entries", c.lru.maxEntries, "max_bytes", c.lru.maxBytes, "entries", c.lru.list.Len(), "bytes", c.lru.bytes,
				"evicted", n, "path", old.path, "namespace", old.namespace)
		}
		c.evictLocked(old, reasonLRU, false)
	}
}
