package cache

import (
	"errors"
	"fmt"
	"os"
)

// openPersist opens the cache file of o (openPersistence) and restores its entries: tokens first,
// then leases, each in the order they were created, skipping those past their expiry (but, with
// ServeStaleFor, those within it of their expiry go to the stale store, restoreStaleLocked). The
// restored entries are indexed at once (they answer hits) but their renewers wait for Start, so that
// New sends no request. With keep_after_import they are written, in the same order, to the new
// file that then replaces the old one. A token's parent and a lease's owner need not be restored
// with it: as in memory, a child stays cached when its parent is not (the auto-auth token, an
// evicted parent), and its renewer finds out whether it is still valid. (Vault Proxy refuses such
// an entry, "could not find parent Token", and counts it as a restore error.)
func (c *Cache) openPersist(o PersistOptions) error {
	st, imp, err := openPersistence(o, c.log)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.persist.store, c.persist.autoAuthID, c.persist.exitOnErr = st, o.AutoAuthIdentity, o.ExitOnErr
	if imp == nil {
		return nil
	}
	c.persist.removeOnStart = imp.remove
	switch {
	case imp.autoAuth == "":
	case o.AutoAuthIdentity == "":
		c.log.Warn("cache persist: the file holds an auto-auth token, but this configuration has no auto_auth " +
			"method that uses one; it is not used")
	case imp.autoAuthID != o.AutoAuthIdentity:
		c.log.Warn("cache persist: the stored auto-auth token belongs to another auto_auth configuration " +
			"(method, mount_path, namespace or config changed); it is not used, auto-auth logs in")
	default:
		c.persist.autoAuth0 = imp.autoAuth
	}
	now := c.now()
	expired := 0
	var ended []*entry // past their lease's end, within ServeStaleFor of it
	// Static secret entries would be restored here, after the tokens and leases.
	for _, b := range []struct {
		kind entryKind
		recs []record
	}{{kindToken, imp.tokens}, {kindLease, imp.leases}} {
		for _, r := range b.recs {
			e := entryOf(b.kind, r)
			if !now.Before(e.expires) {
				if c.stale.on() && !now.After(e.expires.Add(c.stale.keep)) {
					ended = append(ended, e)
				} else {
					expired++
				}
				continue
			}
			if c.idx.byKey[e.key] != nil || e.kind == kindToken && c.idx.byToken[e.token] != nil ||
				e.kind == kindLease && c.idx.byLease[e.lease] != nil {
				// Never written so (maybeStore refuses duplicates); dropped rather than trusted.
				c.log.Warn("cache persist: duplicate entry in the file; dropped", "path", e.path)
				continue
			}
			c.indexLocked(e)
			e.unverified = make(chan struct{}) // closed by its first renewal (verify.go)
			e.attemptFailed = make(chan struct{})
			c.persist.restored = append(c.persist.restored, e)
		}
	}
	for c.lru.over() {
		c.evictLocked(c.lru.list.Back().Value.(*entry), reasonLRU, false)
	}
	c.restoreStaleLocked(ended)
	if st != nil {
		if err := c.rewriteLocked(st); err != nil {
			c.persist.store = nil
			st.close()
			os.Remove(st.file)
			return err
		}
	}
	c.log.Info("cache persist: restored the cache", "entries", c.lru.list.Len(), "stale", len(c.stale.byKey), "expired_skipped", expired,
		"auto_auth_token", c.persist.autoAuth0 != "", "file_kept", st != nil)
	return nil
}

// rewriteLocked writes the restored entries (the stale ones too) and the auto-auth token to the new file st, before the
// writer gets anything else, and puts it in place of the restored one.
func (c *Cache) rewriteLocked(st *store) error {
	var ops []storeOp
	write := func(e *entry) {
		e.seq = st.next
		st.next++
		ops = append(ops, storeOp{bucket: bucketOf(e), seq: e.seq, rec: recordLocked(e)})
	}
	for _, e := range c.persist.restored {
		if !e.evicted {
			write(e)
		}
	}
	for _, s := range c.stale.byKey {
		write(s.e)
	}
	if c.persist.autoAuth0 != "" {
		ops = append(ops, storeOp{autoAuth: &c.persist.autoAuth0, autoAuthID: c.persist.autoAuthID})
	}
	if err := st.apply(ops); err != nil {
		return fmt.Errorf("cache persist: writing the restored entries to %s: %w", st.file, err)
	}
	return st.replace()
}

// entryOf rebuilds an entry from its record (its place in the new file is given when written).
func entryOf(kind entryKind, r record) *entry {
	e := &entry{
		kind:      kind,
		status:    r.Status,
		header:    r.Header,
		body:      r.Body,
		stored:    r.Stored,
		expires:   r.Expires,
		path:      r.Path,
		namespace: r.Namespace,
		renewNS:   r.RenewNS,
		leasePath: r.LeasePath,
		duration:  r.Duration,
		token:     r.Token,
		accessor:  r.Accessor,
		parent:    r.Parent,
		lease:     r.Lease,
		owner:     r.Owner,
	}
	copy(e.key[:], r.Key)
	if e.header == nil {
		e.header = map[string][]string{}
	}
	e.ttl = durationSpan(e.body, kind)
	e.size = int64(len(e.body)) + headerSize(e.header) + entryOverhead
	return e
}

// recordLocked is e as stored; it copies the fields that change (parent, expires) under Cache.mu.
func recordLocked(e *entry) *record {
	return &record{
		Key:       e.key[:],
		Status:    e.status,
		Header:    e.header,
		Body:      e.body,
		Stored:    e.stored.UTC(),
		Expires:   e.expires.UTC(),
		Path:      e.path,
		Namespace: e.namespace,
		RenewNS:   e.renewNS,
		LeasePath: e.leasePath,
		Duration:  e.duration,
		Token:     e.token,
		Accessor:  e.accessor,
		Parent:    e.parent,
		Lease:     e.lease,
		Owner:     e.owner,
	}
}

func bucketOf(e *entry) string {
	if e.kind == kindLease {
		return bucketLease
	}
	return bucketToken
}

// persistLocked writes e (new, or changed: its expiry after a renewal, its parent after
// revoke-orphan) to the cache file, when there is one.
func (c *Cache) persistLocked(e *entry) {
	if c.persist.store == nil || c.closed || e.evicted {
		return
	}
	if e.seq == 0 {
		e.seq = c.persist.store.next
		c.persist.store.next++
	}
	c.persist.store.queue(storeOp{bucket: bucketOf(e), seq: e.seq, rec: recordLocked(e)})
}

// unpersistLocked deletes e from the cache file, when there is one.
func (c *Cache) unpersistLocked(e *entry) {
	if c.persist.store == nil || c.closed || e.seq == 0 {
		return
	}
	c.persist.store.queue(storeOp{bucket: bucketOf(e), seq: e.seq})
}

// flushStoreLocked empties the file's token and lease buckets (cache-clear "all", as Vault Proxy's
// flush of its persistent storage). The auto-auth token stays: it is not a cache entry.
func (c *Cache) flushStoreLocked() {
	if c.persist.store == nil || c.closed {
		return
	}
	c.persist.store.queue(storeOp{flush: true})
}

func (c *Cache) closeStore() error {
	c.mu.Lock()
	st := c.persist.store
	c.persist.store = nil
	c.mu.Unlock()
	if st == nil {
		return nil
	}
	return st.close()
}

// Start starts the renewers of the entries restored from the cache file; each renews at once, as a
// new entry's does (at most initialRenewals at a time), and is evicted if Vault refuses. Until that
// first renewal succeeds a restored entry is not served (verify.go). Without keep_after_import it
// then deletes the restored file, as Vault Proxy does after its restore: only now, once the runtime
// has bound its listeners and serves, so that a start that fails before keeps the file. The error
// is that deletion's, returned only with exit_on_err (else logged). New sends no request; the
// runtime calls Start when it starts serving. Calling it again does nothing.
func (c *Cache) Start() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	for _, e := range c.persist.restored {
		if !e.evicted {
			c.startRenewalLocked(e)
		}
	}
	c.persist.restored = nil
	file := c.persist.removeOnStart
	c.persist.removeOnStart = ""
	if file == "" {
		return nil
	}
	if err := os.Remove(file); err != nil && !errors.Is(err, os.ErrNotExist) {
		if c.persist.exitOnErr {
			return fmt.Errorf("cache persist: removing %s after the restore (exit_on_err is set): %w", file, err)
		}
		c.log.Error("cache persist: cannot remove the restored file", "file", file, "error", err)
	}
	return nil
}

// RestoredAutoAuthToken returns the auto-auth token of the cache file New restored from, or "".
// Auto-auth is to verify it (lookup-self) before using it: it may have been revoked, or have
// expired, while the proxy was stopped.
func (c *Cache) RestoredAutoAuthToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.persist.autoAuth0
}

// StoreAutoAuthToken writes the current auto-auth token to the cache file (when there is one), to
// be given back by RestoredAutoAuthToken at the next start. The runtime calls it whenever auto-auth
// gets a new token. The cache's managed check does not use it: that asks Options.AutoAuthToken.
func (c *Cache) StoreAutoAuthToken(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.persist.store == nil || c.closed || token == "" || c.persist.autoAuthID == "" {
		return
	}
	c.persist.store.queue(storeOp{autoAuth: &token, autoAuthID: c.persist.autoAuthID})
}
